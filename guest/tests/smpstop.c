// SPDX-License-Identifier: MIT
/*
 * Stopping a vCPU that runs on another CPU. The parent, pinned to CPU 0,
 * creates a child from the template "spinner" (pinned by the manifest to
 * another CPU), starts it, waits until hv reports it on its CPU, then
 * stops and destroys it, 20 times. The child spins with interrupts off
 * and never exits on its own; the scenario's time slice is a second, so
 * only hv's IPI can make it leave guest mode quickly. hv reports how long
 * each stop took; the scenario checks those figures and the pool counts.
 */
#include "guest/tests/rt/rt.h"

#include "lib/fmt.h"
#include "lib/string.h"

const char test_name[] = "smpstop";

#define ROUNDS 20
/* Polls of partition_info before a started child counts as lost. */
#define RUN_POLLS 2000000
/* Fewer exits than the child takes to print its line through COM1. */
#define SPIN_LINE_EXITS 20
#define SETTLE_POLLS 200

static struct hv_partition_info info;

static long info_of(long id)
{
	return rt_partition_info(id, &info);
}

/*
 * Waits until hv has the child on a CPU and it has made its exits to
 * print its line: from then on it spins in guest mode, its slice far from
 * over. The settling polls give it ample time to reach its loop.
 */
static bool wait_running(long id)
{
	return !rt_wait_on_cpu(id, &info, SPIN_LINE_EXITS, RUN_POLLS,
			       SETTLE_POLLS) &&
	       info.vcpu_running_on[0] != HV_CPU_NONE;
}

static bool round_trip(int round)
{
	static struct hv_partition_create req;
	long id, r;

	memset(&req, 0, sizeof(req));
	fmt_snprintf(req.name, sizeof(req.name), "s%d", round);
	fmt_snprintf(req.template, sizeof(req.template), "spinner");
	id = hv_hypercall(HV_HC_PARTITION_CREATE, (uint64_t)&req, sizeof(req),
			  0);
	if (id <= 0) {
		test_fail("create", "round %d: status %ld", round, id);
		return false;
	}
	r = hv_hypercall(HV_HC_PARTITION_START, (uint64_t)id, 0, 0);
	if (r || !wait_running(id)) {
		test_fail("child-runs", "round %d: start %ld, never ran", round,
			  r);
		return false;
	}
	r = rt_manage(HV_HC_PARTITION_STOP, id, NULL);
	if (r || info_of(id) || info.state != HV_PART_STOPPED) {
		test_fail("stop", "round %d: status %ld, state %u", round, r,
			  info.state);
		return false;
	}
	if (round == 1)
		rt_printf("smpstop: s1 ran on cpu %u before the stop\n",
			  info.vcpu_last_cpu[0]);
	r = rt_manage(HV_HC_PARTITION_DESTROY, id, NULL);
	if (r) {
		test_fail("destroy", "round %d: status %ld", round, r);
		return false;
	}
	return true;
}

void test_main(const struct hv_start_info *si)
{
	int round;

	if (!(si->flags & HV_START_PARENT)) {
		rt_printf("%s: spinning with interrupts off\n", si->name);
		asm volatile("cli");
		for (;;)
			asm volatile("" : : : "memory");
	}
	for (round = 1; round <= ROUNDS && round_trip(round); round++)
		;
	rt_printf("smpstop: %d rounds done\n", round - 1);
	if (round > ROUNDS)
		test_pass("smpstop");
}
