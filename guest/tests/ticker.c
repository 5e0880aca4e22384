// SPDX-License-Identifier: MIT
/*
 * A partition that computes and says how far it got: "ticker: N" for
 * N = 1..count, with work between the lines that spans several time
 * slices. Several tickers side by side show the scheduler: with equal
 * work per line, round-robin makes their lines alternate.
 *
 * cmdline options:
 *   count=N   lines to print (default 8; 0: no limit, for join=1)
 *   spin=N    busy-loop turns between lines (default 200000)
 *   yields=N  instead of spinning, yield N times between lines: the
 *             ticker then takes almost no CPU time of its own
 *   join=1    end only once no other partition is left to run: after the
 *             last line, yield until alone; in yields mode, also stop
 *             ticking as soon as it is alone
 *
 * A child ends with CLI; HLT, which stops it cleanly. The parent powers
 * the machine off.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

const char test_name[] = "ticker";

struct ticker_opts {
	uint64_t count, spin, yields;
	bool join;
};

/* Two instructions a turn; under Bochs each is one TSC tick. */
static void spin(uint64_t turns)
{
	if (turns)
		asm volatile("1: dec %0\n\tjnz 1b" : "+r"(turns) : : "cc");
}

/* Returns true once join=1 and the last yields found no one else. */
static bool pass_time(const struct ticker_opts *o, int *streak)
{
	if (!o->yields) {
		spin(o->spin);
		return false;
	}
	for (uint64_t i = 0; i < o->yields; i++) {
		*streak = rt_yield_was_alone() ? *streak + 1 : 0;
		if (o->join && *streak >= RT_ALONE_STREAK)
			return true;
	}
	return false;
}

void test_main(const struct hv_start_info *si)
{
	struct ticker_opts o = {
		.count = rt_cmdline_u64(si, "count", 8),
		.spin = rt_cmdline_u64(si, "spin", 200000),
		.yields = rt_cmdline_u64(si, "yields", 0),
		.join = rt_cmdline_u64(si, "join", 0) != 0,
	};
	bool alone = false;
	int streak = 0;
	uint64_t n;

	for (n = 1; !o.count || n <= o.count; n++) {
		alone = pass_time(&o, &streak);
		if (alone)
			break;
		rt_printf("ticker: %lu\n", (unsigned long)n);
	}
	if (o.join) {
		unsigned long waited = alone ? 0 : rt_wait_alone();

		rt_printf("ticker: alone after %lu line(s) and %lu more yield(s)\n",
			  (unsigned long)(n - 1), waited);
	}
	if (!(si->flags & HV_START_PARENT))
		rt_halt();
}
