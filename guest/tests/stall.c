// SPDX-License-Identifier: MIT
/*
 * A stop that lands while the child makes the longest exits it can (issue
 * 15, "stalls that panic hv"). The child "writer", pinned to CPU 2,
 * hands hv 128 lines in every console_write, forever; the child "flooder",
 * pinned to CPU 3, makes refused hypercalls as fast as it can. The parent,
 * on CPU 0, stops and destroys a writer 4 times while both run. Before,
 * each console_write held CPU 2 in hv for 128 lines' transmit time, and
 * the stop's wait inside the parent's exit panicked after a second. Now
 * a stop answers HV_STATUS_PENDING until the writer is off its CPU, and
 * the scenario checks hv's figure of its longest exit against 1 ms.
 */
#include "guest/tests/rt/rt.h"

#include "lib/fmt.h"
#include "lib/string.h"

const char test_name[] = "stall";

#define ROUNDS 4
#define RUN_POLLS 2000000
/* A writer past this many exits is deep in its console_write loop. */
#define WRITER_EXITS 64
#define SETTLE_POLLS 100

static struct hv_partition_info info;

static long create(const char *name, const char *template)
{
	static struct hv_partition_create req;

	memset(&req, 0, sizeof(req));
	fmt_snprintf(req.name, sizeof(req.name), "%s", name);
	fmt_snprintf(req.template, sizeof(req.template), "%s", template);
	return hv_hypercall(HV_HC_PARTITION_CREATE, (uint64_t)&req,
			    sizeof(req), 0);
}

static void writer(void)
{
	static char lines[HV_CONSOLE_WRITE_MAX];

	for (unsigned i = 0; i < sizeof(lines); i += 2) {
		lines[i] = 'x';
		lines[i + 1] = '\n';
	}
	for (;;)
		if (rt_console_write(lines, sizeof(lines), NULL) !=
		    (long)sizeof(lines))
			rt_printf("writer: console_write failed\n");
}

static void flooder(void)
{
	for (uint64_t i = 0;; i++)
		hv_hypercall(0x7777, i, i, i);
}

/* One round; true if the first stop call answered PENDING. */
static bool round_trip(int round, bool *pending_first)
{
	char name[16];
	unsigned long tries = 0;
	long id, r;

	fmt_snprintf(name, sizeof(name), "w%d", round);
	id = create(name, "writer");
	if (id <= 0) {
		test_fail("create", "round %d: status %ld", round, id);
		return false;
	}
	r = hv_hypercall(HV_HC_PARTITION_START, (uint64_t)id, 0, 0);
	if (r || rt_wait_on_cpu(id, &info, WRITER_EXITS, RUN_POLLS,
				SETTLE_POLLS) ||
	    info.vcpu_running_on[0] == HV_CPU_NONE) {
		test_fail("writer-runs", "round %d: start %ld", round, r);
		return false;
	}
	/* High bits set: no partition, not the one the low bits name. */
	r = hv_hypercall(HV_HC_PARTITION_STOP, (uint64_t)id | (1ull << 32),
			 0, 0);
	if (r != HV_STATUS_NOT_FOUND) {
		test_fail("stop-high-id", "round %d: status %ld", round, r);
		return false;
	}
	r = rt_manage(HV_HC_PARTITION_STOP, id, &tries);
	if (r || rt_partition_info(id, &info) ||
	    info.state != HV_PART_STOPPED ||
	    info.vcpu_running_on[0] != HV_CPU_NONE) {
		test_fail("stop", "round %d: status %ld, state %u", round, r,
			  info.state);
		return false;
	}
	*pending_first = tries > 1;
	rt_printf("stall: %s stopped after %lu call(s)\n", name, tries);
	/* A stop of a partition the parent stopped: done, so OK again. */
	r = hv_hypercall(HV_HC_PARTITION_STOP, (uint64_t)id, 0, 0);
	if (r) {
		test_fail("stop-again", "round %d: status %ld", round, r);
		return false;
	}
	r = hv_hypercall(HV_HC_PARTITION_DESTROY, (uint64_t)id | (1ull << 63),
			 0, 0);
	if (r != HV_STATUS_NOT_FOUND) {
		test_fail("destroy-high-id", "round %d: status %ld", round, r);
		return false;
	}
	r = rt_manage(HV_HC_PARTITION_DESTROY, id, NULL);
	if (r) {
		test_fail("destroy", "round %d: status %ld", round, r);
		return false;
	}
	r = hv_hypercall(HV_HC_PARTITION_DESTROY, (uint64_t)id, 0, 0);
	if (r != HV_STATUS_NOT_FOUND) {
		test_fail("destroy-again", "round %d: status %ld", round, r);
		return false;
	}
	return true;
}

void test_main(const struct hv_start_info *si)
{
	int round, pending = 0;
	long flood;

	if (!strncmp(si->cmdline, "writer", sizeof(si->cmdline)))
		writer();
	if (!strncmp(si->cmdline, "flooder", sizeof(si->cmdline)))
		flooder();
	flood = create("flood", "flooder");
	if (flood <= 0 ||
	    hv_hypercall(HV_HC_PARTITION_START, (uint64_t)flood, 0, 0)) {
		test_fail("flooder", "status %ld", flood);
		return;
	}
	for (round = 1; round <= ROUNDS; round++) {
		bool first = false;

		if (!round_trip(round, &first))
			break;
		pending += first;
	}
	rt_printf("stall: %d rounds done, %d stop(s) answered pending first\n",
		  round - 1, pending);
	if (rt_manage(HV_HC_PARTITION_DESTROY, flood, NULL))
		test_fail("flooder-destroy", "not destroyed");
}
