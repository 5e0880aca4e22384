// SPDX-License-Identifier: MIT
/*
 * Tests of hv/palloc.c's accounting and zeroing: init, the owner map and
 * counters, frees and what they refuse. Its searches are
 * test_palloc_search.c's.
 */
#include "tests/unit/palloc_fixture.h"

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
		assert_int_equal(palloc_owner(pa, i), PALLOC_OWNER_HV);
	for (uint64_t i = MAP_PAGES; i < POOL_PAGES; i++)
		assert_int_equal(palloc_owner(pa, i), PALLOC_FREE);
	assert_int_equal(palloc_largest_free_run(pa), POOL_PAGES - MAP_PAGES);
	assert_consistent(pa);
}

/*
 * 1916 pages (3 chunks) need 1916 * 2 owner bytes, 30 * 8 of page
 * bitmap, 8 each of chunk bitmap and whole-chunk bitmap and 8 of chunk
 * owners (3 * 2, rounded up to a word): 4096 map bytes, one page; a page
 * more needs 3840 + 30 * 8 + 24 = 4104, two.
 */
#define EXACT_PAGES 1916ull

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
	assert_int_equal(palloc_owner(&pa, 1), PALLOC_OWNER_HV);
	assert_int_equal(palloc_owner(&pa, EXACT_PAGES), PALLOC_FREE);
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
	assert_int_equal(palloc_owner(pa, page_index(pa, a)), 3);
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
	assert_int_equal(palloc_owner(pa, page_index(pa, a)), PALLOC_FREE);

	/* With the pool full, a freed page is the one the next call gets. */
	drain(pa, 1);
	memset(ptr(a), JUNK, PAGE);
	assert_int_equal(palloc_free(pa, a, PAGE, 1), 0);
	assert_int_equal(palloc_page(pa, 2), a);
	assert_true(is_zero(a, PAGE));
	assert_int_equal(palloc_owner(pa, page_index(pa, a)), 2);

	/* The same for a chunk, freed page by page in two halves. */
	c = (base_of(f) + 5 * CHUNK);
	assert_int_equal(palloc_owner(pa, page_index(pa, c)), 1);
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
	assert_int_equal(palloc_owner(pa, page_index(pa, a)), 1);
	assert_consistent(pa);
}

static bool taker(uint32_t o)
{
	return o % 7 == 0 || o == PALLOC_MAX_OWNERS - 1;
}

static void test_owner_counters(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	struct palloc before;
	static uint64_t a[PALLOC_MAX_OWNERS][3];

	/* Every seventh owner and the last take o % 3 + 1 pages, so those
	 * counters differ; the pool holds too few pages for every owner. */
	for (uint32_t o = 0; o < PALLOC_MAX_OWNERS; o++)
		for (uint32_t i = 0; taker(o) && i <= o % 3; i++) {
			a[o][i] = palloc_page(pa, o);
			assert_int_not_equal(a[o][i], 0);
		}
	assert_int_equal(pa->owner_pages[PALLOC_OWNER_HV], MAP_PAGES + 1);
	for (uint32_t o = 1; o < PALLOC_MAX_OWNERS; o++)
		assert_int_equal(pa->owner_pages[o], taker(o) ? o % 3 + 1 : 0);
	assert_consistent(pa);

	before = *pa;
	assert_int_equal(palloc_page(pa, PALLOC_MAX_OWNERS), 0);
	assert_int_equal(palloc_page(pa, PALLOC_FREE), 0);
	assert_int_equal(palloc_chunk(pa, PALLOC_MAX_OWNERS), 0);
	assert_int_equal(palloc_run(pa, 4, 1, PALLOC_MAX_OWNERS + 1), 0);
	before.lock = pa->lock;
	assert_memory_equal(&before, pa, sizeof(before));

	/* Freeing one owner's pages touches only that owner's counter. */
	for (uint32_t i = 0; i <= 7 % 3; i++)
		assert_int_equal(palloc_free(pa, a[7][i], PAGE, 7), 0);
	assert_int_equal(pa->owner_pages[7], 0);
	assert_int_equal(pa->owner_pages[14], 3);
	assert_int_equal(pa->owner_pages[PALLOC_MAX_OWNERS - 1], 1);
	assert_int_equal(pa->free_pages, before.free_pages + 2);
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
		cmocka_unit_test_setup_teardown(test_chunk_aligned_zeroed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chunk_uneven_pool, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_then_realloc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_zeroes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_rejects, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_past_end_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_owner_map_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_owner_counters, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("palloc", tests, NULL, NULL);
}
