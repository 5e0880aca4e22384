// SPDX-License-Identifier: MIT
/*
 * A child's fault stops that child only, and its report is kept for the
 * parent. Child "crash" triple-faults (an empty IDT, then INT3); child
 * "ticker" keeps printing meanwhile; the parent reads the crashed child's
 * last fault through partition_info.
 */
#include "guest/tests/rt/rt.h"

#include "lib/string.h"

const char test_name[] = "faultinfo";

struct idtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void crash(void)
{
	static const struct idtr empty = { 0, 0 };

	rt_printf("crash: loading an empty IDT and raising #BP\n");
	asm volatile("lidt %0; int3" : : "m"(empty));
	rt_printf("TEST faultinfo: FAIL the triple fault did not stop me\n");
	rt_halt();
}

static void ticker(void)
{
	for (int i = 1; i <= 20; i++) {
		rt_printf("tick %d\n", i);
		for (int y = 0; y < 5; y++)
			hv_hypercall(HV_HC_YIELD, 0, 0, 0);
	}
	rt_halt();
}

static void parent(void)
{
	static struct hv_partition_info info;
	uint32_t ids[8];
	long n = hv_hypercall(HV_HC_PARTITION_LIST, (uint64_t)ids, 8, 0);
	bool seen = false;

	/* Wait for the crash, then for the ticker to finish. */
	for (int round = 0; round < 3000; round++) {
		bool live = false;

		for (long i = 0; i < n; i++) {
			if (hv_hypercall(HV_HC_PARTITION_INFO, ids[i],
					 (uint64_t)&info, sizeof(info)) ||
			    info.flags & HV_PART_FLAG_PARENT)
				continue;
			if (info.state == HV_PART_FAULTED && !seen) {
				rt_printf("info %s: state %u, last fault: %s\n",
					  info.name, info.state,
					  info.last_fault);
				seen = true;
			}
			if (info.state == HV_PART_RUNNING)
				live = true;
		}
		if (seen && !live)
			break;
		hv_hypercall(HV_HC_YIELD, 0, 0, 0);
	}
	if (seen)
		test_pass("fault-reported");
	else
		test_fail("fault-reported", "no child reported a fault");
}

void test_main(const struct hv_start_info *si)
{
	if (si->flags & HV_START_PARENT)
		parent();
	else if (!strncmp(si->cmdline, "crash", 6))
		crash();
	else
		ticker();
}
