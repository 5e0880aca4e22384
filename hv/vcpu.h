/* SPDX-License-Identifier: MIT */
/*
 * A virtual CPU: its arch state (struct vcpu_arch, arch/x86/arch.h: the
 * guest's registers and everything the VMCS does not switch), and what hv
 * keeps of it: scheduling, its virtual APIC, its counters.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/arch.h"
#include "hv/hypercall.h"
#include "hv/stats.h"
#include "hv/apic.h"
#include "hv/vlapic.h"

struct partition;

struct vcpu {
	/* First, so that the entry code's offsets into it stay small. */
	struct vcpu_arch arch;
	/*
	 * running_on is the CPU the scheduler gave the vCPU to, set under
	 * partitions_lock and cleared by that CPU once it has let the vCPU
	 * go (vcpu_arch_leave).
	 */
	uint32_t running_on;
	uint32_t last_cpu; /* where it last ran */
	uint32_t pin; /* the only CPU it may run on, or HV_CPU_NONE */
	uint32_t migrations; /* arrivals on a CPU other than the last one */
	uint32_t id; /* index in the partition */
	bool started; /* set up to run, once: vCPU 0 at creation, others by vcpu_start */
	bool online; /* started and not yet halted for good */
	bool cr8_written; /* reported with the host TPR in the final report */
	/* Its partition's trace flag, copied into every vCPU where the flag
	 * is set (partition_trace_set), so that each exit tests it with one
	 * load (arch/x86/vmx_run.c). */
	bool trace;
	uint32_t cr8_cpu; /* the CPU of its last CR8 write */
	struct partition *part;
	struct vlapic apic;
	struct apic_inbox inbox; /* IPIs posted to it (hv/apic.h) */
	uint8_t wait; /* enum vcpu_wait */
	/* Set by HLT with interrupts on: runs again at this TSC or earlier
	 * when an interrupt is pending. 0 when runnable. */
	uint64_t blocked_until;
	uint64_t slice_end; /* TSC at which the current time slice ends */
	/*
	 * The scheduler's (hv/sched.c), under partitions_lock: where the
	 * vCPU is filed (enum sched_at: nowhere, its run queue, its deadline
	 * heap, or picked by a CPU), when it joined the run queue, and its
	 * links there or in the heap. sched_at is also read without the lock
	 * by an IPI's sender (hv/apic.c).
	 */
	uint8_t sched_at;
	uint64_t sched_seq;
	struct vcpu *q_prev, *q_next;
	struct vcpu *h_child, *h_sib, *h_prev;
	uint64_t run_tsc; /* TSC ticks it ran, time in hv for its exits included */
	uint64_t cpu_run_tsc[HV_INFO_MAX_CPUS]; /* run_tsc, by CPU */
	struct vcpu_stats *stats; /* a pool page of its partition's */
};

#endif
