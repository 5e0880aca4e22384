/* SPDX-License-Identifier: MIT */
/* The host's local APIC and legacy PIC, as far as hv uses them so far. */
#ifndef ARCH_X86_LAPIC_H
#define ARCH_X86_LAPIC_H

#include <stdint.h>

/* The vector of hv's own timer, which only wakes an idle CPU. */
#define HOST_TIMER_VECTOR 0xef

/* An AP's own local APIC, in the boot CPU's mode. */
int lapic_init_ap(void);
uint32_t lapic_id(void);
/* Sends an IPI; icr is the low half of the ICR. */
void lapic_send_icr(uint32_t apic_id, uint32_t icr);
void lapic_send_nmi(uint32_t apic_id);
/* For the NMI handler: a saved RIP inside the idle window is moved past
 * the HLT, so the NMI ends the wait. */
void cpu_idle_nmi_fixup(uint64_t *rip);
/* How many times a CPU idled, for the final report. */
uint64_t lapic_idle_waits(void);
/* One line: the idle waits, and the kicks that came late enough to have
 * been lost before the idle window existed. */
void lapic_idle_report(void);
/* An external interrupt acknowledged on VM exit: counted and ended. */
void host_interrupt(uint8_t vector);

#endif
