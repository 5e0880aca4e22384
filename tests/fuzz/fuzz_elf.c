// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for lib/elf.c. Every input goes through elf_check(); an
 * accepted one is then loaded into a buffer of exactly the size elf_check()
 * reported and relocated there, as the loader does with the hv core and a
 * partition's kernel. The loaded bytes are compared with what this file
 * reads from the program headers itself, so a load that stays in bounds
 * but copies the wrong bytes fails too.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/elf.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/*
 * elf_check() allows a span of up to ELF_MAX_SPAN (1 GiB). Loading is
 * tried only up to this size, which holds every real image (the hv core
 * spans 168 KiB, the test guests 40 KiB): offsets into a large buffer take
 * the same paths as offsets into a small one, and zeroing and comparing
 * megabytes per input cut the fuzzer's speed tenfold.
 */
#define LOAD_MAX (256ull << 10)

/* Where the image is relocated to: high, so that the bias is not zero. */
#define LOAD_ADDR 0xffffffff80000000ull

#define PT_LOAD 1

struct seg_check {
	const struct elf_info *info;
	unsigned int count;
};

static void count_segment(uint64_t vaddr, uint64_t memsz, uint32_t pflags,
			  void *ctx)
{
	(void)vaddr;
	(void)memsz;
	(void)pflags;
	(*(unsigned int *)ctx)++;
}

static void check_segment(uint64_t vaddr, uint64_t memsz, uint32_t pflags,
			  void *ctx)
{
	struct seg_check *c = ctx;

	(void)pflags;
	c->count++;
	CHECK(memsz > 0);
	CHECK(vaddr >= c->info->min_vaddr);
	CHECK(vaddr + memsz > vaddr);
	CHECK(vaddr + memsz <= c->info->max_vaddr);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The image elf_load() owes: zeros, with each PT_LOAD's file bytes at its
 * address. The header offsets are the ELF-64 format's: e_phoff at 32,
 * e_phnum at 56; in a program header p_type at 0, p_offset at 8, p_vaddr
 * at 16, p_filesz at 32, p_memsz at 40.
 */
static void check_loaded(const uint8_t *file, const struct elf_info *info,
			 const uint8_t *dest, uint64_t span)
{
	uint64_t phoff = get64(file + 32);
	unsigned int phnum = get16(file + 56), i;
	uint8_t *want = calloc(1, span);

	CHECK(want);
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = file + phoff + (uint64_t)i * 56;

		if (get32(ph) != PT_LOAD || !get64(ph + 40))
			continue;
		memcpy(want + (get64(ph + 16) - info->min_vaddr),
		       file + get64(ph + 8), get64(ph + 32));
	}
	CHECK(!memcmp(dest, want, span));
	free(want);
}

static void check_why(const char *why, size_t len)
{
	CHECK(memchr(why, '\0', len));
	CHECK(why[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_info info;
	struct seg_check seg;
	char why[128], tiny[6];
	unsigned int n = 0;
	uint64_t span;
	uint8_t *dest;
	int r;

	memset(why, 'x', sizeof(why));
	memset(tiny, 'x', sizeof(tiny));
	r = elf_check(data, size, &info, why, sizeof(why));
	CHECK(r == 0 || r == -1);
	/* No output buffers at all: the same verdict, and no crash. */
	CHECK(elf_check(data, size, NULL, NULL, 0) == r);
	CHECK(elf_check(data, size, NULL, tiny, sizeof(tiny)) == r);
	if (r) {
		check_why(why, sizeof(why));
		check_why(tiny, sizeof(tiny));
		CHECK(!strncmp(tiny, why, sizeof(tiny) - 1));
		/* It may call back for a refused file, but must stay inside. */
		elf_for_each_segment(data, size, count_segment, &n);
		return 0;
	}

	CHECK(info.type == ELF_ET_EXEC || info.type == ELF_ET_DYN);
	CHECK(info.min_vaddr % 4096 == 0 && info.max_vaddr % 4096 == 0);
	CHECK(info.min_vaddr < info.max_vaddr);
	span = info.max_vaddr - info.min_vaddr;
	CHECK(span <= ELF_MAX_SPAN);
	CHECK(info.entry >= info.min_vaddr && info.entry < info.max_vaddr);
	CHECK(info.load_count >= 1 && info.load_count <= ELF_MAX_LOADS);

	memset(&seg, 0, sizeof(seg));
	seg.info = &info;
	elf_for_each_segment(data, size, check_segment, &seg);
	CHECK(seg.count == info.load_count);

	if (span > LOAD_MAX)
		return 0;
	dest = malloc(span);
	CHECK(dest);
	/* Garbage first, so that the zeroing elf_load() owes is checked. */
	memset(dest, 0xcc, span);
	elf_load(data, size, &info, dest);
	check_loaded(data, &info, dest, span);

	memset(why, 'x', sizeof(why));
	r = elf_relocate(data, size, &info, dest, LOAD_ADDR, why, sizeof(why));
	CHECK(r == 0 || r == -1);
	if (r) {
		CHECK(info.type == ELF_ET_DYN);
		check_why(why, sizeof(why));
	}
	free(dest);
	return 0;
}
