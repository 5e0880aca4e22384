/* SPDX-License-Identifier: MIT */
/*
 * The exit trace: one ring of struct hv_trace_record per CPU, filled by
 * that CPU's exits of every partition whose trace is on, read by the
 * parent (trace_read) and dumped on the console at power-off.
 * docs/hypercalls.md gives the ABI, docs/benchmarks.md the dump's format.
 */
#ifndef HV_TRACE_H
#define HV_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hypercall.h"

/* Records in each CPU's ring: a power of two, so an index is a mask. */
#define TRACE_RING_RECORDS 1024u
/* Slices in each CPU's slice ring, which never overwrites. */
#define TRACE_SLICE_RECORDS 4096u

struct vcpu;

/*
 * Records one exit of v on this CPU: raw_reason as the exit-reason field
 * holds it, and the time hv began handling it. The record goes into the
 * ring at trace_exit_end, with the time hv was done with the exit. A
 * ring that cannot be allocated counts its records as dropped.
 */
void trace_exit(const struct vcpu *v, uint64_t tsc, uint64_t qual,
		uint64_t rip, uint32_t raw_reason);
void trace_exit_end(uint64_t tsc);
/* v ran on this CPU from in to out (the scheduler's view of a slice). */
void trace_slice(const struct vcpu *v, uint64_t in, uint64_t out);
/*
 * Switches p's trace on or off: its flag and the copy in each of its
 * vCPUs, which the exit path reads; the flag it had before.
 */
struct partition;
bool partition_trace_set(struct partition *p, bool on);
/* A partition took slot id: records of its earlier holders are
 * reported as partition 0 from now on. */
void trace_partition_new(uint32_t id);
/*
 * Takes up to max of CPU cpu's oldest unread exit records (or slices)
 * into out: how many, or HV_EINVAL for a CPU hv cannot have, or HV_EBUSY
 * while another vCPU reads the same ring.
 */
int64_t trace_read(uint32_t cpu, bool slices, struct hv_trace_record *out,
		   uint32_t max);
/* Prints every unread record, one line each; nothing if none. */
void trace_dump(void);
/* How many CPUs have a ring. */
uint32_t trace_cpus(void);

#endif
