// SPDX-License-Identifier: MIT
/*
 * Tests of hypercall dispatch (hv/hcall.h, hv/hcall.c) on the fake arch:
 * who may make which call, what an unknown number gets, that the
 * argument registers reach the call's function, and that hv's internal
 * codes reach the caller as the ABI's statuses.
 */
#include "tests/unit/hvhost.h"

#include <string.h>

#include "hv/hcall.h"
#include "hv/start_info.h"

/* Somewhere in each partition's RAM that nothing of the entry state
 * uses: below the kernel image, above the stack. */
#define SCRATCH 0x40000

static struct partition *parent, *kid, *sib;

/* The parent (2 vCPUs) and two children from the manifest, all static. */
static int boot(void **state)
{
	host_setup(state);
	host_manifest_add("parent", true, 2, NULL);
	host_manifest_add("kid", false, 1, NULL);
	host_manifest_add("sib", false, 1, NULL);
	host_boot();
	parent = host_part("parent");
	kid = host_part("kid");
	sib = host_part("sib");
	return 0;
}

static int64_t call(struct partition *p, uint64_t nr, uint64_t a0,
		    uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	const uint64_t args[5] = { a0, a1, a2, a3, a4 };

	return host_hypercall(&p->vcpus[0], nr, args, NULL);
}

/*
 * Every management call a child makes is refused, DENIED, counted
 * against it, and does nothing: the sibling it names is still there and
 * running, and the child's RAM got no answer.
 */
static void test_child_refused_management(void **state)
{
	uint32_t refused = 0;
	uint8_t *ram = partition_gpa_to_hva(kid, SCRATCH, 4096);

	(void)state;
	memset(ram, 0xa5, 4096);
	for (uint64_t nr = 0; nr < HV_INFO_HYPERCALLS; nr++) {
		const struct hypercall_entry *h = &hypercall_table[nr];
		int effect = -1;
		const uint64_t args[5] = { sib->id, SCRATCH, 8, 0, 0 };

		if (!h->fn || h->open)
			continue;
		assert_int_equal(host_hypercall(&kid->vcpus[0], nr, args,
						&effect),
				 HV_STATUS_DENIED);
		assert_int_equal(effect, HC_CONTINUE);
		refused++;
		assert_int_equal(kid->refused.hypercall, refused);
		assert_int_equal(kid->vcpus[0].stats->hypercalls[nr], 1);
	}
	/* Create, start, stop, destroy, the lists, info, trace, hv_info. */
	assert_true(refused >= 10);
	assert_non_null(partition_by_id(sib->id));
	assert_int_equal(sib->state, PART_CREATED);
	assert_false(sib->stop_requested);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(ram[i], 0xa5);
	assert_int_equal(parent->refused.hypercall, 0);
	assert_true(host_logged("kid: hypercall 7 refused: only the parent may manage partitions"));
	/* A child's shutdown is an open call that says no itself. */
	assert_int_equal(call(kid, HV_HC_SHUTDOWN, 0, 0, 0, 0, 0),
			 HV_STATUS_DENIED);
	assert_int_equal(kid->refused.hypercall, refused + 1);
}

/* The parent's management calls go through, and answer in its RAM. */
static void test_parent_management(void **state)
{
	uint32_t *ids = partition_gpa_to_hva(parent, SCRATCH, 64);
	struct hv_partition_info *info =
		partition_gpa_to_hva(parent, SCRATCH + 4096, sizeof(*info));
	int effect = -1;

	(void)state;
	assert_int_equal(call(parent, HV_HC_PARTITION_LIST, SCRATCH, 8, 0, 0, 0),
			 3);
	assert_int_equal(ids[0], parent->id);
	assert_int_equal(ids[1], kid->id);
	assert_int_equal(ids[2], sib->id);
	assert_int_equal(call(parent, HV_HC_PARTITION_INFO, kid->id,
			      SCRATCH + 4096, sizeof(*info), 0, 0),
			 HV_STATUS_OK);
	assert_string_equal(info->name, "kid");
	assert_int_equal(info->id, kid->id);
	assert_int_equal(info->vcpus, 1);
	assert_int_equal(call(parent, HV_HC_PARTITION_STOP, sib->id, 0, 0, 0, 0),
			 HV_STATUS_OK);
	assert_int_equal(sib->state, PART_STOPPED);
	assert_int_equal(parent->refused.hypercall, 0);
	/* Effects: the parent's shutdown powers off, a yield yields. */
	assert_int_equal(host_hypercall(&parent->vcpus[0], HV_HC_SHUTDOWN, NULL,
					&effect),
			 HV_STATUS_OK);
	assert_int_equal(effect, HC_POWEROFF);
	assert_int_equal(host_hypercall(&kid->vcpus[0], HV_HC_YIELD, NULL,
					&effect),
			 HV_STATUS_OK);
	assert_int_equal(effect, HC_YIELD);
}

/* A number with no call is unknown to everyone, and counted; high bits
 * set never alias a call's number. */
static void test_unknown_call(void **state)
{
	const uint64_t nrs[] = { 0, HV_INFO_HYPERCALLS, UINT64_MAX,
				 (1ull << 32) | HV_HC_VERSION,
				 (1ull << 63) | HV_HC_PARTITION_LIST };
	uint64_t gap = 0;

	(void)state;
	for (uint64_t nr = 1; nr < HV_INFO_HYPERCALLS && !gap; nr++)
		if (!hypercall_table[nr].fn)
			gap = nr;
	assert_int_not_equal(gap, 0);
	for (unsigned i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		assert_int_equal(call(parent, nrs[i], SCRATCH, 8, 0, 0, 0),
				 HV_STATUS_UNKNOWN_CALL);
		assert_int_equal(call(kid, nrs[i], SCRATCH, 8, 0, 0, 0),
				 HV_STATUS_UNKNOWN_CALL);
	}
	assert_int_equal(call(kid, gap, 0, 0, 0, 0, 0), HV_STATUS_UNKNOWN_CALL);
	assert_int_equal(parent->refused.hypercall, 5);
	assert_int_equal(kid->refused.hypercall, 6);
	/* The known one still answers. */
	assert_int_equal(call(kid, HV_HC_VERSION, 0, 0, 0, 0, 0),
			 HV_ABI_VERSION);
}

/*
 * vcpu_start takes all five arguments: each must arrive in its place
 * (the vCPU, RIP, RSP, CR3, and RDI for the guest), and a bytes count
 * comes back as the status of console_write.
 */
static void test_arguments_reach_function(void **state)
{
	struct vcpu *v1 = &parent->vcpus[1];
	char *text = partition_gpa_to_hva(parent, SCRATCH, 16);

	(void)state;
	assert_false(v1->started);
	/* A RIP that is not canonical would be a VMCS no CPU enters
	 * (docs/vmcheck.md): INVALID, and the vCPU not started. */
	assert_int_equal(call(parent, HV_HC_VCPU_START, 1, 0x800000000000ull,
			      0x7f000, 0x5000, 0),
			 HV_STATUS_INVALID);
	assert_false(v1->started);
	assert_int_equal(call(parent, HV_HC_VCPU_START, 1, 0x123456, 0x7f000,
			      0x5000, 0xabcdef),
			 HV_STATUS_OK);
	assert_true(v1->started && v1->online && v1->arch.initialized);
	assert_int_equal(v1->arch.rip, 0x123456);
	assert_int_equal(v1->arch.rsp, 0x7f000);
	assert_int_equal(v1->arch.cr3, 0x5000);
	assert_int_equal(v1->arch.rdi, 0xabcdef);
	/* Started once only. */
	assert_int_equal(call(parent, HV_HC_VCPU_START, 1, 0x1000, 0x2000,
			      0x5000, 0),
			 HV_STATUS_BUSY);
	assert_int_equal(v1->arch.rip, 0x123456);
	/* A CR3 outside its RAM: INVALID, and counted. */
	assert_int_equal(call(kid, HV_HC_VCPU_START, 0, 0x1000, 0x2000,
			      (uint64_t)HOST_RAM_MB << 20, 0),
			 HV_STATUS_INVALID);
	assert_int_equal(kid->refused.hypercall, 1);

	memcpy(text, "hello, host\n", 12);
	assert_int_equal(call(parent, HV_HC_CONSOLE_WRITE, SCRATCH, 12, 0, 0, 0),
			 12);
	assert_true(host_logged("[parent] hello, host"));
	/* A buffer past the end of its RAM. */
	assert_int_equal(call(parent, HV_HC_CONSOLE_WRITE,
			      ((uint64_t)HOST_RAM_MB << 20) - 4, 12, 0, 0, 0),
			 HV_STATUS_BAD_ADDRESS);
}

/*
 * hv's HV_EAGAIN reaches the caller as PENDING: the parent destroys
 * "kid" while it runs on CPU 1, and again once it is off.
 */
struct pending {
	int64_t during, after;
	bool asked;
};

static enum vcpu_outcome destroyed_mid_slice(struct vcpu *v, uint64_t slice,
					     void *ctx)
{
	struct pending *d = ctx;
	uint32_t was = fake_be_cpu(0);

	d->during = call(parent, HV_HC_PARTITION_DESTROY, kid->id, 0, 0, 0, 0);
	fake_be_cpu(was);
	return fake_run_for(v, slice);
}

static void destroy_when_idle(uint32_t cpu, uint64_t until, void *ctx)
{
	struct pending *d = ctx;
	uint32_t was;

	(void)until;
	if (cpu != 1 || d->asked)
		return;
	d->asked = true;
	was = fake_be_cpu(0);
	/* Off its CPU now: what is left is its RAM, a step at a call. */
	for (int i = 0; i < 100; i++) {
		d->after = call(parent, HV_HC_PARTITION_DESTROY, kid->id, 0, 0,
				0, 0);
		if (d->after != HV_STATUS_PENDING)
			break;
	}
	fake_be_cpu(was);
}

static void test_pending(void **state)
{
	struct pending d = { 0, 0, false };
	const struct fake_script script = { destroyed_mid_slice, &d };
	uint32_t id = kid->id;

	(void)state;
	fake.cpus = 2;
	/* The parent and sib stay off CPU 1. */
	parent->vcpus[0].pin = 0;
	sib->vcpus[0].pin = 0;
	host_script(&kid->vcpus[0], &script);
	fake.on_idle = destroy_when_idle;
	fake.idle_ctx = &d;
	assert_false(fake_cpu_run(1, HOST_SLICE));
	assert_int_equal(d.during, HV_STATUS_PENDING);
	assert_int_equal(d.after, HV_STATUS_OK);
	assert_null(partition_by_id(id));
}

/*
 * A call that finds a partition under partitions_lock and prints its name
 * after the unlock prints from a copy: another vCPU of the parent may
 * destroy it in between, and its slot is then zero, or someone else's.
 * The hook destroys the partition at the call's line, before its name is
 * formatted.
 */
static void destroy_now(void *ctx)
{
	uint64_t id = *(const uint64_t *)ctx;
	int64_t r;

	for (int i = 0; i < 100; i++) {
		r = partition_destroy(id, parent);
		if (r != HV_EAGAIN)
			break;
	}
	assert_int_equal(r, HV_OK);
	assert_null(partition_by_id((uint32_t)id));
}

static void test_name_printed_from_copy(void **state)
{
	uint64_t id;

	(void)state;
	id = (uint64_t)host_create("tk", HOST_CHILD, HOST_RAM_MB, 1);
	assert_true((int64_t)id > 0);
	host_log_hook = destroy_now;
	host_log_hook_ctx = &id;
	assert_int_equal(call(parent, HV_HC_TRACE_CONTROL, id, 1, 0, 0, 0), 0);
	assert_null(host_log_hook);
	assert_true(host_logged("partition tk: trace on"));

	id = (uint64_t)host_create("ca", HOST_CHILD, HOST_RAM_MB, 1);
	assert_true((int64_t)id > 0);
	host_log_hook = destroy_now;
	host_log_hook_ctx = &id;
	assert_int_equal(call(parent, HV_HC_CONSOLE_ATTACH, id, 0, 0, 0, 0),
			 HV_STATUS_OK);
	assert_null(host_log_hook);
	assert_true(host_logged("console input goes to ca "));
	/* Its destroy gave the console back. */
	assert_true(vuart_has_console(parent));
}

/* Each internal code has its status. */
static void test_status_translation(void **state)
{
	static const int64_t map[][2] = {
		{ HV_ENOSYS, HV_STATUS_UNKNOWN_CALL },
		{ HV_EPERM, HV_STATUS_DENIED },
		{ HV_EINVAL, HV_STATUS_INVALID },
		{ HV_EFAULT, HV_STATUS_BAD_ADDRESS },
		{ HV_E2BIG, HV_STATUS_TOO_BIG },
		{ HV_ENOENT, HV_STATUS_NOT_FOUND },
		{ HV_ENOMEM, HV_STATUS_NO_MEMORY },
		{ HV_ENOSPC, HV_STATUS_NO_MEMORY },
		{ HV_EBUSY, HV_STATUS_BUSY },
		{ HV_EEXIST, HV_STATUS_BUSY },
		{ HV_EAGAIN, HV_STATUS_PENDING },
		{ HV_EIO, HV_STATUS_INVALID },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(hv_status(map[i][0]), map[i][1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_child_refused_management, boot),
		cmocka_unit_test_setup(test_parent_management, boot),
		cmocka_unit_test_setup(test_unknown_call, boot),
		cmocka_unit_test_setup(test_arguments_reach_function, boot),
		cmocka_unit_test_setup(test_pending, boot),
		cmocka_unit_test_setup(test_name_printed_from_copy, boot),
		cmocka_unit_test_setup(test_status_translation, boot),
	};

	return cmocka_run_group_tests_name("hcall", tests, NULL, NULL);
}
