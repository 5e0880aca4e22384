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
	return 0;
}

uint64_t palloc_page(struct palloc *pa, uint32_t owner)
{
	if (owner >= PALLOC_MAX_OWNERS || !pa->free_pages)
		return 0;
	for (uint64_t n = 0; n < pa->pages; n++) {
		uint64_t i = (pa->hint + n) % pa->pages;

		if (pa->owner_of[i] == PALLOC_FREE) {
			take(pa, i, 1, owner);
			pa->hint = i + 1;
			return pa->base + i * PAGE;
		}
	}
	return 0;
}

uint64_t palloc_chunk(struct palloc *pa, uint32_t owner)
{
	if (owner >= PALLOC_MAX_OWNERS)
		return 0;
	/*
	 * Search from the top, so that 4 KiB pages (searched from the bottom)
	 * and chunks fragment each other as little as possible.
	 */
	for (uint64_t c = pa->pages / CHUNK_PAGES; c-- > 0;) {
		uint64_t first = c * CHUNK_PAGES, i;

		for (i = 0; i < CHUNK_PAGES; i++)
			if (pa->owner_of[first + i] != PALLOC_FREE)
				break;
		if (i == CHUNK_PAGES) {
			take(pa, first, CHUNK_PAGES, owner);
			return pa->base + first * PAGE;
		}
	}
	return 0;
}

int palloc_free(struct palloc *pa, uint64_t addr, uint64_t size,
		uint32_t owner)
{
	uint64_t first, n;

	if (owner >= PALLOC_MAX_OWNERS || (addr & (PAGE - 1)) ||
	    (size & (PAGE - 1)) || !size || addr < pa->base)
		return HV_EINVAL;
	first = (addr - pa->base) / PAGE;
	n = size / PAGE;
	if (first >= pa->pages || n > pa->pages - first)
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
