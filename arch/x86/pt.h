/* SPDX-License-Identifier: MIT */
/*
 * One 4-level page-table builder for both of hv's formats: the host's own
 * tables and EPT. They differ only in the flags of non-leaf entries and of
 * leaves, which the caller supplies; both mark a 2 MiB or 1 GiB leaf with
 * bit 7. Tables are addressed by their physical address, which hv maps 1:1.
 */
#ifndef ARCH_X86_PT_H
#define ARCH_X86_PT_H

#include <stdbool.h>
#include <stdint.h>

#define PT_PAGE_4K (1ull << 12)
#define PT_PAGE_2M (1ull << 21)
#define PT_PAGE_1G (1ull << 30)
#define PT_ADDR_MASK 0x000ffffffffff000ull
#define PT_LARGE (1ull << 7)

/* Host entry bits (SDM "Paging", 4-level paging). */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_NX (1ull << 63)

struct pt_ops {
	uint64_t table_flags; /* flags for an entry pointing to a table */
	bool allow_2m;
	bool allow_1g;
	/* A zeroed 4 KiB page for a table, or 0 when memory ran out. */
	uint64_t (*alloc_table)(const struct pt_ops *ops);
	void (*free_table)(const struct pt_ops *ops, uint64_t pa);
	void *ctx; /* for the callbacks: the pool */
	uint32_t owner; /* for the callbacks: whose pages the tables are */
};

struct pt {
	uint64_t root; /* physical address of the PML4 */
	struct pt_ops ops;
	uint64_t tables; /* table pages in use, root included */
};

/* Table callbacks for tables drawn from hv's pool: ctx is the struct
 * palloc, owner the pool owner. Host tables and EPT both use them. */
uint64_t pt_pool_alloc_table(const struct pt_ops *ops);
void pt_pool_free_table(const struct pt_ops *ops, uint64_t pa);

int pt_init(struct pt *pt, const struct pt_ops *ops);
/*
 * Maps [va, va + size) to [pa, pa + size) with leaf_flags, using the
 * largest page each piece's alignment allows. Refuses (HV_EEXIST) to
 * replace any existing mapping, and leaves earlier pieces of the range
 * mapped when it fails part-way; callers destroy the table on error.
 */
int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t leaf_flags);
/* Finds the leaf for va. Returns 0 and fills the outputs, or HV_ENOENT. */
int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa,
	      uint64_t *flags, uint64_t *page_size);
/* Frees every table page (not the mapped memory). */
void pt_destroy(struct pt *pt);

#endif
