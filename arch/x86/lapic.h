/* SPDX-License-Identifier: MIT */
/* The host's local APIC and legacy PIC, as far as hv uses them so far. */
#ifndef ARCH_X86_LAPIC_H
#define ARCH_X86_LAPIC_H

#include <stdint.h>

/*
 * Maps the local APIC, masks the legacy PIC and the firmware's LAPIC
 * timer: until hv programs interrupt sources of its own, none should fire.
 */
void lapic_init(void);
/* The host's task priority now, and as hv found it at start-up. */
uint8_t lapic_tpr(void);
uint8_t lapic_boot_tpr(void);
/* An external interrupt acknowledged on VM exit: counted and ended. */
void host_interrupt(uint8_t vector);

#endif
