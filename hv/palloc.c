// SPDX-License-Identifier: MIT
/*
 * Every free page of the pool is zero: the whole pool is zeroed once by
 * palloc_init, and each page again when it is freed, so taking memory is
 * only bookkeeping and a partition's RAM costs nothing to zero on the way
 * in. The zeroing on free runs with the lock dropped (the pages are
 * marked PALLOC_ZEROING meanwhile), so no other CPU waits on it.
 *
 * Runs are found in two bitmaps kept beside the owner map: one bit per
 * page (set: free) and one per whole 2 MiB chunk (set: all its pages
 * free). Searches read them a 64-bit word at a time and skip whole words,
 * never the owner map page by page.
 *
 * The owner map is two bytes a page, so that partition ids reach 4,095.
 * A run's whole chunks are owned by chunk, not by page: one entry of
 * chunk_owner and one bit of chunk_whole each, their page entries left
 * PALLOC_FREE. So taking a partition's RAM, and checking and marking it
 * as it goes back, costs a few instructions per 2 MiB (and the page
 * bitmap a word per 256 KiB); a free of part of such a chunk first gives
 * its pages their owner entry again (set_owner).
 */
#include "hv/palloc.h"

#include "hv/errno.h"
#include "lib/string.h"

#define PAGE 4096ull
#define CHUNK_PAGES 512ull
#define WORDS(bits) (((bits) + 63) / 64)

static void bits_set(uint64_t *w, uint64_t first, uint64_t n, bool on)
{
	while (n) {
		uint64_t bit = first % 64, k = 64 - bit < n ? 64 - bit : n;
		uint64_t mask = (k == 64 ? ~0ull : ((1ull << k) - 1)) << bit;

		if (!bit && n >= 64) {
			/* Whole words at once: a large run costs a store a word. */
			memset(w + first / 64, on ? 0xff : 0, n / 64 * 8);
			first += n / 64 * 64;
			n %= 64;
			continue;
		}
		if (on)
			w[first / 64] |= mask;
		else
			w[first / 64] &= ~mask;
		first += k;
		n -= k;
	}
}

static bool bits_all(const uint64_t *w, uint64_t first, uint64_t n)
{
	while (n) {
		uint64_t bit = first % 64, k = 64 - bit < n ? 64 - bit : n;
		uint64_t mask = (k == 64 ? ~0ull : ((1ull << k) - 1)) << bit;

		if ((w[first / 64] & mask) != mask)
			return false;
		first += k;
		n -= k;
	}
	return true;
}

/* The first bit at or after i, below limit, that is set (want) or clear. */
static uint64_t bits_next(const uint64_t *w, uint64_t i, uint64_t limit,
			  bool want)
{
	while (i < limit) {
		uint64_t word = want ? w[i / 64] : ~w[i / 64];

		word &= ~0ull << (i % 64);
		if (word) {
			i = i / 64 * 64 + (uint64_t)__builtin_ctzll(word);
			return i < limit ? i : limit;
		}
		i = i / 64 * 64 + 64;
	}
	return limit;
}

/* The last bit below i that is set (want) or clear; ~0 when none is. */
static uint64_t bits_prev(const uint64_t *w, uint64_t i, bool want)
{
	while (i) {
		uint64_t top = (i - 1) % 64;
		uint64_t word = want ? w[(i - 1) / 64] : ~w[(i - 1) / 64];

		if (top < 63)
			word &= (1ull << (top + 1)) - 1;
		if (word)
			return (i - 1) / 64 * 64 + 63 -
			       (uint64_t)__builtin_clzll(word);
		i = (i - 1) / 64 * 64;
	}
	return ~0ull;
}

/* After pages [first, first + n) changed, each chunk they touch is redone. */
static void update_chunks(struct palloc *pa, uint64_t first, uint64_t n)
{
	for (uint64_t c = first / CHUNK_PAGES;
	     c <= (first + n - 1) / CHUNK_PAGES && c < pa->chunks; c++)
		bits_set(pa->chunk_free, c, 1,
			 bits_all(pa->page_free, c * CHUNK_PAGES, CHUNK_PAGES));
}

/* n owner entries from p set to owner: eight bytes a store where it can. */
static void fill16(uint16_t *p, uint32_t owner, uint64_t n)
{
	uint64_t pattern = 0x0001000100010001ull * (uint16_t)owner;

	for (; n && ((uintptr_t)p & 7); n--)
		*p++ = (uint16_t)owner;
	for (; n >= 4; n -= 4, p += 4)
		memcpy(p, &pattern, 8);
	while (n--)
		*p++ = (uint16_t)owner;
}

static bool whole(const struct palloc *pa, uint64_t c)
{
	return c < pa->chunks && ((pa->chunk_whole[c / 64] >> (c % 64)) & 1);
}

uint32_t palloc_owner(const struct palloc *pa, uint64_t i)
{
	uint64_t c = i / CHUNK_PAGES;

	return whole(pa, c) ? pa->chunk_owner[c] : pa->owner_of[i];
}

static void take(struct palloc *pa, uint64_t first, uint64_t n, uint32_t owner)
{
	uint64_t end = first + n, c_first = first / CHUNK_PAGES;
	uint64_t lo = (first + CHUNK_PAGES - 1) / CHUNK_PAGES;
	uint64_t hi = end / CHUNK_PAGES < pa->chunks ? end / CHUNK_PAGES :
						       pa->chunks;
	uint64_t c_end = (end - 1) / CHUNK_PAGES + 1;

	if (lo < hi) {
		/* Chunks lo..hi-1 by chunk; their page entries stay free. */
		fill16(pa->owner_of + first, owner, lo * CHUNK_PAGES - first);
		fill16(pa->chunk_owner + lo, owner, hi - lo);
		bits_set(pa->chunk_whole, lo, hi - lo, true);
		fill16(pa->owner_of + hi * CHUNK_PAGES, owner,
		       end - hi * CHUNK_PAGES);
	} else {
		fill16(pa->owner_of + first, owner, n);
	}
	bits_set(pa->page_free, first, n, false);
	if (c_end > pa->chunks)
		c_end = pa->chunks;
	if (c_first < c_end)
		bits_set(pa->chunk_free, c_first, c_end - c_first, false);
	pa->free_pages -= n;
	pa->owner_pages[owner] += n;
}

/*
 * Gives pages [first, first + n) the owner entry value (PALLOC_ZEROING or
 * PALLOC_FREE). A chunk taken whole keeps being one if the range covers
 * it all (and stops being one when it becomes free: its page bytes are
 * PALLOC_FREE already); one covered in part is first split into page
 * bytes.
 */
static void set_owner(struct palloc *pa, uint64_t first, uint64_t n,
		      uint16_t value)
{
	for (uint64_t i = first, end = first + n; i < end;) {
		uint64_t c = i / CHUNK_PAGES, start = c * CHUNK_PAGES;
		uint64_t stop = start + CHUNK_PAGES < end ? start + CHUNK_PAGES :
							    end;

		if (whole(pa, c) && i == start && stop == start + CHUNK_PAGES) {
			if (value == PALLOC_FREE)
				bits_set(pa->chunk_whole, c, 1, false);
			else
				pa->chunk_owner[c] = value;
		} else {
			if (whole(pa, c)) {
				fill16(pa->owner_of + start, pa->chunk_owner[c],
				       CHUNK_PAGES);
				bits_set(pa->chunk_whole, c, 1, false);
			}
			fill16(pa->owner_of + i, value, stop - i);
		}
		i = stop;
	}
}

int palloc_init(struct palloc *pa, uint64_t base, uint64_t size)
{
	uint64_t map_bytes, pages = size / PAGE;

	if ((base & (CHUNK_PAGES * PAGE - 1)) || (size & (PAGE - 1)) ||
	    size < 2 * PAGE)
		return HV_EINVAL;
	memset(pa, 0, sizeof(*pa));
	pa->base = base;
	pa->pages = pages;
	pa->chunks = pages / CHUNK_PAGES;
	/* The owner map, the page bitmap, the chunk bitmaps, chunk owners. */
	map_bytes = (pages * sizeof(*pa->owner_of) + 7) / 8 * 8;
	pa->page_free = (uint64_t *)(uintptr_t)(base + map_bytes);
	map_bytes += WORDS(pages) * 8;
	pa->chunk_free = (uint64_t *)(uintptr_t)(base + map_bytes);
	map_bytes += WORDS(pa->chunks) * 8;
	pa->chunk_whole = (uint64_t *)(uintptr_t)(base + map_bytes);
	map_bytes += WORDS(pa->chunks) * 8;
	pa->chunk_owner = (uint16_t *)(uintptr_t)(base + map_bytes);
	map_bytes += (pa->chunks * sizeof(*pa->chunk_owner) + 7) / 8 * 8;
	pa->map_pages = (map_bytes + PAGE - 1) / PAGE;
	if (pa->map_pages >= pages)
		return HV_EINVAL;
	pa->owner_of = (uint16_t *)(uintptr_t)base;
	/*
	 * The one zeroing of the whole pool: at boot, before any other CPU
	 * runs, so no lock is held. From here on free pages stay zero.
	 */
	memset((void *)(uintptr_t)base, 0, size);
	fill16(pa->owner_of, PALLOC_FREE, pages);
	fill16(pa->owner_of, PALLOC_OWNER_HV, pa->map_pages);
	pa->free_pages = pages - pa->map_pages;
	pa->owner_pages[PALLOC_OWNER_HV] = pa->map_pages;
	bits_set(pa->page_free, pa->map_pages, pa->free_pages, true);
	update_chunks(pa, 0, pages);
	pa->hint = pa->map_pages;
	return 0;
}

/*
 * The lowest start at or after from, a multiple of align, of n free pages
 * below limit; limit when there is none. Each step jumps a taken stretch
 * through the page bitmap, then reads a free one only as far as the run
 * needs: not to its end, which in a pool mostly free is most of the pool.
 */
static uint64_t find_up(const struct palloc *pa, uint64_t from,
			uint64_t limit, uint64_t n, uint64_t align)
{
	while (from < limit) {
		uint64_t lo = bits_next(pa->page_free, from, limit, true);
		uint64_t s = (lo + align - 1) / align * align, cap, hi;

		if (lo >= limit || s >= limit || n > limit - s)
			return limit;
		cap = s + n;
		hi = bits_next(pa->page_free, lo, cap, false);
		if (hi == cap)
			return s;
		from = hi;
	}
	return limit;
}

/*
 * Runs of whole chunks, searched from the top of the pool down in the
 * chunk bitmap. The run may end with a part of a chunk (n not a multiple
 * of 512 pages): those pages are checked in the page bitmap.
 */
static uint64_t find_chunks_down(const struct palloc *pa, uint64_t n,
				 uint64_t align)
{
	uint64_t k = n / CHUNK_PAGES, tail = n % CHUNK_PAGES;
	uint64_t step = align / CHUNK_PAGES, c = pa->chunks;

	while (c) {
		uint64_t last = bits_prev(pa->chunk_free, c, true), lo, hi, s;

		if (last == ~0ull)
			return ~0ull;
		hi = last + 1;
		lo = bits_prev(pa->chunk_free, hi, false);
		lo = lo == ~0ull ? 0 : lo + 1;
		/* Free chunks [lo, hi): the highest aligned start that fits. */
		s = hi - lo >= k ? (hi - k) / step * step : ~0ull;
		/* Only from the top one may the tail reach past the run. */
		if (s != ~0ull && tail && s + k == hi &&
		    (hi * CHUNK_PAGES + tail > pa->pages ||
		     !bits_all(pa->page_free, hi * CHUNK_PAGES, tail)))
			s = s >= step ? s - step : ~0ull;
		if (s != ~0ull && s >= lo)
			return s * CHUNK_PAGES;
		c = lo;
	}
	return ~0ull;
}

static uint64_t run_locked(struct palloc *pa, uint64_t n, uint64_t align,
			   uint32_t owner)
{
	uint64_t start;

	if (owner >= PALLOC_MAX_OWNERS || !n || !align || n > pa->free_pages)
		return 0;
	/*
	 * Runs of whole chunks come from the top down, everything smaller
	 * from a hint upwards, so the two kinds fragment each other as little
	 * as possible.
	 */
	if (align % CHUNK_PAGES == 0 && n >= CHUNK_PAGES) {
		start = find_chunks_down(pa, n, align);
		if (start == ~0ull)
			return 0;
	} else {
		start = find_up(pa, pa->hint, pa->pages, n, align);
		if (start == pa->pages)
			start = find_up(pa, pa->map_pages, pa->pages, n, align);
		if (start == pa->pages)
			return 0;
		pa->hint = start + n;
	}
	take(pa, start, n, owner);
	return pa->base + start * PAGE;
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
	uint64_t best = 0, i = 0;

	while (i < pa->pages) {
		uint64_t lo = bits_next(pa->page_free, i, pa->pages, true);
		uint64_t hi = bits_next(pa->page_free, lo, pa->pages, false);

		if (hi - lo > best)
			best = hi - lo;
		i = hi;
	}
	return best;
}

/* Whether owner entries [first, first + n) are all owner, four a read. */
static bool entries_are(const struct palloc *pa, uint64_t first, uint64_t n,
			uint32_t owner)
{
	uint64_t i = first, pattern = 0x0001000100010001ull * owner;

	for (; i < first + n && (i % 4); i++)
		if (pa->owner_of[i] != owner)
			return false;
	for (; i + 4 <= first + n; i += 4) {
		uint64_t w;

		memcpy(&w, pa->owner_of + i, 8);
		if (w != pattern)
			return false;
	}
	for (; i < first + n; i++)
		if (pa->owner_of[i] != owner)
			return false;
	return true;
}

/* Whether pages [first, first + n) are all owner's: a chunk taken whole
 * is one compare. */
static bool owned_by(const struct palloc *pa, uint64_t first, uint64_t n,
		     uint32_t owner)
{
	for (uint64_t i = first, end = first + n; i < end;) {
		uint64_t c = i / CHUNK_PAGES;
		uint64_t stop = (c + 1) * CHUNK_PAGES < end ?
					(c + 1) * CHUNK_PAGES : end;

		if (whole(pa, c) ? pa->chunk_owner[c] != owner :
				   !entries_are(pa, i, stop - i, owner))
			return false;
		i = stop;
	}
	return true;
}

static int claim_locked(struct palloc *pa, uint64_t addr, uint64_t size,
			uint32_t owner, uint64_t *first)
{
	uint64_t n;

	if (owner >= PALLOC_MAX_OWNERS || (addr & (PAGE - 1)) ||
	    (size & (PAGE - 1)) || !size || addr < pa->base)
		return HV_EINVAL;
	*first = (addr - pa->base) / PAGE;
	n = size / PAGE;
	/* The owner map itself is never free-able, even by hv. */
	if (*first < pa->map_pages || *first >= pa->pages ||
	    n > pa->pages - *first || !owned_by(pa, *first, n, owner))
		return HV_EINVAL;
	/* Nobody's while it is zeroed: a second free of it is refused. */
	set_owner(pa, *first, n, PALLOC_ZEROING);
	pa->owner_pages[owner] -= n;
	return 0;
}

int palloc_free(struct palloc *pa, uint64_t addr, uint64_t size,
		uint32_t owner)
{
	uint64_t first, n = size / PAGE;
	int r;

	spin_lock(&pa->lock);
	r = claim_locked(pa, addr, size, owner, &first);
	spin_unlock(&pa->lock);
	if (r)
		return r;
	/* Zeroed on the way out, unlocked: free pages are always zero. */
	memset((void *)(uintptr_t)addr, 0, size);
	spin_lock(&pa->lock);
	set_owner(pa, first, n, PALLOC_FREE);
	bits_set(pa->page_free, first, n, true);
	update_chunks(pa, first, n);
	pa->free_pages += n;
	if (first < pa->hint)
		pa->hint = first;
	spin_unlock(&pa->lock);
	return 0;
}
