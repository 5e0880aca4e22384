# SPDX-License-Identifier: MIT
# The ring-0 test guests: freestanding ET_EXEC images that hv loads into a
# partition and enters in long mode. The boot scenarios (most of them in
# vmx-guests.scn and grant-guests.scn, several guests to a boot) put
# $(BUILD)/guest/tests/<name>.elf on the ESP as hv/tests/<name>.elf.
# Included by the top-level Makefile, which defines BUILD.
#
# A guest <name> is guest/tests/<name>.c plus any guest/tests/<name>-*.asm,
# linked with the runtime in guest/tests/rt/ and lib/fmt.c, lib/string.c.

GT_SRC := guest/tests
GT_OUT := $(BUILD)/guest/tests

GUEST_TEST_NAMES := virt vmxon ept ports cr8 vmcall3 com2 ticker spin \
	cpuidloop statecheck apictimer mgmt lifecycle faultinfo smp2 msrs \
	smpstop debug stall shutrace cpuidwalk idlewake pcwatch vmcheck
GUEST_TEST_ELFS := $(GUEST_TEST_NAMES:%=$(GT_OUT)/%.elf)

NASM ?= nasm

# No PIE and -mcmodel=small: the image is linked at its load address below
# 2 GiB. No red zone: exception frames land on the interrupted stack in
# ring 0. No unwind tables or CET notes, which a guest has no use for.
GT_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pie -fno-stack-protector \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-asynchronous-unwind-tables -fcf-protection=none \
	-Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	-Wshadow \
	-I. -Iinclude -MMD -MP
GT_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack \
	-T $(GT_SRC)/guest.ld

# Objects are rebuilt when the flags change.
GT_DEPS := $(MAKEDEPS) $(GT_SRC)/guest.mk

GT_RT_OBJS := $(patsubst $(GT_SRC)/%,$(GT_OUT)/%.o, \
	$(basename $(wildcard $(GT_SRC)/rt/*.c $(GT_SRC)/rt/*.asm))) \
	$(GT_OUT)/lib/fmt.o $(GT_OUT)/lib/string.o

# The objects of guest $(1), runtime excluded.
gt_objs = $(GT_OUT)/$(1).o \
	$(patsubst $(GT_SRC)/%.asm,$(GT_OUT)/%.o, \
		$(wildcard $(GT_SRC)/$(1)-*.asm))

GT_ALL_OBJS := $(GT_RT_OBJS) \
	$(foreach t,$(GUEST_TEST_NAMES),$(call gt_objs,$(t)))

$(GT_OUT)/lib/%.o: lib/%.c $(GT_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CC) $(GT_CFLAGS) -c $< -o $@

$(GT_OUT)/%.o: $(GT_SRC)/%.c $(GT_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CC) $(GT_CFLAGS) -c $< -o $@

$(GT_OUT)/%.o: $(GT_SRC)/%.asm $(GT_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,NASM,$@)$(NASM) -f elf64 -g -MD $(@:.o=.d) -MP $< -o $@

define GT_LINK_RULE
$(GT_OUT)/$(1).elf: $(call gt_objs,$(1)) $(GT_RT_OBJS) $(GT_SRC)/guest.ld
	$$(Q)$$(call say,LD,$$@)$$(LD) $$(GT_LDFLAGS) -o $$@ \
		$(call gt_objs,$(1)) $$(GT_RT_OBJS)
endef
$(foreach t,$(GUEST_TEST_NAMES),$(eval $(call GT_LINK_RULE,$(t))))

# spin linked at 1 MiB, the lowest address hv loads at, so that it fits
# the 2 MiB partitions of the benchmark's density figure. The --defsym
# goes before guest.ld, which reads it.
$(GT_OUT)/spin-low.elf: $(call gt_objs,spin) $(GT_RT_OBJS) $(GT_SRC)/guest.ld
	$(Q)$(call say,LD,$@)$(LD) --defsym=GT_BASE=0x100000 $(GT_LDFLAGS) \
		-o $@ $(call gt_objs,spin) $(GT_RT_OBJS)
GUEST_TEST_ELFS += $(GT_OUT)/spin-low.elf

# idlewake at 1 MiB too: smp-idle-wake.scn creates dozens of children,
# and a 2 MiB child takes half the time of a 4 MiB one to build.
$(GT_OUT)/idlewake-low.elf: $(call gt_objs,idlewake) $(GT_RT_OBJS) \
		$(GT_SRC)/guest.ld
	$(Q)$(call say,LD,$@)$(LD) --defsym=GT_BASE=0x100000 $(GT_LDFLAGS) \
		-o $@ $(call gt_objs,idlewake) $(GT_RT_OBJS)
GUEST_TEST_ELFS += $(GT_OUT)/idlewake-low.elf

-include $(GT_ALL_OBJS:.o=.d)
