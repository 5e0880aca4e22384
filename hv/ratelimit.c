// SPDX-License-Identifier: MIT
#include "hv/ratelimit.h"

#include "lib/fmt.h"

static const char *const kind_names[WARN_KINDS] = {
	[WARN_PORT] = "denied port",
	[WARN_PORT_ABSENT] = "port without a device",
	[WARN_MSR] = "refused msr",
	[WARN_MSR_AUDITED] = "audited msr write",
	[WARN_HYPERCALL] = "refused hypercall",
	[WARN_UNKNOWN_HYPERCALL] = "unknown hypercall",
	[WARN_CR8] = "cr8 write",
	[WARN_RESET] = "reset",
};

const char *ratelimit_kind_name(enum warn_kind k)
{
	return (unsigned)k < WARN_KINDS ? kind_names[k] : "?";
}

/*
 * Printed among the first n: all up to the burst, then one for each power
 * of two above it. With the burst 2^b and n > 2^b, those powers are
 * 2^(b+1) .. 2^floor(log2 n).
 */
uint64_t ratelimit_suppressed(uint64_t seen)
{
	uint32_t top = 63 - (uint32_t)__builtin_clzll(seen | 1);
	uint32_t burst_bits = (uint32_t)__builtin_ctz(RATELIMIT_BURST);

	if (seen <= RATELIMIT_BURST)
		return 0;
	return seen - RATELIMIT_BURST - (top - burst_bits);
}

void ratelimit_report(const char *name, const struct ratelimit *r)
{
	char line[200];
	size_t used = 0;

	for (unsigned k = 0; k < WARN_KINDS; k++) {
		uint64_t seen = __atomic_load_n(&r->seen[k], __ATOMIC_RELAXED);
		uint64_t quiet = ratelimit_suppressed(seen);

		if (!quiet)
			continue;
		used += (size_t)fmt_snprintf(line + used, sizeof(line) - used,
					     "%s%s %lu of %lu",
					     used ? ", " : " ", kind_names[k],
					     quiet, seen);
		if (used >= sizeof(line))
			used = sizeof(line) - 1;
	}
	if (used)
		pr_info("  %s: log lines not printed:%s", name, line);
}
