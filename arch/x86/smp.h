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


/* Runs a request another CPU has left for this one, if any. */
void smp_poll(void);

/*
 * An NMI reached this CPU (in hv, or as a VM exit). If another CPU is
 * panicking, prints this CPU's state and halts for good. Otherwise runs
 * any request another CPU left, and says whether one was pending.
 */
bool smp_nmi(uint64_t rip, bool in_guest);

#endif
