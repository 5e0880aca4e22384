// SPDX-License-Identifier: MIT
#include "arch/x86/lapic.h"

#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "hv/log.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_X2APIC (1ull << 10)
#define LAPIC_EOI 0xb0
#define LAPIC_LVT_TIMER 0x320
#define LVT_MASKED (1u << 16)
#define MSR_X2APIC_EOI 0x80b
#define MSR_X2APIC_LVT_TIMER 0x832

static volatile uint32_t *lapic;
static bool x2apic;
static uint64_t host_interrupts;
static uint8_t boot_tpr;

uint8_t lapic_tpr(void)
{
	/* CR8 is the TPR's priority class (SDM "Task Priority in IA-32e Mode"). */
	return (uint8_t)read_cr8();
}

uint8_t lapic_boot_tpr(void)
{
	return boot_tpr;
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	boot_tpr = lapic_tpr();

	/* The 8259s stay programmed by the firmware; mask every line. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);

	x2apic = base & APIC_BASE_X2APIC;
	if (x2apic) {
		wrmsr(MSR_X2APIC_LVT_TIMER,
		      rdmsr(MSR_X2APIC_LVT_TIMER) | LVT_MASKED);
		return;
	}
	base &= ~0xfffull & 0x000ffffffffff000ull;
	paging_map_mmio(base, 4096, "the local APIC");
	lapic = (volatile uint32_t *)(uintptr_t)base;
	lapic[LAPIC_LVT_TIMER / 4] |= LVT_MASKED;
}

void host_interrupt(uint8_t vector)
{
	host_interrupts++;
	pr_debug("host interrupt %u (%lu so far)", vector, host_interrupts);
	/* Vectors below 32 cannot come from the APIC; nothing to end. */
	if (vector < 32)
		return;
	if (x2apic)
		wrmsr(MSR_X2APIC_EOI, 0);
	else if (lapic)
		lapic[LAPIC_EOI / 4] = 0;
}
