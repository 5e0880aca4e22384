/* SPDX-License-Identifier: MIT */
/*
 * What a host test asks of the fake arch (arch/fake/arch.h) besides the
 * contract: how many CPUs there are and which one the thread is being,
 * what each vCPU does in its slices, what other CPUs do while one sleeps,
 * which steps fail, and the record of what ran where.
 *
 * One host thread plays every CPU. A CPU's scheduler loop runs inside
 * fake_cpu_run() until scheduling ends or the CPU would sleep with
 * nothing left to wake it; then fake_cpu_run() returns, and the loop is
 * entered afresh next time, as a CPU woken from idle would go round it.
 * What happens "meanwhile" on other CPUs is done by the scripts and the
 * idle hook, which switch the current CPU (fake_be_cpu) and may run
 * another CPU's loop in turn. Every such point is outside hv's locks.
 */
#ifndef ARCH_FAKE_FAKE_H
#define ARCH_FAKE_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/arch.h"
#include "hv/vcpu.h"

#define FAKE_MAX_CPUS HV_MAX_RUN_CPUS
/* A scheduler that never ends fails the test at this many slices or
 * idle waits instead of hanging it. */
#define FAKE_MAX_RUNS 4096
#define FAKE_MAX_IDLES 4096

struct fake_script {
	/* One slice of v, of at most slice ticks: what the guest did. */
	enum vcpu_outcome (*slice)(struct vcpu *v, uint64_t slice, void *ctx);
	void *ctx;
};

/* One slice, as the fake's vcpu_arch_run saw it. */
struct fake_run {
	uint32_t cpu;
	uint32_t part; /* partition id */
	uint32_t vcpu;
	uint64_t start, end; /* fake TSC */
	enum vcpu_outcome outcome;
};

struct fake_machine {
	uint32_t cpus;
	struct percpu cpu[FAKE_MAX_CPUS];
	struct fake_run runs[FAKE_MAX_RUNS];
	uint32_t run_count;
	uint32_t idle_calls;
	/* Called as CPU cpu goes to sleep until the TSC reaches until
	 * (UINT64_MAX: a kick only): what other CPUs do meanwhile. */
	void (*on_idle)(uint32_t cpu, uint64_t until, void *ctx);
	void *idle_ctx;
	/* For vCPUs without a script of their own. */
	const struct fake_script *default_script;
	/* Failures on request: the nth call (1..) fails; 0 for none. */
	uint32_t fail_vcpu_alloc;
	uint32_t fail_partition_init;
	uint32_t vcpu_allocs, partition_inits;
	uint32_t calls; /* smp_call and smp_call_vmx requests run */
	uint32_t flushed_on; /* a bit per CPU where vcpu_arch_flush ran */
	uint32_t dumps; /* vcpu_arch_dump calls */
};

extern struct fake_machine fake;

/* A machine of cpus CPUs, none running anything, the clock at 1000,
 * the thread being CPU 0. */
void fake_reset(uint32_t cpus);

/* Be CPU cpu from now on; returns the CPU the thread was before. */
uint32_t fake_be_cpu(uint32_t cpu);

/*
 * Runs CPU cpu's scheduler loop (partitions_run) with slices of slice
 * ticks. True when scheduling ended; false when the CPU would have slept
 * with neither a deadline nor a kick to come. Returns being the CPU the
 * thread was before.
 */
bool fake_cpu_run(uint32_t cpu, uint64_t slice);

/* What a script's slice can do. */
/* The guest runs for ticks (the slice's end at most) and is preempted. */
enum vcpu_outcome fake_run_for(struct vcpu *v, uint64_t ticks);
/* The guest runs ticks, then HLTs with its timer due at deadline. */
enum vcpu_outcome fake_hlt_until(struct vcpu *v, uint64_t ticks,
				 uint64_t deadline);
/* The guest halts for good (HLT with interrupts off). */
enum vcpu_outcome fake_halt(struct vcpu *v);
/* The guest does something hv stops it for. */
enum vcpu_outcome fake_fault(struct vcpu *v, const char *why);

/* How many slices of partition part's vCPU vcpu ran on cpu;
 * HV_CPU_NONE counts every CPU. */
uint32_t fake_slices(uint32_t part, uint32_t vcpu, uint32_t cpu);

/*
 * The test harness provides this: fails the current test with a message
 * (a broken invariant of the contract, or a run that never ends).
 */
void fake_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
