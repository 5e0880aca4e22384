/* SPDX-License-Identifier: MIT */
/*
 * The other processors: starting them, numbering them, and reaching them
 * with IPIs. hv numbers the CPUs it runs 0 (the boot CPU), 1, 2, ... in
 * the order they came up; manifests and reports use these numbers.
 */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/smp_claim.h"
#include "hv/boot_info.h"

struct percpu;

/*
 * Starts every other CPU the loader listed, up to max_cpus in all, and
 * waits until each is in VMX root or has failed. Returns how many CPUs
 * hv runs, the boot CPU included.
 */
uint32_t smp_start(struct percpu *boot, const struct hv_boot_info *bi,
		   uint32_t max_cpus);
/* How many CPUs hv runs, and the per-CPU block of CPU n. */
uint32_t smp_cpu_count(void);
struct percpu *smp_cpu(uint32_t n);
/* Lets the other CPUs run partitions with time slices of slice ticks. */
void smp_release(uint64_t slice);
/* Waits until every other CPU has left VMX operation. */
void smp_wait_done(void);

/* An IPI (an NMI) that makes CPU n leave guest mode or idle at once. */
void smp_kick(uint32_t n);
/*
 * Runs fn(arg) on CPU n and returns when it has. While it waits, this CPU
 * answers requests sent to it, so two CPUs calling each other cannot
 * deadlock.
 */
void smp_call(uint32_t n, void (*fn)(void *arg), void *arg);
/*
 * The same for a request that needs VMX operation on CPU n (INVEPT,
 * INVVPID, VMCLEAR): returns false without running it if CPU n has left
 * VMX operation, where nothing such a request would flush is cached
 * (smp_vmx_off).
 */
bool smp_call_vmx(uint32_t n, void (*fn)(void *arg), void *arg);
/*
 * Leaves VMX operation on this CPU, pc: answers what is in flight, stops
 * taking VMX requests, invalidates every EPT and VPID translation, then
 * VMXOFF. Returns vmx_off's result.
 */
int smp_vmx_off(struct percpu *pc);
/* Runs a request another CPU has left for this one, if any. */
void smp_poll(void);

/* The first CPU to panic calls this: it stops every other CPU by NMI and
 * waits briefly for each to print its state. */
void smp_panic_stop_others(void);
/* True if this CPU may go on panicking; false if another CPU already is,
 * in which case it has been stopped and this never returns. */
bool smp_panic_claim(void);
/*
 * An NMI reached this CPU (in hv, or as a VM exit). If another CPU is
 * panicking, prints this CPU's state and halts for good. Otherwise runs
 * any request another CPU left, and says whether one was pending.
 */
bool smp_nmi(uint64_t rip, bool in_guest);

#endif
