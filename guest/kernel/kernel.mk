# SPDX-License-Identifier: MIT
# The guest kernel every partition runs: a freestanding ET_EXEC image
# linked at 2 MiB (guest/kernel/kernel.ld), which the manifests name as
# hv/kernel.elf. It runs the programs of guest/programs/ in ring 3; see
# docs/guest.md. Included by the top-level Makefile, which defines BUILD.

GK_SRC := guest/kernel
GK_OUT := $(BUILD)/guest/kernel

GUEST_KERNEL_ELF := $(GK_OUT)/kernel.elf

NASM ?= nasm

# No PIE and -mcmodel=small: the image is linked at its load address below
# 2 GiB. No red zone: exceptions in ring 0 push their frame on the
# interrupted stack. Frame pointers, for the backtrace of a kernel fault.
# No unwind tables or CET notes, which the kernel has no use for.
GK_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pie -fno-stack-protector \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fcf-protection=none \
	-Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	-Wshadow \
	-I. -Iinclude -MMD -MP
GK_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack \
	-T $(GK_SRC)/kernel.ld

# Objects are rebuilt when the flags change.
GK_DEPS := $(MAKEDEPS) $(GK_SRC)/kernel.mk

GK_C_OBJS := $(patsubst $(GK_SRC)/%.c,$(GK_OUT)/%.o,$(wildcard $(GK_SRC)/*.c))
GK_ASM_OBJS := $(patsubst $(GK_SRC)/%.asm,$(GK_OUT)/%.o,$(wildcard $(GK_SRC)/*.asm))
GK_LIB_OBJS := $(GK_OUT)/lib/fmt.o $(GK_OUT)/lib/string.o
GK_OBJS := $(GK_ASM_OBJS) $(GK_C_OBJS) $(GK_LIB_OBJS)

$(GK_C_OBJS): $(GK_OUT)/%.o: $(GK_SRC)/%.c $(GK_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CC) $(GK_CFLAGS) -c $< -o $@

$(GK_LIB_OBJS): $(GK_OUT)/lib/%.o: lib/%.c $(GK_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CC) $(GK_CFLAGS) -c $< -o $@

$(GK_ASM_OBJS): $(GK_OUT)/%.o: $(GK_SRC)/%.asm $(GK_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,NASM,$@)$(NASM) -f elf64 -g -MD $(@:.o=.d) -MP $< -o $@

$(GUEST_KERNEL_ELF): $(GK_OBJS) $(GK_SRC)/kernel.ld
	$(Q)$(call say,LD,$@)$(LD) $(GK_LDFLAGS) -o $@ $(GK_OBJS)

-include $(GK_OBJS:.o=.d)
