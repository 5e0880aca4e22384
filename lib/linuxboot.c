// SPDX-License-Identifier: MIT
/*
 * Linux's two ways in (lib/linuxboot.h). The bzImage's setup header and
 * the zero page follow Linux's Documentation/x86/boot.rst ("The Real-Mode
 * Kernel Header", "64-bit Boot Protocol") and zero-page.rst; the PVH
 * entry follows Xen's hvm/start_info.h and Linux's
 * arch/x86/platform/pvh/head.S. Every field is copied out of the file
 * before use, and sizes are compared in 64 bits.
 */
#include "lib/linuxboot.h"


#include "lib/fmt.h"
#include "lib/load.h"
#include "lib/string.h"

#define PAGE 4096ull
#define MIB (1ull << 20)
#define GIB (1ull << 30)

/* Setup header offsets in the file (and the zero page). */
#define SH_SETUP_SECTS 0x1f1
#define SH_BOOT_FLAG 0x1fe
#define SH_JUMP 0x200 /* 2 bytes: 0xeb, then the header's length - 2 */
#define SH_HEADER 0x202
#define SH_VERSION 0x206
#define SH_TYPE_OF_LOADER 0x210
#define SH_LOADFLAGS 0x211
#define SH_RAMDISK_IMAGE 0x218
#define SH_RAMDISK_SIZE 0x21c
#define SH_CMD_LINE_PTR 0x228
#define SH_INITRD_ADDR_MAX 0x22c
#define SH_KERNEL_ALIGNMENT 0x230
#define SH_RELOCATABLE 0x234
#define SH_XLOADFLAGS 0x236
#define SH_CMDLINE_SIZE 0x238
#define SH_PREF_ADDRESS 0x258
#define SH_INIT_SIZE 0x260
#define SH_NEEDED 0x264 /* the fields up to init_size */
#define SH_COPY_END 0x290 /* where boot_params' header area ends */
/* The zero page outside the header. */
#define ZP_ACPI_RSDP 0x070
#define ZP_E820_ENTRIES 0x1e8
#define ZP_E820_TABLE 0x2d0

#define LOADED_HIGH 0x01
#define XLF_KERNEL_64 0x01
#define LOADER_UNDEFINED 0xff /* boot.rst: a loader with no assigned id */

/* PVH (Xen's start_info.h and elfnote.h). */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578u
#define PT_NOTE 4
#define START_INFO_SIZE 56
#define MODLIST_AT 0x40
#define MEMMAP_AT 0x80

#define E820_RAM 1
#define E820_RESERVED 2

static uint64_t get(const void *file, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, (const char *)file + off, size);
	return v;
}

static void put(void *ram, uint64_t off, uint64_t v, unsigned size)
{
	memcpy((char *)ram + off, &v, size);
}

static bool has_mb_magic(const void *file, uint64_t len)
{
	uint64_t end = len < MB_HEADER_SEARCH ? len : MB_HEADER_SEARCH;

	for (uint64_t off = 0; off + 4 <= end; off += 4)
		if (get(file, off, 4) == MB_HEADER_MAGIC)
			return true;
	return false;
}

enum lx_kind lx_kind(const void *file, uint64_t len)
{
	const unsigned char *b = file;

	if (!file || has_mb_magic(file, len))
		return LX_KIND_MULTIBOOT;
	if (len >= SH_HEADER + 4 && !memcmp(b + SH_HEADER, "HdrS", 4))
		return LX_KIND_BZIMAGE;
	if (len >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F')
		return LX_KIND_PVH;
	/* Neither: the multiboot parser names what is missing. */
	return LX_KIND_MULTIBOOT;
}

uint64_t lx_initrd_addr(const struct lx_image *img, uint64_t ram_size,
			uint64_t initrd_size)
{
	uint64_t top = ram_size;

	if (top > (uint64_t)img->initrd_addr_max + 1)
		top = (uint64_t)img->initrd_addr_max + 1;
	if (initrd_size > top)
		return 0;
	return (top - initrd_size) & ~(PAGE - 1);
}

/* What both kinds check once the kernel's range is known. */
static int check_fit(const struct lx_image *img, uint64_t ram_size,
		     uint64_t initrd_size, uint64_t cmdline_len,
		     uint64_t cmdline_max, const char *what, char *why,
		     size_t whylen)
{
	uint64_t at;

	if (img->load_end > ram_size)
		return fmt_fail(why, whylen,
			    "%s: the kernel's [0x%lx, 0x%lx) does not fit its RAM [0, 0x%lx)",
			    what, img->load_addr, img->load_end, ram_size);
	if (initrd_size) {
		at = lx_initrd_addr(img, ram_size, initrd_size);
		if (at < img->load_end)
			return fmt_fail(why, whylen,
				    "initrd: 0x%lx bytes do not fit between the kernel's end 0x%lx and 0x%lx (the RAM's end or initrd_addr_max)",
				    initrd_size, img->load_end,
				    ram_size < (uint64_t)img->initrd_addr_max + 1 ?
					    ram_size :
					    (uint64_t)img->initrd_addr_max + 1);
	}
	if (cmdline_len > cmdline_max)
		return fmt_fail(why, whylen,
			    "the command line (%lu bytes) is longer than %s %lu",
			    cmdline_len,
			    img->kind == LX_KIND_BZIMAGE ? "cmdline_size" :
							   "Linux's COMMAND_LINE_SIZE less 1,",
			    cmdline_max);
	return 0;
}

static int parse_bzimage(const void *file, uint64_t len, uint64_t ram_size,
			 uint64_t initrd_size, uint64_t cmdline_len,
			 struct lx_image *img, char *why, size_t whylen)
{
	uint64_t sects, align, pref, hdr_end;

	if (len < SH_NEEDED + 4)
		return fmt_fail(why, whylen,
			    "bzImage: truncated: 0x%lx bytes, the setup header up to init_size needs 0x%x",
			    len, SH_NEEDED + 4);
	if (get(file, SH_BOOT_FLAG, 2) != 0xaa55)
		return fmt_fail(why, whylen,
			    "bzImage: boot_flag 0x%lx at 0x1fe is not 0xaa55",
			    get(file, SH_BOOT_FLAG, 2));
	img->version = (uint16_t)get(file, SH_VERSION, 2);
	if (img->version < 0x020c)
		return fmt_fail(why, whylen,
			    "bzImage: boot protocol version %u.%02u is older than 2.12 (the 64-bit entry needs xloadflags)",
			    img->version >> 8, img->version & 0xff);
	hdr_end = SH_HEADER + get(file, SH_JUMP + 1, 1);
	if (hdr_end < SH_NEEDED + 4)
		return fmt_fail(why, whylen,
			    "bzImage: the setup header ends at 0x%lx (jump at 0x200), before init_size at 0x%x",
			    hdr_end, SH_INIT_SIZE);
	img->setup_end = hdr_end < SH_COPY_END ? hdr_end : SH_COPY_END;
	sects = get(file, SH_SETUP_SECTS, 1);
	img->pm_offset = ((sects ? sects : 4) + 1) * 512;
	if (img->pm_offset >= len)
		return fmt_fail(why, whylen,
			    "bzImage: truncated: setup_sects %lu puts the protected-mode part at 0x%lx, past the file's 0x%lx bytes",
			    sects, img->pm_offset, len);
	img->pm_size = len - img->pm_offset;
	if (!(get(file, SH_XLOADFLAGS, 2) & XLF_KERNEL_64))
		return fmt_fail(why, whylen,
			    "bzImage: xloadflags 0x%lx has no XLF_KERNEL_64 (bit 0): no 64-bit entry",
			    get(file, SH_XLOADFLAGS, 2));
	if (!(get(file, SH_LOADFLAGS, 1) & LOADED_HIGH))
		return fmt_fail(why, whylen,
			    "bzImage: loadflags 0x%lx has no LOADED_HIGH (bit 0): not a bzImage",
			    get(file, SH_LOADFLAGS, 1));
	if (!get(file, SH_RELOCATABLE, 1))
		return fmt_fail(why, whylen,
			    "bzImage: relocatable_kernel is 0: hv places kernels at an aligned address of its choice");
	align = get(file, SH_KERNEL_ALIGNMENT, 4);
	if (align < PAGE || align > GIB || (align & (align - 1)))
		return fmt_fail(why, whylen,
			    "bzImage: kernel_alignment 0x%lx is not a power of two from 4 KiB to 1 GiB",
			    align);
	img->init_size = (uint32_t)get(file, SH_INIT_SIZE, 4);
	if (img->init_size < img->pm_size)
		return fmt_fail(why, whylen,
			    "bzImage: init_size 0x%x is smaller than the protected-mode part (0x%lx bytes)",
			    img->init_size, img->pm_size);
	img->cmdline_size = (uint32_t)get(file, SH_CMDLINE_SIZE, 4);
	img->initrd_addr_max = (uint32_t)get(file, SH_INITRD_ADDR_MAX, 4);
	/* At pref_address where it is aligned, else the next aligned
	 * address; never below 1 MiB, where the protocol's data lie. */
	pref = get(file, SH_PREF_ADDRESS, 8);
	if (pref < MIB)
		pref = MIB;
	if (pref > (1ull << 32))
		return fmt_fail(why, whylen,
			    "bzImage: pref_address 0x%lx is above 4 GiB", pref);
	img->load_addr = (pref + align - 1) & ~(align - 1);
	img->load_end = img->load_addr + img->init_size;
	img->entry = (uint32_t)(img->load_addr + 0x200);
	return check_fit(img, ram_size, initrd_size, cmdline_len,
			 img->cmdline_size < LX_CMDLINE_MAX ? img->cmdline_size :
							      LX_CMDLINE_MAX,
			 "bzImage: init_size", why, whylen);
}

/* The XEN_ELFNOTE_PHYS32_ENTRY note in the PT_NOTE segments: 0 and *at,
 * -1 with why. mb_parse_elf() has checked the program header table. */
static int find_pvh_note(const void *file, uint64_t len, uint32_t *at,
			 char *why, size_t whylen)
{
	bool is64 = ((const unsigned char *)file)[4] == 2;
	uint64_t phoff = is64 ? get(file, 32, 8) : get(file, 28, 4);
	uint64_t phnum = get(file, is64 ? 56 : 44, 2);
	uint64_t phentsize = is64 ? 56 : 32;

	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t ph = phoff + i * phentsize;
		uint64_t off = is64 ? get(file, ph + 8, 8) : get(file, ph + 4, 4);
		uint64_t size = is64 ? get(file, ph + 32, 8) : get(file, ph + 16, 4);
		uint64_t end;

		if (get(file, ph, 4) != PT_NOTE)
			continue;
		if (off > len || size > len - off)
			return fmt_fail(why, whylen,
				    "ELF: PT_NOTE segment %lu (p_offset 0x%lx, p_filesz 0x%lx) lies past the end of the file",
				    i, off, size);
		end = off + size;
		while (end - off >= 12) {
			uint64_t namesz = get(file, off, 4);
			uint64_t descsz = get(file, off + 4, 4);
			uint64_t type = get(file, off + 8, 4);
			uint64_t name = off + 12;
			uint64_t desc = name + ((namesz + 3) & ~3ull);
			uint64_t next = desc + ((descsz + 3) & ~3ull);

			if (next > end)
				return fmt_fail(why, whylen,
					    "ELF: a note at offset 0x%lx (namesz %lu, descsz %lu) runs past its PT_NOTE segment",
					    off, namesz, descsz);
			if (namesz == 4 && !memcmp((const char *)file + name, "Xen", 4) &&
			    type == XEN_ELFNOTE_PHYS32_ENTRY) {
				uint64_t v;

				if (descsz != 4 && descsz != 8)
					return fmt_fail(why, whylen,
						    "ELF: XEN_ELFNOTE_PHYS32_ENTRY has descsz %lu, not 4 or 8",
						    descsz);
				v = get(file, desc, (unsigned)descsz);
				if (v >> 32)
					return fmt_fail(why, whylen,
						    "ELF: XEN_ELFNOTE_PHYS32_ENTRY 0x%lx is not a 32-bit address",
						    v);
				*at = (uint32_t)v;
				return 0;
			}
			off = next;
		}
	}
	return fmt_fail(why, whylen,
		    "ELF: no XEN_ELFNOTE_PHYS32_ENTRY note (Xen note type 18) and no multiboot header: neither a PVH kernel nor a multiboot image");
}

static int parse_pvh(const void *file, uint64_t len, uint64_t ram_size,
		     uint64_t initrd_size, uint64_t cmdline_len,
		     struct lx_image *img, char *why, size_t whylen)
{
	bool inside = false;

	img->elf.lo = UINT64_MAX;
	if (mb_parse_elf(file, len, &img->elf, why, whylen))
		return -1;
	if (find_pvh_note(file, len, &img->entry, why, whylen))
		return -1;
	for (uint32_t i = 0; i < img->elf.segment_count; i++) {
		const struct mb_segment *s = &img->elf.segments[i];

		if (img->entry >= s->addr && img->entry - s->addr < s->memsz)
			inside = true;
	}
	if (!inside)
		return fmt_fail(why, whylen,
			    "ELF: XEN_ELFNOTE_PHYS32_ENTRY 0x%x is outside every loaded segment",
			    img->entry);
	if (img->elf.lo < MIB)
		return fmt_fail(why, whylen,
			    "ELF: a segment starts at 0x%lx, below 1 MiB, where hv puts the boot information",
			    img->elf.lo);
	img->load_addr = img->elf.lo;
	img->load_end = img->elf.hi;
	img->initrd_addr_max = 0xffffffffu; /* the PVH entry is 32-bit */
	return check_fit(img, ram_size, initrd_size, cmdline_len,
			 LX_CMDLINE_MAX, "ELF: segments", why, whylen);
}

int lx_parse(const void *file, uint64_t len, uint64_t ram_size,
	     uint64_t initrd_size, uint64_t cmdline_len, struct lx_image *img,
	     char *why, size_t whylen)
{
	memset(img, 0, sizeof(*img));
	if (!file)
		return fmt_fail(why, whylen, "no file");
	img->kind = lx_kind(file, len);
	if (img->kind == LX_KIND_BZIMAGE)
		return parse_bzimage(file, len, ram_size, initrd_size,
				     cmdline_len, img, why, whylen);
	if (img->kind == LX_KIND_PVH)
		return parse_pvh(file, len, ram_size, initrd_size, cmdline_len,
				 img, why, whylen);
	return fmt_fail(why, whylen, "a multiboot image, not a Linux kernel");
}

/* The PC's memory, as e820 and the PVH memory map both give it. */
static const struct {
	uint64_t start;
	uint32_t type;
} e820[] = {
	{ 0, E820_RAM },
	{ LX_LOW_RAM_END, E820_RESERVED },
	{ MIB, E820_RAM },
};
#define E820_COUNT 3

static uint64_t e820_end(unsigned i, uint64_t ram)
{
	return i + 1 < E820_COUNT ? e820[i + 1].start : ram;
}

/* null, null, 64-bit code 0x10, data 0x18, 32-bit code 0x20; flat, DPL 0 */
static const uint64_t gdt[] = {
	0, 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull,
	0x00cf9a000000ffffull,
};

static void put_page_tables(void *ram)
{
	memset((char *)ram + LX_PML4, 0, 6 * PAGE);
	put(ram, LX_PML4, (LX_PML4 + PAGE) | 3, 8); /* present, writable */
	for (uint64_t i = 0; i < 4; i++) {
		uint64_t pd = LX_PML4 + (2 + i) * PAGE;

		put(ram, LX_PML4 + PAGE + 8 * i, pd | 3, 8);
		for (uint64_t j = 0; j < 512; j++)
			put(ram, pd + 8 * j, ((i * 512 + j) << 21) | 0x83, 8);
	}
}

static void put_zero_page(const void *file, const struct lx_image *img,
			  const struct lx_boot *boot, void *ram,
			  uint64_t initrd_at)
{
	char *zp = (char *)ram + LX_BOOT_PARAMS;

	memset(zp, 0, PAGE);
	memcpy(zp + SH_SETUP_SECTS, (const char *)file + SH_SETUP_SECTS,
	       img->setup_end - SH_SETUP_SECTS);
	zp[SH_TYPE_OF_LOADER] = (char)LOADER_UNDEFINED;
	zp[SH_LOADFLAGS] |= LOADED_HIGH;
	put(zp, SH_CMD_LINE_PTR, LX_CMDLINE, 4);
	put(zp, SH_RAMDISK_IMAGE, boot->initrd ? initrd_at : 0, 4);
	put(zp, SH_RAMDISK_SIZE, boot->initrd ? boot->initrd_size : 0, 4);
	put(zp, ZP_ACPI_RSDP, boot->rsdp, 8);
	zp[ZP_E820_ENTRIES] = E820_COUNT;
	for (unsigned i = 0; i < E820_COUNT; i++) {
		uint64_t at = ZP_E820_TABLE + 20 * i;

		put(zp, at, e820[i].start, 8);
		put(zp, at + 8, e820_end(i, boot->ram_size) - e820[i].start, 8);
		put(zp, at + 16, e820[i].type, 4);
	}
}

static void put_start_info(const struct lx_boot *boot, void *ram,
			   uint64_t initrd_at)
{
	uint64_t si = LX_BOOT_PARAMS;

	memset((char *)ram + si, 0, PAGE);
	put(ram, si, HVM_START_MAGIC, 4);
	put(ram, si + 4, 1, 4); /* version 1: the memory map is there */
	put(ram, si + 12, boot->initrd ? 1 : 0, 4); /* nr_modules */
	put(ram, si + 16, si + MODLIST_AT, 8);
	put(ram, si + 24, LX_CMDLINE, 8);
	put(ram, si + 32, boot->rsdp, 8);
	put(ram, si + 40, si + MEMMAP_AT, 8);
	put(ram, si + 48, E820_COUNT, 4);
	put(ram, si + MODLIST_AT, initrd_at, 8);
	put(ram, si + MODLIST_AT + 8, boot->initrd_size, 8);
	for (unsigned i = 0; i < E820_COUNT; i++) {
		uint64_t at = si + MEMMAP_AT + 24 * i;

		put(ram, at, e820[i].start, 8);
		put(ram, at + 8, e820_end(i, boot->ram_size) - e820[i].start, 8);
		put(ram, at + 16, e820[i].type, 4);
	}
	_Static_assert(MEMMAP_AT + 24 * E820_COUNT <= PAGE, "one page");
	_Static_assert(MODLIST_AT >= START_INFO_SIZE, "no overlap");
}

void lx_load(const void *file, const struct lx_image *img,
	     const struct lx_boot *boot, void *ram, struct lx_entry *e)
{
	uint64_t initrd_at = 0;
	size_t n = strnlen(boot->cmdline, LX_CMDLINE_MAX);

	memset(e, 0, sizeof(*e));
	if (boot->initrd) {
		initrd_at = lx_initrd_addr(img, boot->ram_size, boot->initrd_size);
		load_copy((char *)ram + initrd_at, boot->initrd,
			  boot->initrd_size);
		e->initrd_addr = initrd_at;
	}
	memcpy((char *)ram + LX_CMDLINE, boot->cmdline, n);
	((char *)ram)[LX_CMDLINE + n] = '\0';
	memset((char *)ram + LX_GDT, 0, PAGE);
	memcpy((char *)ram + LX_GDT, gdt, sizeof(gdt));
	if (img->kind == LX_KIND_BZIMAGE) {
		/* The decompressor runs in place and needs init_size bytes
		 * from the load address: zeros past the file. */
		load_copy((char *)ram + img->load_addr,
			  (const char *)file + img->pm_offset, img->pm_size);
		load_zero((char *)ram + img->load_addr + img->pm_size,
			  img->init_size - img->pm_size);
		put_page_tables(ram);
		put_zero_page(file, img, boot, ram, initrd_at);
		e->long_mode = true;
		e->rsi = LX_BOOT_PARAMS;
	} else {
		mb_load(file, 0, &img->elf, ram);
		put_start_info(boot, ram, initrd_at);
		e->ebx = LX_BOOT_PARAMS;
	}
	e->rip = img->entry;
}

uint32_t lx_gdt_limit(void)
{
	return sizeof(gdt) - 1;
}
