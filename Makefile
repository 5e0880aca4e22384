# hv: one non-recursive Makefile. `make` builds the loader, the core and the
# ESP image; `make test` runs the unit tests and the boot scenarios; `make
# run` boots the default manifest. See README.md.

BUILD := build
VERSION := 0.1.0
REVISION := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
BUILD_DATE := $(shell date -u +%Y-%m-%d)

# `make V=1` shows every command; by default each step is one short line.
V ?= 0
ifeq ($(V),0)
Q := @
say = printf '  %-8s %s\n' '$(1)' '$(2)';
else
Q :=
say :=
endif

CC := gcc
LD := ld
NASM := nasm
OBJCOPY := objcopy
PYTHON := python3
# The trace's pictures (tools/traceplot.py) use Debian's python3-matplotlib,
# which belongs to Debian's own python3: that one, where PYTHON is another.
PLOT_PYTHON := $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo $(PYTHON))

# Every object is rebuilt when this file changes, since flags live here.
MAKEDEPS := Makefile

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow
FREESTANDING := -std=gnu11 -O2 -g -ffreestanding -fno-stack-protector \
	-mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mgeneral-regs-only \
	-fno-strict-aliasing -fno-asynchronous-unwind-tables $(WARN) \
	-I. -Iinclude -MMD -MP

VERSION_DEFS := -DHV_VERSION='"$(VERSION)"' -DHV_REVISION='"$(REVISION)"' \
	-DHV_BUILD_DATE='"$(BUILD_DATE)"'

# ---------------------------------------------------------------- hv core
# The core is a static PIE linked at 0; the loader relocates it wherever
# the firmware gave it memory, and hv then runs identity-mapped.
HV_CFLAGS := $(FREESTANDING) -fpie -fvisibility=hidden -fno-omit-frame-pointer \
	-mcmodel=small $(VERSION_DEFS)
# Packed relative relocations (RELR, applied by lib/elf.c): some 1,400
# pointers cost a few hundred bytes of table instead of 24 bytes each.
HV_LDFLAGS := -nostdlib -pie --no-dynamic-linker -z text -z noexecstack \
	-z max-page-size=4096 -z separate-code --no-undefined \
	-z pack-relative-relocs -T linker.ld

HV_SRCS := $(wildcard hv/*.c) \
	$(filter-out arch/x86/asm-offsets.c,$(wildcard arch/x86/*.c)) \
	drivers/uart16550.c lib/fmt.c lib/string.c lib/elf.c lib/hvnames.c \
	lib/vmxcap.c lib/name.c lib/multiboot.c lib/linuxboot.c lib/acpigen.c lib/x86_insn.c \
	lib/x86_walk.c
HV_ASMS := $(wildcard arch/x86/*.asm)
HV_OBJS := $(HV_SRCS:%.c=$(BUILD)/hv/%.o) $(HV_ASMS:%.asm=$(BUILD)/hv/%.o)

# ---------------------------------------------------------------- loader
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
EFI_CFLAGS := $(FREESTANDING) -fpic -fshort-wchar -maccumulate-outgoing-args \
	-DGNU_EFI_USE_MS_ABI -isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 $(VERSION_DEFS)
EFI_LDFLAGS := -nostdlib -znocombreloc -T $(EFI_LIB)/elf_x86_64_efi.lds \
	-shared -Bsymbolic -L$(EFI_LIB) $(EFI_LIB)/crt0-efi-x86_64.o

BOOT_SRCS := $(wildcard boot/*.c) drivers/uart16550.c lib/fmt.c lib/string.c \
	lib/elf.c lib/manifest.c lib/manifest_lists.c lib/name.c lib/vmxcap.c lib/acpi.c \
	lib/multiboot.c lib/linuxboot.c lib/load.c lib/lz4.c
BOOT_OBJS := $(BOOT_SRCS:%.c=$(BUILD)/boot/%.o)

DEFAULT_CONF := boot/default.conf

# The fragments below define rules of their own; `make` alone builds all.
.DEFAULT_GOAL := all

include tests/unit/unit.mk
include tests/fuzz/fuzz.mk
include guest/tests/guest.mk
include guest/tests/pc/pc.mk
include guest/attacks/attacks.mk
include guest/kernel/kernel.mk
include guest/programs/programs.mk

# The files the default manifest names, as SRC:DEST on the ESP.
DEFAULT_ESP_FILES := $(GUEST_KERNEL_ELF):hv/kernel.elf \
	$(BUILD)/guest/programs/pm.elf:hv/programs/pm.elf \
	$(BUILD)/guest/programs/primes.elf:hv/programs/primes.elf \
	$(BUILD)/guest/programs/hello.elf:hv/programs/hello.elf \
	$(BUILD)/guest/programs/count.elf:hv/programs/count.elf \
	$(BUILD)/guest/programs/echo.elf:hv/programs/echo.elf \
	$(BUILD)/linux/vmlinux.lz4:hv/linux/vmlinux.lz4 \
	$(BUILD)/linux/initramfs.cpio.gz:hv/linux/initramfs.cpio.gz

.PHONY: all clean test run bench unit-test deps-test deps-run guests vmcs-images
all: $(BUILD)/BOOTX64.EFI $(BUILD)/hv.elf $(BUILD)/esp.img guests

$(BUILD)/hv/%.o: %.c $(MAKEDEPS)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC,$@)$(CC) $(HV_CFLAGS) -c $< -o $@

# nasm gets struct offsets from C (asm-offsets), never hard-coded.
$(BUILD)/hv/%.o: %.asm $(BUILD)/asm-offsets.inc $(MAKEDEPS)
	@mkdir -p $(dir $@)
	$(Q)$(call say,NASM,$@)$(NASM) -f elf64 -g -I$(BUILD)/ -Iarch/x86/ -MD $(@:.o=.d) -MP $< -o $@

$(BUILD)/asm-offsets.s: arch/x86/asm-offsets.c $(MAKEDEPS)
	@mkdir -p $(dir $@)
	$(Q)$(call say,GEN,$@)$(CC) $(HV_CFLAGS) -S $< -o $@

$(BUILD)/asm-offsets.inc: $(BUILD)/asm-offsets.s
	$(Q)sed -n 's/^.*@@ASM \([A-Z0-9_]*\) \$$\{0,1\}\([0-9-]*\).*$$/%define \1 \2/p' $< > $@

$(BUILD)/hv.debug.elf: $(HV_OBJS) linker.ld
	$(Q)$(call say,LD,$@)$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS)

# The loader reads the whole file from the ESP, and DWARF and the symbol
# table are over half of it; the copy that boots has neither.
# hv.debug.elf keeps both, for nm, gdb, addr2line and tools/bochs_trace.py.
$(BUILD)/hv.elf: $(BUILD)/hv.debug.elf
	$(Q)$(call say,STRIP,$@)$(OBJCOPY) --strip-all $< $@

$(BUILD)/boot/%.o: %.c $(MAKEDEPS)
	@mkdir -p $(dir $@)
	$(Q)$(call say,CC,$@)$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/loader.so: $(BOOT_OBJS)
	$(Q)$(call say,LD,$@)$(LD) $(EFI_LDFLAGS) -o $@ $(BOOT_OBJS) -lefi -lgnuefi

$(BUILD)/BOOTX64.EFI: $(BUILD)/loader.so
	$(Q)$(call say,OBJCOPY,$@)$(OBJCOPY) -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym \
		-j .rel -j .rela -j .rel.* -j .rela.* -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

# The default manifest's Linux child makes the ESP need the Linux images
# (make linux, below), and a larger FAT: the vmlinux is some 40 MiB, 14
# compressed.
$(BUILD)/esp.img: $(BUILD)/BOOTX64.EFI $(BUILD)/hv.elf $(DEFAULT_CONF) \
		tools/mkesp.sh $(GUEST_KERNEL_ELF) $(GUEST_PROGRAM_ELFS) \
		$(BUILD)/linux/vmlinux.lz4 $(BUILD)/linux/initramfs.cpio.gz
	$(Q)$(call say,ESP,$@)sh tools/mkesp.sh $@ $(BUILD)/BOOTX64.EFI \
		$(BUILD)/hv.elf $(DEFAULT_CONF) $(DEFAULT_ESP_FILES)


# ---------------------------------------------------------------- Linux
# Debian's stock kernel and the project's test initramfs (docs/linux.md,
# "Building the images"). The kernel package is whatever linux-image-amd64
# depends on today: fetch-kernel.sh asks apt every time (a second), and
# rewrites vmlinuz only when it changes, so what follows is rebuilt only
# then. HV_LINUX_CACHE names the directory the package is kept in.
LINUX_DIR := $(BUILD)/linux
LINUX_IMAGES := $(LINUX_DIR)/vmlinuz $(LINUX_DIR)/vmlinux $(LINUX_DIR)/vmlinux.lz4 \
	$(LINUX_DIR)/initramfs.cpio.gz

.PHONY: linux linux-kernel
linux: $(LINUX_IMAGES)

linux-kernel:
	$(Q)sh tools/linux/fetch-kernel.sh $(LINUX_DIR)/vmlinuz

$(LINUX_DIR)/vmlinuz: linux-kernel
	@:

$(LINUX_DIR)/vmlinux: $(LINUX_DIR)/vmlinuz tools/linux/extract_vmlinux.py
	$(Q)$(call say,VMLINUX,$@)$(PYTHON) tools/linux/extract_vmlinux.py $< $@

# What the ESPs carry: the loader decompresses an LZ4 frame (lib/lz4.c),
# and reading a third of the bytes is most of its time in Bochs, whose
# disk DMA is paced (docs/testing.md). The loader needs the content size
# in the frame header.
$(LINUX_DIR)/vmlinux.lz4: $(LINUX_DIR)/vmlinux
	$(Q)$(call say,LZ4,$@)lz4 -q -9 -f --content-size $< $@ && touch $@

$(LINUX_DIR)/initramfs.cpio.gz: tools/linux/mkinitramfs.sh tools/linux/init tools/linux/hvtool.c
	$(Q)$(call say,INITRD,$@)sh tools/linux/mkinitramfs.sh $@

guests: $(GUEST_TEST_ELFS) $(PC_TEST_OUTPUTS) $(GUEST_ATTACK_ELFS) $(GUEST_KERNEL_ELF) \
	$(GUEST_PROGRAM_ELFS)

deps-test:
	@sh tools/need-packages.sh test
deps-run:
	@sh tools/need-packages.sh run

# The build before the tests takes one job per core unless make was given
# -j: from a clean clone it is some 30 s of CPU, mostly independent
# compiles (docs/testing.md, "How long things take").
NPROC := $(shell nproc 2>/dev/null || echo 1)
TEST_BUILD_JOBS = $(if $(findstring -j,$(MAKEFLAGS)),,-j$(NPROC))

# The runner prints the one closing line `N passed, N failed`; the
# mutant check (tests/unit/unit.mk) runs before it. make run on a
# pseudo-terminal (tests/boot/test_make_run.py, a Linux boot of some ten
# minutes) runs as one of the runner's jobs, beside the scenarios, not
# alone before them.
test: deps-test
	$(MAKE) $(TEST_BUILD_JOBS) all linux $(UNIT_TESTS) fuzz-regress
	$(MAKE) $(TEST_BUILD_JOBS) unit-mutants
	$(PYTHON) -m unittest -q tools/test_trace2csv.py tools/test_bench.py tools/test_bochs_trace.py tools/test_linux.py \
		tools/test_vmcs_images.py tools/test_vmcheck_written.py tests/boot/test_runner.py
	$(PLOT_PYTHON) -m unittest -q tools/test_traceplot.py
	$(PYTHON) tests/boot/runner.py test -k $(addprefix --unit ,$(UNIT_TESTS)) \
		--host "make-run-terminal=$(PYTHON) -m unittest -q tests/boot/test_make_run.py"

# docs/benchmarks.md: one boot of tests/boot/scenarios/bench.scn, a table,
# $(BUILD)/bench/results.json, and the pictures of its exit trace
# (tools/traceplot.py: exit-rate, exit-time, timeline, as PNG and SVG).
bench: deps-test
	$(MAKE) all linux
	$(PYTHON) tools/bench.py --build $(BUILD)
	$(PLOT_PYTHON) tools/traceplot.py $(BUILD)/tests/bench.bochs.log \
		-o $(BUILD)/bench --title "make bench"

# tests/unit/data/vmcs/: the VMCS images the partitions of
# tests/boot/scenarios/vmcheck.scn and pc-guests.scn (pc partitions in
# every mode) really entered with, recorded by hv (entry_record = yes)
# into the boots' logs in $(BUILD) and extracted there, then copied over
# the committed ones (docs/vmcheck.md).
VMCS_IMAGE_SCENARIOS := vmcheck pc-guests
vmcs-images: deps-test
	$(MAKE) all
	$(PYTHON) tests/boot/runner.py test --jobs 1 $(VMCS_IMAGE_SCENARIOS)
	rm -rf $(BUILD)/vmcs
	$(PYTHON) tools/vmcs_images.py --out $(BUILD)/vmcs \
		$(VMCS_IMAGE_SCENARIOS:%=$(BUILD)/tests/%.bochs.log)
	rm -f tests/unit/data/vmcs/*.vmcs
	cp $(BUILD)/vmcs/*.vmcs tests/unit/data/vmcs/

# Bochs at 10^9 instructions a second, as the Linux scenarios: the
# default manifest's Linux child keeps time by it (docs/linux.md). QEMU
# ignores --ips.
run: deps-run
	$(MAKE) all linux
	$(PYTHON) tools/run.py --cpus 2 --ips 1e9 --conf $(DEFAULT_CONF) \
		$(addprefix --add ,$(DEFAULT_ESP_FILES))

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
