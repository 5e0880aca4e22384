/* SPDX-License-Identifier: MIT */
/*
 * The local APIC for the pc test kernels, through one accessor: x2APIC
 * MSRs once lapic_setup has switched the APIC to x2APIC mode, which it
 * does where CPUID shows x2APIC and the command line does not say
 * xapic=1; xAPIC MMIO at the APIC base otherwise (QEMU's TCG has no
 * x2APIC). Register names are xAPIC offsets; in x2APIC mode the MSR is
 * 0x800 + offset / 16 (SDM "x2APIC Register Address Space").
 */
#ifndef GUEST_TESTS_PC_RT_LAPIC_H
#define GUEST_TESTS_PC_RT_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/io.h" /* rdtsc */

enum {
	LAPIC_ID = 0x20, LAPIC_VERSION = 0x30, LAPIC_TPR = 0x80,
	LAPIC_APR = 0x90, LAPIC_PPR = 0xa0, LAPIC_EOI = 0xb0,
	LAPIC_LDR = 0xd0, LAPIC_DFR = 0xe0, LAPIC_SVR = 0xf0,
	LAPIC_ISR = 0x100, LAPIC_TMR = 0x180, LAPIC_IRR = 0x200,
	LAPIC_ESR = 0x280, LAPIC_ICR = 0x300, LAPIC_ICR2 = 0x310,
	LAPIC_LVT_TIMER = 0x320, LAPIC_LVT_LINT0 = 0x350,
	LAPIC_LVT_LINT1 = 0x360, LAPIC_LVT_ERROR = 0x370,
	LAPIC_INIT_COUNT = 0x380, LAPIC_CUR_COUNT = 0x390,
	LAPIC_DIV_CONF = 0x3e0,
};

#define MSR_APIC_BASE 0x1bu
#define MSR_TSC_DEADLINE 0x6e0u
#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_EXTD (1u << 10)
#define APIC_BASE_EN (1u << 11)

/* ICR low word (SDM "Interrupt Command Register (ICR)"). */
#define ICR_FIXED (0u << 8)
#define ICR_LOWEST (1u << 8)
#define ICR_NMI (4u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_LOGICAL (1u << 11)
#define ICR_BUSY (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_SELF (1u << 18)
#define ICR_ALL (2u << 18)
#define ICR_OTHERS (3u << 18)

/* True once this CPU's APIC is in x2APIC mode (each CPU switches its
 * own: lapic_setup on every CPU). */
extern bool lapic_x2[16];

/* CPUID.1: x2APIC, TSC-deadline, and the initial APIC ID. */
bool lapic_cpuid_x2apic(void);
bool lapic_cpuid_tsc_deadline(void);
uint32_t lapic_initial_id(void);
/* This CPU's APIC: x2APIC mode where it can and may, enabled (SVR
 * 0x1ff). Returns the APIC ID. */
uint32_t lapic_setup(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t val);
/* Sends an IPI: dest is the APIC ID (x2APIC: 32 bits; xAPIC: 8). */
void lapic_send(uint32_t dest, uint32_t icr);
uint32_t lapic_id(void);
static inline void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* rdtsc() comes with the port accessors (arch/x86/io.h, by pcrt.h). */

#endif
