// SPDX-License-Identifier: MIT
/*
 * The scheduler (hv/sched.c) at 1,000 vCPUs, on the fake arch: round-
 * robin fairness, pinning and deadline order hold as with a few, and a
 * pick costs the same steps at 1,001 vCPUs as at 2. The partitions are
 * slots filled in here, without RAM, so that a thousand fit: only the
 * scheduler's view of them matters.
 */
#include "tests/unit/hvhost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VCPUS 4 /* a partition's: 250 partitions make 1,000 vCPUs */
#define MAXP 260

static struct partition *parts[MAXP + 1];

/* Partition id, of vcpus vCPUs pinned to pin (or HV_CPU_NONE), running. */
static struct partition *add(uint32_t id, uint32_t vcpus, uint32_t pin,
			     const struct fake_script *s)
{
	struct partition *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	assert_true(id <= MAXP);
	parts[id] = p;
	p->in_use = true;
	p->id = id;
	p->parent = id == 1;
	snprintf(p->name, sizeof(p->name), "s%u", id);
	p->state = PART_RUNNING;
	p->vcpu_count = vcpus;
	for (uint32_t i = 0; i < vcpus; i++) {
		struct vcpu *v = &p->vcpus[i];

		v->part = p;
		v->id = i;
		v->running_on = v->last_cpu = HV_CPU_NONE;
		v->pin = pin;
		v->online = v->started = true;
		v->arch.initialized = true;
		v->arch.active_on = HV_CPU_NONE;
		v->arch.script = s;
	}
	partition_slot[id] = p;
	if (id > slots_used)
		slots_used = id;
	plock();
	sched_wake_partition_locked(p);
	spin_unlock(&partitions_lock);
	return p;
}

static int teardown(void **state)
{
	(void)state;
	for (uint32_t id = 0; id <= MAXP; id++) {
		free(parts[id]);
		parts[id] = NULL;
		partition_slot[id] = NULL;
	}
	slots_used = 0;
	return 0;
}

/* Whole slices; the parent's vCPU 0 powers off as its slice n. */
static enum vcpu_outcome slices_then_off(struct vcpu *v, uint64_t slice,
					 void *ctx)
{
	const uint32_t *n = ctx;

	if (v->part->parent && !v->id && v->arch.slices == *n)
		return VCPU_POWEROFF;
	return fake_run_for(v, slice);
}

/*
 * Partitions 1..np of VCPUS vCPUs each (and one more vCPU as partition
 * np + 1 if extra), all runnable on one CPU, until the parent has had
 * rounds slices: the pick's steps per slice.
 */
static double steps_per_pick(uint32_t np, bool extra, uint32_t vcpus,
			     uint32_t rounds)
{
	const struct fake_script s = { slices_then_off, &rounds };

	teardown(NULL);
	host_setup(NULL);
	for (uint32_t id = 1; id <= np; id++)
		add(id, vcpus, HV_CPU_NONE, &s);
	if (extra)
		add(np + 1, 1, HV_CPU_NONE, &s);
	assert_true(fake_cpu_run(0, HOST_SLICE));
	assert_true(host_logged("scheduler: the parent powers off"));
	return (double)sched_pick_steps / fake.run_count;
}

/* 1,000 vCPUs on one CPU: each runs once in every 1,000 slices, in the
 * same order each round, a whole slice each. */
static void test_fairness(void **state)
{
	uint32_t rounds = 3, n = 250 * VCPUS;
	const struct fake_script s = { slices_then_off, &rounds };
	const struct fake_run *r = fake.runs;
	static uint32_t seen[MAXP + 1][VCPUS];

	(void)state;
	for (uint32_t id = 1; id <= 250; id++)
		add(id, VCPUS, HV_CPU_NONE, &s);
	assert_true(fake_cpu_run(0, HOST_SLICE));
	/* The parent's third slice powers off: every vCPU before it in the
	 * round has run three times, every one after it twice. */
	assert_true(fake.run_count > 2 * n && fake.run_count <= 3 * n);
	memset(seen, 0, sizeof(seen));
	for (uint32_t i = 0; i < fake.run_count; i++) {
		assert_int_equal(r[i].cpu, 0);
		if (i >= n) {
			assert_int_equal(r[i].part, r[i - n].part);
			assert_int_equal(r[i].vcpu, r[i - n].vcpu);
		}
		if (i)
			assert_int_equal(r[i].start, r[i - 1].end);
		if (i + 1 < fake.run_count)
			assert_int_equal(r[i].end - r[i].start, HOST_SLICE);
		seen[r[i].part][r[i].vcpu]++;
	}
	for (uint32_t id = 1; id <= 250; id++)
		for (uint32_t v = 0; v < VCPUS; v++)
			assert_true(seen[id][v] == 2 || seen[id][v] == 3);
	assert_int_equal(r[fake.run_count - 1].outcome, VCPU_POWEROFF);
}

/* The cost of a pick: the same at 1,001 vCPUs as at 2. */
static void test_pick_cost_flat(void **state)
{
	double two, many;

	(void)state;
	two = steps_per_pick(1, true, 1, 200);
	many = steps_per_pick(250, true, VCPUS, 3);
	print_message("pick: %.3f steps a slice at 2 vCPUs, %.3f at 1,001\n",
		      two, many);
	assert_true(two > 0);
	assert_true(two == many);
}

/*
 * The parent, pinned to CPU 0, halts far ahead at once; 999 vCPUs pinned
 * to CPU 1 run two slices each and halt for good. CPU 0, idle meanwhile,
 * runs none of them; CPU 1 runs them round-robin.
 */
static uint64_t far_ticks = 10000ull * HOST_SLICE;

static enum vcpu_outcome two_then_halt(struct vcpu *v, uint64_t slice,
				       void *ctx)
{
	(void)ctx;
	if (v->arch.slices == 3)
		return fake_halt(v);
	return fake_run_for(v, slice);
}

static void cpu1_runs(uint32_t cpu, uint64_t until, void *ctx)
{
	bool *ran = ctx;

	(void)until;
	if (cpu != 0 || *ran)
		return;
	*ran = true;
	assert_false(fake_cpu_run(1, HOST_SLICE));
}

static void test_pinning_1000(void **state)
{
	const struct fake_script parent = { host_sleep_then_poweroff,
					     &far_ticks };
	const struct fake_script pinned = { two_then_halt, NULL };
	const uint32_t n = 999;
	static const struct fake_run *on1[3 * 999];
	uint32_t k = 0;
	bool ran = false;

	(void)state;
	fake_reset(2);
	add(1, 1, 0, &parent);
	for (uint32_t id = 2; id <= 250; id++)
		add(id, VCPUS, 1, &pinned);
	add(251, 3, 1, &pinned);
	fake.on_idle = cpu1_runs;
	fake.idle_ctx = &ran;
	assert_true(fake_cpu_run(0, HOST_SLICE));
	assert_true(ran);
	for (uint32_t i = 0; i < fake.run_count; i++) {
		const struct fake_run *r = &fake.runs[i];

		assert_int_equal(r->cpu, r->part == 1 ? 0 : 1);
		if (r->part != 1) {
			assert_true(k < 3 * n);
			on1[k++] = r;
		}
	}
	assert_int_equal(k, 3 * n);
	/* Round-robin on CPU 1: the same vCPU every n slices. */
	for (uint32_t i = n; i < k; i++) {
		assert_int_equal(on1[i]->part, on1[i - n]->part);
		assert_int_equal(on1[i]->vcpu, on1[i - n]->vcpu);
	}
	for (uint32_t id = 2; id <= 251; id++) {
		assert_int_equal(parts[id]->cpus_used, 1u << 1);
		assert_int_equal(parts[id]->state, PART_STOPPED);
	}
	assert_int_equal(fake_slices(1, 0, 0), 2);
}

/*
 * 1,000 vCPUs halt in their first slice until deadlines in a shuffled
 * order; every seventh partition is stopped while they all sleep, which
 * takes its vCPUs out of the middle of the heap. The rest run again in
 * the order of their deadlines, each at or after its own, and halt.
 */
static uint64_t deadline_of[MAXP + 1][VCPUS];

static enum vcpu_outcome sleep_then_halt(struct vcpu *v, uint64_t slice,
					 void *ctx)
{
	(void)ctx;
	if (v->arch.slices == 1)
		return fake_hlt_until(v, 1, deadline_of[v->part->id][v->id]);
	(void)slice;
	return fake_halt(v);
}

static void stop_sevenths(uint32_t cpu, uint64_t until, void *ctx)
{
	bool *done = ctx;

	(void)cpu;
	(void)until;
	if (*done)
		return;
	*done = true;
	plock();
	for (uint32_t id = 7; id <= 250; id += 7) {
		parts[id]->state = PART_STOPPED;
		offline_all(parts[id]);
	}
	spin_unlock(&partitions_lock);
}

static void test_deadline_order(void **state)
{
	const struct fake_script s = { sleep_then_halt, NULL };
	uint64_t last = 0;
	uint32_t second = 0, expect = 0;
	bool done = false;

	(void)state;
	/* A permutation of 0..999 (7919 is prime to 1,000). */
	for (uint32_t id = 1; id <= 250; id++)
		for (uint32_t v = 0; v < VCPUS; v++)
			deadline_of[id][v] =
				1000000 +
				(((id - 1) * VCPUS + v) * 7919ull % 1000) * 50;
	for (uint32_t id = 1; id <= 250; id++)
		add(id, VCPUS, HV_CPU_NONE, &s);
	fake.on_idle = stop_sevenths;
	fake.idle_ctx = &done;
	/* Ended, with nothing left to run (past the log's 512 lines). */
	assert_true(fake_cpu_run(0, HOST_SLICE));
	assert_true(sched_ending());
	for (uint32_t i = 1000; i < fake.run_count; i++) {
		const struct fake_run *r = &fake.runs[i];
		uint64_t d = deadline_of[r->part][r->vcpu];

		assert_true(r->part % 7 != 0);
		assert_true(r->start >= d);
		assert_true(d > last);
		last = d;
		second++;
	}
	for (uint32_t id = 1; id <= 250; id++)
		expect += id % 7 ? VCPUS : 0;
	assert_int_equal(fake.run_count, 1000 + expect);
	assert_int_equal(second, expect);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fairness, host_setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pick_cost_flat, host_setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pinning_1000, host_setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deadline_order, host_setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
