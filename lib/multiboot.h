/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 images (include/hv/multiboot.h): finding and checking the
 * header, the segments an image loads by its ELF32 or ELF64 program
 * headers or by the header's address fields (the a.out kludge), loading
 * them, and building the information the kernel finds at entry. The file
 * is hostile: mb_parse() checks every field it reads and names the field
 * it refuses; the other functions trust only what mb_parse() accepted.
 * No state, no I/O: the loader (boot/) checks with it, hv (hv/multiboot.c)
 * loads with it, the unit test and the fuzz target run it on the host.
 */
#ifndef LIB_MULTIBOOT_H
#define LIB_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/multiboot.h"

#define MB_MAX_SEGMENTS 16
/* The kernel is entered in 32-bit mode: all it loads lies below 4 GiB. */
#define MB_ADDR_LIMIT (1ull << 32)

/* One range of the image: file bytes [offset, offset + filesz) at
 * physical addr, then zeros up to addr + memsz. */
struct mb_segment {
	uint64_t offset;
	uint64_t filesz;
	uint64_t addr;
	uint64_t memsz;
};

enum mb_format {
	MB_FORMAT_AOUT_KLUDGE, /* the header's address fields */
	MB_FORMAT_ELF32,
	MB_FORMAT_ELF64,
};

struct mb_image {
	uint32_t header_offset; /* in the file */
	uint32_t header_flags;
	uint32_t entry; /* physical */
	enum mb_format format;
	uint32_t segment_count;
	struct mb_segment segments[MB_MAX_SEGMENTS];
	uint64_t lo, hi; /* the lowest address loaded, one past the highest */
};

/*
 * Finds the header in the first 8 KiB of the file's len bytes and checks
 * the image: 0 and *img, or -1 with one line in why naming the field.
 */
int mb_parse(const void *file, uint64_t len, struct mb_image *img, char *why,
	     size_t whylen);

/*
 * The ELF part of mb_parse() alone, for images found another way (a
 * vmlinux by its PVH note, lib/linuxboot.c): the PT_LOAD segments at
 * p_paddr and e_entry moved to a physical address. Same result.
 */
int mb_parse_elf(const void *file, uint64_t len, struct mb_image *img,
		 char *why, size_t whylen);

/*
 * Copies the image's segments into ram, the host mapping of physical 0,
 * and zeroes each segment's bss. The caller has checked that [img->lo,
 * img->hi) lies inside ram.
 */
void mb_load(const void *file, uint64_t len, const struct mb_image *img,
	     void *ram);

/* A half-open physical range in use. */
struct mb_range {
	uint64_t start, end;
};

/*
 * The lowest 4 KiB-aligned place for size bytes in [min, limit) that
 * overlaps none of the n ranges in used: 0 and *at, or -1 if none.
 */
int mb_place(const struct mb_range *used, uint32_t n, uint64_t min,
	     uint64_t limit, uint64_t size, uint64_t *at);

/* A module for the kernel: its bytes and the string it is given. */
struct mb_module_src {
	const void *data;
	uint64_t size;
	const char *string;
};

#define MB_MAX_MODULES 8

/* What the boot information says besides the image. */
struct mb_boot {
	uint64_t ram_size; /* RAM is physical [0, ram_size) */
	const char *cmdline; /* the whole command line, image name first */
	const char *loader_name;
	uint32_t module_count;
	struct mb_module_src modules[MB_MAX_MODULES];
};

/* Where the information landed: what entry needs. */
struct mb_placed {
	uint32_t info; /* EBX: struct mb_info */
	uint32_t gdt; /* a flat GDT: null, 32-bit code 0x08, data 0x10 */
	uint32_t gdt_limit;
	uint64_t modules_end; /* one past the last module byte, or 0 */
};

/* Selectors in the GDT mb_build_info writes (docs/platform.md). */
#define MB_GDT_CODE 0x08
#define MB_GDT_DATA 0x10

/*
 * Writes the boot information into ram for a loaded image: one page
 * holding struct mb_info, the memory map, the module list, the strings
 * and a flat GDT, placed in the lowest free page at or above 4 KiB
 * (below 640 KiB where there is room), and each module page-aligned
 * above the image; nothing overlaps a segment or page 0. 0 and *out, or
 * -1 with the reason in why when it does not fit.
 */
int mb_build_info(void *ram, const struct mb_image *img,
		  const struct mb_boot *boot, struct mb_placed *out,
		  char *why, size_t whylen);

#endif
