// SPDX-License-Identifier: MIT
/*
 * Telling from inside a partition whether any other partition still runs.
 * hv gives no such answer, but the time a yield takes does: when another
 * vCPU computes, the yield comes back after that vCPU's whole time slice;
 * when none is left, it comes back after hv's switching work alone, a few
 * VM exits' worth.
 */
#include "guest/tests/rt/rt.h"

#include "guest/tests/rt/x86.h"

/* Enough for any manifest, and for partitions created at run time. */
#define RT_MAX_PARTITIONS 64

/*
 * A lone yield costs one exit plus saving and loading the vCPU state, a
 * small multiple of a null hypercall; a time slice (1 ms at the least) is
 * orders of magnitude more on any engine hv runs in. 16 null hypercalls
 * lie between the two.
 */
#define ALONE_FACTOR 16
#define CALIBRATION_CALLS 8

static uint64_t alone_limit;

static void calibrate(void)
{
	uint64_t best = UINT64_MAX;

	/* The shortest of several: a call cut by the end of the slice
	 * measures another vCPU's turn as well. */
	for (int i = 0; i < CALIBRATION_CALLS; i++) {
		uint64_t t0 = rdtsc(), dt;

		hv_hypercall(HV_HC_VERSION, 0, 0, 0);
		dt = rdtsc() - t0;
		if (dt < best)
			best = dt;
	}
	alone_limit = best * ALONE_FACTOR;
}

bool rt_yield_was_alone(void)
{
	uint64_t t0;

	if (!alone_limit)
		calibrate();
	t0 = rdtsc();
	rt_yield();
	return rdtsc() - t0 < alone_limit;
}

unsigned long rt_wait_alone(void)
{
	unsigned long yields = 0;
	int streak = 0;

	while (streak < RT_ALONE_STREAK) {
		yields++;
		streak = rt_yield_was_alone() ? streak + 1 : 0;
	}
	return yields;
}

unsigned long rt_wait_others_ended(uint32_t self)
{
	static struct hv_partition_info info;
	static uint32_t ids[RT_MAX_PARTITIONS];
	unsigned long yields = 0;

	for (;;) {
		long n = hv_hypercall(HV_HC_PARTITION_LIST, (uint64_t)ids,
				      RT_MAX_PARTITIONS, 0);
		bool running = false;

		for (long i = 0; i < n && i < RT_MAX_PARTITIONS; i++)
			if (ids[i] != self &&
			    !rt_partition_info(ids[i], &info) &&
			    (info.state == HV_PART_RUNNING ||
			     info.state == HV_PART_CREATED))
				running = true;
		if (n < 0 || !running)
			return yields;
		rt_yield();
		yields++;
	}
}

long rt_partition_info(long id, struct hv_partition_info *info)
{
	return hv_hypercall(HV_HC_PARTITION_INFO, (uint64_t)id,
			    (uint64_t)info, sizeof(*info));
}

long rt_wait_on_cpu(long id, struct hv_partition_info *info, uint64_t exits,
		    long polls, long settle)
{
	long r;

	for (long i = 0; i < polls; i++) {
		r = rt_partition_info(id, info);
		if (r)
			return r;
		if (info->vcpu_running_on[0] != HV_CPU_NONE &&
		    info->exits >= exits)
			break;
	}
	for (long i = 0; i < settle; i++) {
		r = rt_partition_info(id, info);
		if (r)
			return r;
	}
	return 0;
}

long rt_manage(unsigned long nr, long id, unsigned long *tries)
{
	uint64_t khz = cpuid(0x40000010, 0).eax, every = khz ? khz * 5000 : 1ull << 34;
	uint64_t t0 = rdtsc(), next = t0 + every;
	unsigned long n = 1;
	long r;

	while ((r = hv_hypercall(nr, (uint64_t)id, 0, 0)) ==
	       HV_STATUS_PENDING) {
		rt_yield();
		n++;
		if (rdtsc() >= next) {
			rt_printf("rt: partition %ld: still waiting for it to leave its cpus (%lu s, %lu calls)\n",
				  id, khz ? (rdtsc() - t0) / (khz * 1000) : 0,
				  n);
			next += every;
		}
	}
	if (tries)
		*tries = n;
	return r;
}

long rt_console_write(const char *s, unsigned long n, unsigned long *calls)
{
	unsigned long done = 0, k = 0;

	while (done < n) {
		long r = hv_hypercall(HV_HC_CONSOLE_WRITE,
				      (uint64_t)(s + done), n - done, 0);

		k++;
		if (r < 0)
			return r;
		/* 0: hv's console buffer is full; let it drain. */
		if (r == 0)
			rt_yield();
		done += (unsigned long)r;
	}
	if (calls)
		*calls = k;
	return (long)n;
}
