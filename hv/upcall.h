/* SPDX-License-Identifier: MIT */
/*
 * The other half of the contract: what arch/x86 may call of hv/, besides
 * hv's services (hv/log.h for printing and panics, hv/mem.h and
 * hv/palloc.h for pages, hv/errno.h for its error codes, and the boot
 * and start-up records). arch/x86 includes these headers of hv/ and no
 * other. Most of it is inline, because the exit path calls it on every
 * exit (docs/benchmarks.md):
 *
 * - the vCPU and its partition (hv/vcpu.h, hv/partition.h): its virtual
 *   APIC, its counters, its partition's name, RAM and grants;
 * - a vCPU's end: vcpu_fault (the guest did something that stops its
 *   partition), vcpu_halted (it halted for good), vcpu_must_leave (it
 *   must leave its CPU: its partition stopped, or hv is ending);
 * - the policy answers: hypercall() (hv/hcall.h), policy_cpuid,
 *   policy_io, policy_rdmsr/wrmsr and the MSR kinds (hv/policy.h);
 * - the per-exit counters and the exit trace (hv/stats.h, hv/trace.h).
 */
#ifndef HV_UPCALL_H
#define HV_UPCALL_H

#include "hv/hcall.h"
#include "hv/partition.h"
#include "hv/policy.h"
#include "hv/stats.h"
#include "hv/trace.h"
#include "hv/vcpu.h"
#include "hv/vlapic.h"
#include "lib/compiler.h"

/*
 * The vCPU went offline (its partition stopped, faulted or halted), or
 * hv is ending: it leaves its CPU. A partition never leaves PART_RUNNING
 * without taking its vCPUs offline first (hv/partition.c), so its state
 * needs no look of its own.
 */
static inline bool vcpu_must_leave(const struct vcpu *v)
{
	return unlikely(!__atomic_load_n(&v->online, __ATOMIC_ACQUIRE)) ||
	       unlikely(sched_ending());
}

#endif
