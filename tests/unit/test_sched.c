// SPDX-License-Identifier: MIT
/*
 * Tests of the scheduler (hv/sched.c) on the fake arch: partitions take
 * turns round-robin, a pinned vCPU runs on its CPU alone, a vCPU halted
 * until a deadline is not run before it and is run at it, and a kick
 * brings idle CPUs back to a vCPU that became runnable.
 */
#include "tests/unit/hvhost.h"

/* The parent's script: whole slices, and a power-off as its slice n. */
struct poweroff_at {
	uint32_t n;
};

static enum vcpu_outcome poweroff_at(struct vcpu *v, uint64_t slice, void *ctx)
{
	const struct poweroff_at *at = ctx;

	if (v->arch.slices == at->n)
		return VCPU_POWEROFF;
	return fake_run_for(v, slice);
}

/* Whole slices, then a halt for good as slice n. */
static enum vcpu_outcome halt_at(struct vcpu *v, uint64_t slice, void *ctx)
{
	const uint32_t *n = ctx;

	if (v->arch.slices == *n)
		return fake_halt(v);
	return fake_run_for(v, slice);
}

static void test_round_robin(void **state)
{
	struct poweroff_at at = { 4 };
	const struct fake_script parent = { poweroff_at, &at };
	const struct fake_run *r = fake.runs;
	uint32_t pid;

	(void)state;
	host_manifest_add("parent", true, 1, NULL);
	host_manifest_add("a", false, 1, NULL);
	host_manifest_add("b", false, 1, NULL);
	host_boot();
	pid = host_part("parent")->id;
	host_script(&host_part("parent")->vcpus[0], &parent);
	assert_true(fake_cpu_run(0, HOST_SLICE));

	/* Wherever the round starts, each of the three runs once in every
	 * three slices, back to back on the one CPU, a whole slice each. */
	assert_true(fake.run_count >= 10 && fake.run_count <= 12);
	assert_int_not_equal(r[0].part, r[1].part);
	assert_int_not_equal(r[0].part, r[2].part);
	assert_int_not_equal(r[1].part, r[2].part);
	for (uint32_t i = 0; i < fake.run_count; i++) {
		assert_int_equal(r[i].cpu, 0);
		if (i >= 3)
			assert_int_equal(r[i].part, r[i - 3].part);
		if (i)
			assert_int_equal(r[i].start, r[i - 1].end);
		if (i + 1 < fake.run_count) {
			assert_int_equal(r[i].end - r[i].start, HOST_SLICE);
			assert_int_equal(r[i].outcome, VCPU_PREEMPTED);
		}
	}
	assert_int_equal(fake_slices(pid, 0, HV_CPU_NONE), 4);
	assert_int_equal(r[fake.run_count - 1].part, pid);
	assert_int_equal(r[fake.run_count - 1].outcome, VCPU_POWEROFF);
	assert_true(fake_slices(host_part("a")->id, 0, HV_CPU_NONE) >= 3);
	assert_true(fake_slices(host_part("b")->id, 0, HV_CPU_NONE) >= 3);
	for_each_partition(p)
		assert_int_equal(p->state, PART_STOPPED);
	assert_true(host_logged("scheduler: the parent powers off"));
}

/*
 * The parent, pinned to CPU 0, halts until far ahead at once; "pinned",
 * pinned to CPU 1, runs three slices and halts for good. CPU 0 has
 * nothing it may run and sleeps, and while it does CPU 1 runs "pinned":
 * not one slice of it may run on CPU 0, idle as it is.
 */
static uint64_t far_ticks = 100 * HOST_SLICE;

struct cpu1_turn {
	bool ran;
	bool cpu1_over;
};

/* While CPU 0 sleeps the first time, CPU 1 has its turn. */
static void cpu1_runs(uint32_t cpu, uint64_t until, void *ctx)
{
	struct cpu1_turn *t = ctx;

	(void)until;
	if (cpu != 0 || t->ran)
		return;
	t->ran = true;
	t->cpu1_over = fake_cpu_run(1, HOST_SLICE);
}

static void test_pinning(void **state)
{
	static const uint32_t on0[] = { 0 }, on1[] = { 1 };
	uint32_t three = 3;
	const struct fake_script parent = { host_sleep_then_poweroff,
					     &far_ticks };
	const struct fake_script pinned = { halt_at, &three };
	struct cpu1_turn turn = { false, false };
	uint32_t pid, wid;

	(void)state;
	fake_reset(2);
	host_manifest_add("parent", true, 1, on0);
	host_manifest_add("pinned", false, 1, on1);
	host_boot();
	pid = host_part("parent")->id;
	wid = host_part("pinned")->id;
	assert_int_equal(host_part("pinned")->vcpus[0].pin, 1);
	host_script(&host_part("parent")->vcpus[0], &parent);
	host_script(&host_part("pinned")->vcpus[0], &pinned);
	fake.on_idle = cpu1_runs;
	fake.idle_ctx = &turn;

	assert_true(fake_cpu_run(0, HOST_SLICE));
	assert_true(turn.ran);
	assert_int_equal(fake_slices(wid, 0, 0), 0);
	assert_int_equal(fake_slices(wid, 0, 1), 3);
	assert_int_equal(fake_slices(pid, 0, 1), 0);
	assert_int_equal(fake_slices(pid, 0, 0), 2);
	assert_true(fake.cpu[0].idles >= 1);
	/* CPU 1 ran out of work while the parent still slept on CPU 0. */
	assert_false(turn.cpu1_over);
	assert_int_equal(host_part("pinned")->state, PART_STOPPED);
	assert_int_equal(host_part("pinned")->cpus_used, 1u << 1);
	assert_int_equal(host_part("pinned")->vcpus[0].migrations, 0);
}

/* The parent halts ahead ticks after 10 ticks of its first slice, and
 * powers off in its second. */
struct deadline {
	uint64_t ahead;
	uint64_t at;
};

static enum vcpu_outcome hlt_then_off(struct vcpu *v, uint64_t slice,
				      void *ctx)
{
	struct deadline *d = ctx;

	(void)slice;
	if (v->arch.slices == 1) {
		d->at = fake_tsc + 10 + d->ahead;
		return fake_hlt_until(v, 10, d->at);
	}
	return VCPU_POWEROFF;
}

/* Alone, it leaves the CPU asleep until the deadline, and runs again
 * at the deadline exactly. */
static void test_hlt_alone(void **state)
{
	struct deadline d = { 5 * HOST_SLICE, 0 };
	const struct fake_script parent = { hlt_then_off, &d };

	(void)state;
	host_manifest_add("parent", true, 1, NULL);
	host_boot();
	host_script(&host_part("parent")->vcpus[0], &parent);
	assert_true(fake_cpu_run(0, HOST_SLICE));
	assert_int_equal(fake.run_count, 2);
	assert_int_equal(fake.cpu[0].idles, 1);
	assert_int_equal(fake.runs[1].start, d.at);
	assert_int_equal(fake.runs[1].outcome, VCPU_POWEROFF);
}

/*
 * With "busy" running whole slices, a deadline 2.5 slices ahead: the
 * parent is not picked before it, though round-robin would have it next
 * each time, and is picked at the first decision after it.
 */
static void test_hlt_not_before_deadline(void **state)
{
	struct deadline d = { 2 * HOST_SLICE + HOST_SLICE / 2, 0 };
	const struct fake_script parent = { hlt_then_off, &d };
	uint32_t pid, bid, first = UINT32_MAX, second = UINT32_MAX;

	(void)state;
	host_manifest_add("parent", true, 1, NULL);
	host_manifest_add("busy", false, 1, NULL);
	host_boot();
	pid = host_part("parent")->id;
	bid = host_part("busy")->id;
	host_script(&host_part("parent")->vcpus[0], &parent);
	assert_true(fake_cpu_run(0, HOST_SLICE));
	for (uint32_t i = 0; i < fake.run_count; i++) {
		if (fake.runs[i].part != pid)
			continue;
		if (first == UINT32_MAX)
			first = i;
		else if (second == UINT32_MAX)
			second = i;
	}
	assert_int_not_equal(second, UINT32_MAX);
	assert_int_equal(fake_slices(pid, 0, HV_CPU_NONE), 2);
	/* 10 ticks of the parent, then busy's slices end at 1010, 2010 and
	 * 3010: the third is the first to end past the deadline at 2510. */
	assert_int_equal(second - first - 1, 3);
	for (uint32_t i = first + 1; i < second; i++) {
		assert_int_equal(fake.runs[i].part, bid);
		assert_true(fake.runs[i].start < d.at);
	}
	assert_true(fake.runs[second].start >= d.at);
	assert_int_equal(fake.runs[second].start, fake.runs[second - 1].end);
	/* Never idle: there was always busy to run. */
	assert_int_equal(fake.cpu[0].idles, 0);
}

/*
 * CPUs 1 and 2 are idle (the parent is pinned to CPU 0, which is busy
 * with it and never idle), and a child is created but not started. The
 * parent starts it: the kick reaches both idle CPUs and not CPU 0, and
 * the CPU that wakes first runs the child. Without the kick, neither
 * would ever wake: nothing else is due.
 */
struct kick_scene {
	struct vcpu *parent;
	int64_t child;
	int64_t started;
	uint32_t acts;
};

static void start_child(uint32_t cpu, uint64_t until, void *ctx)
{
	struct kick_scene *k = ctx;
	uint32_t was;

	assert_int_equal(until, UINT64_MAX);
	if (cpu == 1 && !k->acts) {
		k->acts++;
		/* CPU 2 idles too before anything happens. */
		assert_false(fake_cpu_run(2, HOST_SLICE));
		return;
	}
	if (cpu != 2 || k->acts != 1)
		return;
	k->acts++;
	assert_true(fake.cpu[1].idle);
	assert_true(fake.cpu[2].idle);
	was = fake_be_cpu(0);
	k->started = partition_start((uint64_t)k->child);
	fake_be_cpu(was);
}

static void test_kick_reaches_idle_cpus(void **state)
{
	static const uint32_t on0[] = { 0 };
	uint32_t one = 1;
	const struct fake_script child = { halt_at, &one };
	struct kick_scene k = { NULL, 0, -1, 0 };
	struct partition *c;

	(void)state;
	fake_reset(3);
	host_manifest_add("parent", true, 1, on0);
	host_boot();
	k.parent = &host_part("parent")->vcpus[0];
	k.child = host_create("child", HOST_CHILD, HOST_RAM_MB, 1);
	assert_true(k.child > 0);
	c = partition_by_id((uint32_t)k.child);
	assert_int_equal(c->state, PART_CREATED);
	host_script(&c->vcpus[0], &child);
	fake.on_idle = start_child;
	fake.idle_ctx = &k;

	assert_false(fake_cpu_run(1, HOST_SLICE));
	assert_int_equal(k.acts, 2);
	assert_int_equal(k.started, HV_OK);
	assert_true(fake.cpu[1].kicks >= 1);
	assert_true(fake.cpu[2].kicks >= 1);
	assert_int_equal(fake.cpu[0].kicks, 0);
	assert_true(fake.cpu[1].woken >= 1);
	assert_true(fake.cpu[2].woken >= 1);
	/* CPU 2 slept last, so it woke first and ran the child. */
	assert_int_equal(fake_slices((uint32_t)k.child, 0, 2), 1);
	assert_int_equal(fake_slices((uint32_t)k.child, 0, HV_CPU_NONE), 1);
	assert_int_equal(c->state, PART_STOPPED);
	/* The parent never left CPU 0. */
	assert_int_equal(fake_slices(host_part("parent")->id, 0, HV_CPU_NONE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_robin, host_setup),
		cmocka_unit_test_setup(test_pinning, host_setup),
		cmocka_unit_test_setup(test_hlt_alone, host_setup),
		cmocka_unit_test_setup(test_hlt_not_before_deadline, host_setup),
		cmocka_unit_test_setup(test_kick_reaches_idle_cpus, host_setup),
	};

	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
