/* SPDX-License-Identifier: MIT */
/*
 * Rate limits for the log lines a guest can cause, one counter per
 * partition and kind: the first RATELIMIT_BURST lines of a kind are
 * printed, then only the ones whose count is a power of two. A scan of
 * all 65,536 ports prints 8 + 13 lines, and the final report gives how
 * many of each kind were not printed.
 */
#ifndef HV_RATELIMIT_H
#define HV_RATELIMIT_H

#include <stdint.h>

#include "hv/log.h"

enum warn_kind {
	WARN_PORT, /* a denied port access */
	WARN_PORT_ABSENT, /* a pc partition's access of a port with no device */
	WARN_MSR, /* a refused RDMSR or WRMSR */
	WARN_MSR_AUDITED, /* a write to an MSR the guest owns, kept */
	WARN_HYPERCALL, /* a management call or shutdown from a child */
	WARN_UNKNOWN_HYPERCALL,
	WARN_CR8, /* a CR8 write kept in the vCPU */
	WARN_RESET, /* a pc partition's reset, its restart's lines with it */
	WARN_KINDS,
};

#define RATELIMIT_BURST 8u /* a power of two: see ratelimit_suppressed */

struct ratelimit {
	uint64_t seen[WARN_KINDS];
};

/* Counts one event of a kind: its number (1..) when its line is to be
 * printed, 0 when not. Any CPU may count at once. */
static inline uint64_t ratelimit_hit(struct ratelimit *r, enum warn_kind k)
{
	uint64_t n = __atomic_add_fetch(&r->seen[k], 1, __ATOMIC_RELAXED);

	return n <= RATELIMIT_BURST || !(n & (n - 1)) ? n : 0;
}

/* How many of seen events were not printed. */
uint64_t ratelimit_suppressed(uint64_t seen);
/* The kind's name, for the note on a line and in the report. */
const char *ratelimit_kind_name(enum warn_kind k);

/*
 * One log line at level, for a guest-caused event of kind k whose number
 * ratelimit_hit gave as n (0: not to be printed). Past the burst a line
 * says how many of its kind there have been, so the log shows that lines
 * are missing. For a count taken under a lock and printed after it.
 */
#define pr_counted(n, k, level, fmt, ...)                                \
	do {                                                             \
		uint64_t n_ = (n);                                       \
		if (n_ > RATELIMIT_BURST)                                \
			hv_log((level),                                  \
			       fmt " (%s #%lu: now only every power of two is shown)", \
			       __VA_ARGS__, ratelimit_kind_name(k), n_); \
		else if (n_)                                             \
			hv_log((level), fmt, __VA_ARGS__);               \
	} while (0)

/* The same, counting the event in the ratelimit *r. */
#define pr_limited(r, k, level, fmt, ...) \
	pr_counted(ratelimit_hit((r), (k)), (k), (level), fmt, __VA_ARGS__)

/* The final report's line of what r did not print, by kind, prefixed
 * with name; nothing when every line was printed. */
void ratelimit_report(const char *name, const struct ratelimit *r);

#endif
