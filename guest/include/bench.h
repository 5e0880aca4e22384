/* SPDX-License-Identifier: MIT */
/*
 * Timing loops for the benchmark (docs/benchmarks.md), shared by the
 * guest kernel's bench=kernel hook and the user program bench. Under Bochs
 * with one CPU and `clock: sync=none` the TSC advances once per emulated
 * instruction, so a figure is a path length; on a real CPU it is cycles.
 */
#ifndef GUEST_INCLUDE_BENCH_H
#define GUEST_INCLUDE_BENCH_H

#include <stdint.h>

/*
 * An operation is timed in batches short enough to fit, most of them, in
 * one time slice of the partition, and the quickest batch counts. The
 * TSC runs on while other partitions have the CPU, so a batch that hv
 * preempted also holds their time; the least one holds none of it.
 */
#define BENCH_BATCH 50u
#define BENCH_BATCHES 200u

/*
 * LFENCE first: RDTSC alone may be executed before the instructions in
 * front of it have finished (SDM Vol. 2B, RDTSC).
 */
static inline uint64_t bench_tsc(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * The quickest of BENCH_BATCHES batches of BENCH_BATCH calls of op. The
 * call goes through a volatile pointer so that the compiler cannot
 * inline op into one loop and not into the other: the loops then differ
 * only in what op itself does.
 */
static inline uint64_t bench_batch(void (*op)(void))
{
	void (*volatile call)(void) = op;
	uint64_t best = UINT64_MAX;

	for (unsigned b = 0; b < BENCH_BATCHES; b++) {
		uint64_t t0 = bench_tsc(), t;

		for (unsigned i = 0; i < BENCH_BATCH; i++)
			call();
		t = bench_tsc() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

/*
 * TSC ticks per call of op beyond a call of nothing, an empty function:
 * the loop and the call are the empty loop, subtracted. Rounded to the
 * nearest tick.
 */
static inline uint64_t bench_per_op(void (*op)(void), void (*nothing)(void))
{
	uint64_t with = bench_batch(op), without = bench_batch(nothing);

	return with > without ?
		       (with - without + BENCH_BATCH / 2) / BENCH_BATCH :
		       0;
}

#endif
