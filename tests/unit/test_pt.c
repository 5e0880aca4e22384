// SPDX-License-Identifier: MIT
/*
 * Tests of arch/x86/pt.c and arch/x86/ept.c. Tables come from a palloc
 * pool over a host buffer, so a table's "physical" address is its host
 * pointer, as it is for hv running identity-mapped. The addresses being
 * mapped are never touched, so they need not be host memory.
 */
#include "tests/unit/common.h"

#include <stdlib.h>
#include <string.h>

#include "arch/x86/ept.h"
#include "arch/x86/pt.h"
#include "hv/errno.h"
#include "hv/palloc.h"

#define K4 PT_PAGE_4K
#define M2 PT_PAGE_2M
#define G1 PT_PAGE_1G
#define POOL_SIZE (64ull << 20)
#define OWNER 3
/* Takes the pages a test wants out of reach of the tables. */
#define HOG 9

#define HOST_TABLE (PTE_P | PTE_W)
#define HOST_LEAF (PTE_P | PTE_W | PTE_NX)
#define EPT_LEAF (EPT_RWX | EPT_MT_WB | EPT_IGNORE_PAT)

struct fixture {
	void *buf;
	struct palloc pool;
	struct pt pt;
	/* Pool state before the table existed, to check pt_destroy. */
	uint64_t free0;
	uint64_t owned0;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->buf = aligned_alloc(M2, POOL_SIZE);
	if (!f->buf ||
	    palloc_init(&f->pool, (uint64_t)(uintptr_t)f->buf, POOL_SIZE)) {
		free(f->buf);
		free(f);
		return -1;
	}
	f->free0 = f->pool.free_pages;
	f->owned0 = f->pool.owner_pages[OWNER];
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pt_destroy(&f->pt);
	free(f->buf);
	free(f);
	return 0;
}

static void init_host(struct fixture *f, bool allow_2m, bool allow_1g)
{
	const struct pt_ops ops = {
		.table_flags = HOST_TABLE,
		.allow_2m = allow_2m,
		.allow_1g = allow_1g,
		.alloc_table = pt_pool_alloc_table,
		.free_table = pt_pool_free_table,
		.ctx = &f->pool,
		.owner = OWNER,
	};

	assert_int_equal(pt_init(&f->pt, &ops), 0);
}

/* The table's own count must match what the pool says it holds. */
static void assert_tables(const struct fixture *f, uint64_t n)
{
	assert_int_equal(f->pt.tables, n);
	assert_int_equal(f->pool.owner_pages[OWNER] - f->owned0, n);
}

static void assert_maps(const struct pt *pt, uint64_t va, uint64_t pa,
			uint64_t flags, uint64_t page_size)
{
	uint64_t got_pa = 0, got_flags = 0, got_size = 0;
	int r = pt_lookup(pt, va, &got_pa, &got_flags, &got_size);

	if (r)
		fail_msg("va %#llx: lookup returned %d", (unsigned long long)va,
			 r);
	if (got_pa != pa || got_flags != flags || got_size != page_size)
		fail_msg("va %#llx: got pa %#llx flags %#llx size %#llx, "
			 "want %#llx %#llx %#llx", (unsigned long long)va,
			 (unsigned long long)got_pa,
			 (unsigned long long)got_flags,
			 (unsigned long long)got_size, (unsigned long long)pa,
			 (unsigned long long)flags,
			 (unsigned long long)page_size);
}

static void assert_unmapped(const struct pt *pt, uint64_t va)
{
	uint64_t pa, flags, size;

	if (pt_lookup(pt, va, &pa, &flags, &size) != HV_ENOENT)
		fail_msg("va %#llx is mapped", (unsigned long long)va);
}

static const uint64_t *table_at(uint64_t pa)
{
	return (const uint64_t *)(uintptr_t)(pa & PT_ADDR_MASK);
}

/* The raw entry for va at level (3: PML4 .. 0: PT), read independently. */
static uint64_t raw_entry(const struct pt *pt, uint64_t va, int level)
{
	const uint64_t *t = table_at(pt->root);

	for (int l = 3;; l--) {
		uint64_t e = t[(va >> (12 + 9 * l)) & 511];

		if (l == level)
			return e;
		assert_int_not_equal(e, 0);
		assert_int_equal(e & PT_LARGE, 0);
		t = table_at(e);
	}
}

static void test_init(void **state)
{
	struct fixture *f = *state;
	const uint64_t *root;
	struct pt other;

	init_host(f, true, true);
	assert_tables(f, 1);
	assert_int_equal(f->pool.free_pages, f->free0 - 1);
	assert_int_equal(f->pt.root & (K4 - 1), 0);
	assert_true(f->pt.root >= f->pool.base &&
		    f->pt.root < f->pool.base + POOL_SIZE);
	root = table_at(f->pt.root);
	for (int i = 0; i < 512; i++)
		assert_int_equal(root[i], 0);
	assert_unmapped(&f->pt, 0);

	/* No page for the root: nothing is taken and the count says so. */
	while (palloc_page(&f->pool, HOG))
		;
	assert_int_equal(pt_init(&other, &f->pt.ops), HV_ENOMEM);
	assert_int_equal(other.tables, 0);
	assert_int_equal(other.root, 0);
	assert_tables(f, 1);
}

static void test_map_2m(void **state)
{
	struct fixture *f = *state;
	const uint64_t pa = 5 * G1 + M2;

	init_host(f, true, false);
	assert_int_equal(pt_map(&f->pt, M2, pa, 2 * M2, HOST_LEAF), 0);
	assert_maps(&f->pt, M2, pa, HOST_LEAF, M2);
	assert_maps(&f->pt, M2 + 0x12345, pa + 0x12345, HOST_LEAF, M2);
	assert_maps(&f->pt, 2 * M2, pa + M2, HOST_LEAF, M2);
	assert_maps(&f->pt, 3 * M2 - 1, pa + 2 * M2 - 1, HOST_LEAF, M2);
	assert_unmapped(&f->pt, M2 - 1);
	assert_unmapped(&f->pt, 3 * M2);
	/* PML4, PDPT and one PD: no page table below a 2 MiB leaf. */
	assert_tables(f, 3);
	assert_int_equal(raw_entry(&f->pt, M2, 1), pa | HOST_LEAF | PT_LARGE);
	assert_int_equal(raw_entry(&f->pt, M2, 3) & ~PT_ADDR_MASK, HOST_TABLE);
	assert_int_equal(raw_entry(&f->pt, M2, 2) & ~PT_ADDR_MASK, HOST_TABLE);
}

static void test_map_4k_when_2m_not_allowed(void **state)
{
	struct fixture *f = *state;
	const uint64_t pa = 5 * G1 + M2;

	init_host(f, false, false);
	assert_int_equal(pt_map(&f->pt, M2, pa, 2 * M2, HOST_LEAF), 0);
	assert_maps(&f->pt, M2, pa, HOST_LEAF, K4);
	assert_maps(&f->pt, M2 + 0x12345, pa + 0x12345, HOST_LEAF, K4);
	assert_maps(&f->pt, 3 * M2 - K4, pa + 2 * M2 - K4, HOST_LEAF, K4);
	assert_unmapped(&f->pt, 3 * M2);
	assert_tables(f, 3 + 2);
	assert_int_equal(raw_entry(&f->pt, M2 + K4, 0), (pa + K4) | HOST_LEAF);
	assert_int_equal(raw_entry(&f->pt, M2, 1) & ~PT_ADDR_MASK, HOST_TABLE);
}

static void test_map_1g(void **state)
{
	struct fixture *f = *state;

	init_host(f, true, true);
	assert_int_equal(pt_map(&f->pt, G1, 3 * G1, 2 * G1, HOST_LEAF), 0);
	assert_maps(&f->pt, G1, 3 * G1, HOST_LEAF, G1);
	assert_maps(&f->pt, 2 * G1 + 0x1234567, 4 * G1 + 0x1234567, HOST_LEAF,
		    G1);
	assert_unmapped(&f->pt, G1 - K4);
	assert_unmapped(&f->pt, 3 * G1);
	assert_tables(f, 2);
	assert_int_equal(raw_entry(&f->pt, G1, 2),
			 3 * G1 | HOST_LEAF | PT_LARGE);

	/* 1 GiB plus 2 MiB: the tail needs a PD of its own. */
	assert_int_equal(pt_map(&f->pt, 4 * G1, 8 * G1, G1 + M2, HOST_LEAF),
			 0);
	assert_maps(&f->pt, 4 * G1, 8 * G1, HOST_LEAF, G1);
	assert_maps(&f->pt, 5 * G1, 9 * G1, HOST_LEAF, M2);
	assert_unmapped(&f->pt, 5 * G1 + M2);
	assert_tables(f, 3);
}

static void test_map_1g_not_allowed_or_misaligned(void **state)
{
	struct fixture *f = *state;

	/* Not allowed: 2 MiB pages, one PD per GiB. */
	init_host(f, true, false);
	assert_int_equal(pt_map(&f->pt, G1, 3 * G1, 2 * G1, HOST_LEAF), 0);
	assert_maps(&f->pt, G1, 3 * G1, HOST_LEAF, M2);
	assert_maps(&f->pt, 3 * G1 - M2, 5 * G1 - M2, HOST_LEAF, M2);
	assert_tables(f, 2 + 2);
	pt_destroy(&f->pt);

	/* Allowed, but pa only 2 MiB aligned. */
	init_host(f, true, true);
	assert_int_equal(pt_map(&f->pt, G1, 3 * G1 + M2, G1, HOST_LEAF), 0);
	assert_maps(&f->pt, G1, 3 * G1 + M2, HOST_LEAF, M2);
	assert_tables(f, 3);
	/* Allowed, but va only 2 MiB aligned. */
	assert_int_equal(pt_map(&f->pt, 4 * G1 + M2, 8 * G1, G1, HOST_LEAF),
			 0);
	assert_maps(&f->pt, 4 * G1 + M2, 8 * G1, HOST_LEAF, M2);
	assert_maps(&f->pt, 5 * G1, 9 * G1 - M2, HOST_LEAF, M2);
	/* The range crosses into the next GiB: two more PDs. */
	assert_tables(f, 5);
}

static void test_map_misaligned_4k(void **state)
{
	struct fixture *f = *state;

	init_host(f, true, true);
	/* va off by a page: the whole 2 MiB goes in 4 KiB pages. */
	assert_int_equal(pt_map(&f->pt, K4, 4 * M2 + K4, M2, HOST_LEAF), 0);
	for (uint64_t va = K4; va < M2 + K4; va += K4)
		assert_maps(&f->pt, va, 4 * M2 + va, HOST_LEAF, K4);
	assert_unmapped(&f->pt, 0);
	assert_unmapped(&f->pt, M2 + K4);
	/* It straddles a 2 MiB boundary: two page tables. */
	assert_tables(f, 3 + 2);

	/* va aligned, pa not. */
	assert_int_equal(pt_map(&f->pt, 8 * M2, 4 * M2 + K4, M2, HOST_LEAF),
			 0);
	assert_maps(&f->pt, 8 * M2, 4 * M2 + K4, HOST_LEAF, K4);
	assert_maps(&f->pt, 9 * M2 - K4, 5 * M2, HOST_LEAF, K4);
	assert_tables(f, 6);

	/* pa aligned, va not. */
	assert_int_equal(pt_map(&f->pt, 16 * M2 + K4, 4 * G1, M2, HOST_LEAF),
			 0);
	assert_maps(&f->pt, 16 * M2 + K4, 4 * G1, HOST_LEAF, K4);
	assert_maps(&f->pt, 17 * M2, 4 * G1 + M2 - K4, HOST_LEAF, K4);
	assert_unmapped(&f->pt, 17 * M2 + K4);
	assert_tables(f, 8);
}

static void test_map_mixed(void **state)
{
	struct fixture *f = *state;
	const uint64_t pa = G1 + M2 - K4;

	init_host(f, true, true);
	/* 4 KiB up to the boundary, a 2 MiB page, then 4 KiB again. */
	assert_int_equal(pt_map(&f->pt, M2 - K4, pa, K4 + M2 + K4, HOST_LEAF),
			 0);
	assert_maps(&f->pt, M2 - K4, pa, HOST_LEAF, K4);
	assert_maps(&f->pt, M2, pa + K4, HOST_LEAF, M2);
	assert_maps(&f->pt, 2 * M2 - 1, pa + K4 + M2 - 1, HOST_LEAF, M2);
	assert_maps(&f->pt, 2 * M2, pa + K4 + M2, HOST_LEAF, K4);
	assert_unmapped(&f->pt, M2 - 2 * K4);
	assert_unmapped(&f->pt, 2 * M2 + K4);
	assert_tables(f, 3 + 2);

	/* Every size at once: 4K, 1G, 2M, 4K. */
	assert_int_equal(pt_map(&f->pt, 4 * G1 - K4, 8 * G1 - K4,
				K4 + G1 + M2 + K4, HOST_LEAF), 0);
	assert_maps(&f->pt, 4 * G1 - K4, 8 * G1 - K4, HOST_LEAF, K4);
	assert_maps(&f->pt, 4 * G1, 8 * G1, HOST_LEAF, G1);
	assert_maps(&f->pt, 5 * G1 - 1, 9 * G1 - 1, HOST_LEAF, G1);
	assert_maps(&f->pt, 5 * G1, 9 * G1, HOST_LEAF, M2);
	assert_maps(&f->pt, 5 * G1 + M2, 9 * G1 + M2, HOST_LEAF, K4);
	assert_unmapped(&f->pt, 5 * G1 + M2 + K4);
	/* PD and PT below 4G, PD and PT above 5G; the PDPT is shared. */
	assert_tables(f, 5 + 4);
}

static void test_flags_preserved(void **state)
{
	struct fixture *f = *state;
	const uint64_t a = PTE_P | PTE_W | PTE_PWT | PTE_PCD | PTE_NX;
	const uint64_t b = PTE_P | PTE_NX | (1ull << 8) | (1ull << 62);
	const uint64_t c = PTE_P | (1ull << 9) | (1ull << 52);

	init_host(f, true, true);
	assert_int_equal(pt_map(&f->pt, K4, K4, K4, a), 0);
	assert_int_equal(pt_map(&f->pt, 2 * K4, 2 * K4, K4, b), 0);
	assert_int_equal(pt_map(&f->pt, M2, M2, M2, b), 0);
	assert_int_equal(pt_map(&f->pt, 2 * M2, 2 * M2, M2, c), 0);
	assert_int_equal(pt_map(&f->pt, G1, G1, G1, a), 0);
	assert_int_equal(pt_map(&f->pt, 2 * G1, 2 * G1, G1, PTE_P), 0);
	assert_maps(&f->pt, K4, K4, a, K4);
	assert_maps(&f->pt, 2 * K4, 2 * K4, b, K4);
	assert_maps(&f->pt, M2, M2, b, M2);
	assert_maps(&f->pt, 2 * M2, 2 * M2, c, M2);
	assert_maps(&f->pt, G1, G1, a, G1);
	assert_maps(&f->pt, 2 * G1, 2 * G1, PTE_P, G1);
	assert_int_equal(raw_entry(&f->pt, M2, 1), M2 | b | PT_LARGE);
	assert_int_equal(raw_entry(&f->pt, G1, 2), G1 | a | PT_LARGE);
}

static void test_overlap_refused(void **state)
{
	struct fixture *f = *state;
	uint64_t n;

	init_host(f, true, true);
	assert_int_equal(pt_map(&f->pt, M2, 7 * M2, M2, HOST_LEAF), 0);
	assert_int_equal(pt_map(&f->pt, G1, 5 * G1, G1, HOST_LEAF), 0);
	assert_int_equal(pt_map(&f->pt, 8 * M2 + K4, 3 * K4, K4, HOST_LEAF), 0);
	n = f->pt.tables;

	/* 4 KiB into a 2 MiB page, and into a 1 GiB page. */
	assert_int_equal(pt_map(&f->pt, M2 + K4, 0, K4, HOST_LEAF), HV_EEXIST);
	assert_int_equal(pt_map(&f->pt, M2, 0, K4, HOST_LEAF), HV_EEXIST);
	assert_int_equal(pt_map(&f->pt, G1 + 8 * K4, 0, K4, HOST_LEAF),
			 HV_EEXIST);
	/* 2 MiB into a 1 GiB page. */
	assert_int_equal(pt_map(&f->pt, G1 + M2, 0, M2, HOST_LEAF), HV_EEXIST);
	/* Large pages over a table holding a 4 KiB page. */
	assert_int_equal(pt_map(&f->pt, 8 * M2, 0, M2, HOST_LEAF), HV_EEXIST);
	assert_int_equal(pt_map(&f->pt, 0, 0, G1, HOST_LEAF), HV_EEXIST);
	/* The same mappings again. */
	assert_int_equal(pt_map(&f->pt, M2, 7 * M2, M2, HOST_LEAF), HV_EEXIST);
	assert_int_equal(pt_map(&f->pt, G1, 5 * G1, G1, HOST_LEAF), HV_EEXIST);
	assert_int_equal(pt_map(&f->pt, 8 * M2 + K4, 3 * K4, K4, HOST_LEAF),
			 HV_EEXIST);

	/* Nothing was replaced, and no table was added. */
	assert_maps(&f->pt, M2 + K4, 7 * M2 + K4, HOST_LEAF, M2);
	assert_maps(&f->pt, G1 + M2, 5 * G1 + M2, HOST_LEAF, G1);
	assert_maps(&f->pt, 8 * M2 + K4, 3 * K4, HOST_LEAF, K4);
	assert_unmapped(&f->pt, 8 * M2);
	assert_tables(f, n);

	/* Neighbours are not overlaps. */
	assert_int_equal(pt_map(&f->pt, M2 - K4, 0, K4, HOST_LEAF), 0);
	assert_int_equal(pt_map(&f->pt, 2 * M2, 0, M2, HOST_LEAF), 0);
	assert_int_equal(pt_map(&f->pt, 8 * M2, 0, K4, HOST_LEAF), 0);
	assert_int_equal(pt_map(&f->pt, 2 * G1, 0, G1, HOST_LEAF), 0);

	/* A range running into a mapping fails there, keeping what it did. */
	assert_int_equal(pt_map(&f->pt, 5 * M2, 0, 4 * M2, HOST_LEAF),
			 HV_EEXIST);
	assert_maps(&f->pt, 5 * M2, 0, HOST_LEAF, M2);
	assert_maps(&f->pt, 7 * M2, 2 * M2, HOST_LEAF, M2);
	assert_maps(&f->pt, 8 * M2 + K4, 3 * K4, HOST_LEAF, K4);
}

static void test_bad_args(void **state)
{
	struct fixture *f = *state;
	const uint64_t *root;

	init_host(f, true, true);
	/* Unaligned va, pa or size. */
	assert_int_equal(pt_map(&f->pt, 0x800, 0, K4, HOST_LEAF), HV_EINVAL);
	assert_int_equal(pt_map(&f->pt, 0, 0x800, K4, HOST_LEAF), HV_EINVAL);
	assert_int_equal(pt_map(&f->pt, 0, 0, K4 + 1, HOST_LEAF), HV_EINVAL);
	assert_int_equal(pt_map(&f->pt, 0, 0, 0x800, HOST_LEAF), HV_EINVAL);
	/* va beyond 48 bits, or wrapping around. */
	assert_int_equal(pt_map(&f->pt, 1ull << 48, 0, K4, HOST_LEAF),
			 HV_EINVAL);
	assert_int_equal(pt_map(&f->pt, (1ull << 48) - K4, 0, 2 * K4,
				HOST_LEAF), HV_EINVAL);
	assert_int_equal(pt_map(&f->pt, 0xffff800000000000ull, 0, K4,
				HOST_LEAF), HV_EINVAL);
	assert_int_equal(pt_map(&f->pt, ~(K4 - 1), 0, 2 * K4, HOST_LEAF),
			 HV_EINVAL);
	/* pa beyond 52 bits. */
	assert_int_equal(pt_map(&f->pt, 0, 1ull << 52, K4, HOST_LEAF),
			 HV_EINVAL);
	assert_int_equal(pt_map(&f->pt, 0, (1ull << 52) - K4, 2 * K4,
				HOST_LEAF), HV_EINVAL);
	/* Flags that would land in the address field. */
	assert_int_equal(pt_map(&f->pt, 0, 0, K4, PTE_P | (1ull << 12)),
			 HV_EINVAL);
	assert_int_equal(pt_map(&f->pt, 0, 0, M2, PTE_P | (1ull << 51)),
			 HV_EINVAL);

	/* None of them wrote anything. */
	assert_tables(f, 1);
	root = table_at(f->pt.root);
	for (int i = 0; i < 512; i++)
		assert_int_equal(root[i], 0);
}

/* The last page below each limit is inside it, and can be mapped. */
static void test_map_top_pages(void **state)
{
	struct fixture *f = *state;

	init_host(f, true, true);
	assert_int_equal(pt_map(&f->pt, (1ull << 48) - K4, 0, K4, HOST_LEAF),
			 0);
	assert_maps(&f->pt, (1ull << 48) - 1, K4 - 1, HOST_LEAF, K4);
	assert_int_equal(pt_map(&f->pt, 0, (1ull << 52) - K4, K4, HOST_LEAF),
			 0);
	assert_maps(&f->pt, K4 - 1, (1ull << 52) - 1, HOST_LEAF, K4);
	assert_int_equal(pt_map(&f->pt, G1, (1ull << 52) - G1, G1, HOST_LEAF),
			 0);
	assert_maps(&f->pt, 2 * G1 - 1, (1ull << 52) - 1, HOST_LEAF, G1);
}

/*
 * A pa range that wraps past 2^64 ends "below" the 52-bit limit, but its
 * first page is far above it: pa's top bits would spill into the flags.
 */
static void test_bad_args_pa_wraps(void **state)
{
	struct fixture *f = *state;

	init_host(f, true, true);
	assert_int_equal(pt_map(&f->pt, 0, ~(K4 - 1), 2 * K4, HOST_LEAF),
			 HV_EINVAL);
	assert_unmapped(&f->pt, 0);
}

static void test_lookup_unmapped(void **state)
{
	struct fixture *f = *state;

	init_host(f, true, true);
	/* Empty PML4. */
	assert_unmapped(&f->pt, 0);
	assert_unmapped(&f->pt, (1ull << 47) + 5 * G1);

	assert_int_equal(pt_map(&f->pt, 0, 0, K4, HOST_LEAF), 0);
	assert_int_equal(pt_map(&f->pt, 2 * M2, 0, M2, HOST_LEAF), 0);
	/* Empty slot in a PT, a PD, a PDPT and the PML4. */
	assert_unmapped(&f->pt, K4);
	assert_unmapped(&f->pt, M2);
	assert_unmapped(&f->pt, 3 * M2);
	assert_unmapped(&f->pt, G1);
	assert_unmapped(&f->pt, 512 * G1);
	assert_maps(&f->pt, 0, 0, HOST_LEAF, K4);
	assert_maps(&f->pt, 2 * M2, 0, HOST_LEAF, M2);
}

static void test_table_count(void **state)
{
	struct fixture *f = *state;

	init_host(f, true, true);
	assert_int_equal(pt_map(&f->pt, 0, 0, K4, HOST_LEAF), 0);
	assert_tables(f, 4);
	assert_int_equal(pt_map(&f->pt, K4, 0, K4, HOST_LEAF), 0);
	assert_tables(f, 4); /* same PT */
	assert_int_equal(pt_map(&f->pt, M2, 0, K4, HOST_LEAF), 0);
	assert_tables(f, 5); /* new PT */
	assert_int_equal(pt_map(&f->pt, G1, 0, K4, HOST_LEAF), 0);
	assert_tables(f, 7); /* new PD and PT */
	assert_int_equal(pt_map(&f->pt, 512 * G1, 0, K4, HOST_LEAF), 0);
	assert_tables(f, 10); /* new PDPT, PD and PT */
	assert_int_equal(pt_map(&f->pt, G1 + M2, 0, M2, HOST_LEAF), 0);
	assert_tables(f, 10); /* leaf in an existing PD */
	assert_int_equal(pt_map(&f->pt, 2 * G1, 0, G1, HOST_LEAF), 0);
	assert_tables(f, 10); /* leaf in an existing PDPT */
}

static void test_destroy_frees_all(void **state)
{
	struct fixture *f = *state;

	init_host(f, true, true);
	assert_int_equal(pt_map(&f->pt, M2 - K4, 0, K4 + M2 + K4, HOST_LEAF),
			 0);
	assert_int_equal(pt_map(&f->pt, G1, 0, G1, HOST_LEAF), 0);
	assert_int_equal(pt_map(&f->pt, 3 * G1 + M2, 0, 3 * M2, HOST_LEAF), 0);
	assert_int_equal(pt_map(&f->pt, 512 * G1 - K4, 0, 2 * K4, HOST_LEAF),
			 0);
	assert_int_equal(pt_map(&f->pt, 100 * 512 * G1 + 7 * G1 + 9 * K4, 0,
				70 * K4, HOST_LEAF), 0);
	assert_true(f->pt.tables > 10);
	assert_tables(f, f->pt.tables);

	pt_destroy(&f->pt);
	assert_int_equal(f->pt.tables, 0);
	assert_int_equal(f->pt.root, 0);
	assert_int_equal(f->pool.free_pages, f->free0);
	assert_int_equal(f->pool.owner_pages[OWNER], f->owned0);
	/* A second destroy has nothing left to free. */
	pt_destroy(&f->pt);
	assert_int_equal(f->pool.free_pages, f->free0);
}

static void test_out_of_tables(void **state)
{
	struct fixture *f = *state;
	uint64_t a, b;

	/* Leave exactly two pages: the root and one more. */
	while (palloc_page(&f->pool, HOG))
		;
	a = f->pool.base + 100 * K4;
	b = f->pool.base + 200 * K4;
	assert_int_equal(palloc_free(&f->pool, a, K4, HOG), 0);
	assert_int_equal(palloc_free(&f->pool, b, K4, HOG), 0);
	f->free0 = 2;

	init_host(f, true, true);
	/* A 4 KiB page needs a PDPT, a PD and a PT. */
	assert_int_equal(pt_map(&f->pt, 0, 0, K4, HOST_LEAF), HV_ENOMEM);
	assert_int_equal(f->pool.free_pages, 0);
	assert_tables(f, 2);
	assert_unmapped(&f->pt, 0);
	pt_destroy(&f->pt);
	assert_int_equal(f->pool.free_pages, 2);
	assert_int_equal(f->pool.owner_pages[OWNER], f->owned0);
}

/* An EPT over a fresh 16 MiB run, 2 MiB aligned, from the same pool. */
#define RAM (16ull << 20)

static uint64_t ram_run(struct fixture *f)
{
	uint64_t run = palloc_run(&f->pool, RAM / K4, M2 / K4, 1);

	assert_int_not_equal(run, 0);
	assert_int_equal(run & (M2 - 1), 0);
	/* The tables are counted from here on. */
	f->free0 = f->pool.free_pages;
	return run;
}

static void assert_ept_maps_ram(const struct fixture *f, uint64_t run,
				uint64_t page_size)
{
	for (uint64_t gpa = 0; gpa < RAM; gpa += K4)
		assert_maps(&f->pt, gpa, run + gpa, EPT_LEAF, page_size);
	assert_maps(&f->pt, RAM - 1, run + RAM - 1, EPT_LEAF, page_size);
	assert_unmapped(&f->pt, RAM);
	assert_unmapped(&f->pt, G1);
}

static void test_ept_build_2m(void **state)
{
	struct fixture *f = *state;
	uint64_t run = ram_run(f);

	ept_set_page_sizes(true, false);
	assert_int_equal(ept_build(&f->pt, run, RAM, &f->pool, OWNER), 0);
	assert_ept_maps_ram(f, run, M2);
	assert_tables(f, 3);
	assert_ptr_equal(f->pt.ops.ctx, &f->pool);
	assert_int_equal(f->pt.ops.owner, OWNER);
	/* Non-leaf EPT entries: permissions only, no memory type. */
	assert_int_equal(raw_entry(&f->pt, 0, 3) & ~PT_ADDR_MASK, EPT_RWX);
	assert_int_equal(raw_entry(&f->pt, 0, 2) & ~PT_ADDR_MASK, EPT_RWX);
	assert_int_equal(raw_entry(&f->pt, M2, 1),
			 (run + M2) | EPT_LEAF | PT_LARGE);
	pt_destroy(&f->pt);
	assert_int_equal(f->pool.free_pages, f->free0);
}

static void test_ept_build_1g_allowed(void **state)
{
	struct fixture *f = *state;
	uint64_t run = ram_run(f);

	/* 16 MiB is too small for a 1 GiB page, whatever is allowed. */
	ept_set_page_sizes(true, true);
	assert_int_equal(ept_build(&f->pt, run, RAM, &f->pool, OWNER), 0);
	assert_ept_maps_ram(f, run, M2);
	assert_tables(f, 3);
	pt_destroy(&f->pt);

	/* Two GiB at a 1 GiB aligned hpa: two 1 GiB leaves in the PDPT. */
	assert_int_equal(ept_build(&f->pt, 4 * G1, 2 * G1, &f->pool, OWNER), 0);
	assert_maps(&f->pt, 0, 4 * G1, EPT_LEAF, G1);
	assert_maps(&f->pt, G1 + 0x1234, 5 * G1 + 0x1234, EPT_LEAF, G1);
	assert_unmapped(&f->pt, 2 * G1);
	assert_tables(f, 2);
	pt_destroy(&f->pt);

	/* The same with 1 GiB not allowed: 2 MiB leaves in two PDs. */
	ept_set_page_sizes(true, false);
	assert_int_equal(ept_build(&f->pt, 4 * G1, 2 * G1, &f->pool, OWNER), 0);
	assert_maps(&f->pt, 0, 4 * G1, EPT_LEAF, M2);
	assert_maps(&f->pt, G1 + 0x1234, 5 * G1 + 0x1234, EPT_LEAF, M2);
	assert_unmapped(&f->pt, 2 * G1);
	assert_tables(f, 4);
	pt_destroy(&f->pt);
	assert_int_equal(f->pool.free_pages, f->free0);
}

static void test_ept_build_4k(void **state)
{
	struct fixture *f = *state;
	uint64_t run = ram_run(f);

	ept_set_page_sizes(false, false);
	assert_int_equal(ept_build(&f->pt, run, RAM, &f->pool, OWNER), 0);
	assert_ept_maps_ram(f, run, K4);
	assert_tables(f, 3 + RAM / M2);
	pt_destroy(&f->pt);

	/* Large pages allowed, but the run is only 4 KiB aligned. */
	ept_set_page_sizes(true, true);
	assert_int_equal(ept_build(&f->pt, run + K4, RAM - K4, &f->pool,
				   OWNER), 0);
	assert_maps(&f->pt, 0, run + K4, EPT_LEAF, K4);
	assert_maps(&f->pt, M2, run + M2 + K4, EPT_LEAF, K4);
	assert_maps(&f->pt, RAM - 2 * K4, run + RAM - K4, EPT_LEAF, K4);
	assert_unmapped(&f->pt, RAM - K4);
	assert_tables(f, 3 + RAM / M2);
	pt_destroy(&f->pt);
	assert_int_equal(f->pool.free_pages, f->free0);
}

static void test_ept_build_fails_clean(void **state)
{
	struct fixture *f = *state;
	uint64_t run = ram_run(f);

	/* Bad arguments: the root is given back. */
	ept_set_page_sizes(true, true);
	assert_int_equal(ept_build(&f->pt, run + 0x800, RAM, &f->pool, OWNER),
			 HV_EINVAL);
	assert_int_equal(f->pt.root, 0);
	assert_int_equal(f->pt.tables, 0);
	assert_int_equal(ept_build(&f->pt, run, RAM - 1, &f->pool, OWNER),
			 HV_EINVAL);
	assert_int_equal(f->pool.free_pages, f->free0);

	/* Five pages, where 4 KiB EPT for 16 MiB needs eleven. */
	while (palloc_page(&f->pool, HOG))
		;
	for (uint64_t i = 0; i < 5; i++)
		assert_int_equal(palloc_free(&f->pool,
					     f->pool.base + (100 + 2 * i) * K4,
					     K4, HOG), 0);
	ept_set_page_sizes(false, false);
	assert_int_equal(ept_build(&f->pt, run, RAM, &f->pool, OWNER),
			 HV_ENOMEM);
	assert_int_equal(f->pt.root, 0);
	assert_int_equal(f->pt.tables, 0);
	assert_int_equal(f->pool.free_pages, 5);
	assert_int_equal(f->pool.owner_pages[OWNER], f->owned0);
}

static void test_ept_pointer(void **state)
{
	struct fixture *f = *state;
	uint64_t run = ram_run(f), eptp;

	ept_set_page_sizes(true, false);
	assert_int_equal(ept_build(&f->pt, run, RAM, &f->pool, OWNER), 0);
	eptp = ept_pointer(&f->pt);
	/* Memory type WB in bits 2:0, walk length 4 - 1 in bits 5:3. */
	assert_int_equal(eptp & 7, 6);
	assert_int_equal(eptp & (7 << 3), 3 << 3);
	/* No accessed/dirty flags or other extras in bits 11:6. */
	assert_int_equal(eptp & 0xfc0, 0);
	assert_int_equal(eptp & ~0xfffull, f->pt.root);
	assert_int_equal(eptp, f->pt.root | 0x1e);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_map_2m),
		T(test_map_4k_when_2m_not_allowed),
		T(test_map_1g),
		T(test_map_1g_not_allowed_or_misaligned),
		T(test_map_misaligned_4k),
		T(test_map_mixed),
		T(test_flags_preserved),
		T(test_overlap_refused),
		T(test_bad_args),
		T(test_bad_args_pa_wraps),
		T(test_map_top_pages),
		T(test_lookup_unmapped),
		T(test_table_count),
		T(test_destroy_frees_all),
		T(test_out_of_tables),
		T(test_ept_build_2m),
		T(test_ept_build_1g_allowed),
		T(test_ept_build_4k),
		T(test_ept_build_fails_clean),
		T(test_ept_pointer),
	};

	return cmocka_run_group_tests_name("pt", tests, NULL, NULL);
}
