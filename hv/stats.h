/* SPDX-License-Identifier: MIT */
/*
 * What hv counts about each partition: exits and hv's time on them by
 * basic exit reason, hypercalls by number, exceptions hv injected,
 * faults, and what building the partition cost. partition_info hands
 * them to the parent; the final report prints them at power-off.
 *
 * Most counters live in the vCPU, because only the CPU running a vCPU
 * ever changes them: one writer needs no locked read-modify-write on the
 * exit path, and readers sum over the vCPUs. The few partition-wide
 * counters can be bumped from several CPUs at once and use atomics.
 */
#ifndef HV_STATS_H
#define HV_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hypercall.h"
#include "lib/compiler.h"

struct vcpu_stats {
	uint64_t exits[HV_INFO_EXIT_REASONS];
	uint64_t exit_tsc[HV_INFO_EXIT_REASONS];
	uint64_t hypercalls[HV_INFO_HYPERCALLS];
	uint64_t injected[HV_INFO_VECTORS];
	/* The longest exit, outside partition creation and destruction. */
	uint64_t max_exit_tsc;
	uint32_t max_exit_reason;
	uint32_t max_exit_hypercall; /* for a VMCALL exit: the call's number */
	uint64_t last_hypercall; /* the number of the call being handled */
	/* The longest exit that created or destroyed a partition. */
	uint32_t max_mgmt_reason;
	uint64_t max_mgmt_tsc;
	/* exits[VMCALL] as it is after an exit that creates or destroys a
	 * partition: that exit's time is counted apart (stats_mgmt_exit). */
	uint64_t mgmt_seq;
	/* This exit stops the partition with a fault report (vcpu_fault):
	 * the vCPU never runs again, so the flag is never stale. */
	bool final_exit;
	uint32_t max_final_reason;
	uint64_t max_final_tsc;
};

struct partition_stats {
	uint64_t faults;
	uint64_t build_tsc;
	uint64_t ram_tsc;
};

struct partition;
struct vcpu;

/*
 * A counter with one writer, read from other CPUs: the relaxed atomic
 * load and store keep every read whole without a LOCK prefix.
 */
/*
 * One writer: a single unlocked ADD. An aligned 8-byte access is atomic
 * on x86 (SDM Vol. 3A "Guaranteed Atomic Operations"), so a reader on
 * another CPU sees the old value or the new one, never a mix; a C
 * read-modify-write would take three instructions on the exit path.
 */
static inline void stat_add_own(uint64_t *c, uint64_t n)
{
	__asm__ volatile("addq %1, %0" : "+m"(*c) : "er"(n));
}

/* A counter that vCPUs on several CPUs may bump at the same time. */
static inline void stat_add_shared(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static inline uint64_t stat_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

void stats_long_exit(struct vcpu_stats *s, uint32_t reason, uint64_t tsc);

/*
 * One exit of basic reason `reason`, whose handling took `tsc` ticks. The
 * longest one is kept: one compare on the exit path, the rest out of line
 * only when an exit is the longest yet.
 */
static inline void stats_exit(struct vcpu_stats *s, uint32_t reason,
			      uint64_t tsc)
{
	if (likely(reason < HV_INFO_EXIT_REASONS)) {
		stat_add_own(&s->exits[reason], 1);
		stat_add_own(&s->exit_tsc[reason], tsc);
	}
	if (unlikely(tsc > s->max_exit_tsc))
		stats_long_exit(s, reason, tsc);
}

/*
 * The current exit of this vCPU creates or destroys a partition, work
 * bounded by the partition's size rather than by hv (docs/architecture.md):
 * its time goes into max_mgmt_tsc instead of max_exit_tsc.
 */
void stats_mgmt_exit(struct vcpu_stats *s);
/*
 * The current exit stops its partition with a fault report, a dozen lines
 * formatted once in the partition's life; its time is counted apart too.
 */
static inline void stats_final_exit(struct vcpu_stats *s)
{
	s->final_exit = true;
}

/*
 * A wait inside hv for another CPU or a lock, of `tsc` ticks; `what` is a
 * string constant saying for what. The longest is kept for the report.
 */
void stats_note_wait(uint64_t tsc, const char *what);
/* Folds p's longest exits into hv's record before p is destroyed. */
void stats_keep_longest(const struct partition *p);
/* The final report's lines on the longest exit and the longest wait. */
void stats_report_longest(uint64_t tsc_hz);

/*
 * The vCPU's counters live in a pool page of its partition's, allocated
 * with the vCPU: a partition slot that is not in use costs nothing, and
 * the page counts in what the partition costs hv. 0 or HV_ENOMEM.
 */
int stats_alloc(struct vcpu *v);
void stats_release(struct vcpu *v);

/* A hypercall of number nr; numbers hv does not know share slot 0. */
/* Number 0 collects every number no call has. */
static inline void stats_hypercall(struct vcpu_stats *s, uint64_t nr)
{
	/* The hint keeps the in-range case on the straight path. */
	stat_add_own(&s->hypercalls[likely(nr < HV_INFO_HYPERCALLS) ? nr : 0],
		     1);
	s->last_hypercall = nr;
}

/* hv raised exception `vector` in the guest. */
void stats_injected(struct vcpu_stats *s, uint32_t vector);
/* The partition was stopped for a fault. */
void stats_fault(struct partition *p);

/*
 * Fills exit_counts, exits and the statistics fields of info, which the
 * caller has zeroed, summing the vCPUs' counters.
 */
void stats_fill_info(const struct partition *p,
		     struct hv_partition_info *info);
/* The final report's lines about p's exits, hypercalls and injections. */
void stats_report(const struct partition *p);

#endif
