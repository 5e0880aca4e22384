/* SPDX-License-Identifier: MIT */
/*
 * The page allocator over hv's pool: 4 KiB pages and 2 MiB chunks, with
 * counters per owner (0 is hv itself, 1.. are partitions). Every free page
 * is zero (the pool is zeroed once at init and each page again when it is
 * freed), so what it hands out is zero without being zeroed then. Pure
 * logic on memory hv maps 1:1, so the unit tests run it on the host.
 */
#ifndef HV_PALLOC_H
#define HV_PALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"

/*
 * hv, then up to 4095 partitions: the bound on partitions besides memory
 * (owner_pages is 8 bytes an owner; the map's two bytes a page would
 * allow 65533).
 */
#define PALLOC_MAX_OWNERS 4096
#define PALLOC_OWNER_HV 0
#define PALLOC_FREE 0xffff
/* Freed, being zeroed outside the lock: nobody's, not yet free. */
#define PALLOC_ZEROING 0xfffe

struct palloc {
	struct spinlock lock; /* the map and the counters; innermost but the console's */
	uint64_t base; /* 2 MiB aligned */
	uint64_t pages;
	uint64_t chunks; /* whole 2 MiB chunks in the pool */
	/* Two bytes per page: its owner, or PALLOC_FREE; PALLOC_FREE too in
	 * a chunk taken whole, whose owner is chunk_owner's. */
	uint16_t *owner_of;
	uint64_t *page_free; /* one bit per page, set while it is free */
	uint64_t *chunk_free; /* one bit per whole chunk, set while all free */
	/* One bit per whole chunk, set while one owner holds all of it by a
	 * run of whole chunks: then chunk_owner[c] is its pages' owner, so
	 * that taking and giving back a partition's RAM costs per chunk,
	 * not per page. */
	uint64_t *chunk_whole;
	uint16_t *chunk_owner;
	uint64_t free_pages;
	uint64_t owner_pages[PALLOC_MAX_OWNERS];
	uint64_t hint; /* where the next 4 KiB search starts */
	uint64_t map_pages; /* the owner map's and bitmaps' pages, at the start */
};

/*
 * Manages [base, base + size), zeroing all of it. The owner map and the
 * bitmaps occupy the first pages of the range, which are counted as hv's.
 * base must be 2 MiB aligned and size a multiple of 4 KiB.
 */
int palloc_init(struct palloc *pa, uint64_t base, uint64_t size);
/*
 * n zeroed, physically contiguous pages starting at a multiple of align
 * pages from the pool's base, or 0 when no such run is free.
 */
uint64_t palloc_run(struct palloc *pa, uint64_t n, uint64_t align,
		    uint32_t owner);
/* A zeroed 4 KiB page, or 0 when none is free. */
uint64_t palloc_page(struct palloc *pa, uint32_t owner);
/* A zeroed, 2 MiB aligned 2 MiB chunk, or 0 when none is free. */
uint64_t palloc_chunk(struct palloc *pa, uint32_t owner);
/* The owner of page i (from the pool's base), or PALLOC_FREE. */
uint32_t palloc_owner(const struct palloc *pa, uint64_t i);
/* The longest run of free pages, for messages about memory shortage. */
uint64_t palloc_largest_free_run(const struct palloc *pa);
/*
 * Zeroes and frees [addr, addr + size), the zeroing with the lock dropped
 * (so its time is the caller's, in proportion to size: callers free large
 * ranges in pieces). Every page must be in use by owner; otherwise nothing
 * changes and HV_EINVAL comes back (a double free is a caller bug the
 * caller reports).
 */
int palloc_free(struct palloc *pa, uint64_t addr, uint64_t size,
		uint32_t owner);

#endif
