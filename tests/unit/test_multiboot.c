// SPDX-License-Identifier: MIT
/* Tests of lib/multiboot.c: the header, the three ways an image loads,
 * every refusal by the field it names, placement and the boot information. */
#include "tests/unit/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/multiboot.h"

static char why[256];

/* Parses from an exact-size copy, so that ASan catches a read past len. */
static int parse(const void *file, size_t len, struct mb_image *img)
{
	void *copy = unit_dup(file, len);
	int r;

	why[0] = '\0';
	r = mb_parse(copy, len, img, why, sizeof(why));
	free(copy);
	return r;
}

static void expect_refusal(const void *file, size_t len, const char *msg)
{
	struct mb_image img;

	assert_int_equal(parse(file, len, &img), -1);
	assert_string_equal(why, msg);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* A header at off with the address fields: magic, flags, checksum, then
 * header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr. */
static void kludge(uint8_t *f, uint32_t off, uint32_t flags, uint32_t haddr,
		   uint32_t load, uint32_t load_end, uint32_t bss_end,
		   uint32_t entry)
{
	put32(f + off, MB_HEADER_MAGIC);
	put32(f + off + 4, flags);
	put32(f + off + 8, -(MB_HEADER_MAGIC + flags));
	put32(f + off + 12, haddr);
	put32(f + off + 16, load);
	put32(f + off + 20, load_end);
	put32(f + off + 24, bss_end);
	put32(f + off + 28, entry);
}

static void test_header(void **state)
{
	uint8_t f[16384];
	struct mb_image img;

	(void)state;
	memset(f, 0, sizeof(f));
	expect_refusal(f, sizeof(f),
		       "no multiboot header (magic 0x1badb002) in the first 8192 bytes");
	/* Past the first 8 KiB, or not 32-bit aligned, it is not seen. */
	kludge(f, 8192, MB_HEADER_AOUT_KLUDGE, 0x100000, 0x100000, 0, 0,
	       0x100000);
	expect_refusal(f, sizeof(f),
		       "no multiboot header (magic 0x1badb002) in the first 8192 bytes");
	memset(f, 0, sizeof(f));
	kludge(f, 0x102, MB_HEADER_AOUT_KLUDGE, 0x100000, 0x100000, 0, 0,
	       0x100000);
	expect_refusal(f, sizeof(f),
		       "no multiboot header (magic 0x1badb002) in the first 8192 bytes");
	/* A magic with a wrong checksum is named. */
	memset(f, 0, sizeof(f));
	kludge(f, 0x40, MB_HEADER_AOUT_KLUDGE, 0x100040, 0x100000, 0, 0,
	       0x100000);
	put32(f + 0x48, 5);
	expect_refusal(f, sizeof(f),
		       "multiboot header at offset 0x40: checksum 0x5 does not make magic + flags + checksum zero");
	/* A later header with a good checksum is taken. */
	kludge(f, 0x80, MB_HEADER_AOUT_KLUDGE, 0x100080, 0x100000, 0, 0,
	       0x100000);
	assert_int_equal(parse(f, sizeof(f), &img), 0);
	assert_int_equal(img.header_offset, 0x80);
	/* Requirements hv does not meet. */
	kludge(f, 0x80, MB_HEADER_AOUT_KLUDGE | MB_HEADER_VIDEO_MODE, 0x100080,
	       0x100000, 0, 0, 0x100000);
	expect_refusal(f, sizeof(f),
		       "multiboot header: flags 0x10004 ask for a video mode (bit 2), which hv does not provide");
	kludge(f, 0x80, MB_HEADER_AOUT_KLUDGE | 1u << 9 | MB_HEADER_PAGE_ALIGN,
	       0x100080, 0x100000, 0, 0, 0x100000);
	expect_refusal(f, sizeof(f),
		       "multiboot header: flags 0x10201 require features 0x200 that hv does not know");
	/* Optional bits above 16 are ignored. */
	kludge(f, 0x80, MB_HEADER_AOUT_KLUDGE | 1u << 20 | MB_HEADER_MEMORY_INFO,
	       0x100080, 0x100000, 0, 0, 0x100000);
	assert_int_equal(parse(f, sizeof(f), &img), 0);
	/* Too short for the fields, at the end of the file or of 8 KiB. */
	kludge(f, 0x80, MB_HEADER_AOUT_KLUDGE, 0x100080, 0x100000, 0, 0,
	       0x100000);
	expect_refusal(f, 0x90,
		       "multiboot header at offset 0x80: flag 16 (address fields) set, but its fields end past the end of the file");
	memset(f, 0, sizeof(f));
	kludge(f, 8180, MB_HEADER_AOUT_KLUDGE, 0x100000 + 8180, 0x100000, 0, 0,
	       0x100000);
	expect_refusal(f, sizeof(f),
		       "multiboot header at offset 0x1ff4: flag 16 (address fields) set, but its fields end past the first 8 KiB");
	assert_int_equal(mb_parse(NULL, 0, &img, why, sizeof(why)), -1);
}

/* Address fields each wrong in one way, for a header at offset 0x1000 of
 * a 0x3000-byte file, and the refusal each must draw. */
static const struct kludge_case {
	uint32_t haddr, load, load_end, bss_end, entry;
	const char *msg;
} kludge_refusals[] = {
	{ 0x1ff000, 0x200000, 0, 0, 0x200000,
	  "multiboot header: header_addr 0x1ff000 is below load_addr 0x200000" },
	{ 0x202000, 0x200000, 0, 0, 0x200000,
	  "multiboot header: load_addr 0x200000 lies before the file's start (header_addr 0x202000, header at offset 0x1000)" },
	{ 0x201000, 0x200000, 0x200000, 0, 0x200000,
	  "multiboot header: load_end_addr 0x200000 is not above load_addr 0x200000" },
	{ 0x201000, 0x200000, 0x203001, 0, 0x200000,
	  "multiboot header: load_end_addr 0x203001 lies past the end of the file (0x3001 bytes from offset 0x0)" },
	{ 0x201000, 0x200000, 0x202000, 0x201fff, 0x200000,
	  "multiboot header: bss_end_addr 0x201fff is below the end of the loaded data 0x202000" },
	{ 0x201000, 0x200000, 0x202000, 0x204000, 0x204000,
	  "multiboot header: entry_addr 0x204000 is outside the image [0x200000, 0x204000)" },
	{ 0x201000, 0x200000, 0x202000, 0x204000, 0x1fffff,
	  "multiboot header: entry_addr 0x1fffff is outside the image [0x200000, 0x204000)" },
	/* Addresses that would wrap past 4 GiB. */
	{ 0xfffff000, 0xffffe000, 0, 0, 0xffffe000,
	  "multiboot header: the image: [0xffffe000, 0xffffe000 + 0x3000) is not below 4 GiB" },
};

static void test_kludge(void **state)
{
	uint8_t f[0x3000];
	struct mb_image img;

	(void)state;
	memset(f, 0xcc, sizeof(f));
	/* The header at 0x1000 of the file says it is at 0x201000, so the
	 * file's start is at 0x200000; 0x2000 bytes load, bss to 0x204000. */
	kludge(f, 0x1000, MB_HEADER_AOUT_KLUDGE, 0x201000, 0x200000, 0x202000,
	       0x204000, 0x201020);
	assert_int_equal(parse(f, sizeof(f), &img), 0);
	assert_int_equal(img.format, MB_FORMAT_AOUT_KLUDGE);
	assert_int_equal(img.entry, 0x201020);
	assert_int_equal(img.segment_count, 1);
	assert_int_equal(img.segments[0].offset, 0);
	assert_int_equal(img.segments[0].filesz, 0x2000);
	assert_int_equal(img.segments[0].addr, 0x200000);
	assert_int_equal(img.segments[0].memsz, 0x4000);
	assert_int_equal(img.lo, 0x200000);
	assert_int_equal(img.hi, 0x204000);
	/* load_addr after the file's start: the load begins inside it. */
	kludge(f, 0x1000, MB_HEADER_AOUT_KLUDGE, 0x201000, 0x200800, 0, 0,
	       0x201000);
	assert_int_equal(parse(f, sizeof(f), &img), 0);
	assert_int_equal(img.segments[0].offset, 0x800);
	assert_int_equal(img.segments[0].filesz, sizeof(f) - 0x800);
	assert_int_equal(img.segments[0].memsz, sizeof(f) - 0x800);

	for (size_t i = 0; i < sizeof(kludge_refusals) / sizeof(kludge_refusals[0]); i++) {
		const struct kludge_case *k = &kludge_refusals[i];

		kludge(f, 0x1000, MB_HEADER_AOUT_KLUDGE, k->haddr, k->load,
		       k->load_end, k->bss_end, k->entry);
		expect_refusal(f, sizeof(f), k->msg);
	}
}

/* An ELF image: header, program headers at 64, the multiboot header at
 * 0x200, segment data from 0x1000. */
struct phdr_spec {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static size_t elf(uint8_t *f, size_t size, bool is64, uint64_t entry,
		  const struct phdr_spec *ph, unsigned n)
{
	uint16_t machine = is64 ? 62 : 3, type = 2, phentsize = is64 ? 56 : 32;
	uint32_t one = 1;

	memset(f, 0, size);
	memcpy(f, "\x7f" "ELF", 4);
	f[4] = is64 ? 2 : 1;
	f[5] = 1;
	f[6] = 1;
	memcpy(f + 16, &type, 2);
	memcpy(f + 18, &machine, 2);
	memcpy(f + 20, &one, 4);
	if (is64) {
		uint64_t phoff = 64;

		memcpy(f + 24, &entry, 8);
		memcpy(f + 32, &phoff, 8);
		memcpy(f + 54, &phentsize, 2);
		memcpy(f + 56, &n, 2);
	} else {
		uint32_t e = (uint32_t)entry, phoff = 64;

		memcpy(f + 24, &e, 4);
		memcpy(f + 28, &phoff, 4);
		memcpy(f + 42, &phentsize, 2);
		memcpy(f + 44, &n, 2);
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = f + 64 + i * phentsize;

		if (is64) {
			memcpy(p, &ph[i].type, 4);
			memcpy(p + 8, &ph[i].offset, 8);
			memcpy(p + 16, &ph[i].vaddr, 8);
			memcpy(p + 24, &ph[i].paddr, 8);
			memcpy(p + 32, &ph[i].filesz, 8);
			memcpy(p + 40, &ph[i].memsz, 8);
		} else {
			uint32_t w[6] = { ph[i].type, (uint32_t)ph[i].offset,
					  (uint32_t)ph[i].vaddr, (uint32_t)ph[i].paddr,
					  (uint32_t)ph[i].filesz,
					  (uint32_t)ph[i].memsz };

			memcpy(p, w, sizeof(w));
		}
	}
	put32(f + 0x200, MB_HEADER_MAGIC);
	put32(f + 0x204, MB_HEADER_MEMORY_INFO);
	put32(f + 0x208, -(MB_HEADER_MAGIC + MB_HEADER_MEMORY_INFO));
	return size;
}

static void test_elf(void **state)
{
	static uint8_t f[0x4000];
	struct mb_image img;
	/* A higher-half kernel: linked at 0xc0100000, loaded at 1 MiB. */
	struct phdr_spec ph[3] = {
		{ 1, 0x1000, 0xc0100000, 0x100000, 0x1000, 0x1000 },
		{ 4, 0, 0, 0, 0, 0 }, /* PT_NOTE: not loaded */
		{ 1, 0x2000, 0xc0101000, 0x101000, 0x800, 0x3000 },
	};

	(void)state;
	for (int is64 = 0; is64 <= 1; is64++) {
		elf(f, sizeof(f), is64, 0xc0100010, ph, 3);
		assert_int_equal(parse(f, sizeof(f), &img), 0);
		assert_int_equal(img.format, is64 ? MB_FORMAT_ELF64 : MB_FORMAT_ELF32);
		assert_int_equal(img.entry, 0x100010);
		assert_int_equal(img.segment_count, 2);
		assert_int_equal(img.segments[1].offset, 0x2000);
		assert_int_equal(img.segments[1].filesz, 0x800);
		assert_int_equal(img.segments[1].addr, 0x101000);
		assert_int_equal(img.segments[1].memsz, 0x3000);
		assert_int_equal(img.lo, 0x100000);
		assert_int_equal(img.hi, 0x104000);
		/* A physical entry is taken as it is. */
		elf(f, sizeof(f), is64, 0x101fff, ph, 3);
		assert_int_equal(parse(f, sizeof(f), &img), 0);
		assert_int_equal(img.entry, 0x101fff);
		elf(f, sizeof(f), is64, 0xc0200000, ph, 3);
		expect_refusal(f, sizeof(f),
			       "ELF: e_entry 0xc0200000 is outside every loaded segment");
	}
	/* The header's address fields win over the ELF headers. */
	elf(f, sizeof(f), false, 0xc0100010, ph, 3);
	kludge(f, 0x200, MB_HEADER_AOUT_KLUDGE, 0x300200, 0x300000, 0, 0,
	       0x300100);
	assert_int_equal(parse(f, sizeof(f), &img), 0);
	assert_int_equal(img.format, MB_FORMAT_AOUT_KLUDGE);
	assert_int_equal(img.entry, 0x300100);
}

static void test_elf_refusals(void **state)
{
	static uint8_t f[0x4000];
	struct phdr_spec ph[2] = {
		{ 1, 0x1000, 0x100000, 0x100000, 0x1000, 0x1000 },
		{ 1, 0x2000, 0x101000, 0x101000, 0x800, 0x3000 },
	};
	struct phdr_spec bad[2];
	uint16_t v16;

	(void)state;
	elf(f, sizeof(f), false, 0x100000, ph, 2);
	f[0] = 0;
	expect_refusal(f, sizeof(f),
		       "multiboot header: flag 16 (address fields) is clear, and the file is not ELF");
	elf(f, sizeof(f), false, 0x100000, ph, 2);
	f[4] = 3;
	expect_refusal(f, sizeof(f),
		       "ELF: e_ident class 3 is neither ELF32 nor ELF64");
	elf(f, sizeof(f), false, 0x100000, ph, 2);
	f[5] = 2;
	expect_refusal(f, sizeof(f), "ELF: not little-endian ELF version 1");
	elf(f, sizeof(f), false, 0x100000, ph, 2);
	v16 = 3;
	memcpy(f + 16, &v16, 2);
	expect_refusal(f, sizeof(f), "ELF: e_type 3 is not ET_EXEC");
	elf(f, sizeof(f), false, 0x100000, ph, 2);
	v16 = 62;
	memcpy(f + 18, &v16, 2);
	expect_refusal(f, sizeof(f), "ELF: e_machine 62 is not i386 (3)");
	elf(f, sizeof(f), true, 0x100000, ph, 2);
	v16 = 3;
	memcpy(f + 18, &v16, 2);
	expect_refusal(f, sizeof(f), "ELF: e_machine 3 is not x86-64 (62)");
	elf(f, sizeof(f), false, 0x100000, ph, 2);
	v16 = 40;
	memcpy(f + 42, &v16, 2);
	expect_refusal(f, sizeof(f), "ELF: e_phentsize 40 is not 32");
	elf(f, sizeof(f), false, 0x100000, ph, 2);
	v16 = 600;
	memcpy(f + 44, &v16, 2);
	expect_refusal(f, sizeof(f),
		       "ELF: program headers (e_phoff 0x40, 600 of them) lie outside the file");
	elf(f, sizeof(f), false, 0x100000, ph, 0);
	expect_refusal(f, sizeof(f), "ELF: no PT_LOAD segment to load");

	memcpy(bad, ph, sizeof(bad));
	bad[1].filesz = 0x3001;
	elf(f, sizeof(f), false, 0x100000, bad, 2);
	expect_refusal(f, sizeof(f),
		       "ELF: segment 1: p_filesz 0x3001 is larger than p_memsz 0x3000");
	memcpy(bad, ph, sizeof(bad));
	bad[1].offset = 0x3f00;
	elf(f, sizeof(f), false, 0x100000, bad, 2);
	expect_refusal(f, sizeof(f),
		       "ELF: segment 1: p_offset 0x3f00 + p_filesz 0x800 lies past the end of the file");
	memcpy(bad, ph, sizeof(bad));
	bad[1].paddr = 0x100800;
	elf(f, sizeof(f), false, 0x100000, bad, 2);
	expect_refusal(f, sizeof(f),
		       "ELF: segment 1: [0x100800, 0x103800) overlaps [0x100000, 0x101000) of another segment");
	memcpy(bad, ph, sizeof(bad));
	bad[1].paddr = 0xfffff000;
	elf(f, sizeof(f), false, 0x100000, bad, 2);
	expect_refusal(f, sizeof(f),
		       "ELF: segment 1: [0xfffff000, 0xfffff000 + 0x3000) is not below 4 GiB");
	/* ELF64 addresses beyond 32 bits. */
	memcpy(bad, ph, sizeof(bad));
	bad[0].paddr = 0x100000000ull;
	elf(f, sizeof(f), true, 0x100000, bad, 2);
	expect_refusal(f, sizeof(f),
		       "ELF: segment 0: [0x100000000, 0x100000000 + 0x1000) is not below 4 GiB");
	memcpy(bad, ph, sizeof(bad));
	bad[0].memsz = ~0ull;
	elf(f, sizeof(f), true, 0x100000, bad, 2);
	expect_refusal(f, sizeof(f),
		       "ELF: segment 0: [0x100000, 0x100000 + 0xffffffffffffffff) is not below 4 GiB");
	/* A header inside the ELF64 header's own bytes, in a file that ends
	 * before the ELF header does. */
	elf(f, sizeof(f), true, 0x100000, ph, 2);
	memcpy(f + 40, f + 0x200, 12);
	expect_refusal(f, 63, "ELF: file too short for an ELF64 header");
}

static void test_load(void **state)
{
	static uint8_t f[0x4000], ram[0x200000];
	struct phdr_spec ph[2] = {
		{ 1, 0x1000, 0x100000, 0x100000, 0x1000, 0x1000 },
		{ 1, 0x2000, 0x101000, 0x102000, 0x800, 0x3000 },
	};
	struct mb_image img;

	(void)state;
	elf(f, sizeof(f), false, 0x100000, ph, 2);
	for (unsigned i = 0x1000; i < 0x3000; i++)
		f[i] = (uint8_t)(i * 7);
	assert_int_equal(parse(f, sizeof(f), &img), 0);
	memset(ram, 0xee, sizeof(ram));
	mb_load(f, sizeof(f), &img, ram);
	assert_memory_equal(ram + 0x100000, f + 0x1000, 0x1000);
	assert_memory_equal(ram + 0x102000, f + 0x2000, 0x800);
	for (unsigned i = 0x102800; i < 0x105000; i++)
		assert_int_equal(ram[i], 0);
	/* Nothing outside the segments is touched. */
	assert_int_equal(ram[0x101000], 0xee);
	assert_int_equal(ram[0x105000], 0xee);
	assert_int_equal(ram[0xfffff], 0xee);
}

static void test_place(void **state)
{
	const struct mb_range used[] = {
		{ 0x1000, 0x2800 },
		{ 0x3000, 0x4000 },
		{ 0x100000, 0x180000 },
	};
	uint64_t at;

	(void)state;
	assert_int_equal(mb_place(used, 3, 0x1000, 0x200000, 0x1000, &at), 0);
	assert_int_equal(at, 0x4000);
	assert_int_equal(mb_place(used, 3, 0, 0x200000, 0x500, &at), 0);
	assert_int_equal(at, 0);
	assert_int_equal(mb_place(used, 3, 0x1001, 0x200000, 0x1000, &at), 0);
	assert_int_equal(at, 0x4000);
	assert_int_equal(mb_place(used, 3, 0x4000, 0x300000, 0xfd000, &at), 0);
	assert_int_equal(at, 0x180000);
	assert_int_equal(mb_place(used, 3, 0x4000, 0x27c000, 0xfd000, &at), -1);
	assert_int_equal(mb_place(used, 3, 0x200000, 0x200000, 1, &at), -1);
	/* The ranges in any order. */
	{
		const struct mb_range rev[] = { { 0x3000, 0x4000 },
						{ 0x2000, 0x3000 },
						{ 0x1000, 0x2000 } };

		assert_int_equal(mb_place(rev, 3, 0x1000, 0x10000, 0x1000, &at), 0);
		assert_int_equal(at, 0x4000);
	}
}

static const struct mb_info *info_at(const uint8_t *ram, uint32_t gpa)
{
	return (const struct mb_info *)(ram + gpa);
}

static void test_build_info(void **state)
{
	static uint8_t f[0x4000], ram[0x400000];
	struct phdr_spec ph[1] = {
		{ 1, 0x1000, 0x100000, 0x100000, 0x1000, 0x20000 },
	};
	static const char mod1[] = "first module";
	static const uint8_t mod2[5000] = { 1, 2, 3 };
	struct mb_boot boot = {
		.ram_size = sizeof(ram),
		.cmdline = "hv/pc/t.elf a=1 b",
		.loader_name = "hv",
		.module_count = 2,
		.modules = { { mod1, sizeof(mod1), "hv/pc/m1" },
			     { mod2, sizeof(mod2), "hv/pc/m2 x" } },
	};
	struct mb_image img;
	struct mb_placed out;
	const struct mb_info *mi;
	const struct mb_mmap_entry *mm;
	const struct mb_module *mods;
	const uint64_t *gdt;

	(void)state;
	elf(f, sizeof(f), false, 0x100000, ph, 1);
	assert_int_equal(parse(f, sizeof(f), &img), 0);
	memset(ram, 0xee, sizeof(ram));
	mb_load(f, sizeof(f), &img, ram);
	assert_int_equal(mb_build_info(ram, &img, &boot, &out, why, sizeof(why)), 0);
	assert_int_equal(out.info, 0x1000);
	mi = info_at(ram, out.info);
	assert_int_equal(mi->flags, MB_INFO_MEMORY | MB_INFO_CMDLINE |
					    MB_INFO_MODS | MB_INFO_MEM_MAP |
					    MB_INFO_BOOT_LOADER_NAME);
	assert_int_equal(mi->mem_lower, 640);
	assert_int_equal(mi->mem_upper, (sizeof(ram) - 0x100000) / 1024);
	assert_string_equal((const char *)ram + mi->cmdline, boot.cmdline);
	assert_string_equal((const char *)ram + mi->boot_loader_name, "hv");
	/* The memory map: low RAM, the legacy hole, RAM from 1 MiB. */
	assert_int_equal(mi->mmap_length, 3 * sizeof(*mm));
	mm = (const struct mb_mmap_entry *)(ram + mi->mmap_addr);
	assert_int_equal(mm[0].size, 20);
	assert_int_equal(mm[0].addr, 0);
	assert_int_equal(mm[0].len, 0xa0000);
	assert_int_equal(mm[0].type, MB_MEMORY_AVAILABLE);
	assert_int_equal(mm[1].addr, 0xa0000);
	assert_int_equal(mm[1].len, 0x60000);
	assert_int_equal(mm[1].type, MB_MEMORY_RESERVED);
	assert_int_equal(mm[2].addr, 0x100000);
	assert_int_equal(mm[2].len, sizeof(ram) - 0x100000);
	assert_int_equal(mm[2].type, MB_MEMORY_AVAILABLE);
	/* Modules above the image, page-aligned, with their strings. */
	assert_int_equal(mi->mods_count, 2);
	mods = (const struct mb_module *)(ram + mi->mods_addr);
	assert_int_equal(mods[0].mod_start, 0x120000);
	assert_int_equal(mods[0].mod_end, 0x120000 + sizeof(mod1));
	assert_memory_equal(ram + mods[0].mod_start, mod1, sizeof(mod1));
	assert_string_equal((const char *)ram + mods[0].string, "hv/pc/m1");
	assert_int_equal(mods[1].mod_start, 0x121000);
	assert_int_equal(mods[1].mod_end, 0x121000 + sizeof(mod2));
	assert_memory_equal(ram + mods[1].mod_start, mod2, sizeof(mod2));
	assert_string_equal((const char *)ram + mods[1].string, "hv/pc/m2 x");
	assert_int_equal(mods[1].reserved, 0);
	assert_int_equal(out.modules_end, 0x121000 + sizeof(mod2));
	/* The flat GDT, inside the same page. */
	assert_int_equal(out.gdt_limit, 23);
	assert_true(out.gdt >= out.info && out.gdt + 24 <= out.info + 4096);
	gdt = (const uint64_t *)(ram + out.gdt);
	assert_int_equal(gdt[0], 0);
	assert_int_equal(gdt[MB_GDT_CODE / 8], 0x00cf9a000000ffffull);
	assert_int_equal(gdt[MB_GDT_DATA / 8], 0x00cf92000000ffffull);
	/* The image is untouched. */
	assert_memory_equal(ram + 0x100000, f + 0x1000, 0x1000);
}

static void test_build_info_placement(void **state)
{
	static uint8_t f[0x4000], ram[0x200000];
	/* An image over all of low memory: the information goes above it. */
	struct phdr_spec ph[1] = {
		{ 1, 0x1000, 0x1000, 0x1000, 0x1000, 0x9f000 },
	};
	static const uint8_t big[0x180000];
	struct mb_boot boot = {
		.ram_size = sizeof(ram),
		.cmdline = "k",
		.loader_name = "hv",
	};
	struct mb_image img;
	struct mb_placed out;

	(void)state;
	elf(f, sizeof(f), false, 0x1000, ph, 1);
	assert_int_equal(parse(f, sizeof(f), &img), 0);
	assert_int_equal(mb_build_info(ram, &img, &boot, &out, why, sizeof(why)), 0);
	assert_int_equal(out.info, 0xa0000);
	assert_int_equal(info_at(ram, out.info)->mods_count, 0);
	assert_int_equal(info_at(ram, out.info)->mods_addr, 0);
	/* A module that does not fit. */
	boot.module_count = 1;
	boot.modules[0] = (struct mb_module_src){ big, sizeof(big), "big" };
	assert_int_equal(mb_build_info(ram, &img, &boot, &out, why, sizeof(why)), -1);
	assert_string_equal(why,
			    "module 1 (big, 0x180000 bytes) does not fit in the RAM left (0x200000 bytes in all)");
	boot.module_count = MB_MAX_MODULES + 1;
	assert_int_equal(mb_build_info(ram, &img, &boot, &out, why, sizeof(why)), -1);
	assert_string_equal(why, "more than 8 modules");
}

/* Random bytes, and random changes to a good image, never crash the
 * parser, and what it accepts always has its segments inside the file. */
static void test_mutations(void **state)
{
	static uint8_t good[0x4000], f[0x4000];
	struct phdr_spec ph[2] = {
		{ 1, 0x1000, 0x100000, 0x100000, 0x1000, 0x1000 },
		{ 1, 0x2000, 0x101000, 0x101000, 0x800, 0x3000 },
	};
	uint64_t seed = 17;
	struct mb_image img;
	unsigned accepted = 0;

	(void)state;
	elf(good, sizeof(good), false, 0x100000, ph, 2);
	for (int round = 0; round < 20000; round++) {
		size_t len = sizeof(f);

		memcpy(f, good, sizeof(f));
		for (int k = 0; k < 4; k++)
			f[unit_rand(&seed) % 0x300] = (uint8_t)unit_rand(&seed);
		if (round % 7 == 0)
			len = unit_rand(&seed) % sizeof(f);
		if (mb_parse(f, len, &img, why, sizeof(why)))
			continue;
		accepted++;
		for (uint32_t i = 0; i < img.segment_count; i++) {
			assert_true(img.segments[i].offset + img.segments[i].filesz <= len);
			assert_true(img.segments[i].filesz <= img.segments[i].memsz);
			assert_true(img.segments[i].addr + img.segments[i].memsz <=
				    MB_ADDR_LIMIT);
		}
	}
	assert_true(accepted > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_kludge),
		cmocka_unit_test(test_elf),
		cmocka_unit_test(test_elf_refusals),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_place),
		cmocka_unit_test(test_build_info),
		cmocka_unit_test(test_build_info_placement),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests_name("multiboot", tests, NULL, NULL);
}
