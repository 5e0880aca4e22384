/* SPDX-License-Identifier: MIT */
/*
 * Inside hv/ only: the partition table and what its four files
 * (partition.c, build.c, sched.c, report.c) share. Everything here is
 * used with partitions_lock held, or says otherwise.
 */
#ifndef HV_PARTITION_TABLE_H
#define HV_PARTITION_TABLE_H

#include "hv/partition.h"

/*
 * Partition id -> its slot, pool pages of hv's taken when it is created
 * and given back when it is destroyed; NULL when the id is free.
 */
extern struct partition *partition_slot[HV_MAX_PARTITIONS + 1];
/* The highest id ever used: for_each_partition looks no further. */
extern uint32_t slots_used;
/* The pages of one slot. */
#define PARTITION_SLOT_PAGES ((sizeof(struct partition) + 4095) / 4096)

#define for_each_partition(p)                                               \
	for (uint32_t p##_id = 1; p##_id <= slots_used; p##_id++)           \
		for (struct partition *p = partition_slot[p##_id]; p; p = NULL)

/* Takes partitions_lock, with how long this CPU waited on record. */
void plock(void);

/* partition.c */
/* Gives back everything p holds and frees its slot; without the lock. */
void partition_release(struct partition *p);
/* Makes a partition built outside the lock visible; without the lock. */
void publish(struct partition *p, bool autostart);
void offline_all(struct partition *p);
void kick_partition(struct partition *p);
void stop_all_but_locked(struct partition *keep);
/* Without the lock: the parent faulted, so everything stops. */
void parent_faulted(struct partition *parent);
/* The calling vCPU's exit is a management call (hv/stats.h). */
void mgmt_exit(void);

/* sched.c */
void end_all_locked(const char *why);
/* Where a vCPU is filed (struct vcpu's sched_at). */
enum sched_at {
	SCHED_NOWHERE, /* it cannot run: offline, or its partition is not running */
	SCHED_QUEUED, /* in its run queue */
	SCHED_HALTED, /* in its heap until blocked_until, or an IPI */
	SCHED_PICKED, /* a CPU runs it; that CPU files it again */
};
/*
 * With the lock held, after whatever may have made v (or every vCPU of
 * p) runnable: it is filed where the scheduler looks. Unfile is the
 * reverse, before it goes offline or its slot goes away.
 */
void sched_wake_locked(struct vcpu *v);
void sched_wake_partition_locked(struct partition *p);
void sched_unfile_locked(struct vcpu *v);
/* Without the lock, after an IPI was posted to v (hv/apic.c): if it is
 * halted in its heap, it goes to its run queue. */
void sched_ipi_wake(struct vcpu *v);
/* Partitions with a restart pending: the scheduler does not end then. */
extern uint32_t sched_restarts;
/* For the host tests: a scheduler as at boot, and how many run queue
 * heads pick has looked at. */
void sched_reset(void);
extern uint64_t sched_pick_steps;
/* TSC ticks from the first CPU's start of scheduling to its end, or 0. */
uint64_t sched_elapsed(void);

/* report.c; without the lock */
void partition_record(const struct partition *p);
void partition_audit(struct partition *p);

#endif
