/* SPDX-License-Identifier: MIT */
/*
 * The pure logic of starting a CPU and of its idle window, kept apart so
 * that the host unit tests run it (tests/unit/test_smp_claim.c).
 */
#ifndef ARCH_X86_SMP_CLAIM_H
#define ARCH_X86_SMP_CLAIM_H

#include <stdbool.h>
#include <stdint.h>

enum cpu_state {
	CPU_OFF = 0, /* never started, or left out */
	CPU_ARRIVED, /* running hv's code */
	CPU_READY, /* in VMX root, waiting for or running partitions */
	CPU_FAILED, /* could not enter VMX operation: parked */
	CPU_DONE, /* left VMX operation at the end: parked */
	CPU_ABANDONED, /* the boot CPU gave up on it: it parks if it comes */
};

/*
 * An AP and the boot CPU race for its slot at each step of its start-up:
 * the AP moves it on (OFF to ARRIVED to READY or FAILED), the boot CPU
 * marks it ABANDONED when its timeout gives up. Whichever compare-and-swap
 * comes first decides, so an AP can never run on a slot the boot CPU has
 * given away, nor the boot CPU count an AP it has abandoned.
 */
static inline bool cpu_state_move(uint32_t *state, enum cpu_state from,
				  enum cpu_state to)
{
	uint32_t expect = (uint32_t)from;

	return __atomic_compare_exchange_n(state, &expect, (uint32_t)to, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/*
 * The boot CPU's timeout gave up: true if the AP reached READY first
 * (it is hv's after all), false if the slot is now ABANDONED or the AP
 * FAILED. *last is the state that decided.
 */
static inline bool cpu_state_abandon(uint32_t *state, uint32_t *last)
{
	for (;;) {
		uint32_t s = __atomic_load_n(state, __ATOMIC_ACQUIRE);

		*last = s;
		if (s == CPU_READY)
			return true;
		if (s == CPU_FAILED || s == CPU_DONE || s == CPU_ABANDONED)
			return false;
		if (cpu_state_move(state, (enum cpu_state)s, CPU_ABANDONED))
			return false;
	}
}

/*
 * An NMI that interrupted the idle window [start, end) (the compare of the
 * kick count, STI and HLT in cpu_idle_hlt) returns to end, past the HLT:
 * the kick it may carry then ends the wait instead of being forgotten. A
 * saved RIP of end itself is an NMI during or after the HLT, already past it.
 */
static inline uint64_t idle_window_fixup(uint64_t rip, uint64_t start,
					 uint64_t end)
{
	return rip >= start && rip < end ? end : rip;
}

#endif
