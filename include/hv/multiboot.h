/* SPDX-License-Identifier: MIT */
/*
 * The Multiboot Specification, version 0.6.96: the header a kernel image
 * carries and the information a boot loader hands it. hv loads such
 * images into `platform = pc` partitions (docs/platform.md); its test
 * kernels (guest/pc/) read the same structures. Plain data, no code.
 */
#ifndef HV_MULTIBOOT_H
#define HV_MULTIBOOT_H

#include <stdint.h>

/* The header: its magic, within the first 8 KiB, 32-bit aligned. */
#define MB_HEADER_MAGIC 0x1badb002u
#define MB_HEADER_SEARCH 8192u
/* What the boot loader leaves in EAX at the kernel's entry. */
#define MB_BOOTLOADER_MAGIC 0x2badb002u

/* Header flags. Bits 0-15 are requirements: a loader that does not know
 * one must refuse the image. Bits 16-31 are optional features. */
#define MB_HEADER_PAGE_ALIGN (1u << 0) /* modules on 4 KiB boundaries */
#define MB_HEADER_MEMORY_INFO (1u << 1) /* mem_* and the memory map */
#define MB_HEADER_VIDEO_MODE (1u << 2) /* a video mode table */
#define MB_HEADER_AOUT_KLUDGE (1u << 16) /* the address fields are valid */

struct mb_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum; /* magic + flags + checksum == 0 (mod 2^32) */
	/* Valid with MB_HEADER_AOUT_KLUDGE: physical addresses. */
	uint32_t header_addr; /* where this header is loaded */
	uint32_t load_addr; /* where the file's text begins */
	uint32_t load_end_addr; /* end of the data to load; 0: to the end */
	uint32_t bss_end_addr; /* end of the bss; 0: none */
	uint32_t entry_addr;
	/* Valid with MB_HEADER_VIDEO_MODE. */
	uint32_t mode_type, width, height, depth;
};

/* Information flags: which fields of struct mb_info are valid. */
#define MB_INFO_MEMORY (1u << 0) /* mem_lower, mem_upper */
#define MB_INFO_BOOTDEV (1u << 1)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS (1u << 3)
#define MB_INFO_AOUT_SYMS (1u << 4)
#define MB_INFO_ELF_SHDR (1u << 5)
#define MB_INFO_MEM_MAP (1u << 6)
#define MB_INFO_DRIVES (1u << 7)
#define MB_INFO_CONFIG_TABLE (1u << 8)
#define MB_INFO_BOOT_LOADER_NAME (1u << 9)
#define MB_INFO_APM_TABLE (1u << 10)
#define MB_INFO_VBE (1u << 11)
#define MB_INFO_FRAMEBUFFER (1u << 12)

/* The information EBX points at. Addresses are physical, 32 bits. */
struct mb_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB of memory from 0, at most 640 */
	uint32_t mem_upper; /* KiB of memory from 1 MiB up to the first hole */
	uint32_t boot_device;
	uint32_t cmdline; /* a NUL-terminated string */
	uint32_t mods_count;
	uint32_t mods_addr; /* struct mb_module[mods_count] */
	uint32_t syms[4];
	uint32_t mmap_length; /* bytes of memory map */
	uint32_t mmap_addr; /* the first struct mb_mmap_entry */
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch;
	uint32_t framebuffer_width;
	uint32_t framebuffer_height;
	uint8_t framebuffer_bpp;
	uint8_t framebuffer_type;
	uint8_t color_info[6];
} __attribute__((packed));

_Static_assert(sizeof(struct mb_info) == 116, "multiboot information layout");

struct mb_module {
	uint32_t mod_start;
	uint32_t mod_end; /* one past the last byte */
	uint32_t string; /* a NUL-terminated string */
	uint32_t reserved; /* 0 */
};

/* One memory map entry; size counts the bytes after it (20 here), and the
 * next entry begins size + 4 bytes after this one. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type; /* MB_MEMORY_* */
} __attribute__((packed));

#define MB_MEMORY_AVAILABLE 1
#define MB_MEMORY_RESERVED 2

#endif
