# SPDX-License-Identifier: MIT
# Host-built unit tests of lib/ and of the pure-logic parts of hv/ and
# arch/x86/, and of hv's scheduler, lifecycle and hypercall dispatch on a
# fake arch, run under AddressSanitizer and UndefinedBehaviorSanitizer with
# cmocka. Included by the top-level Makefile, which defines BUILD.
# `make unit-test` builds and runs them all; `make unit-mutants` checks
# that the fake-arch tests fail against broken hv (docs/testing.md).

UNIT_SRC := tests/unit
UNIT_OUT := $(BUILD)/unit
UNIT_CC ?= cc

# -fno-sanitize-recover turns every UBSan report into a failed test
# instead of a line of output in a passing run.
UNIT_CFLAGS := -std=gnu11 -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -Wshadow -I. -Iinclude \
	-DUNIT_DATA_DIR='"$(abspath $(UNIT_SRC)/data)"' \
	-DUNIT_REPO_DIR='"$(abspath .)"' \
	-DUNIT_FIXTURE_DIR='"$(abspath $(UNIT_OUT)/fixtures)"'
UNIT_LDFLAGS := -fsanitize=address,undefined
UNIT_LDLIBS := -lcmocka

# test name -> the sources it tests (each test also gets common.c).
UNIT_LIB_elf := lib/elf.c lib/load.c lib/fmt.c
UNIT_LIB_manifest := lib/manifest.c lib/manifest_lists.c lib/name.c lib/fmt.c
UNIT_LIB_multiboot := lib/multiboot.c lib/load.c lib/fmt.c
UNIT_LIB_name := lib/name.c
UNIT_LIB_vmxcap := lib/vmxcap.c lib/fmt.c
UNIT_LIB_acpi := lib/acpi.c
UNIT_LIB_acpigen := lib/acpigen.c lib/acpi.c
UNIT_LIB_linuxboot := lib/linuxboot.c lib/multiboot.c lib/load.c lib/fmt.c
UNIT_LIB_fmt := lib/fmt.c
# test_lz4 runs the lz4 command to make its frames.
UNIT_LIB_lz4 := lib/lz4.c lib/fmt.c
UNIT_LIB_string :=
# hv/ and arch/x86/ sources call memset; on the host libc provides it.
UNIT_LIB_palloc := hv/palloc.c
UNIT_LIB_palloc_search := hv/palloc.c
UNIT_LIB_pt := arch/x86/pt.c arch/x86/ept.c hv/palloc.c
UNIT_LIB_vmcs_names := arch/x86/vmx_names.c arch/x86/vmcs.c lib/fmt.c
UNIT_LIB_vlapic := hv/vlapic.c hv/vlapic_ipi.c hv/vlapic_page.c
UNIT_LIB_vlapic_modes := hv/vlapic.c hv/vlapic_ipi.c hv/vlapic_page.c
UNIT_LIB_vlapic_page := hv/vlapic.c hv/vlapic_ipi.c hv/vlapic_page.c
UNIT_LIB_pcdev := hv/pcdev.c
UNIT_LIB_hcargs :=
# lib/conring.h is all inline.
UNIT_LIB_conring :=
UNIT_LIB_vmx_decode := arch/x86/vmx_decode.c
UNIT_LIB_x86_insn := lib/x86_insn.c
UNIT_LIB_x86_walk := lib/x86_walk.c
UNIT_LIB_mmio := arch/x86/mmio.c lib/x86_insn.c lib/x86_walk.c lib/fmt.c
UNIT_LIB_vmx_events := arch/x86/vmx_events.c
# crcheck.h and mce_assess() in mce.h are inline.
UNIT_LIB_crcheck :=
UNIT_LIB_mce :=
# The test provides what hv/cpuid.c asks of arch/x86 and of the host CPU.
UNIT_LIB_cpuid := hv/cpuid.c
# test_trace.c includes hv/trace.c itself, with the pool and console faked.
UNIT_LIB_trace := arch/x86/vmx_names.c
UNIT_LIB_smp_claim :=
# lib/exitbs.h is all inline.
UNIT_LIB_exitbs :=

UNIT_LIB_ratelimit := hv/ratelimit.c lib/fmt.c
# The VM-entry checker, with its cases (shared with the mutation test).
VMCHECK_SRCS := arch/x86/vmcheck.c arch/x86/vmcheck_ctl.c \
	arch/x86/vmcheck_guest.c arch/x86/vmcheck_state.c arch/x86/vmcheck_image.c
UNIT_LIB_vmcheck := $(VMCHECK_SRCS) lib/fmt.c tests/unit/vmcheck_cases.c

UNIT_NAMES := elf manifest multiboot linuxboot lz4 name vmxcap acpi acpigen fmt string palloc palloc_search pt \
	vmcs_names vlapic vlapic_modes vlapic_page pcdev hcargs vmx_decode trace cpuid vmx_events crcheck mce conring \
	smp_claim exitbs ratelimit x86_insn x86_walk mmio vmcheck

# hv on the host: the scheduler, the partition lifecycle and hypercall
# dispatch, built from the real hv/ sources against the fake arch
# (arch/fake/, selected in hv/arch.h by HV_FAKE_ARCH), with the console
# and the boot info faked by tests/unit/hvhost.c. These objects are built
# apart, under $(UNIT_OUT)/fake/, since the same sources in the tests
# above see arch/x86's types.
UNIT_HV_NAMES := sched sched_scale lifecycle hcall console apic
UNIT_HV_SRCS := hv/sched.c hv/partition.c hv/build.c hv/report.c hv/hcall.c \
	hv/palloc.c hv/stats.c hv/trace.c hv/vuart.c hv/ratelimit.c hv/mem.c \
	hv/policy.c hv/vlapic.c hv/vlapic_ipi.c hv/vlapic_page.c hv/apic.c hv/pcdev.c hv/multiboot.c hv/linux.c hv/pcpower.c hv/load.c arch/fake/fake.c \
	arch/x86/vmx_names.c lib/elf.c lib/multiboot.c lib/linuxboot.c lib/acpigen.c lib/fmt.c lib/hvnames.c \
	lib/name.c $(UNIT_SRC)/hvhost.c \
	$(UNIT_SRC)/common.c
UNIT_FAKE_CFLAGS := $(UNIT_CFLAGS) -DHV_FAKE_ARCH

UNIT_TESTS := $(UNIT_NAMES:%=$(UNIT_OUT)/test_%) $(UNIT_HV_NAMES:%=$(UNIT_OUT)/test_%) \
	$(UNIT_OUT)/test_vmcheck_mutant
UNIT_FIXTURES := $(addprefix $(UNIT_OUT)/fixtures/,pie.elf pie-relr.elf exec.elf)

UNIT_OBJS := $(sort $(UNIT_NAMES:%=$(UNIT_OUT)/$(UNIT_SRC)/test_%.o) \
	$(UNIT_OUT)/$(UNIT_SRC)/common.o \
	$(patsubst %.c,$(UNIT_OUT)/%.o,$(foreach t,$(UNIT_NAMES),$(UNIT_LIB_$(t)))))

$(UNIT_OBJS): $(UNIT_OUT)/%.o: %.c $(UNIT_SRC)/unit.mk
	@mkdir -p $(@D)
	$(Q)$(call say,HOSTCC,$@)$(UNIT_CC) $(UNIT_CFLAGS) -MMD -MP -c $< -o $@

define UNIT_LINK_RULE
$(UNIT_OUT)/test_$(1): $(UNIT_OUT)/$(UNIT_SRC)/test_$(1).o \
		$(UNIT_OUT)/$(UNIT_SRC)/common.o \
		$(patsubst %.c,$(UNIT_OUT)/%.o,$(UNIT_LIB_$(1)))
	$$(Q)$$(call say,HOSTLD,$$@)$$(UNIT_CC) $$(UNIT_LDFLAGS) $$^ $$(UNIT_LDLIBS) -o $$@
endef
$(foreach t,$(UNIT_NAMES),$(eval $(call UNIT_LINK_RULE,$(t))))

# The mutation test: the checker and the cases again, built with one
# rule disabled (arch/x86/vmcheck.h, VMCHECK_DISABLED); the binary passes
# only if that rule's cases then fail (tests/unit/test_vmcheck_mutant.c).
VMCHECK_MUTANT ?= GUEST_SS_RPL
VMCHECK_MUTANT_OBJS := $(patsubst %.c,$(UNIT_OUT)/mutant/%.o,$(VMCHECK_SRCS) \
	tests/unit/vmcheck_cases.c tests/unit/test_vmcheck_mutant.c)

$(VMCHECK_MUTANT_OBJS): $(UNIT_OUT)/mutant/%.o: %.c $(UNIT_SRC)/unit.mk
	@mkdir -p $(@D)
	$(Q)$(call say,HOSTCC,$@)$(UNIT_CC) $(UNIT_CFLAGS) \
		-DVMCHECK_DISABLED=VMCHECK_$(VMCHECK_MUTANT) -MMD -MP -c $< -o $@

$(UNIT_OUT)/test_vmcheck_mutant: $(VMCHECK_MUTANT_OBJS) \
		$(UNIT_OUT)/$(UNIT_SRC)/common.o $(UNIT_OUT)/lib/fmt.o
	$(Q)$(call say,HOSTLD,$@)$(UNIT_CC) $(UNIT_LDFLAGS) $^ $(UNIT_LDLIBS) -o $@

# The host hv tests, built in $(1) with the extra flags $(2): once as they
# are, and once for each mutant below.
define UNIT_HV_RULES
$(1)/%.o: %.c $(UNIT_SRC)/unit.mk
	@mkdir -p $$(@D)
	$$(Q)$$(call say,HOSTCC,$$@)$$(UNIT_CC) $$(UNIT_FAKE_CFLAGS) $(2) -MMD -MP -c $$< -o $$@
-include $$(patsubst %.c,$(1)/%.d,$$(UNIT_HV_SRCS) $$(UNIT_HV_NAMES:%=$$(UNIT_SRC)/test_%.c))
endef

define UNIT_HV_LINK
$(2)/test_$(1): $(3)/$(UNIT_SRC)/test_$(1).o $(UNIT_HV_SRCS:%.c=$(3)/%.o) | $(UNIT_FIXTURES)
	$$(Q)$$(call say,HOSTLD,$$@)$$(UNIT_CC) $$(UNIT_LDFLAGS) $$(filter %.o,$$^) $$(UNIT_LDLIBS) -o $$@
endef

$(eval $(call UNIT_HV_RULES,$(UNIT_OUT)/fake,))
$(foreach t,$(UNIT_HV_NAMES),$(eval $(call UNIT_HV_LINK,$(t),$(UNIT_OUT),$(UNIT_OUT)/fake)))

# Test-only mutants: each HV_MUTANT_* switch in hv/ breaks one thing the
# host hv tests check, and the named test must fail against it
# (docs/testing.md). name:SWITCH:binary:test case.
UNIT_MUTANTS := pinning:HV_MUTANT_PINNING:sched:test_pinning \
	pool-leak:HV_MUTANT_POOL_LEAK:lifecycle:test_destroy_returns_every_page \
	child-mgmt:HV_MUTANT_CHILD_MGMT:hcall:test_child_refused_management
unit_mutant_field = $(word $(2),$(subst :, ,$(1)))
$(foreach m,$(UNIT_MUTANTS),\
	$(eval $(call UNIT_HV_RULES,$(UNIT_OUT)/mutant-$(call unit_mutant_field,$(m),1),-D$(call unit_mutant_field,$(m),2)=1)) \
	$(eval $(call UNIT_HV_LINK,$(call unit_mutant_field,$(m),3),$(UNIT_OUT)/mutant-$(call unit_mutant_field,$(m),1),$(UNIT_OUT)/mutant-$(call unit_mutant_field,$(m),1))))
UNIT_MUTANT_BINS := $(foreach m,$(UNIT_MUTANTS),$(UNIT_OUT)/mutant-$(call unit_mutant_field,$(m),1)/test_$(call unit_mutant_field,$(m),3))

# Each mutant's binary must fail, and in the test case named; a mutant
# that survives fails the target. Part of `make test`.
.PHONY: unit-mutants
unit-mutants: $(UNIT_MUTANT_BINS)
	$(Q)sh $(UNIT_SRC)/mutants.sh $(UNIT_OUT) $(UNIT_MUTANTS)

# test_elf reads the fixtures when it runs, so building it builds them.
$(UNIT_OUT)/test_elf: | $(UNIT_FIXTURES)

# ELF fixtures built by the host compiler: a static PIE with a pointer
# table, the same linked with packed (RELR) relocations, which elf_relocate
# must apply to the same effect, and a position-dependent ET_EXEC.
UNIT_FIXTURE_FLAGS := -nostdlib -O2 -fno-stack-protector -fcf-protection=none \
	-fno-asynchronous-unwind-tables -fno-builtin -Wl,--build-id=none \
	-Wl,-z,max-page-size=4096 -Wl,-z,noexecstack

$(UNIT_OUT)/fixtures/pie.elf: $(UNIT_SRC)/fixtures/pie.c $(UNIT_SRC)/unit.mk
	@mkdir -p $(@D)
	$(Q)$(call say,HOSTCC,$@)$(UNIT_CC) $(UNIT_FIXTURE_FLAGS) -fpie -static-pie $< -o $@

$(UNIT_OUT)/fixtures/pie-relr.elf: $(UNIT_SRC)/fixtures/pie.c $(UNIT_SRC)/unit.mk
	@mkdir -p $(@D)
	$(Q)$(call say,HOSTCC,$@)$(UNIT_CC) $(UNIT_FIXTURE_FLAGS) -fpie -static-pie \
		-Wl,-z,pack-relative-relocs $< -o $@

$(UNIT_OUT)/fixtures/exec.elf: $(UNIT_SRC)/fixtures/pie.c $(UNIT_SRC)/unit.mk
	@mkdir -p $(@D)
	$(Q)$(call say,HOSTCC,$@)$(UNIT_CC) $(UNIT_FIXTURE_FLAGS) -fno-pie -static -no-pie $< -o $@

# Every binary runs once, even after a failure, and any failure fails the
# target.
.PHONY: unit-test
unit-test: $(UNIT_TESTS) $(UNIT_FIXTURES)
	@failed=""; \
	for t in $(UNIT_TESTS); do \
		echo "== $$t"; \
		$$t || failed="$$failed $${t##*/}"; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "unit tests failed:$$failed"; exit 1; \
	fi

-include $(UNIT_OBJS:.o=.d) $(VMCHECK_MUTANT_OBJS:.o=.d)
