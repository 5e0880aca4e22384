/* SPDX-License-Identifier: MIT */
/*
 * The console's output ring: whole lines go in under a short lock and
 * come out, a UART FIFO's worth at a time, by whichever CPU drains. No
 * locking here: hv/console.c holds its ring lock around every call.
 * Pure logic, so that tests/unit/test_conring.c checks it on the host.
 */
#ifndef LIB_CONRING_H
#define LIB_CONRING_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/string.h"

struct conring {
	char *buf;
	uint32_t size; /* a power of two */
	uint32_t head; /* free-running: the next byte written goes here */
	uint32_t tail; /* free-running: the next byte read comes from here */
};

static inline uint32_t conring_used(const struct conring *r)
{
	return r->head - r->tail;
}

static inline uint32_t conring_free(const struct conring *r)
{
	return r->size - conring_used(r);
}

/*
 * Appends all n bytes of s, or nothing: a line is never cut in two, and
 * lines never mix. keep is room that must stay free afterwards (hv keeps
 * some for its own lines, so a partition cannot crowd them out).
 */
/*
 * n bytes at free-running position pos lie in at most two runs, since
 * the ring wraps at most once in them: *first bytes from pos to the end
 * of the buffer, the rest from its start. Copied a run at a time, which
 * REP MOVS does in one go where a byte loop took a few instructions a
 * byte, in exits that print (docs/architecture.md, "Console buffering").
 */
static inline void conring_run(const struct conring *r, uint32_t pos,
			       uint32_t n, uint32_t *first)
{
	uint32_t to_end = r->size - (pos & (r->size - 1));

	*first = n < to_end ? n : to_end;
}

static inline bool conring_put(struct conring *r, const char *s, uint32_t n,
			       uint32_t keep)
{
	uint32_t first;

	if (n > conring_free(r) || conring_free(r) - n < keep)
		return false;
	conring_run(r, r->head, n, &first);
	memcpy(r->buf + (r->head & (r->size - 1)), s, first);
	memcpy(r->buf, s + first, n - first);
	r->head += n;
	return true;
}

/* Takes up to max bytes from the front into out; how many it took. */
static inline uint32_t conring_take(struct conring *r, char *out,
				    uint32_t max)
{
	uint32_t n = conring_used(r) < max ? conring_used(r) : max, first;

	conring_run(r, r->tail, n, &first);
	memcpy(out, r->buf + (r->tail & (r->size - 1)), first);
	memcpy(out + first, r->buf, n - first);
	r->tail += n;
	return n;
}

#endif
