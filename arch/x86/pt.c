// SPDX-License-Identifier: MIT
#include "arch/x86/pt.h"

#include "hv/errno.h"
#include "hv/palloc.h"

uint64_t pt_pool_alloc_table(const struct pt_ops *ops)
{
	return palloc_page(ops->ctx, ops->owner);
}

void pt_pool_free_table(const struct pt_ops *ops, uint64_t pa)
{
	palloc_free(ops->ctx, pa, 4096, ops->owner);
}

static inline uint64_t *table_at(uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static unsigned index_at(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * level)) & 511;
}

static uint64_t level_size(int level)
{
	return 1ull << (12 + 9 * level);
}

int pt_init(struct pt *pt, const struct pt_ops *ops)
{
	pt->ops = *ops;
	pt->root = ops->alloc_table(&pt->ops);
	pt->tables = pt->root ? 1 : 0;
	return pt->root ? 0 : HV_ENOMEM;
}

/* The largest leaf level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB) that fits here. */
static int leaf_level(const struct pt *pt, uint64_t va, uint64_t pa,
		      uint64_t left)
{
	if (pt->ops.allow_1g && !((va | pa) & (PT_PAGE_1G - 1)) &&
	    left >= PT_PAGE_1G)
		return 2;
	if (pt->ops.allow_2m && !((va | pa) & (PT_PAGE_2M - 1)) &&
	    left >= PT_PAGE_2M)
		return 1;
	return 0;
}

static int map_one(struct pt *pt, uint64_t va, uint64_t pa, int leaf,
		   uint64_t flags)
{
	uint64_t *table = table_at(pt->root);

	for (int level = 3; level > leaf; level--) {
		uint64_t *e = &table[index_at(va, level)];

		if (!*e) {
			uint64_t t = pt->ops.alloc_table(&pt->ops);

			if (!t)
				return HV_ENOMEM;
			pt->tables++;
			*e = t | pt->ops.table_flags;
		} else if (level < 3 && (*e & PT_LARGE)) {
			return HV_EEXIST; /* a large page already covers va */
		}
		table = table_at(*e & PT_ADDR_MASK);
	}
	if (table[index_at(va, leaf)])
		return HV_EEXIST;
	table[index_at(va, leaf)] = pa | flags | (leaf ? PT_LARGE : 0);
	return 0;
}

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t leaf_flags)
{
	if (!size || (va | pa | size) & (PT_PAGE_4K - 1) || va + size < va ||
	    pa + size < pa || (pa + size - 1) > (PT_ADDR_MASK | 0xfff) ||
	    (va + size - 1) >> 48 || (leaf_flags & PT_ADDR_MASK))
		return HV_EINVAL;
	while (size) {
		int leaf = leaf_level(pt, va, pa, size);
		int r = map_one(pt, va, pa, leaf, leaf_flags);

		if (r)
			return r;
		va += level_size(leaf);
		pa += level_size(leaf);
		size -= level_size(leaf);
	}
	return 0;
}

int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa,
	      uint64_t *flags, uint64_t *page_size)
{
	uint64_t *table = table_at(pt->root);

	for (int level = 3; level >= 0; level--) {
		uint64_t e = table[index_at(va, level)];

		if (!e)
			return HV_ENOENT;
		if (level == 0 || (level < 3 && (e & PT_LARGE))) {
			uint64_t sz = level_size(level);

			*pa = (e & PT_ADDR_MASK & ~(sz - 1)) | (va & (sz - 1));
			*flags = e & ~PT_ADDR_MASK & ~(level ? PT_LARGE : 0);
			*page_size = sz;
			return 0;
		}
		table = table_at(e & PT_ADDR_MASK);
	}
	return HV_ENOENT;
}

static void destroy_level(struct pt *pt, uint64_t table_pa, int level)
{
	uint64_t *table = table_at(table_pa);

	if (level > 0) {
		for (int i = 0; i < 512; i++) {
			uint64_t e = table[i];

			if (e && !(level < 3 && (e & PT_LARGE)))
				destroy_level(pt, e & PT_ADDR_MASK, level - 1);
		}
	}
	pt->ops.free_table(&pt->ops, table_pa);
	pt->tables--;
}

void pt_destroy(struct pt *pt)
{
	if (pt->root)
		destroy_level(pt, pt->root, 3);
	pt->root = 0;
}
