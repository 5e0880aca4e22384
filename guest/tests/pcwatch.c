// SPDX-License-Identifier: MIT
/*
 * The parent of the pc test kernels' boots (tests/boot/scenarios/pc-*.scn):
 * with last=1 it runs once every other partition has ended, then reads
 * each child's end through partition_info. A pc kernel ends through
 * isa-debug-exit, and exit_status must be (value << 1) | 1: 1 for a kernel
 * whose checks all passed, unless the cmdline names another status for
 * it as NAME=STATUS (pcdevices writes its pass=N).
 */
#include "guest/tests/rt/rt.h"

const char test_name[] = "pcwatch";

void test_main(const struct hv_start_info *si)
{
	static struct hv_partition_info info;
	static uint32_t ids[16];
	long n = hv_hypercall(HV_HC_PARTITION_LIST, (uint64_t)ids, 16, 0);
	unsigned seen = 0;

	for (long i = 0; i < n && i < 16; i++) {
		uint64_t want;

		if (ids[i] == si->partition_id || rt_partition_info(ids[i], &info))
			continue;
		want = rt_cmdline_u64(si, info.name, 1);
		rt_printf("pcwatch: %s: state %u, exit status 0x%x\n", info.name,
			  info.state, info.exit_status);
		seen++;
		if (info.state == HV_PART_STOPPED && info.exit_status == want)
			test_pass("exit-status");
		else
			test_fail("exit-status", "%s: state %u, exit status 0x%x, want stopped with 0x%lx",
				  info.name, info.state, info.exit_status,
				  (unsigned long)want);
	}
	if (seen)
		test_pass("children-seen");
	else
		test_fail("children-seen", "no other partition");
}
