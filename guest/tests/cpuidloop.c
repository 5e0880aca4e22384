// SPDX-License-Identifier: MIT
/*
 * A partition made almost only of VM exits: CPUID exits unconditionally
 * (SDM Vol. 3C, "Instructions That Cause VM Exits Unconditionally"), so
 * nearly all of its time is spent in hv on its behalf. hv must charge
 * that time to it, and end its slices on time all the same, or it would
 * starve the other partitions.
 *
 * cmdline: loops=N CPUIDs (default 1000000), with a progress line every
 * 100000. Ends with CLI; HLT.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

const char test_name[] = "cpuidloop";

#define PROGRESS_EVERY 100000

void test_main(const struct hv_start_info *si)
{
	uint64_t loops = rt_cmdline_u64(si, "loops", 1000000);

	for (uint64_t i = 1; i <= loops; i++) {
		cpuid(0, 0);
		if (i % PROGRESS_EVERY == 0 || i == loops)
			rt_printf("cpuidloop: %lu\n", (unsigned long)i);
	}
	rt_puts("cpuidloop: done\n");
	if (!(si->flags & HV_START_PARENT))
		rt_halt();
}
