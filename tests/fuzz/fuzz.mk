# SPDX-License-Identifier: MIT
# libFuzzer targets for everything hv parses: the manifest, ELF images,
# multiboot images, LZ4 frames, hypercall buffer arguments, VM-exit qualifications
# and the instructions of MMIO accesses; and the VM-entry checker, over
# VMCS images. Built with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer; the lib/ sources use the host libc's memcpy
# and friends, as in the unit tests. Included by
# the top-level Makefile, which defines BUILD, Q and say.
#
# make fuzz           each target for FUZZ_SECONDS (default 60) on a copy
#                     of its corpus in $(BUILD)/fuzz/; fails on any crash
# make fuzz-regress   each target once over every file of its committed
#                     corpus; a few seconds, for `make test`

FUZZ_SRC := tests/fuzz
FUZZ_OUT := $(BUILD)/fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60

# -fno-sanitize-recover makes a UBSan report a crash, not a line of output
# in a run that passes.
FUZZ_SAN := address,undefined
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Wall -Wextra -Werror -Wshadow -I. -Iinclude \
	-DFUZZ_DATA_DIR='"$(abspath tests/unit/data)"'
# Coverage for every object, libFuzzer's main() only at the link.
FUZZ_COMPILE_SAN := -fsanitize=fuzzer-no-link,$(FUZZ_SAN)
FUZZ_LINK_SAN := -fsanitize=fuzzer,$(FUZZ_SAN)

# target name -> the sources it fuzzes (each target is fuzz_NAME.c).
FUZZ_LIB_manifest := lib/manifest.c lib/manifest_lists.c lib/name.c lib/fmt.c
FUZZ_LIB_elf := lib/elf.c lib/load.c lib/fmt.c
FUZZ_LIB_multiboot := lib/multiboot.c lib/load.c lib/fmt.c
FUZZ_LIB_hcargs :=
FUZZ_LIB_vmx_decode := arch/x86/vmx_decode.c
FUZZ_LIB_x86_insn := lib/x86_insn.c
FUZZ_LIB_lz4 := lib/lz4.c lib/fmt.c

# The VM-entry checker mutates the images of tests/unit/data/vmcs/.
FUZZ_LIB_vmcheck := arch/x86/vmcheck.c arch/x86/vmcheck_ctl.c \
	arch/x86/vmcheck_guest.c arch/x86/vmcheck_state.c \
	arch/x86/vmcheck_image.c lib/fmt.c

FUZZ_NAMES := manifest elf multiboot lz4 hcargs vmx_decode x86_insn vmcheck
FUZZ_TARGETS := $(FUZZ_NAMES:%=$(FUZZ_OUT)/fuzz_%)

# Libraries are built apart from the unit tests' objects: another compiler,
# other instrumentation.
FUZZ_OBJS := $(sort $(FUZZ_NAMES:%=$(FUZZ_OUT)/obj/$(FUZZ_SRC)/fuzz_%.o) \
	$(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(foreach t,$(FUZZ_NAMES),$(FUZZ_LIB_$(t)))))

$(FUZZ_OBJS): $(FUZZ_OUT)/obj/%.o: %.c $(FUZZ_SRC)/fuzz.mk
	@mkdir -p $(@D)
	$(Q)$(call say,FUZZCC,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_COMPILE_SAN) -MMD -MP -c $< -o $@

define FUZZ_LINK_RULE
$(FUZZ_OUT)/fuzz_$(1): $(FUZZ_OUT)/obj/$(FUZZ_SRC)/fuzz_$(1).o \
		$(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(FUZZ_LIB_$(1)))
	$$(Q)$$(call say,FUZZLD,$$@)$$(FUZZ_CC) $$(FUZZ_LINK_SAN) $$^ -o $$@
endef
$(foreach t,$(FUZZ_NAMES),$(eval $(call FUZZ_LINK_RULE,$(t))))

# Extra libFuzzer options per target: the manifest's keywords are words a
# byte-level mutator would take long to guess.
FUZZ_OPTS_manifest := -dict=$(FUZZ_SRC)/manifest.dict

# Each run starts from a fresh copy of the committed corpus, so that what
# the fuzzer adds stays in $(BUILD)/fuzz/corpus/; a crashing input lands in
# $(BUILD)/fuzz/crash/. Every target runs even after a failure, and the
# line libFuzzer ends with ("Done N runs in S second(s)") is printed.
.PHONY: fuzz fuzz-regress
fuzz: $(FUZZ_TARGETS)
	@failed=""; \
	run() { \
		rm -rf $(FUZZ_OUT)/corpus/$$1; \
		mkdir -p $(FUZZ_OUT)/corpus $(FUZZ_OUT)/crash; \
		cp -R $(FUZZ_SRC)/corpus/$$1 $(FUZZ_OUT)/corpus/$$1; \
		log=$(FUZZ_OUT)/fuzz_$$1.log; \
		echo "== fuzz_$$1, $(FUZZ_SECONDS) s"; \
		if $(FUZZ_OUT)/fuzz_$$1 -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -print_final_stats=1 $$2 \
			-artifact_prefix=$(FUZZ_OUT)/crash/$$1- \
			$(FUZZ_OUT)/corpus/$$1 >$$log 2>&1; then \
			grep '^Done [0-9]* runs' $$log || tail -n 5 $$log; \
		else \
			tail -n 40 $$log; \
			echo "fuzz_$$1 FAILED: see $$log and $(FUZZ_OUT)/crash/"; \
			failed="$$failed fuzz_$$1"; \
		fi; \
	}; \
	$(foreach t,$(FUZZ_NAMES),run $(t) '$(FUZZ_OPTS_$(t))';) \
	if [ -n "$$failed" ]; then \
		echo "fuzzers failed:$$failed"; exit 1; \
	fi

# Files, not the directory: libFuzzer then runs each input once and
# stops, and writes nothing into the committed corpus.
fuzz-regress: $(FUZZ_TARGETS)
	@failed=""; \
	for t in $(FUZZ_NAMES); do \
		if $(FUZZ_OUT)/fuzz_$$t $(FUZZ_SRC)/corpus/$$t/* \
			>$(FUZZ_OUT)/regress_$$t.log 2>&1; then \
			echo "fuzz_$$t: $$(ls $(FUZZ_SRC)/corpus/$$t | wc -l) inputs ok"; \
		else \
			tail -n 40 $(FUZZ_OUT)/regress_$$t.log; \
			failed="$$failed fuzz_$$t"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz regression failed:$$failed"; exit 1; \
	fi

-include $(FUZZ_OBJS:.o=.d)
