# SPDX-License-Identifier: MIT
# The pc test kernels (guest/tests/pc/rt/pcrt.h): freestanding 32-bit
# multiboot kernels, ELF32 i386 images at 1 MiB, that run in a
# `platform = pc` partition of hv and under qemu-system-x86_64 -kernel.
# Included by the top-level Makefile after guest/tests/guest.mk.
#
# A kernel <name> is guest/tests/pc/<name>.c plus any
# guest/tests/pc/<name>-*.asm, linked with the runtime in
# guest/tests/pc/rt/. Besides the ELF32 images: pcboot64.elf, the same
# pcboot as an ELF64 file (hv loads ELF64 multiboot images too; QEMU does
# not), pcaout.bin, pcboot as a flat binary loaded by the header's address
# fields (flag 16), and module.txt, the module the scenarios pass.

PC_SRC := guest/tests/pc
PC_OUT := $(BUILD)/guest/tests/pc
PC_TEST_NAMES := pcboot pcmodes pcdevices pccpu pcattack pcapic pcsmp pcxapic
PC_TEST_ELFS := $(PC_TEST_NAMES:%=$(PC_OUT)/%.elf)
PC_TEST_OUTPUTS := $(PC_TEST_ELFS) $(PC_OUT)/pcboot64.elf \
	$(PC_OUT)/pcaout.bin $(PC_OUT)/module.txt

# 32-bit, no PIC, no SSE (nothing saves it), no stack protector or CET
# notes: a kernel with nothing under it.
PC_CFLAGS := -m32 -std=gnu11 -O2 -g -ffreestanding -fno-pie -fno-pic \
	-fno-stack-protector -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-fcf-protection=none -fno-builtin \
	-Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
	-I. -Iinclude -MMD -MP
PC_LDFLAGS := -m elf_i386 -nostdlib -static -z max-page-size=4096 \
	-z noexecstack -T $(PC_SRC)/pc.ld
PC_DEPS := $(MAKEDEPS) $(PC_SRC)/pc.mk

PC_RT_OBJS := $(PC_OUT)/rt/pcrt.o $(PC_OUT)/rt/lapic.o $(PC_OUT)/rt/entry.o \
	$(PC_OUT)/rt/long.o

pc_objs = $(PC_OUT)/$(1).o \
	$(patsubst $(PC_SRC)/%.asm,$(PC_OUT)/%.o,$(wildcard $(PC_SRC)/$(1)-*.asm))

PC_ALL_OBJS := $(PC_RT_OBJS) $(PC_OUT)/rt/entry-aout.o \
	$(foreach t,$(PC_TEST_NAMES),$(call pc_objs,$(t)))

$(PC_OUT)/%.o: $(PC_SRC)/%.c $(PC_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,CC32,$@)$(CC) $(PC_CFLAGS) -c $< -o $@

$(PC_OUT)/%.o: $(PC_SRC)/%.asm $(PC_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,NASM,$@)$(NASM) -f elf32 -g -I$(PC_SRC)/rt/ -MD $(@:.o=.d) -MP $< -o $@

$(PC_OUT)/rt/entry-aout.o: $(PC_SRC)/rt/entry.asm $(PC_DEPS)
	@mkdir -p $(@D)
	$(Q)$(call say,NASM,$@)$(NASM) -f elf32 -g -I$(PC_SRC)/rt/ -DAOUT_KLUDGE -MD $(@:.o=.d) -MP $< -o $@

define PC_LINK_RULE
$(PC_OUT)/$(1).elf: $(call pc_objs,$(1)) $(PC_RT_OBJS) $(PC_SRC)/pc.ld
	$$(Q)$$(call say,LD,$$@)$$(LD) $$(PC_LDFLAGS) -o $$@ \
		$(call pc_objs,$(1)) $$(PC_RT_OBJS)
endef
$(foreach t,$(PC_TEST_NAMES),$(eval $(call PC_LINK_RULE,$(t))))

# ELF64 around the same 32-bit code: program headers and entry unchanged.
$(PC_OUT)/pcboot64.elf: $(PC_OUT)/pcboot.elf
	$(Q)$(call say,OBJCOPY,$@)$(OBJCOPY) -O elf64-x86-64 $< $@

# The header's address fields say where the flat file loads.
$(PC_OUT)/pcboot-aout.elf: $(call pc_objs,pcboot) $(PC_OUT)/rt/pcrt.o \
		$(PC_OUT)/rt/entry-aout.o $(PC_SRC)/pc.ld
	$(Q)$(call say,LD,$@)$(LD) $(PC_LDFLAGS) -o $@ $(call pc_objs,pcboot) \
		$(PC_OUT)/rt/pcrt.o $(PC_OUT)/rt/entry-aout.o
$(PC_OUT)/pcaout.bin: $(PC_OUT)/pcboot-aout.elf
	$(Q)$(call say,OBJCOPY,$@)$(OBJCOPY) -O binary $< $@

$(PC_OUT)/module.txt: $(PC_DEPS)
	@mkdir -p $(@D)
	$(Q)printf 'hv pc test module\nthe second line\n' > $@

-include $(PC_ALL_OBJS:.o=.d)
