// SPDX-License-Identifier: MIT
/*
 * Tests of hv/palloc.c's searches: runs of pages and of whole chunks,
 * aligned, in a fragmented pool, and a random mix checked against a
 * brute-force look at the owner map.
 */
#include "tests/unit/palloc_fixture.h"

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
	assert_int_equal(palloc_owner(pa, 200), 4);
	assert_int_equal(palloc_owner(pa, 201), 4);
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
		assert_int_equal(palloc_owner(pa, page_index(pa, a) + i), 6);
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

/*
 * A run's whole chunks are owned by chunk (hv/palloc.c): a free of part
 * of one splits it, and whatever the shape of the frees, each page keeps
 * its owner, a page given back once is refused the second time, and the
 * pool ends as it began.
 */
static void test_whole_chunks_split(void **state)
{
	struct fixture *f = *state;
	struct palloc *pa = &f->pa;
	uint64_t free0 = pa->free_pages, a, first;

	a = palloc_run(pa, 3 * CHUNK_PAGES + 5, CHUNK_PAGES, 7);
	assert_int_not_equal(a, 0);
	first = page_index(pa, a);
	assert_int_equal(pa->chunk_whole[0] != 0, 1);
	/* One page in the middle chunk, then the first chunk but a page. */
	assert_int_equal(palloc_free(pa, a + CHUNK + 7 * PAGE, PAGE, 7), 0);
	assert_int_equal(palloc_free(pa, a + CHUNK + 7 * PAGE, PAGE, 7),
			 HV_EINVAL);
	assert_int_equal(palloc_owner(pa, first + CHUNK_PAGES + 7), PALLOC_FREE);
	assert_int_equal(palloc_owner(pa, first + CHUNK_PAGES + 6), 7);
	assert_int_equal(palloc_owner(pa, first + CHUNK_PAGES + 8), 7);
	assert_int_equal(palloc_free(pa, a, CHUNK - PAGE, 7), 0);
	assert_int_equal(palloc_owner(pa, first + CHUNK_PAGES - 1), 7);
	/* Another owner cannot give back what is 7's, whole or split. */
	assert_int_equal(palloc_free(pa, a + 2 * CHUNK, CHUNK, 8), HV_EINVAL);
	assert_int_equal(palloc_free(pa, a + CHUNK, PAGE, 8), HV_EINVAL);
	assert_int_equal(pa->owner_pages[7], 2 * CHUNK_PAGES + 5);
	assert_consistent(pa);
	/* The rest in one free across the split and the whole chunk. */
	assert_int_equal(palloc_free(pa, a + CHUNK - PAGE, PAGE, 7), 0);
	assert_int_equal(palloc_free(pa, a + CHUNK, 7 * PAGE, 7), 0);
	assert_int_equal(palloc_free(pa, a + CHUNK + 8 * PAGE,
				     2 * CHUNK - 8 * PAGE + 5 * PAGE, 7), 0);
	assert_int_equal(pa->owner_pages[7], 0);
	assert_int_equal(pa->free_pages, free0);
	for (uint64_t c = 0; c < pa->chunks; c++)
		assert_int_equal((pa->chunk_whole[c / 64] >> (c % 64)) & 1, 0);
	assert_true(is_zero(a, 3 * CHUNK + 5 * PAGE));
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

		while (i < n && palloc_owner(pa, s + i) == PALLOC_FREE)
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
		cmocka_unit_test_setup_teardown(test_run_contiguous, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_aligned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_large, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_whole_chunks_split, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_fragmented, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_single_page_aligned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_largest_free_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_random_against_map, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("palloc_search", tests, NULL, NULL);
}
