// SPDX-License-Identifier: MIT
/*
 * A partition that never gives the CPU back: interrupts off, an endless
 * loop, no exits at all. Only the VMX-preemption timer takes the CPU away
 * from it, so the other partitions run only if hv's time slices work.
 */
#include "guest/tests/rt/rt.h"

const char test_name[] = "spin";

void test_main(const struct hv_start_info *si)
{
	(void)si;
	rt_puts("spin: spinning with interrupts off\n");
	asm volatile("cli");
	for (;;)
		asm volatile("" : : : "memory");
}
