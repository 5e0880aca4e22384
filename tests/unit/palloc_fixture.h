/* SPDX-License-Identifier: MIT */
/*
 * What the two tests of hv/palloc.c share (test_palloc.c, the pool's
 * accounting and zeroing; test_palloc_search.c, its searches). hv runs
 * identity-mapped, so the allocator treats pool addresses as pointers;
 * here the pool is a 2 MiB aligned host buffer whose address is passed as
 * the base.
 */
#ifndef TESTS_UNIT_PALLOC_FIXTURE_H
#define TESTS_UNIT_PALLOC_FIXTURE_H

#include "tests/unit/common.h"

#include <stdlib.h>
#include <string.h>

#include "hv/errno.h"
#include "hv/palloc.h"

#define PAGE 4096ull
#define CHUNK (2ull << 20)
#define CHUNK_PAGES (CHUNK / PAGE)
#define POOL_SIZE (16ull << 20)
#define POOL_PAGES (POOL_SIZE / PAGE)
/* Room for a pool one page larger than POOL_SIZE, in whole chunks. */
#define BUF_SIZE (POOL_SIZE + CHUNK)
/* Never a value the allocator writes, so stale bytes stand out. */
#define JUNK 0xa5
/*
 * The map of a 4096-page pool: 4096 owner bytes, a 512-byte page bitmap
 * and one word each of chunk bitmap, whole-chunk bitmap and chunk owners,
 * 4632 bytes in two pages.
 */
#define MAP_PAGES 3ull

struct fixture {
	uint8_t *buf;
	struct palloc pa;
	/* A copy of the pool, here so that a failed test still frees it. */
	uint8_t *snap;
};

static __attribute__((unused)) int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->buf = aligned_alloc(CHUNK, BUF_SIZE);
	if (!f->buf) {
		free(f);
		return -1;
	}
	/* Junk everywhere, so that "zeroed" means the allocator zeroed it. */
	memset(f->buf, JUNK, BUF_SIZE);
	if (palloc_init(&f->pa, (uint64_t)(uintptr_t)f->buf, POOL_SIZE)) {
		free(f->buf);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static __attribute__((unused)) int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->snap);
	free(f->buf);
	free(f);
	return 0;
}

static __attribute__((unused)) uint64_t base_of(const struct fixture *f)
{
	return (uint64_t)(uintptr_t)f->buf;
}

static __attribute__((unused)) uint8_t *ptr(uint64_t addr)
{
	return (uint8_t *)(uintptr_t)addr;
}

static __attribute__((unused)) uint64_t page_index(const struct palloc *pa, uint64_t addr)
{
	return (addr - pa->base) / PAGE;
}

static __attribute__((unused)) int is_zero(uint64_t addr, uint64_t len)
{
	const uint8_t *p = ptr(addr);

	for (uint64_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/*
 * The counters must agree with the owner map at every point: recount the
 * map and compare, so a counter update that drifts from the map is caught
 * whichever call caused it.
 */
static __attribute__((unused)) void assert_consistent(const struct palloc *pa)
{
	uint64_t count[PALLOC_MAX_OWNERS] = { 0 };
	uint64_t nfree = 0;

	for (uint64_t i = 0; i < pa->pages; i++) {
		uint16_t o = (uint16_t)palloc_owner(pa, i);

		if (o == PALLOC_FREE) {
			nfree++;
			continue;
		}
		if (o >= PALLOC_MAX_OWNERS)
			fail_msg("page %llu has owner %u",
				 (unsigned long long)i, o);
		count[o]++;
	}
	assert_int_equal(nfree, pa->free_pages);
	for (uint64_t i = 0; i < pa->pages; i++) {
		bool bit = pa->page_free[i / 64] >> (i % 64) & 1;

		if (bit != (palloc_owner(pa, i) == PALLOC_FREE))
			fail_msg("page %llu: bitmap says %s, map says owner %u",
				 (unsigned long long)i, bit ? "free" : "taken",
				 palloc_owner(pa, i));
	}
	for (uint64_t c = 0; c < pa->pages / CHUNK_PAGES; c++) {
		bool bit = pa->chunk_free[c / 64] >> (c % 64) & 1, all = true;

		for (uint64_t i = c * CHUNK_PAGES; i < (c + 1) * CHUNK_PAGES; i++)
			all = all && palloc_owner(pa, i) == PALLOC_FREE;
		if (bit != all)
			fail_msg("chunk %llu: bitmap says %d, pages say %d",
				 (unsigned long long)c, bit, all);
	}
	for (int o = 0; o < PALLOC_MAX_OWNERS; o++)
		if (count[o] != pa->owner_pages[o])
			fail_msg("owner %d: map says %llu pages, counter %llu",
				 o, (unsigned long long)count[o],
				 (unsigned long long)pa->owner_pages[o]);
}

/* Takes every free page for owner; returns how many there were. */
static __attribute__((unused)) uint64_t drain(struct palloc *pa, uint32_t owner)
{
	uint64_t n = 0;

	while (palloc_page(pa, owner))
		n++;
	return n;
}

#endif
