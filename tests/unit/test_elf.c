// SPDX-License-Identifier: MIT
/*
 * Tests of lib/elf.c: hand-built images (valid, corrupt and hostile) and
 * real ones built by the host toolchain (see unit.mk). The host's <elf.h>
 * builds the images, so lib/elf.c's own layouts are checked against it.
 */
#include "tests/unit/common.h"

#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/elf.h"

#define MARKER_MAGIC 0x52454b52414d5648ull /* as in fixtures/pie.c */

/* Layout of the fixtures/pie.c marker. */
struct marker {
	uint64_t magic;
	uint64_t self;
	uint64_t text;
	uint64_t fn;
	uint64_t table[3];
	uint64_t count;
};

/*
 * A small valid image: text at file offset and address 0x1000, data at
 * 0x2000 with a page of bss, an optional third program header (PT_NOTE
 * unless a test changes it), and room at 0x3000 for dynamic data.
 */
#define IMG_SIZE 0x3200
#define IMG_PHNUM 3

struct image {
	uint8_t b[IMG_SIZE];
};

static Elf64_Ehdr *ehdr(struct image *im)
{
	return (Elf64_Ehdr *)im->b;
}

static Elf64_Phdr *phdr(struct image *im, unsigned int i)
{
	return (Elf64_Phdr *)(im->b + sizeof(Elf64_Ehdr)) + i;
}

static void build_image(struct image *im)
{
	Elf64_Ehdr *e = ehdr(im);
	Elf64_Phdr *p;

	memset(im, 0, sizeof(*im));
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_entry = 0x1004;
	e->e_phoff = sizeof(Elf64_Ehdr);
	e->e_ehsize = sizeof(Elf64_Ehdr);
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = IMG_PHNUM;

	p = phdr(im, 0);
	p->p_type = PT_LOAD;
	p->p_flags = PF_R | PF_X;
	p->p_offset = 0x1000;
	p->p_vaddr = p->p_paddr = 0x1000;
	p->p_filesz = p->p_memsz = 0x10;
	p->p_align = 0x1000;
	memset(im->b + 0x1000, 0xc3, 0x10);

	p = phdr(im, 1);
	p->p_type = PT_LOAD;
	p->p_flags = PF_R | PF_W;
	p->p_offset = 0x2000;
	p->p_vaddr = p->p_paddr = 0x2000;
	p->p_filesz = 0x8;
	p->p_memsz = 0x1000;
	p->p_align = 0x1000;
	memcpy(im->b + 0x2000, "DATADATA", 8);

	p = phdr(im, 2);
	p->p_type = PT_NOTE;
}

/* Runs elf_check on an exact-size copy so ASan sees any overread. */
static int check(const void *file, size_t len, struct elf_info *info,
		 char *why)
{
	void *copy = unit_dup(file, len);
	int r;

	why[0] = '\0';
	r = elf_check(copy, len, info, why, 128);
	free(copy);
	return r;
}

static void expect_refusal(struct image *im, size_t len, const char *msg)
{
	struct elf_info info;
	char why[128];

	assert_int_equal(check(im->b, len, &info, why), -1);
	assert_string_equal(why, msg);
}

static void test_valid_image(void **state)
{
	struct image im;
	struct elf_info info;
	char why[128];

	(void)state;
	build_image(&im);
	assert_int_equal(check(im.b, sizeof(im.b), &info, why), 0);
	assert_int_equal(info.entry, 0x1004);
	assert_int_equal(info.min_vaddr, 0x1000);
	assert_int_equal(info.max_vaddr, 0x3000);
	assert_int_equal(info.type, ET_EXEC);
	assert_int_equal(info.load_count, 2);

	/* Unaligned segment ends still give page-rounded bounds. */
	phdr(&im, 0)->p_vaddr = 0x1010;
	phdr(&im, 0)->p_offset = 0x1010;
	phdr(&im, 1)->p_memsz = 0x1001;
	ehdr(&im)->e_entry = 0x1010;
	assert_int_equal(check(im.b, sizeof(im.b), &info, why), 0);
	assert_int_equal(info.min_vaddr, 0x1000);
	assert_int_equal(info.max_vaddr, 0x4000);
}

static void test_short_and_bad_magic(void **state)
{
	struct image im;
	struct elf_info info;
	char why[128];

	(void)state;
	build_image(&im);
	assert_int_equal(elf_check(NULL, 0, &info, why, sizeof(why)), -1);
	assert_string_equal(why, "not an ELF file (bad magic)");
	expect_refusal(&im, 0, "not an ELF file (bad magic)");
	expect_refusal(&im, 3, "not an ELF file (bad magic)");
	expect_refusal(&im, 63, "file too short for an ELF header (63 bytes)");
	im.b[1] = 'e';
	expect_refusal(&im, sizeof(im.b), "not an ELF file (bad magic)");
}

static void test_truncated_everywhere(void **state)
{
	struct image im;
	struct elf_info info;
	char why[128];
	size_t len;

	(void)state;
	build_image(&im);
	/* Every prefix of the file must be refused without an overread. */
	for (len = 0; len < 0x2008; len++)
		assert_int_equal(check(im.b, len, &info, why), -1);
	assert_int_equal(check(im.b, 0x2008, &info, why), 0);
}

static void test_header_fields(void **state)
{
	struct image im;

	(void)state;
	build_image(&im);
	im.b[EI_CLASS] = ELFCLASS32;
	expect_refusal(&im, sizeof(im.b), "not ELF64");

	build_image(&im);
	im.b[EI_DATA] = ELFDATA2MSB;
	expect_refusal(&im, sizeof(im.b), "not little endian");

	build_image(&im);
	ehdr(&im)->e_version = 2;
	expect_refusal(&im, sizeof(im.b), "unknown ELF version");

	build_image(&im);
	ehdr(&im)->e_machine = EM_ARM;
	expect_refusal(&im, sizeof(im.b), "not x86-64 (e_machine=40)");

	build_image(&im);
	ehdr(&im)->e_type = ET_REL;
	expect_refusal(&im, sizeof(im.b), "not an executable (e_type=1)");

	build_image(&im);
	ehdr(&im)->e_phentsize = 32;
	expect_refusal(&im, sizeof(im.b), "unexpected program header size 32");
}

static void test_program_headers_outside(void **state)
{
	struct image im;

	(void)state;
	build_image(&im);
	ehdr(&im)->e_phoff = sizeof(im.b) - 100;
	expect_refusal(&im, sizeof(im.b), "program headers outside the file");

	/* Offsets that wrap around when the table size is added. */
	build_image(&im);
	ehdr(&im)->e_phoff = UINT64_MAX - 50;
	expect_refusal(&im, sizeof(im.b), "program headers outside the file");

	build_image(&im);
	ehdr(&im)->e_phnum = 0xffff;
	expect_refusal(&im, sizeof(im.b), "program headers outside the file");
}

static void test_segment_file_range(void **state)
{
	struct image im;

	(void)state;
	build_image(&im);
	phdr(&im, 1)->p_filesz = sizeof(im.b) - 0x2000 + 1;
	phdr(&im, 1)->p_memsz = 0x2000;
	expect_refusal(&im, sizeof(im.b),
		       "segment 1 extends past the end of the file");

	/* p_offset + p_filesz wraps to a small number. */
	build_image(&im);
	phdr(&im, 1)->p_offset = UINT64_MAX - 3;
	phdr(&im, 1)->p_vaddr = 0x2ffc;
	expect_refusal(&im, sizeof(im.b),
		       "segment 1 extends past the end of the file");

	build_image(&im);
	phdr(&im, 0)->p_filesz = 0x20;
	phdr(&im, 0)->p_memsz = 0x10;
	expect_refusal(&im, sizeof(im.b),
		       "segment 0: p_filesz larger than p_memsz");
}

static void test_address_wrap(void **state)
{
	struct image im;

	(void)state;
	build_image(&im);
	phdr(&im, 1)->p_vaddr = 0xfffffffffffff000ull;
	phdr(&im, 1)->p_offset = 0x2000;
	phdr(&im, 1)->p_memsz = 0x2000;
	expect_refusal(&im, sizeof(im.b),
		       "segment 1: address range wraps around");

	/* Fits without wrapping, but rounding its end up would not. */
	build_image(&im);
	phdr(&im, 1)->p_vaddr = 0xffffffffffffe000ull;
	phdr(&im, 1)->p_memsz = 0x1ff8;
	expect_refusal(&im, sizeof(im.b),
		       "segment 1: address range wraps around");
}

static void test_overlap(void **state)
{
	struct image im;

	(void)state;
	build_image(&im);
	phdr(&im, 1)->p_vaddr = 0x0000;
	phdr(&im, 1)->p_memsz = 0x1001;
	expect_refusal(&im, sizeof(im.b), "segments 0 and 1 overlap");

	/* Touching is fine. */
	build_image(&im);
	phdr(&im, 1)->p_vaddr = 0x0000;
	phdr(&im, 1)->p_memsz = 0x1000;
	{
		struct elf_info info;
		char why[128];

		assert_int_equal(check(im.b, sizeof(im.b), &info, why), 0);
		assert_int_equal(info.min_vaddr, 0);
		assert_int_equal(info.max_vaddr, 0x2000);
	}

	/* A third segment inside the first. */
	build_image(&im);
	*phdr(&im, 2) = *phdr(&im, 0);
	phdr(&im, 2)->p_vaddr = 0x1008;
	phdr(&im, 2)->p_offset = 0x1008;
	phdr(&im, 2)->p_filesz = phdr(&im, 2)->p_memsz = 4;
	expect_refusal(&im, sizeof(im.b), "segments 0 and 2 overlap");
}

static void test_alignment(void **state)
{
	struct image im;

	(void)state;
	build_image(&im);
	phdr(&im, 1)->p_offset = 0x2004;
	expect_refusal(&im, sizeof(im.b),
		       "segment 1: p_vaddr and p_offset differ modulo 4096");
}

static void test_no_loads_and_entry(void **state)
{
	struct image im;

	(void)state;
	build_image(&im);
	phdr(&im, 0)->p_type = PT_NOTE;
	phdr(&im, 1)->p_type = PT_PHDR;
	expect_refusal(&im, sizeof(im.b), "no loadable segments");

	/* Empty PT_LOADs are ignored, so they do not count either. */
	build_image(&im);
	phdr(&im, 0)->p_memsz = phdr(&im, 0)->p_filesz = 0;
	phdr(&im, 1)->p_memsz = phdr(&im, 1)->p_filesz = 0;
	expect_refusal(&im, sizeof(im.b), "no loadable segments");

	build_image(&im);
	ehdr(&im)->e_entry = 0x1010; /* one past the end of the text */
	expect_refusal(&im, sizeof(im.b),
		       "entry point outside the loaded segments");

	build_image(&im);
	ehdr(&im)->e_entry = 0x2000; /* in data, which is not executable */
	expect_refusal(&im, sizeof(im.b),
		       "entry point outside the loaded segments");
}

static void test_limits(void **state)
{
	struct image im;
	unsigned int i;

	(void)state;
	build_image(&im);
	phdr(&im, 1)->p_vaddr = 0x40001000;
	expect_refusal(&im, sizeof(im.b),
		       "segments span 0x40001000 bytes, more than 0x40000000");

	/* Exactly 1 GiB is still accepted. */
	phdr(&im, 1)->p_vaddr = 0x40000000;
	{
		struct elf_info info;
		char why[128];

		assert_int_equal(check(im.b, sizeof(im.b), &info, why), 0);
		assert_int_equal(info.max_vaddr - info.min_vaddr, 1ull << 30);
	}

	/* 33 one-page PT_LOADs: more than the limit. */
	build_image(&im);
	ehdr(&im)->e_phnum = 33;
	for (i = 0; i < 33; i++) {
		Elf64_Phdr *p = phdr(&im, i);

		memset(p, 0, sizeof(*p));
		p->p_type = PT_LOAD;
		p->p_flags = PF_R | PF_X;
		p->p_vaddr = 0x1000 * (i + 1);
		p->p_memsz = 0x1000;
	}
	expect_refusal(&im, sizeof(im.b), "more than 32 loadable segments");
}

static void test_why_truncated(void **state)
{
	struct image im;
	char why[8];

	(void)state;
	build_image(&im);
	ehdr(&im)->e_machine = 3;
	memset(why, 'x', sizeof(why));
	assert_int_equal(elf_check(im.b, sizeof(im.b), NULL, why, sizeof(why)),
			 -1);
	assert_string_equal(why, "not x86");
	/* No buffer for the reason at all is fine too. */
	assert_int_equal(elf_check(im.b, sizeof(im.b), NULL, NULL, 0), -1);
}

static void test_load(void **state)
{
	struct image im;
	struct elf_info info;
	char why[128];
	uint8_t *dest;
	size_t span, i;

	(void)state;
	build_image(&im);
	assert_int_equal(check(im.b, sizeof(im.b), &info, why), 0);
	span = info.max_vaddr - info.min_vaddr;
	dest = malloc(span);
	assert_non_null(dest);
	memset(dest, 0xaa, span);
	elf_load(im.b, sizeof(im.b), &info, dest);
	for (i = 0; i < span; i++) {
		uint8_t want = 0;

		if (i < 0x10)
			want = 0xc3;
		else if (i >= 0x1000 && i < 0x1008)
			want = (uint8_t)"DATADATA"[i - 0x1000];
		assert_int_equal(dest[i], want);
	}
	free(dest);
}

struct seg_log {
	unsigned int n;
	uint64_t vaddr[4], memsz[4];
	uint32_t flags[4];
};

static void log_segment(uint64_t vaddr, uint64_t memsz, uint32_t pflags,
			void *ctx)
{
	struct seg_log *log = ctx;

	assert_true(log->n < 4);
	log->vaddr[log->n] = vaddr;
	log->memsz[log->n] = memsz;
	log->flags[log->n] = pflags;
	log->n++;
}

static void test_for_each_segment(void **state)
{
	struct image im;
	struct seg_log log = { 0 };

	(void)state;
	build_image(&im);
	elf_for_each_segment(im.b, sizeof(im.b), log_segment, &log);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.vaddr[0], 0x1000);
	assert_int_equal(log.memsz[0], 0x10);
	assert_int_equal(log.flags[0], ELF_PF_R | ELF_PF_X);
	assert_int_equal(log.vaddr[1], 0x2000);
	assert_int_equal(log.memsz[1], 0x1000);
	assert_int_equal(log.flags[1], ELF_PF_R | ELF_PF_W);

	/* A broken header yields no calls. */
	log.n = 0;
	im.b[0] = 0;
	elf_for_each_segment(im.b, sizeof(im.b), log_segment, &log);
	assert_int_equal(log.n, 0);
}

/* The constants lib/elf.h exports agree with the ABI's. */
static void test_constants(void **state)
{
	(void)state;
	assert_int_equal(ELF_ET_EXEC, ET_EXEC);
	assert_int_equal(ELF_ET_DYN, ET_DYN);
	assert_int_equal(ELF_PF_R, PF_R);
	assert_int_equal(ELF_PF_W, PF_W);
	assert_int_equal(ELF_PF_X, PF_X);
}

/*
 * Turns the hand-built image into an ET_DYN whose third program header is
 * a PT_DYNAMIC at 0x3000, file-backed by the data segment, which now
 * covers [0x2000, 0x3200). Relocations go at 0x3100.
 */
static void make_dyn(struct image *im, unsigned int nrela)
{
	Elf64_Phdr *data = phdr(im, 1), *dyn = phdr(im, 2);
	Elf64_Dyn *d = (Elf64_Dyn *)(im->b + 0x3000);

	ehdr(im)->e_type = ET_DYN;
	data->p_filesz = 0x1200;
	data->p_memsz = 0x2000;
	dyn->p_type = PT_DYNAMIC;
	dyn->p_flags = PF_R | PF_W;
	dyn->p_offset = dyn->p_vaddr = 0x3000;
	dyn->p_filesz = dyn->p_memsz = 4 * sizeof(Elf64_Dyn);
	d[0].d_tag = DT_RELA;
	d[0].d_un.d_ptr = 0x3100;
	d[1].d_tag = DT_RELASZ;
	d[1].d_un.d_val = nrela * sizeof(Elf64_Rela);
	d[2].d_tag = DT_RELAENT;
	d[2].d_un.d_val = sizeof(Elf64_Rela);
	d[3].d_tag = DT_NULL;
}

static Elf64_Rela *rela(struct image *im, unsigned int i)
{
	return (Elf64_Rela *)(im->b + 0x3100) + i;
}

/* The same image with a DT_RELR table of nword words at 0x3100 instead. */
static uint64_t *make_relr(struct image *im, unsigned int nword)
{
	Elf64_Dyn *d = (Elf64_Dyn *)(im->b + 0x3000);

	make_dyn(im, 0);
	d[0].d_tag = DT_RELR;
	d[0].d_un.d_ptr = 0x3100;
	d[1].d_tag = DT_RELRSZ;
	d[1].d_un.d_val = nword * 8;
	d[2].d_tag = DT_RELRENT;
	d[2].d_un.d_val = 8;
	return (uint64_t *)(im->b + 0x3100);
}

/* Checks and loads im, then relocates to load_addr; returns the result. */
static int relocate(struct image *im, uint8_t **dest, uint64_t load_addr,
		    char *why)
{
	struct elf_info info;
	void *copy = unit_dup(im->b, sizeof(im->b));
	int r;

	assert_int_equal(elf_check(copy, sizeof(im->b), &info, why, 128), 0);
	*dest = malloc(info.max_vaddr - info.min_vaddr);
	assert_non_null(*dest);
	elf_load(copy, sizeof(im->b), &info, *dest);
	why[0] = '\0';
	r = elf_relocate(copy, sizeof(im->b), &info, *dest, load_addr, why,
			 128);
	free(copy);
	return r;
}

static void test_relocate_handmade(void **state)
{
	struct image im;
	uint8_t *dest;
	uint64_t v;
	char why[128];

	(void)state;
	build_image(&im);
	make_dyn(&im, 3);
	rela(&im, 0)->r_offset = 0x2000;
	rela(&im, 0)->r_info = ELF64_R_INFO(0, R_X86_64_RELATIVE);
	rela(&im, 0)->r_addend = 0x1004;
	rela(&im, 1)->r_info = ELF64_R_INFO(0, R_X86_64_NONE);
	/* Unaligned targets are legal. */
	rela(&im, 2)->r_offset = 0x2011;
	rela(&im, 2)->r_info = ELF64_R_INFO(0, R_X86_64_RELATIVE);
	rela(&im, 2)->r_addend = -0x1000;
	assert_int_equal(relocate(&im, &dest, 0x7000000, why), 0);
	/* min_vaddr 0x1000 now lives at 0x7000000. */
	memcpy(&v, dest + 0x1000, 8);
	assert_int_equal(v, 0x7000000 - 0x1000 + 0x1004);
	memcpy(&v, dest + 0x1011, 8);
	assert_int_equal(v, 0x7000000 - 0x1000 - 0x1000);
	free(dest);
}

static void test_relocate_relr_handmade(void **state)
{
	struct image im;
	uint8_t *dest;
	uint64_t *w, v;
	char why[128];
	unsigned int i;

	(void)state;
	build_image(&im);
	w = make_relr(&im, 3);
	/* An address, then a bitmap for the words after it: bits 1 and 3
	 * are the 1st and 3rd word past it, bit 63 the 63rd; then one
	 * more address. Each word holds its own link-time value. */
	w[0] = 0x2000;
	w[1] = 1 | 1ull << 1 | 1ull << 3 | 1ull << 63;
	w[2] = 0x2f00;
	for (i = 0; i < 0x100; i++) {
		v = 0x10000 + i;
		memcpy(im.b + 0x2000 + 8 * i, &v, 8);
	}
	v = 0x5555;
	memcpy(im.b + 0x2f00, &v, 8);
	assert_int_equal(relocate(&im, &dest, 0x7000000, why), 0);
	/* min_vaddr 0x1000 now lives at 0x7000000: every target moved by
	 * 0x6fff000, and nothing else changed. */
	for (i = 0; i < 0x100; i++) {
		bool target = i == 0 || i == 1 || i == 3 || i == 63;

		memcpy(&v, dest + 0x1000 + 8 * i, 8);
		assert_int_equal(v, 0x10000 + i + (target ? 0x6fff000 : 0));
	}
	memcpy(&v, dest + 0x1f00, 8);
	assert_int_equal(v, 0x5555 + 0x6fff000);
	free(dest);

	/* A second bitmap goes on 63 words after the first. */
	build_image(&im);
	w = make_relr(&im, 3);
	w[0] = 0x2000;
	w[1] = 1;
	w[2] = 1 | 1ull << 1;
	memset(im.b + 0x2000, 0, 0x400);
	assert_int_equal(relocate(&im, &dest, 0x2000, why), 0);
	memcpy(&v, dest + 0x1000, 8);
	assert_int_equal(v, 0x1000);
	memcpy(&v, dest + 0x1000 + 8 + 63 * 8, 8);
	assert_int_equal(v, 0x1000);
	memcpy(&v, dest + 0x1000 + 8, 8);
	assert_int_equal(v, 0);
	free(dest);
}

static void test_relocate_relr_refusals(void **state)
{
	struct image im;
	uint8_t *dest;
	uint64_t *w;
	char why[128];

	(void)state;
	build_image(&im);
	w = make_relr(&im, 1);
	w[0] = 1 | 2;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "DT_RELR bitmap at entry 0 before any address");
	free(dest);

	/* Targets below the image, in its last 7 bytes, past it. */
	build_image(&im);
	w = make_relr(&im, 1);
	w[0] = 0xff8;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "relocation target 0xff8 outside the image");
	free(dest);
	build_image(&im);
	w = make_relr(&im, 1);
	w[0] = 0x3ffa;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "relocation target 0x3ffa outside the image");
	free(dest);
	/* A bitmap that runs past the end. */
	build_image(&im);
	w = make_relr(&im, 2);
	w[0] = 0x3f00;
	w[1] = 1 | 1ull << 63;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "relocation target 0x40f8 outside the image");
	free(dest);
	/* One that wraps round the address space. */
	build_image(&im);
	w = make_relr(&im, 2);
	w[0] = UINT64_MAX - 0xf;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why,
			    "relocation target 0xfffffffffffffff0 outside the image");
	free(dest);

	build_image(&im);
	make_relr(&im, 1);
	((Elf64_Dyn *)(im.b + 0x3000))[2].d_un.d_val = 16;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "bad DT_RELRENT 16 or DT_RELRSZ 8");
	free(dest);

	build_image(&im);
	make_relr(&im, 1);
	((Elf64_Dyn *)(im.b + 0x3000))[1].d_un.d_val = 12;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "bad DT_RELRENT 8 or DT_RELRSZ 12");
	free(dest);

	/* The table must be file-backed. */
	build_image(&im);
	make_relr(&im, 0x200 / 8 + 1);
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "relocation table outside the file");
	free(dest);
}

static void test_relocate_refusals(void **state)
{
	struct image im;
	uint8_t *dest;
	char why[128];

	(void)state;
	build_image(&im);
	make_dyn(&im, 1);
	rela(&im, 0)->r_offset = 0x1234;
	rela(&im, 0)->r_info = ELF64_R_INFO(1, R_X86_64_GLOB_DAT);
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why,
			    "unsupported relocation type 6 at offset 0x1234");
	free(dest);

	build_image(&im);
	make_dyn(&im, 1);
	rela(&im, 0)->r_offset = 0x1234;
	rela(&im, 0)->r_info = ELF64_R_INFO(0, R_X86_64_64 + 6);
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why,
			    "unsupported relocation type 7 at offset 0x1234");
	free(dest);

	/* Targets: below the image, the last 7 bytes, past it, wrapping. */
	{
		static const uint64_t bad[] = { 0xff8, 0x3ff9, 0x4000,
						UINT64_MAX - 3 };
		unsigned int i;

		for (i = 0; i < 4; i++) {
			char msg[128];

			build_image(&im);
			make_dyn(&im, 1);
			rela(&im, 0)->r_offset = bad[i];
			rela(&im, 0)->r_info =
				ELF64_R_INFO(0, R_X86_64_RELATIVE);
			assert_int_equal(relocate(&im, &dest, 0, why), -1);
			snprintf(msg, sizeof(msg),
				 "relocation target 0x%llx outside the image",
				 (unsigned long long)bad[i]);
			assert_string_equal(why, msg);
			free(dest);
		}
	}
	/* The last 8 bytes of the span are a valid target. */
	build_image(&im);
	make_dyn(&im, 1);
	rela(&im, 0)->r_offset = 0x3ff8;
	rela(&im, 0)->r_info = ELF64_R_INFO(0, R_X86_64_RELATIVE);
	assert_int_equal(relocate(&im, &dest, 0x1000, why), 0);
	free(dest);

	/* The table must be file-backed: here it runs into bss. */
	build_image(&im);
	make_dyn(&im, 0x200 / sizeof(Elf64_Rela) + 1);
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "relocation table outside the file");
	free(dest);

	build_image(&im);
	make_dyn(&im, 1);
	((Elf64_Dyn *)(im.b + 0x3000))[0].d_un.d_ptr = UINT64_MAX - 8;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "relocation table outside the file");
	free(dest);

	build_image(&im);
	make_dyn(&im, 1);
	((Elf64_Dyn *)(im.b + 0x3000))[2].d_un.d_val = 16;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "bad DT_RELAENT 16 or DT_RELASZ 24");
	free(dest);

	build_image(&im);
	make_dyn(&im, 1);
	((Elf64_Dyn *)(im.b + 0x3000))[1].d_un.d_val = 25;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "bad DT_RELAENT 24 or DT_RELASZ 25");
	free(dest);

	build_image(&im);
	make_dyn(&im, 1);
	((Elf64_Dyn *)(im.b + 0x3000))[3].d_tag = DT_DEBUG;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "dynamic section has no DT_NULL terminator");
	free(dest);

	build_image(&im);
	make_dyn(&im, 1);
	phdr(&im, 2)->p_offset = sizeof(im.b) - 8;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "dynamic section outside the file");
	free(dest);

	build_image(&im);
	make_dyn(&im, 1);
	((Elf64_Dyn *)(im.b + 0x3000))[2].d_tag = DT_PLTRELSZ;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "PLT relocations are not supported");
	free(dest);

	build_image(&im);
	make_dyn(&im, 1);
	((Elf64_Dyn *)(im.b + 0x3000))[2].d_tag = DT_RELSZ;
	assert_int_equal(relocate(&im, &dest, 0, why), -1);
	assert_string_equal(why, "DT_REL relocations are not supported");
	free(dest);
}

static void test_relocate_nothing_to_do(void **state)
{
	struct image im;
	struct elf_info info;
	uint8_t *dest;
	char why[128];

	(void)state;
	/* ET_DYN without PT_DYNAMIC, and with an empty table. */
	build_image(&im);
	ehdr(&im)->e_type = ET_DYN;
	assert_int_equal(relocate(&im, &dest, 0x100000, why), 0);
	free(dest);
	build_image(&im);
	make_dyn(&im, 0);
	assert_int_equal(relocate(&im, &dest, 0x100000, why), 0);
	free(dest);

	/* ET_EXEC is not touched, whatever its dynamic section says. */
	build_image(&im);
	make_dyn(&im, 1);
	ehdr(&im)->e_type = ET_EXEC;
	rela(&im, 0)->r_info = ELF64_R_INFO(0, 99);
	assert_int_equal(check(im.b, sizeof(im.b), &info, why), 0);
	dest = malloc(info.max_vaddr - info.min_vaddr);
	assert_non_null(dest);
	assert_int_equal(elf_relocate(im.b, sizeof(im.b), &info, dest,
				      0x100000, why, sizeof(why)),
			 0);
	free(dest);
}

struct loaded {
	uint8_t *file;
	size_t len;
	struct elf_info info;
	uint8_t *dest;
	size_t span;
};

static void load_fixture(const char *name, struct loaded *l, void *dest)
{
	char why[128];

	l->file = unit_read_file(UNIT_FIXTURE_DIR, name, &l->len);
	assert_int_equal(elf_check(l->file, l->len, &l->info, why,
				   sizeof(why)),
			 0);
	l->span = l->info.max_vaddr - l->info.min_vaddr;
	l->dest = dest ? dest : malloc(l->span);
	assert_non_null(l->dest);
	memset(l->dest, 0x5a, l->span);
	elf_load(l->file, l->len, &l->info, l->dest);
}

static struct marker *find_marker(struct loaded *l)
{
	size_t off;

	for (off = 0; off + sizeof(struct marker) <= l->span; off += 8) {
		uint64_t magic;

		memcpy(&magic, l->dest + off, 8);
		if (magic == MARKER_MAGIC)
			return (struct marker *)(l->dest + off);
	}
	fail_msg("marker not found in the loaded image");
	return NULL;
}

static void check_fixture_relocates(const char *name)
{
	struct loaded l;
	struct marker *mk;
	uint64_t base = 0x40000000, moff;
	char why[128];
	unsigned int i;

	load_fixture(name, &l, NULL);
	assert_int_equal(l.info.type, ET_DYN);
	assert_int_equal(l.info.min_vaddr, 0);
	assert_true(l.info.load_count >= 2);

	/* Before relocation the pointers hold link-time addresses. */
	mk = find_marker(&l);
	moff = (uint8_t *)mk - l.dest;
	assert_int_equal(mk->self, moff);
	assert_int_equal(mk->fn, l.info.entry);

	assert_int_equal(elf_relocate(l.file, l.len, &l.info, l.dest, base, why,
				      sizeof(why)),
			 0);
	assert_int_equal(mk->self, base + moff);
	assert_int_equal(mk->fn, base + l.info.entry);
	assert_true(mk->text > base && mk->text < base + l.span);
	assert_string_equal((char *)l.dest + (mk->text - base), "relocated");
	for (i = 0; i < 3; i++) {
		uint32_t v;

		/* a, b and c live in bss: zeroed, although dest was not. */
		assert_true(mk->table[i] >= base + moff + sizeof(*mk));
		assert_true(mk->table[i] + 4 <= base + l.span);
		memcpy(&v, l.dest + (mk->table[i] - base), 4);
		assert_int_equal(v, 0);
	}
	assert_int_equal(mk->count, 7);
	free(l.dest);
	free(l.file);
}

static void test_fixture_pie(void **state)
{
	(void)state;
	check_fixture_relocates("pie.elf");
}

/* Loads the PIE at an address of mmap's choosing and runs its check. */
static void run_fixture(const char *name)
{
	struct loaded l;
	uint8_t *mem;
	size_t len;
	char why[128];
	long (*entry)(void);

	l.file = unit_read_file(UNIT_FIXTURE_DIR, name, &len);
	assert_int_equal(elf_check(l.file, len, &l.info, why, sizeof(why)), 0);
	free(l.file);
	l.span = l.info.max_vaddr - l.info.min_vaddr;
	mem = mmap(NULL, l.span, PROT_READ | PROT_WRITE | PROT_EXEC,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		skip();
	load_fixture(name, &l, mem);
	assert_int_equal(elf_relocate(l.file, l.len, &l.info, mem,
				      (uint64_t)(uintptr_t)mem, why,
				      sizeof(why)),
			 0);
	entry = (long (*)(void))(uintptr_t)(mem + l.info.entry -
					    l.info.min_vaddr);
	assert_int_equal(entry(), 7);
	munmap(mem, l.span);
	free(l.file);
}

static void test_fixture_pie_runs(void **state)
{
	(void)state;
	run_fixture("pie.elf");
}

/* The same program linked with packed relocations: the same result. */
static void test_fixture_relr(void **state)
{
	(void)state;
	check_fixture_relocates("pie-relr.elf");
	run_fixture("pie-relr.elf");
}

static void test_fixture_exec(void **state)
{
	struct loaded l;
	struct marker *mk, before;
	char why[128];

	(void)state;
	load_fixture("exec.elf", &l, NULL);
	assert_int_equal(l.info.type, ET_EXEC);
	assert_int_equal(l.info.min_vaddr, 0x400000);
	assert_true(l.info.entry >= 0x400000 && l.info.entry < 0x500000);
	mk = find_marker(&l);
	assert_int_equal(mk->self, 0x400000 + ((uint8_t *)mk - l.dest));
	before = *mk;
	assert_int_equal(elf_relocate(l.file, l.len, &l.info, l.dest,
				      0x1000000, why, sizeof(why)),
			 0);
	assert_memory_equal(mk, &before, sizeof(before));
	free(l.dest);
	free(l.file);
}

/* The real fixture cut at every length: refused or accepted, no overread. */
static void test_fixture_truncated(void **state)
{
	struct elf_info info;
	uint8_t *file;
	size_t len, n;
	char why[128];
	unsigned int accepted = 0;

	(void)state;
	file = unit_read_file(UNIT_FIXTURE_DIR, "pie.elf", &len);
	for (n = 0; n <= len; n++) {
		if (check(file, n, &info, why) == 0)
			accepted++;
	}
	/* Only lengths that keep every segment's file data are accepted. */
	assert_true(accepted >= 1);
	assert_true(accepted < len / 2);
	free(file);
}

/*
 * Random corruption of the headers of the real PIE: whatever elf_check
 * accepts must load and relocate inside its buffers (ASan watches).
 */
static void test_fixture_mutations(void **state)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	uint8_t *orig, *file;
	size_t len;
	unsigned int iter, accepted = 0;

	(void)state;
	orig = unit_read_file(UNIT_FIXTURE_DIR, "pie.elf", &len);
	for (iter = 0; iter < 20000; iter++) {
		struct elf_info info;
		char why[128];
		unsigned int k, flips = 1 + unit_rand(&rng) % 4;
		size_t hot = 64 + 7 * 56; /* the header and program headers */

		file = unit_dup(orig, len);
		for (k = 0; k < flips; k++) {
			size_t at = unit_rand(&rng) % hot;
			uint8_t bit = (uint8_t)(1u << (unit_rand(&rng) % 8));

			if (unit_rand(&rng) % 2)
				file[at] ^= bit;
			else
				file[at] = (uint8_t)unit_rand(&rng);
		}
		if (elf_check(file, len, &info, why, sizeof(why)) == 0 &&
		    info.max_vaddr - info.min_vaddr <= (16u << 20)) {
			uint8_t *dest = malloc(info.max_vaddr - info.min_vaddr);

			assert_non_null(dest);
			elf_load(file, len, &info, dest);
			elf_relocate(file, len, &info, dest, 0x10000000, why,
				     sizeof(why));
			free(dest);
			accepted++;
		}
		free(file);
	}
	/* Some mutations land in fields nobody checks; those still load. */
	assert_true(accepted > 0);
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_image),
		cmocka_unit_test(test_short_and_bad_magic),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_program_headers_outside),
		cmocka_unit_test(test_segment_file_range),
		cmocka_unit_test(test_address_wrap),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_no_loads_and_entry),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_why_truncated),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_for_each_segment),
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_relocate_handmade),
		cmocka_unit_test(test_relocate_refusals),
		cmocka_unit_test(test_relocate_nothing_to_do),
		cmocka_unit_test(test_fixture_pie),
		cmocka_unit_test(test_fixture_pie_runs),
		cmocka_unit_test(test_fixture_relr),
		cmocka_unit_test(test_relocate_relr_handmade),
		cmocka_unit_test(test_relocate_relr_refusals),
		cmocka_unit_test(test_fixture_exec),
		cmocka_unit_test(test_fixture_truncated),
		cmocka_unit_test(test_fixture_mutations),
	};

	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
