// SPDX-License-Identifier: MIT
#include "hv/palloc.h"

#include "hv/errno.h"
#include "lib/string.h"

#define PAGE 4096ull
#define CHUNK_PAGES 512ull

static void take(struct palloc *pa, uint64_t first, uint64_t n, uint32_t owner)
{
	memset(pa->owner_of + first, (int)owner, n);
	pa->free_pages -= n;
	pa->owner_pages[owner] += n;
	memset((void *)(uintptr_t)(pa->base + first * PAGE), 0, n * PAGE);
}

int palloc_init(struct palloc *pa, uint64_t base, uint64_t size)
{
	uint64_t map_pages;

	if ((base & (CHUNK_PAGES * PAGE - 1)) || (size & (PAGE - 1)) ||
	    size < 2 * PAGE)
		return HV_EINVAL;
	memset(pa, 0, sizeof(*pa));
	pa->base = base;
	pa->pages = size / PAGE;
	pa->owner_of = (uint8_t *)(uintptr_t)base;
	map_pages = (pa->pages + PAGE - 1) / PAGE;
	if (map_pages >= pa->pages)
		return HV_EINVAL;
	memset(pa->owner_of, PALLOC_FREE, pa->pages);
	/* Not take(): that would zero the map it is part of. */
	memset(pa->owner_of, PALLOC_OWNER_HV, map_pages);
	pa->free_pages = pa->pages - map_pages;
	pa->owner_pages[PALLOC_OWNER_HV] = map_pages;
	pa->hint = map_pages;
	pa->map_pages = map_pages;
	return 0;
}

static uint64_t run_locked(struct palloc *pa, uint64_t n, uint64_t align,
			   uint32_t owner)
{
	uint64_t start, i;

	if (owner >= PALLOC_MAX_OWNERS || !n || !align || n > pa->free_pages)
		return 0;
	/*
	 * Single pages are searched from a hint upwards, larger runs from the
	 * top down, so the two kinds fragment each other as little as possible.
	 */
	if (n == 1 && align == 1) {
		for (i = 0; i < pa->pages; i++) {
			start = (pa->hint + i) % pa->pages;
			if (pa->owner_of[start] == PALLOC_FREE) {
				take(pa, start, 1, owner);
				pa->hint = start + 1;
				return pa->base + start * PAGE;
			}
		}
		return 0;
	}
	if (n > pa->pages)
		return 0;
	start = (pa->pages - n) / align * align;
	for (;;) {
		for (i = 0; i < n; i++)
			if (pa->owner_of[start + i] != PALLOC_FREE)
				break;
		if (i == n) {
			take(pa, start, n, owner);
			return pa->base + start * PAGE;
		}
		if (start < align)
			return 0;
		start -= align;
	}
}

uint64_t palloc_run(struct palloc *pa, uint64_t n, uint64_t align,
		    uint32_t owner)
{
	uint64_t r;

	spin_lock(&pa->lock);
	r = run_locked(pa, n, align, owner);
	spin_unlock(&pa->lock);
	return r;
}

uint64_t palloc_page(struct palloc *pa, uint32_t owner)
{
	return palloc_run(pa, 1, 1, owner);
}

uint64_t palloc_chunk(struct palloc *pa, uint32_t owner)
{
	return palloc_run(pa, CHUNK_PAGES, CHUNK_PAGES, owner);
}

uint64_t palloc_largest_free_run(const struct palloc *pa)
{
	uint64_t best = 0, cur = 0;

	for (uint64_t i = 0; i < pa->pages; i++) {
		cur = pa->owner_of[i] == PALLOC_FREE ? cur + 1 : 0;
		if (cur > best)
			best = cur;
	}
	return best;
}

static int free_locked(struct palloc *pa, uint64_t addr, uint64_t size,
		       uint32_t owner)
{
	uint64_t first, n;

	if (owner >= PALLOC_MAX_OWNERS || (addr & (PAGE - 1)) ||
	    (size & (PAGE - 1)) || !size || addr < pa->base)
		return HV_EINVAL;
	first = (addr - pa->base) / PAGE;
	n = size / PAGE;
	/* The owner map itself is never free-able, even by hv. */
	if (first < pa->map_pages || first >= pa->pages ||
	    n > pa->pages - first)
		return HV_EINVAL;
	for (uint64_t i = first; i < first + n; i++)
		if (pa->owner_of[i] != owner)
			return HV_EINVAL;
	/* Zeroed on the way out too: freed memory never carries secrets. */
	memset((void *)(uintptr_t)addr, 0, size);
	memset(pa->owner_of + first, PALLOC_FREE, n);
	pa->free_pages += n;
	pa->owner_pages[owner] -= n;
	if (first < pa->hint)
		pa->hint = first;
	return 0;
}

int palloc_free(struct palloc *pa, uint64_t addr, uint64_t size,
		uint32_t owner)
{
	int r;

	spin_lock(&pa->lock);
	r = free_locked(pa, addr, size, owner);
	spin_unlock(&pa->lock);
	return r;
}
