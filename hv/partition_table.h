/* SPDX-License-Identifier: MIT */
/*
 * Inside hv/ only: the partition table and what its four files
 * (partition.c, build.c, sched.c, report.c) share. Everything here is
 * used with partitions_lock held, or says otherwise.
 */
#ifndef HV_PARTITION_TABLE_H
#define HV_PARTITION_TABLE_H

#include "hv/partition.h"

/* Slot i holds partition id i + 1 while in use. */
extern struct partition partitions[HV_MAX_PARTITIONS];
/* One past the highest slot ever used: the scheduler scans no further. */
extern uint32_t slots_used;

#define for_each_partition(p)                                               \
	for (struct partition *p = partitions;                              \
	     p < partitions + HV_MAX_PARTITIONS; p++)                       \
		if (p->in_use)

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
/* TSC ticks from the first CPU's start of scheduling to its end, or 0. */
uint64_t sched_elapsed(void);

/* report.c; without the lock */
void partition_record(const struct partition *p);
void partition_audit(struct partition *p);

#endif
