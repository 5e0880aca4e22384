// SPDX-License-Identifier: MIT
/*
 * Tests of hv/palloc.c. hv runs identity-mapped, so the allocator treats
 * pool addresses as pointers; here the pool is a 2 MiB aligned host buffer
 * whose address is passed as the base.
 */
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
 * and one word of chunk bitmap, 4616 bytes in two pages.
 */
#define MAP_PAGES 2ull

struct fixture {
	uint8_t *buf;
	struct palloc pa;
	/* A copy of the pool, here so that a failed test still frees it. */
	uint8_t *snap;
};

static int setup(void **state)
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

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->snap);
	free(f->buf);
	free(f);
	return 0;
}

static uint64_t base_of(const struct fixture *f)
{
	return (uint64_t)(uintptr_t)f->buf;
}

static uint8_t *ptr(uint64_t addr)
{
	return (uint8_t *)(uintptr_t)addr;
}

static uint64_t page_index(const struct palloc *pa, uint64_t addr)
{
	return (addr - pa->base) / PAGE;
}

static int is_zero(uint64_t addr, uint64_t len)
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
static void assert_consistent(const struct palloc *pa)
{
	uint64_t count[PALLOC_MAX_OWNERS] = { 0 };
	uint64_t nfree = 0;

	for (uint64_t i = 0; i < pa->pages; i++) {
		uint8_t o = pa->owner_of[i];

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

		if (bit != (pa->owner_of[i] == PALLOC_FREE))
			fail_msg("page %llu: bitmap says %s, map says owner %u",
				 (unsigned long long)i, bit ? "free" : "taken",
				 pa->owner_of[i]);
	}
	for (uint64_t c = 0; c < pa->pages / CHUNK_PAGES; c++) {
		bool bit = pa->chunk_free[c / 64] >> (c % 64) & 1, all = true;

		for (uint64_t i = c * CHUNK_PAGES; i < (c + 1) * CHUNK_PAGES; i++)
			all = all && pa->owner_of[i] == PALLOC_FREE;
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
static uint64_t drain(struct palloc *pa, uint32_t owner)
{
	uint64_t n = 0;

	while (palloc_page(pa, owner))
		n++;
	return n;
}

static void test_init_accounting(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;

	assert_int_equal(pa->base, base_of(f));
	assert_int_equal(pa->pages, POOL_PAGES);
	assert_ptr_equal(pa->owner_of, f->buf);
	assert_int_equal(pa->map_pages, MAP_PAGES);
	assert_int_equal(pa->owner_pages[PALLOC_OWNER_HV], MAP_PAGES);
	assert_int_equal(pa->free_pages, POOL_PAGES - MAP_PAGES);
	for (int o = 1; o < PALLOC_MAX_OWNERS; o++)
		assert_int_equal(pa->owner_pages[o], 0);
	for (uint64_t i = 0; i < MAP_PAGES; i++)
		assert_int_equal(pa->owner_of[i], PALLOC_OWNER_HV);
	for (uint64_t i = MAP_PAGES; i < POOL_PAGES; i++)
		assert_int_equal(pa->owner_of[i], PALLOC_FREE);
	assert_int_equal(palloc_largest_free_run(pa), POOL_PAGES - MAP_PAGES);
	assert_consistent(pa);
}

/*
 * 3632 pages need 3632 + 57 * 8 + 8 = 4096 map bytes, one page; a page
 * more needs 3640 + 57 * 8 + 8 = 4104, two.
 */
#define EXACT_PAGES 3632ull

static void test_init_map_rounds_up(void **state)
{
	struct fixture *f = *state;
	struct palloc pa;
	uint64_t a;

	assert_int_equal(palloc_init(&pa, base_of(f), EXACT_PAGES * PAGE), 0);
	assert_int_equal(pa.owner_pages[PALLOC_OWNER_HV], 1);
	assert_consistent(&pa);
	assert_int_equal(palloc_init(&pa, base_of(f), (EXACT_PAGES + 1) * PAGE),
			 0);
	assert_int_equal(pa.pages, EXACT_PAGES + 1);
	assert_int_equal(pa.owner_pages[PALLOC_OWNER_HV], 2);
	assert_int_equal(pa.free_pages, EXACT_PAGES - 1);
	assert_int_equal(pa.owner_of[1], PALLOC_OWNER_HV);
	assert_int_equal(pa.owner_of[EXACT_PAGES], PALLOC_FREE);
	assert_consistent(&pa);

	/* The map's second page must never be handed out. */
	a = palloc_page(&pa, 1);
	assert_true(a >= base_of(f) + 2 * PAGE);
	assert_int_equal(drain(&pa, 1), EXACT_PAGES - 2);
	assert_int_equal(pa.owner_pages[PALLOC_OWNER_HV], 2);
	assert_consistent(&pa);

	/* The smallest pool: one map page and one usable page. */
	assert_int_equal(palloc_init(&pa, base_of(f), 2 * PAGE), 0);
	assert_int_equal(pa.free_pages, 1);
	assert_int_equal(palloc_page(&pa, 1), base_of(f) + PAGE);
	assert_int_equal(palloc_page(&pa, 1), 0);
	assert_consistent(&pa);
}

/* Init zeroes the pool, all of it and nothing past it. */
static void test_init_zeroes_pool(void **state)
{
	struct fixture *f = *state;

	assert_true(is_zero(base_of(f) + MAP_PAGES * PAGE,
			    POOL_SIZE - MAP_PAGES * PAGE));
	assert_int_equal(f->buf[POOL_SIZE], JUNK);
	assert_int_equal(f->buf[BUF_SIZE - 1], JUNK);
}

/*
 * Taking is bookkeeping only: the pages are zero already. A page written
 * behind the allocator's back (which no caller may do) shows it.
 */
static void test_take_does_not_zero(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t next = pa->base + MAP_PAGES * PAGE;

	memset(ptr(next), JUNK, PAGE);
	assert_int_equal(palloc_page(pa, 1), next);
	assert_int_equal(ptr(next)[0], JUNK);
	assert_int_equal(ptr(next)[PAGE - 1], JUNK);
}

static void test_init_rejects(void **state)
{
	struct fixture *f = *state;
	struct palloc pa;
	uint64_t base = base_of(f);

	assert_int_equal(palloc_init(&pa, base + PAGE, POOL_SIZE), HV_EINVAL);
	assert_int_equal(palloc_init(&pa, base + CHUNK / 2, POOL_SIZE),
			 HV_EINVAL);
	assert_int_equal(palloc_init(&pa, base, POOL_SIZE - 1), HV_EINVAL);
	assert_int_equal(palloc_init(&pa, base, POOL_SIZE + 512), HV_EINVAL);
	assert_int_equal(palloc_init(&pa, base, PAGE), HV_EINVAL);
	assert_int_equal(palloc_init(&pa, base, 0), HV_EINVAL);
}

static void test_page_zeroed_in_pool(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t a = palloc_page(pa, 3);

	assert_int_not_equal(a, 0);
	assert_int_equal(a & (PAGE - 1), 0);
	/* Not the owner map, and not past the end. */
	assert_true(a >= base_of(f) + MAP_PAGES * PAGE);
	assert_true(a + PAGE <= base_of(f) + POOL_SIZE);
	assert_true(is_zero(a, PAGE));
	assert_int_equal(pa->owner_of[page_index(pa, a)], 3);
	assert_int_equal(pa->owner_pages[3], 1);
	assert_int_equal(pa->free_pages, POOL_PAGES - MAP_PAGES - 1);
	assert_consistent(pa);
}

static void test_pages_distinct(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t a[200];

	for (unsigned i = 0; i < 200; i++) {
		a[i] = palloc_page(pa, 1);
		assert_int_not_equal(a[i], 0);
		assert_true(is_zero(a[i], PAGE));
		memset(ptr(a[i]), (int)(i + 1), PAGE);
	}
	/* Page aligned and distinct means disjoint; the fill proves it too. */
	for (unsigned i = 0; i < 200; i++) {
		for (unsigned j = i + 1; j < 200; j++)
			assert_int_not_equal(a[i], a[j]);
		assert_int_equal(ptr(a[i])[0], (uint8_t)(i + 1));
		assert_int_equal(ptr(a[i])[PAGE - 1], (uint8_t)(i + 1));
	}
	assert_int_equal(pa->owner_pages[1], 200);
	assert_consistent(pa);
}

static void test_chunk_aligned_zeroed(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t c[8];
	unsigned n = 0;

	while ((c[n] = palloc_chunk(pa, 2))) {
		assert_int_equal(c[n] & (CHUNK - 1), 0);
		assert_true(c[n] >= base_of(f));
		assert_true(c[n] + CHUNK <= base_of(f) + POOL_SIZE);
		assert_true(is_zero(c[n], CHUNK));
		for (unsigned i = 0; i < n; i++)
			assert_int_not_equal(c[i], c[n]);
		n++;
		assert_true(n < 8);
	}
	/* The map page spoils the first chunk; the other seven are free. */
	assert_int_equal(n, 7);
	assert_int_equal(pa->owner_pages[2], 7 * CHUNK_PAGES);
	assert_int_equal(pa->free_pages, CHUNK_PAGES - MAP_PAGES);
	/* Single pages still come from the spoiled chunk. */
	assert_int_not_equal(palloc_page(pa, 2), 0);
	assert_consistent(pa);
}

static void test_chunk_uneven_pool(void **state)
{
	struct fixture *f = *state;
	struct palloc pa;
	uint64_t c;

	/* The pool ends one page past a chunk boundary; chunks stay whole. */
	assert_int_equal(palloc_init(&pa, base_of(f), POOL_SIZE + PAGE), 0);
	for (unsigned n = 0; n < 7; n++) {
		c = palloc_chunk(&pa, 1);
		assert_int_not_equal(c, 0);
		assert_int_equal(c & (CHUNK - 1), 0);
		assert_true(c + CHUNK <= base_of(f) + POOL_SIZE);
	}
	assert_int_equal(palloc_chunk(&pa, 1), 0);
	assert_consistent(&pa);
}

static void test_run_contiguous(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t base = base_of(f), a;

	assert_int_equal(drain(pa, 1), POOL_PAGES - MAP_PAGES);
	/* Holes of one, two and one page; only the pair fits a run of 2. */
	assert_int_equal(palloc_free(pa, base + 100 * PAGE, PAGE, 1), 0);
	assert_int_equal(palloc_free(pa, base + 200 * PAGE, 2 * PAGE, 1), 0);
	assert_int_equal(palloc_free(pa, base + 300 * PAGE, PAGE, 1), 0);
	assert_true(is_zero(base + 200 * PAGE, 2 * PAGE));

	assert_int_equal(palloc_run(pa, 3, 1, 4), 0);
	assert_int_equal(palloc_largest_free_run(pa), 2);
	a = palloc_run(pa, 2, 1, 4);
	assert_int_equal(a, base + 200 * PAGE);
	assert_true(is_zero(a, 2 * PAGE));
	assert_int_equal(pa->owner_of[200], 4);
	assert_int_equal(pa->owner_of[201], 4);
	assert_int_equal(pa->owner_pages[4], 2);
	assert_int_equal(palloc_run(pa, 2, 1, 4), 0);
	assert_int_equal(pa->free_pages, 2);
	assert_consistent(pa);
}

static void test_run_aligned(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t base = base_of(f), a;

	assert_int_equal(drain(pa, 1), POOL_PAGES - MAP_PAGES);
	/* Pages 101..103 are free, but no 4-aligned pair starts there. */
	assert_int_equal(palloc_free(pa, base + 101 * PAGE, 3 * PAGE, 1), 0);
	assert_int_equal(palloc_run(pa, 2, 4, 5), 0);
	assert_int_equal(palloc_run(pa, 3, 2, 5), 0);
	assert_int_equal(pa->owner_pages[5], 0);

	/* Pages 400..403 hold the only 4-aligned pair, at 400. */
	assert_int_equal(palloc_free(pa, base + 400 * PAGE, 4 * PAGE, 1), 0);
	a = palloc_run(pa, 2, 4, 5);
	assert_int_equal(a, base + 400 * PAGE);
	assert_true(is_zero(a, 2 * PAGE));
	/* 402..403 are free but 402 is not a multiple of 4. */
	assert_int_equal(palloc_run(pa, 2, 4, 5), 0);
	/* Only the unaligned triple is long enough for three pages. */
	a = palloc_run(pa, 3, 1, 5);
	assert_int_equal(a, base + 101 * PAGE);
	a = palloc_run(pa, 2, 2, 5);
	assert_int_equal(a, base + 402 * PAGE);
	assert_int_equal(pa->owner_pages[5], 7);
	assert_int_equal(pa->free_pages, 0);
	assert_consistent(pa);
}

static void test_run_large(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t a;

	/* A partition's RAM: 6 MiB in 2 MiB alignment, as hv asks for it. */
	a = palloc_run(pa, 3 * CHUNK_PAGES, CHUNK_PAGES, 6);
	assert_int_not_equal(a, 0);
	assert_int_equal(a & (CHUNK - 1), 0);
	assert_true(a + 3 * CHUNK <= base_of(f) + POOL_SIZE);
	assert_true(is_zero(a, 3 * CHUNK));
	for (uint64_t i = 0; i < 3 * CHUNK_PAGES; i++)
		assert_int_equal(pa->owner_of[page_index(pa, a) + i], 6);
	assert_int_equal(pa->owner_pages[6], 3 * CHUNK_PAGES);

	/*
	 * Whole chunks and a page more, chunk aligned: from the top down, but
	 * the extra page must still be in the pool and free.
	 */
	a = palloc_run(pa, CHUNK_PAGES + 1, CHUNK_PAGES, 6);
	assert_int_equal(a, base_of(f) + POOL_SIZE - 3 * CHUNK - 2 * CHUNK);
	assert_int_equal(palloc_free(pa, a, CHUNK + PAGE, 6), 0);

	/* Larger than what is free, or than the pool: refused. */
	assert_int_equal(palloc_run(pa, pa->free_pages + 1, 1, 6), 0);
	assert_int_equal(palloc_run(pa, POOL_PAGES + 1, 1, 6), 0);
	/* Degenerate requests. */
	assert_int_equal(palloc_run(pa, 0, 1, 6), 0);
	assert_int_equal(palloc_run(pa, 2, 0, 6), 0);
	assert_int_equal(palloc_run(pa, 1, 0, 6), 0);
	assert_int_equal(pa->owner_pages[6], 3 * CHUNK_PAGES);
	assert_consistent(pa);
}

static void test_run_fragmented(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t base = base_of(f), a, region;
	int low;

	/* Chunks 1-3 and 5-7 free: six chunks' worth, but no four in a row. */
	drain(pa, 1);
	assert_int_equal(palloc_free(pa, base + CHUNK, 3 * CHUNK, 1), 0);
	assert_int_equal(palloc_free(pa, base + 5 * CHUNK, 3 * CHUNK, 1), 0);
	assert_int_equal(palloc_run(pa, 4 * CHUNK_PAGES, CHUNK_PAGES, 6), 0);
	assert_int_equal(palloc_run(pa, 4 * CHUNK_PAGES, 1, 6), 0);
	assert_int_equal(pa->owner_pages[6], 0);
	assert_int_equal(pa->free_pages, 6 * CHUNK_PAGES);

	/* Over two chunks, unaligned: it must lie wholly in one free region. */
	a = palloc_run(pa, 2 * CHUNK_PAGES + 1, 1, 6);
	low = a < base + 4 * CHUNK;
	region = base + (low ? CHUNK : 5 * CHUNK);
	assert_true(a >= region);
	assert_true(a + 2 * CHUNK + PAGE <= region + 3 * CHUNK);
	/* That region has no three whole chunks left; the other one has. */
	a = palloc_run(pa, 3 * CHUNK_PAGES, CHUNK_PAGES, 6);
	assert_int_equal(a, base + (low ? 5 * CHUNK : CHUNK));
	assert_int_equal(pa->owner_pages[6], 5 * CHUNK_PAGES + 1);
	assert_consistent(pa);
}

/*
 * palloc.h promises the alignment for every n, and nothing in the
 * interface makes n == 1 an exception.
 */
static void test_run_single_page_aligned(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t a;

	/* Move the search past the map so the next free page is unaligned. */
	assert_int_not_equal(palloc_page(pa, 1), 0);
	a = palloc_run(pa, 1, 8, 1);
	assert_int_not_equal(a, 0);
	assert_int_equal(page_index(pa, a) % 8, 0);
	a = palloc_run(pa, 1, CHUNK_PAGES, 1);
	assert_int_not_equal(a, 0);
	assert_int_equal(a & (CHUNK - 1), 0);
	assert_consistent(pa);
}

static void test_exhaustion(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	struct palloc before;

	assert_int_not_equal(palloc_chunk(pa, 7), 0);
	assert_int_equal(drain(pa, 8), POOL_PAGES - MAP_PAGES - CHUNK_PAGES);
	assert_int_equal(pa->free_pages, 0);
	assert_int_equal(pa->owner_pages[7], CHUNK_PAGES);
	assert_int_equal(pa->owner_pages[8], POOL_PAGES - MAP_PAGES - CHUNK_PAGES);
	assert_int_equal(palloc_largest_free_run(pa), 0);

	before = *pa;
	assert_int_equal(palloc_page(pa, 8), 0);
	assert_int_equal(palloc_chunk(pa, 8), 0);
	assert_int_equal(palloc_run(pa, 2, 1, 8), 0);
	/* The lock's tickets move on every call; the rest must not. */
	before.lock = pa->lock;
	assert_memory_equal(&before, pa, sizeof(before));
	assert_consistent(pa);
}

static void test_free_then_realloc(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t a, c;

	a = palloc_page(pa, 1);
	assert_int_equal(palloc_free(pa, a, PAGE, 1), 0);
	assert_int_equal(pa->free_pages, POOL_PAGES - MAP_PAGES);
	assert_int_equal(pa->owner_pages[1], 0);
	assert_int_equal(pa->owner_of[page_index(pa, a)], PALLOC_FREE);

	/* With the pool full, a freed page is the one the next call gets. */
	drain(pa, 1);
	memset(ptr(a), JUNK, PAGE);
	assert_int_equal(palloc_free(pa, a, PAGE, 1), 0);
	assert_int_equal(palloc_page(pa, 2), a);
	assert_true(is_zero(a, PAGE));
	assert_int_equal(pa->owner_of[page_index(pa, a)], 2);

	/* The same for a chunk, freed page by page in two halves. */
	c = (base_of(f) + 5 * CHUNK);
	assert_int_equal(pa->owner_of[page_index(pa, c)], 1);
	assert_int_equal(palloc_free(pa, c, CHUNK / 2, 1), 0);
	assert_int_equal(palloc_chunk(pa, 2), 0);
	assert_int_equal(palloc_free(pa, c + CHUNK / 2, CHUNK / 2, 1), 0);
	assert_int_equal(palloc_largest_free_run(pa), CHUNK_PAGES);
	assert_int_equal(palloc_chunk(pa, 2), c);
	assert_int_equal(pa->free_pages, 0);
	assert_consistent(pa);
}

static void test_free_zeroes(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t a = palloc_page(pa, 1), c = palloc_chunk(pa, 1);

	memset(ptr(a), 0xcc, PAGE);
	memset(ptr(c), 0xcc, CHUNK);
	/* The byte past the page belongs to someone else: it must survive. */
	memset(ptr(a) + PAGE, 0xdd, 1);
	assert_int_equal(palloc_free(pa, a, PAGE, 1), 0);
	assert_true(is_zero(a, PAGE));
	assert_int_equal(ptr(a)[PAGE], 0xdd);
	assert_int_equal(palloc_free(pa, c, CHUNK, 1), 0);
	assert_true(is_zero(c, CHUNK));
	assert_consistent(pa);
}

/* A refused free must leave both the allocator and the memory untouched. */
static struct palloc take_snapshot(struct fixture *f)
{
	if (!f->snap)
		f->snap = malloc(POOL_SIZE);
	assert_non_null(f->snap);
	memcpy(f->snap, f->buf, POOL_SIZE);
	return f->pa;
}

static void assert_unchanged(const struct fixture *f, const struct palloc *pa)
{
	struct palloc now = *pa;

	/* The lock's tickets move on every call; the rest must not. */
	now.lock = f->pa.lock;
	assert_memory_equal(&now, &f->pa, sizeof(now));
	assert_false(spin_is_locked(&now.lock));
	assert_memory_equal(f->snap, f->buf, POOL_SIZE);
}

static void test_free_rejects(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t base = base_of(f), a, b, freed;
	struct palloc before;

	a = palloc_page(pa, 1);
	b = palloc_page(pa, 2);
	/* Adjacent pages of two owners, so a two-page free spans both. */
	assert_int_equal(b, a + PAGE);
	freed = palloc_page(pa, 1);
	assert_int_equal(palloc_free(pa, freed, PAGE, 1), 0);
	memset(ptr(a), 0x11, PAGE);
	memset(ptr(b), 0x22, PAGE);
	before = take_snapshot(f);

	/* Wrong owner, and ranges that are partly another owner's. */
	assert_int_equal(palloc_free(pa, a, PAGE, 2), HV_EINVAL);
	assert_int_equal(palloc_free(pa, a, PAGE, PALLOC_OWNER_HV), HV_EINVAL);
	assert_int_equal(palloc_free(pa, a, 2 * PAGE, 1), HV_EINVAL);
	assert_int_equal(palloc_free(pa, a, 2 * PAGE, 2), HV_EINVAL);
	/* Double free, alone and at the end of a valid range. */
	assert_int_equal(palloc_free(pa, freed, PAGE, 1), HV_EINVAL);
	assert_int_equal(palloc_free(pa, b, 2 * PAGE, 2), HV_EINVAL);
	/* Unaligned address or size, or nothing to free. */
	assert_int_equal(palloc_free(pa, a + 8, PAGE, 1), HV_EINVAL);
	assert_int_equal(palloc_free(pa, a, PAGE - 8, 1), HV_EINVAL);
	assert_int_equal(palloc_free(pa, a, PAGE + 8, 1), HV_EINVAL);
	assert_int_equal(palloc_free(pa, a, 0, 1), HV_EINVAL);
	/* Outside the pool, or straddling its end, or wrapping around. */
	assert_int_equal(palloc_free(pa, base - PAGE, PAGE, 1), HV_EINVAL);
	assert_int_equal(palloc_free(pa, base - PAGE, 2 * PAGE, 1), HV_EINVAL);
	assert_int_equal(palloc_free(pa, base + POOL_SIZE, PAGE, 1), HV_EINVAL);
	assert_int_equal(palloc_free(pa, base + POOL_SIZE - PAGE, 2 * PAGE, 1),
			 HV_EINVAL);
	assert_int_equal(palloc_free(pa, a, ~0ull & ~(PAGE - 1), 1), HV_EINVAL);
	assert_int_equal(palloc_free(pa, 0, PAGE, 1), HV_EINVAL);
	/* No such owner. */
	assert_int_equal(palloc_free(pa, a, PAGE, PALLOC_MAX_OWNERS),
			 HV_EINVAL);
	assert_int_equal(palloc_free(pa, freed, PAGE, PALLOC_FREE), HV_EINVAL);
	assert_unchanged(f, &before);

	assert_int_equal(palloc_free(pa, a, PAGE, 1), 0);
	assert_int_equal(palloc_free(pa, b, PAGE, 2), 0);
	assert_consistent(pa);
}

/*
 * The map byte one past the last page is the first byte of page 1. Make it
 * look like an owner's, so only the bounds check can refuse the range.
 */
static void test_free_past_end_refused(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t base = base_of(f);
	struct palloc before;

	drain(pa, 1);
	memset(ptr(base + PAGE), 1, PAGE);
	before = take_snapshot(f);
	assert_int_equal(palloc_free(pa, base + POOL_SIZE - PAGE, 2 * PAGE, 1),
			 HV_EINVAL);
	assert_int_equal(palloc_free(pa, base + POOL_SIZE - 8 * PAGE, 9 * PAGE,
				     1), HV_EINVAL);
	assert_unchanged(f, &before);
	assert_int_equal(f->buf[POOL_SIZE], JUNK);
}

/*
 * The owner map is counted as hv's, but it is the allocator's own state,
 * not an allocation: freeing it would zero the map and so hand every page
 * in the pool to hv.
 */
static void test_free_owner_map_refused(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t a = palloc_page(pa, 1);
	struct palloc before = take_snapshot(f);

	assert_int_equal(palloc_free(pa, base_of(f), PAGE, PALLOC_OWNER_HV),
			 HV_EINVAL);
	assert_unchanged(f, &before);
	assert_int_equal(pa->owner_of[page_index(pa, a)], 1);
	assert_consistent(pa);
}

static void test_owner_counters(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	struct palloc before;
	uint64_t a[PALLOC_MAX_OWNERS][3];

	/* Owner o takes o % 3 + 1 pages, so every counter differs. */
	for (uint32_t o = 0; o < PALLOC_MAX_OWNERS; o++)
		for (uint32_t i = 0; i <= o % 3; i++) {
			a[o][i] = palloc_page(pa, o);
			assert_int_not_equal(a[o][i], 0);
		}
	assert_int_equal(pa->owner_pages[PALLOC_OWNER_HV], MAP_PAGES + 1);
	for (uint32_t o = 1; o < PALLOC_MAX_OWNERS; o++)
		assert_int_equal(pa->owner_pages[o], o % 3 + 1);
	assert_consistent(pa);

	before = *pa;
	assert_int_equal(palloc_page(pa, PALLOC_MAX_OWNERS), 0);
	assert_int_equal(palloc_page(pa, PALLOC_FREE), 0);
	assert_int_equal(palloc_chunk(pa, PALLOC_MAX_OWNERS), 0);
	assert_int_equal(palloc_run(pa, 4, 1, 1000), 0);
	before.lock = pa->lock;
	assert_memory_equal(&before, pa, sizeof(before));

	/* Freeing one owner's pages touches only that owner's counter. */
	for (uint32_t i = 0; i <= 5 % 3; i++)
		assert_int_equal(palloc_free(pa, a[5][i], PAGE, 5), 0);
	assert_int_equal(pa->owner_pages[5], 0);
	assert_int_equal(pa->owner_pages[4], 2);
	assert_int_equal(pa->owner_pages[6], 1);
	assert_int_equal(pa->free_pages, before.free_pages + 3);
	assert_consistent(pa);
}

static void test_largest_free_run(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t base = base_of(f), below, above;

	assert_int_equal(palloc_largest_free_run(pa), POOL_PAGES - MAP_PAGES);
	/* A chunk splits the free pages in two: after the map, and above. */
	below = page_index(pa, palloc_chunk(pa, 1)) - MAP_PAGES;
	above = POOL_PAGES - MAP_PAGES - CHUNK_PAGES - below;
	assert_int_equal(palloc_largest_free_run(pa),
			 below > above ? below : above);

	drain(pa, 1);
	assert_int_equal(palloc_largest_free_run(pa), 0);
	assert_int_equal(palloc_free(pa, base + 10 * PAGE, 3 * PAGE, 1), 0);
	assert_int_equal(palloc_largest_free_run(pa), 3);
	assert_int_equal(palloc_free(pa, base + 20 * PAGE, 7 * PAGE, 1), 0);
	assert_int_equal(palloc_free(pa, base + 30 * PAGE, PAGE, 1), 0);
	assert_int_equal(palloc_largest_free_run(pa), 7);
	/* A run at the very end of the pool counts as well. */
	assert_int_equal(palloc_free(pa, base + POOL_SIZE - 9 * PAGE, 9 * PAGE,
				     1), 0);
	assert_int_equal(palloc_largest_free_run(pa), 9);
	/* Joining 10..12 and 20..26 across 13..19 makes 17. */
	assert_int_equal(palloc_free(pa, base + 13 * PAGE, 7 * PAGE, 1), 0);
	assert_int_equal(palloc_largest_free_run(pa), 17);
	assert_consistent(pa);
}

/* Whether a brute-force look over the owner map finds n free at align. */
static int fits(const struct palloc *pa, uint64_t n, uint64_t align)
{
	for (uint64_t s = 0; s + n <= pa->pages; s += align) {
		uint64_t i = 0;

		while (i < n && pa->owner_of[s + i] == PALLOC_FREE)
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

/*
 * Random takes and frees of every shape: after each, the bitmaps agree
 * with the owner map, a run comes back exactly when one exists, and it is
 * aligned, free before and zero.
 */
static void test_random_against_map(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	static const uint64_t sizes[] = { 1, 2, 3, 7, 64, 511, 512, 513,
					  1024, 1536 };
	static const uint64_t aligns[] = { 1, 2, 8, 512, 1024 };
	uint64_t held[16][2] = { { 0 } };
	unsigned seed = 19;

	for (int round = 0; round < 3000; round++) {
		unsigned slot = (unsigned)rand_r(&seed) % 16;

		if (held[slot][0]) {
			assert_int_equal(palloc_free(pa, held[slot][0],
						     held[slot][1] * PAGE, 1),
					 0);
			held[slot][0] = 0;
		} else {
			uint64_t n = sizes[rand_r(&seed) % 10];
			uint64_t al = aligns[rand_r(&seed) % 5];
			int want = fits(pa, n, al);
			uint64_t a = palloc_run(pa, n, al, 1);

			assert_int_equal(a != 0, want);
			if (a) {
				assert_int_equal(page_index(pa, a) % al, 0);
				assert_true(a + n * PAGE <= pa->base + POOL_SIZE);
				assert_true(is_zero(a, n * PAGE));
				memset(ptr(a), 0x77, n * PAGE);
				held[slot][0] = a;
				held[slot][1] = n;
			}
		}
		if (round % 100 == 0)
			assert_consistent(pa);
	}
	assert_consistent(pa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_accounting, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_init_map_rounds_up, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_init_zeroes_pool, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_take_does_not_zero, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_init_rejects, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_page_zeroed_in_pool, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pages_distinct, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chunk_aligned_zeroed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chunk_uneven_pool, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_contiguous, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_aligned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_large, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_fragmented, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_single_page_aligned,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_then_realloc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_zeroes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_rejects, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_past_end_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_owner_map_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_counters, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_largest_free_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_random_against_map, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("palloc", tests, NULL, NULL);
}
