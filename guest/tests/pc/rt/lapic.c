// SPDX-License-Identifier: MIT
#include "guest/tests/pc/rt/lapic.h"

#include "guest/tests/pc/rt/pcrt.h"

bool lapic_x2[16];

uint32_t lapic_initial_id(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

static bool x2(void)
{
	return lapic_x2[lapic_initial_id() & 15];
}

bool lapic_cpuid_x2apic(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return c & (1u << 21);
}

bool lapic_cpuid_tsc_deadline(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return c & (1u << 24);
}

static volatile uint32_t *mmio(uint32_t reg)
{
	return (volatile uint32_t *)((uint32_t)(rdmsr(MSR_APIC_BASE) &
						 0xfffff000u) + reg);
}

uint32_t lapic_read(uint32_t reg)
{
	return x2() ? (uint32_t)rdmsr(0x800 + reg / 16) : *mmio(reg);
}

void lapic_write(uint32_t reg, uint32_t val)
{
	if (x2())
		wrmsr(0x800 + reg / 16, val);
	else
		*mmio(reg) = val;
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	return x2() ? id : id >> 24;
}

void lapic_send(uint32_t dest, uint32_t icr)
{
	if (x2()) {
		wrmsr(0x800 + LAPIC_ICR / 16, (uint64_t)dest << 32 | icr);
		return;
	}
	*mmio(LAPIC_ICR2) = dest << 24;
	*mmio(LAPIC_ICR) = icr;
	/* xAPIC: the delivery status goes idle once the IPI is out. */
	for (int i = 0; i < 1000000 && (*mmio(LAPIC_ICR) & ICR_BUSY); i++)
		asm volatile("pause");
}

uint32_t lapic_setup(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint32_t id = lapic_initial_id() & 15;

	if (lapic_cpuid_x2apic() && !pc_cmdline_u32("xapic", 0)) {
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
		lapic_x2[id] = true;
	}
	lapic_write(LAPIC_SVR, 0x1ff);
	return lapic_id();
}
