# SPDX-License-Identifier: MIT
# The user library that every program in guest/programs/ links with: crt0,
# the system-call stubs, printf, and lib/fmt.c and lib/string.c built for
# ring 3. guest/programs/programs.mk includes this file.

ifndef GUEST_LIB_MK
GUEST_LIB_MK := 1

GL_SRC := guest/lib
GL_OUT := $(BUILD)/guest/lib

NASM ?= nasm

# The kernel's flags (guest/kernel/kernel.mk) serve programs too: static,
# linked below 2 GiB, no SSE (the kernel does not enable it), no notes.
GL_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pie -fno-stack-protector \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-asynchronous-unwind-tables -fcf-protection=none \
	-Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	-Wshadow \
	-I. -Iinclude -MMD -MP
GUEST_USER_LD := $(GL_SRC)/user.ld
GUEST_USER_LDFLAGS := -nostdlib -static -z max-page-size=4096 \
	-z noexecstack -T $(GUEST_USER_LD)

GL_DEPS := $(MAKEDEPS) $(GL_SRC)/lib.mk

GL_C_OBJS := $(patsubst $(GL_SRC)/%.c,$(GL_OUT)/%.o,$(wildcard $(GL_SRC)/*.c))
GL_ASM_OBJS := $(patsubst $(GL_SRC)/%.asm,$(GL_OUT)/%.o,$(wildcard $(GL_SRC)/*.asm))
GL_SHARED_OBJS := $(GL_OUT)/shared/fmt.o $(GL_OUT)/shared/string.o \
	$(GL_OUT)/shared/hvnames.o $(GL_OUT)/shared/vmx_names.o
# crt0 first, so that _start opens the text segment.
GUEST_LIB_OBJS := $(GL_ASM_OBJS) $(GL_C_OBJS) $(GL_SHARED_OBJS)

$(GL_C_OBJS): $(GL_OUT)/%.o: $(GL_SRC)/%.c $(GL_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CC) $(GL_CFLAGS) -c $< -o $@

$(filter-out %/vmx_names.o,$(GL_SHARED_OBJS)): $(GL_OUT)/shared/%.o: lib/%.c $(GL_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CC) $(GL_CFLAGS) -c $< -o $@

# The exit reasons' names, for pm's statistics: a pure table in arch/.
$(GL_OUT)/shared/vmx_names.o: arch/x86/vmx_names.c $(GL_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CC) $(GL_CFLAGS) -c $< -o $@

$(GL_ASM_OBJS): $(GL_OUT)/%.o: $(GL_SRC)/%.asm $(GL_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,NASM,$@)$(NASM) -f elf64 -g -MD $(@:.o=.d) -MP $< -o $@

-include $(GUEST_LIB_OBJS:.o=.d)

endif
