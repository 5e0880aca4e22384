// SPDX-License-Identifier: MIT
/*
 * Run-time partitions, round after round: the parent creates a child
 * from the preloaded image, starts it, waits until it has printed its
 * round and halted, and destroys it. The scenario compares hv's pool
 * counts across the rounds: destroy must give back exactly what create
 * took. The same image serves as the child, which prints its command
 * line and halts.
 */
#include "guest/tests/rt/rt.h"

#include "lib/fmt.h"
#include "lib/string.h"

const char test_name[] = "lifecycle";

#define ROUNDS 50

static void expect_status(const char *check, long got, long want)
{
	if (got == want)
		test_pass(check);
	else
		test_fail(check, "status %ld, expected %ld", got, want);
}

static long create(struct hv_partition_create *req, const char *name,
		   const char *cmdline)
{
	memset(req, 0, sizeof(*req));
	fmt_snprintf(req->name, sizeof(req->name), "%s", name);
	fmt_snprintf(req->image, sizeof(req->image), "hv/tests/lifecycle.elf");
	fmt_snprintf(req->cmdline, sizeof(req->cmdline), "%s", cmdline);
	req->ram_mb = 4; /* the image is linked at 2 MiB */
	req->vcpus = 1;
	return hv_hypercall(HV_HC_PARTITION_CREATE, (uint64_t)req,
			    sizeof(*req), 0);
}

/* Yields until partition id has stopped; false if it never does. */
static bool wait_stopped(long id)
{
	static struct hv_partition_info info;

	for (int i = 0; i < 2000; i++) {
		if (hv_hypercall(HV_HC_PARTITION_INFO, (uint64_t)id,
				 (uint64_t)&info, sizeof(info)))
			return false;
		if (info.state == HV_PART_STOPPED)
			return true;
		hv_hypercall(HV_HC_YIELD, 0, 0, 0);
	}
	return false;
}

static void parent(void)
{
	static struct hv_partition_create req;
	char name[16], cmdline[32];
	int round;
	long id;

	/* Requests hv must refuse, each with its documented status. */
	expect_status("create-bad-name", create(&req, "a b", ""),
		      HV_STATUS_INVALID);
	memset(&req, 0, sizeof(req));
	fmt_snprintf(req.name, sizeof(req.name), "x");
	fmt_snprintf(req.image, sizeof(req.image), "hv/nosuch.elf");
	req.ram_mb = 2;
	req.vcpus = 1;
	expect_status("create-missing-image",
		      hv_hypercall(HV_HC_PARTITION_CREATE, (uint64_t)&req,
				   sizeof(req), 0),
		      HV_STATUS_NOT_FOUND);
	expect_status("create-short-request",
		      hv_hypercall(HV_HC_PARTITION_CREATE, (uint64_t)&req,
				   sizeof(req) - 1, 0),
		      HV_STATUS_INVALID);
	memset(&req, 0, sizeof(req));
	fmt_snprintf(req.name, sizeof(req.name), "huge");
	fmt_snprintf(req.image, sizeof(req.image), "hv/tests/lifecycle.elf");
	req.ram_mb = 1024;
	req.vcpus = 1;
	expect_status("create-no-memory",
		      hv_hypercall(HV_HC_PARTITION_CREATE, (uint64_t)&req,
				   sizeof(req), 0),
		      HV_STATUS_NO_MEMORY);
	expect_status("start-unknown", hv_hypercall(HV_HC_PARTITION_START,
						    42, 0, 0),
		      HV_STATUS_NOT_FOUND);

	for (round = 1; round <= ROUNDS; round++) {
		fmt_snprintf(name, sizeof(name), "r%d", round);
		fmt_snprintf(cmdline, sizeof(cmdline), "round %d", round);
		id = create(&req, name, cmdline);
		if (id <= 0) {
			test_fail("create", "round %d: status %ld", round, id);
			break;
		}
		if (hv_hypercall(HV_HC_PARTITION_START, (uint64_t)id, 0, 0)) {
			test_fail("start", "round %d", round);
			break;
		}
		if (!wait_stopped(id)) {
			test_fail("child-stops", "round %d", round);
			break;
		}
		if (rt_manage(HV_HC_PARTITION_DESTROY, id, NULL)) {
			test_fail("destroy", "round %d", round);
			break;
		}
	}
	rt_printf("lifecycle: %d rounds done\n", round - 1);
}

void test_main(const struct hv_start_info *si)
{
	if (!(si->flags & HV_START_PARENT)) {
		rt_printf("child %s (id %u): %s\n", si->name, si->partition_id,
			  si->cmdline);
		rt_halt();
	}
	parent();
}
