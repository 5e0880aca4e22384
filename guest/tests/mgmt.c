// SPDX-License-Identifier: MIT
/*
 * The management hypercalls and their argument checks. A child is refused
 * partition_list (permission), and console_write with buffers that are
 * outside its RAM, far too long, or straddling its end; each refusal
 * counts. The parent then reads every partition's info, so the scenario
 * can compare the child's refusal count with what the child tried.
 */
#include "guest/tests/rt/rt.h"

const char test_name[] = "mgmt";

static void expect_status(const char *check, long got, long want)
{
	if (got == want)
		test_pass(check);
	else
		test_fail(check, "status %ld, expected %ld", got, want);
}

static void child(const struct hv_start_info *si)
{
	uint32_t ids[8];

	expect_status("child-list-denied",
		      hv_hypercall(HV_HC_PARTITION_LIST, (uint64_t)ids, 8, 0),
		      HV_STATUS_DENIED);
	expect_status("child-info-denied",
		      hv_hypercall(HV_HC_PARTITION_INFO, 1, (uint64_t)ids,
				   sizeof(struct hv_partition_info)),
		      HV_STATUS_DENIED);
	expect_status("write-outside-ram",
		      hv_hypercall(HV_HC_CONSOLE_WRITE, si->ram_size + 0x1000,
				   8, 0),
		      HV_STATUS_BAD_ADDRESS);
	expect_status("write-huge-length",
		      hv_hypercall(HV_HC_CONSOLE_WRITE, 0x1000, 1ull << 40, 0),
		      HV_STATUS_TOO_BIG);
	expect_status("write-straddles-end",
		      hv_hypercall(HV_HC_CONSOLE_WRITE, si->ram_size - 4, 8, 0),
		      HV_STATUS_BAD_ADDRESS);
	expect_status("write-ok",
		      hv_hypercall(HV_HC_CONSOLE_WRITE,
				   (uint64_t)"mgmt: console_write works\n", 26,
				   0),
		      26);
	test_summary();
	rt_halt();
}

static void parent(void)
{
	static struct hv_partition_info info;
	uint32_t ids[HV_PARTITION_LIST_MAX];
	long n;

	/* Let the children finish their calls first. */
	for (int i = 0; i < 100; i++)
		hv_hypercall(HV_HC_YIELD, 0, 0, 0);
	n = hv_hypercall(HV_HC_PARTITION_LIST, (uint64_t)ids, 8, 0);
	rt_printf("mgmt: %ld partitions\n", n);
	expect_status("list-too-many",
		      hv_hypercall(HV_HC_PARTITION_LIST, (uint64_t)ids,
				   HV_PARTITION_LIST_MAX + 1, 0),
		      HV_STATUS_TOO_BIG);
	expect_status("info-unknown-id",
		      hv_hypercall(HV_HC_PARTITION_INFO, 99, (uint64_t)&info,
				   sizeof(info)),
		      HV_STATUS_NOT_FOUND);
	expect_status("info-short-buffer",
		      hv_hypercall(HV_HC_PARTITION_INFO, 1, (uint64_t)&info,
				   sizeof(info) - 8),
		      HV_STATUS_INVALID);
	for (long i = 0; i < n && i < 8; i++) {
		long r = hv_hypercall(HV_HC_PARTITION_INFO, ids[i],
				      (uint64_t)&info, sizeof(info));

		if (r) {
			test_fail("info", "id %u: status %ld", ids[i], r);
			continue;
		}
		rt_printf("info %s: id %u, state %u, %lu MiB, %lu exits, %lu cpuid exits, refused hypercall %lu\n",
			  info.name, info.id, info.state, info.ram_bytes >> 20,
			  info.exits, info.exit_counts[10],
			  info.refused_hypercall);
	}
}

void test_main(const struct hv_start_info *si)
{
	if (!(si->flags & HV_START_PARENT))
		child(si);
	parent();
}
