/* SPDX-License-Identifier: MIT */
/*
 * Linux kernels in a pc partition (docs/linux.md): a bzImage entered by
 * the x86 64-bit boot protocol (Linux's Documentation/x86/boot.rst, "64-bit
 * Boot Protocol", and zero-page.rst), or an ELF vmlinux entered by the PVH
 * entry (Xen's include/public/arch-x86/hvm/start_info.h and the note
 * XEN_ELFNOTE_PHYS32_ENTRY). lx_parse() checks every field it reads of the
 * hostile file and names the one it refuses; lx_load() trusts only what
 * lx_parse() accepted. No state, no I/O: the loader (boot/) checks with
 * it, hv (hv/linux.c) loads with it, the unit test runs it on the host.
 */
#ifndef LIB_LINUXBOOT_H
#define LIB_LINUXBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/multiboot.h"

/* What a pc partition's image is, recognised from its content. */
enum lx_kind {
	LX_KIND_MULTIBOOT, /* a multiboot magic in the first 8 KiB */
	LX_KIND_BZIMAGE, /* "HdrS" at 0x202 */
	LX_KIND_PVH, /* ELF, without a multiboot magic: must carry the note */
};

enum lx_kind lx_kind(const void *file, uint64_t len);

/* The fixed places of what the loader writes, all below 640 KiB, and
 * the ACPI tables in the reserved BIOS area where Linux also scans. */
#define LX_GDT 0x1000u
#define LX_PML4 0x2000u /* then a PDPT and four PDs: 0-4 GiB, 2 MiB pages */
#define LX_BOOT_PARAMS 0x8000u /* the zero page, or hvm_start_info */
#define LX_CMDLINE 0x9000u
#define LX_CMDLINE_MAX 2047u /* Linux's COMMAND_LINE_SIZE, less the NUL */
#define LX_ACPI 0xe0000u
#define LX_ACPI_SIZE 0x10000u
#define LX_LOW_RAM_END 0x9fc00u /* e820: RAM below, reserved to 1 MiB */

/* Selectors of the GDT at LX_GDT: the 64-bit protocol's __BOOT_CS and
 * __BOOT_DS, and a 32-bit code segment for the PVH entry. */
#define LX_GDT_CODE64 0x10
#define LX_GDT_DATA 0x18
#define LX_GDT_CODE32 0x20

struct lx_image {
	enum lx_kind kind;
	/* bzImage */
	uint16_t version; /* boot protocol, 0x020f for 2.15 */
	uint64_t setup_end; /* file offset one past the setup header */
	uint64_t pm_offset, pm_size; /* the protected-mode part in the file */
	uint32_t init_size; /* RAM the kernel needs from its load address */
	uint32_t cmdline_size; /* longest command line, NUL excluded */
	uint32_t initrd_addr_max; /* highest byte the initrd may use */
	/* PVH: the ELF's segments, as a multiboot ELF's */
	struct mb_image elf;
	/* both */
	uint64_t load_addr, load_end; /* [load_addr, load_end) of the kernel */
	uint32_t entry; /* physical */
};

/*
 * Checks the image for a partition of ram_size bytes, with an initrd of
 * initrd_size bytes (0: none) and a command line of cmdline_len bytes:
 * 0 and *img, or -1 with one line in why naming the field.
 */
int lx_parse(const void *file, uint64_t len, uint64_t ram_size,
	     uint64_t initrd_size, uint64_t cmdline_len, struct lx_image *img,
	     char *why, size_t whylen);

struct lx_boot {
	uint64_t ram_size;
	const char *cmdline;
	const void *initrd; /* NULL: none */
	uint64_t initrd_size;
	uint64_t rsdp; /* guest-physical, 0: none */
};

/* The first vCPU's entry. */
struct lx_entry {
	bool long_mode; /* 64-bit, CR3 = LX_PML4; else 32-bit, paging off */
	uint32_t rip;
	uint32_t rsi; /* 64-bit: the zero page */
	uint32_t ebx; /* PVH: hvm_start_info */
	uint64_t initrd_addr;
};

/*
 * Writes the kernel, the initrd (page-aligned at the top of RAM, below
 * what the kernel can reach), the command line, the GDT, the page tables
 * (64-bit entry) and the zero page or hvm_start_info into ram, the host
 * mapping of guest-physical 0, and fills *e.
 */
void lx_load(const void *file, const struct lx_image *img,
	     const struct lx_boot *boot, void *ram, struct lx_entry *e);

/* The limit of the GDT lx_load() writes at LX_GDT. */
uint32_t lx_gdt_limit(void);

/* Where the initrd goes: the top page-aligned place below limit. */
uint64_t lx_initrd_addr(const struct lx_image *img, uint64_t ram_size,
			uint64_t initrd_size);

#endif
