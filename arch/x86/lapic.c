// SPDX-License-Identifier: MIT
#include "hv/arch.h"
#include "arch/x86/lapic.h"

#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp_claim.h"
#include "hv/errno.h"
#include "hv/log.h"

/* Register offsets in the xAPIC page (arch/x86/msr.h: IA32_X2APIC_MSR). */
#define LAPIC_ID 0x20
#define LAPIC_EOI 0xb0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_INITIAL_COUNT 0x380
#define LAPIC_CURRENT_COUNT 0x390
#define LAPIC_DIVIDE 0x3e0
#define ICR_NMI (4u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define DIVIDE_BY_1 0xb

static volatile uint32_t *lapic;
static bool x2apic, tsc_deadline;
static uint64_t host_interrupts, idle_waits;
/* Kicks that came after the waiter's last look and before its HLT: seen
 * by the count before the window, in the window's compare, or by the NMI
 * handler inside the window. Each would have been a lost wake-up. */
static uint64_t idle_kicks_before, idle_kicks_compare, idle_kicks_window;
static uint64_t lapic_hz, tsc_hz_host;

static uint32_t lapic_read(uint32_t reg)
{
	return x2apic ? (uint32_t)rdmsr(IA32_X2APIC_MSR(reg)) : lapic[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t val)
{
	if (x2apic)
		wrmsr(IA32_X2APIC_MSR(reg), val);
	else
		lapic[reg / 4] = val;
}

/*
 * Without the TSC-deadline mode, the one-shot count needs the timer's
 * rate: count it down against the TSC for a millisecond.
 */
static void calibrate(void)
{
	uint64_t t0;
	uint32_t left;

	lapic_write(LAPIC_DIVIDE, DIVIDE_BY_1);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | HOST_TIMER_VECTOR);
	lapic_write(LAPIC_INITIAL_COUNT, 0xffffffff);
	t0 = rdtsc();
	while (rdtsc() - t0 < tsc_hz_host / 1000)
		cpu_relax();
	left = lapic_read(LAPIC_CURRENT_COUNT);
	lapic_write(LAPIC_INITIAL_COUNT, 0);
	lapic_hz = (uint64_t)(0xffffffffu - left) * 1000;
	if (!lapic_hz)
		panic("the local APIC timer does not count");
}

uint8_t lapic_tpr(void)
{
	/* CR8 is the TPR's priority class (SDM "Task Priority in IA-32e Mode"). */
	return (uint8_t)read_cr8();
}

uint8_t lapic_boot_tpr(void)
{
	return this_cpu()->boot_tpr;
}

/* The parts of the local APIC that are per CPU: each CPU sets its own. */
static void lapic_init_this_cpu(void)
{
	this_cpu()->boot_tpr = lapic_tpr();
	/* Software-enabled, spurious vector 0xff: hv's idle timer and IPIs
	 * need it. */
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_LVT_TIMER,
		    lapic_read(LAPIC_LVT_TIMER) | LVT_MASKED);
}

int lapic_init_ap(void)
{
	uint64_t base = rdmsr(IA32_APIC_BASE);

	/* One mode for all: the boot CPU's, which the firmware chose. */
	if (x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(IA32_APIC_BASE, base | APIC_BASE_EXTD);
	else if (!x2apic && (base & APIC_BASE_EXTD))
		return HV_EIO;
	lapic_init_this_cpu();
	return 0;
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	return x2apic ? id : id >> 24;
}

/*
 * SDM "Interrupt Command Register (ICR)": in xAPIC mode the destination
 * goes in the high half first, since writing the low half sends; in
 * x2APIC mode one WRMSR does both.
 */
void lapic_send_icr(uint32_t apic_id, uint32_t icr)
{
	if (x2apic) {
		/*
		 * SDM "x2APIC Register Access": a WRMSR to the ICR does not
		 * wait for earlier stores, and the receiver must see what the
		 * sender stored before its IPI (the reason for a kick).
		 */
		__asm__ volatile("mfence; lfence" : : : "memory");
		wrmsr(IA32_X2APIC_ICR, (uint64_t)apic_id << 32 | icr);
		return;
	}
	lapic[LAPIC_ICR_HIGH / 4] = apic_id << 24;
	lapic[LAPIC_ICR_LOW / 4] = icr;
	for (uint32_t i = 0; i < 1000000 &&
			     (lapic[LAPIC_ICR_LOW / 4] & ICR_DELIVERY_PENDING);
	     i++)
		cpu_relax();
}

void lapic_send_nmi(uint32_t apic_id)
{
	lapic_send_icr(apic_id, ICR_LEVEL_ASSERT | ICR_NMI);
}

void lapic_init(uint64_t tsc_hz)
{
	uint64_t base = rdmsr(IA32_APIC_BASE);
	uint32_t a, b, c, d;

	/* The 8259s stay programmed by the firmware; mask every line. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);

	x2apic = base & APIC_BASE_EXTD;
	if (!x2apic) {
		base &= 0x000ffffffffff000ull;
		paging_map_mmio(base, 4096, "the local APIC");
		lapic = (volatile uint32_t *)(uintptr_t)base;
	}
	lapic_init_this_cpu();
	tsc_hz_host = tsc_hz;
	cpuid(1, 0, &a, &b, &c, &d);
	tsc_deadline = c & (1u << 24);
	if (!tsc_deadline)
		calibrate();
	pr_info("lapic: %s, idle timer %s", x2apic ? "x2apic" : "xapic",
		tsc_deadline ? "tsc-deadline" : "one-shot");
}

extern const char idle_window_start[], idle_window_end[];
int cpu_idle_hlt(const uint32_t *wake_seq, uint32_t seen);

uint32_t cpu_wake_seq(void)
{
	return __atomic_load_n(&this_cpu()->wake_seq, __ATOMIC_ACQUIRE);
}

void cpu_idle_nmi_fixup(uint64_t *rip)
{
	uint64_t to = idle_window_fixup(*rip,
					(uint64_t)(uintptr_t)idle_window_start,
					(uint64_t)(uintptr_t)idle_window_end);

	if (to != *rip)
		__atomic_fetch_add(&idle_kicks_window, 1, __ATOMIC_RELAXED);
	*rip = to;
}

void cpu_idle_until(uint64_t tsc, uint32_t seen)
{
	uint64_t now = rdtsc();

	if (now >= tsc)
		return;
	if (cpu_wake_seq() != seen) {
		__atomic_fetch_add(&idle_kicks_before, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&idle_waits, 1, __ATOMIC_RELAXED);
	if (tsc == UINT64_MAX) {
		/* Nothing to wait for but another CPU's IPI. */
	} else if (tsc_deadline) {
		lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | HOST_TIMER_VECTOR);
		wrmsr(IA32_TSC_DEADLINE, tsc);
	} else {
		uint64_t count = (tsc - now) / (tsc_hz_host / 1000 ?: 1) *
					 (lapic_hz / 1000) +
				 1;

		lapic_write(LAPIC_LVT_TIMER, HOST_TIMER_VECTOR);
		lapic_write(LAPIC_INITIAL_COUNT,
			    count > 0xffffffff ? 0xffffffff : (uint32_t)count);
	}
	/*
	 * Any interrupt ends the wait, and so does a kick: the window in
	 * cpu_idle_hlt (entry.asm) rechecks the kick count with interrupts
	 * off and turns a kick that lands before the HLT into a skipped HLT.
	 */
	if (cpu_idle_hlt(&this_cpu()->wake_seq, seen))
		__atomic_fetch_add(&idle_kicks_compare, 1, __ATOMIC_RELAXED);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | HOST_TIMER_VECTOR);
}

uint64_t lapic_idle_waits(void)
{
	return idle_waits;
}

void lapic_idle_report(void)
{
	pr_info("idle: %lu wait(s); kicks that came between the last look and the HLT: %lu before the window, %lu at its compare, %lu inside it",
		__atomic_load_n(&idle_waits, __ATOMIC_RELAXED),
		__atomic_load_n(&idle_kicks_before, __ATOMIC_RELAXED),
		__atomic_load_n(&idle_kicks_compare, __ATOMIC_RELAXED),
		__atomic_load_n(&idle_kicks_window, __ATOMIC_RELAXED));
}

void host_interrupt(uint8_t vector)
{
	__atomic_fetch_add(&host_interrupts, 1, __ATOMIC_RELAXED);
	/* Vectors below 32 cannot come from the APIC, and a spurious
	 * interrupt is not in service: neither is ended with an EOI. */
	if (vector < 32 || vector == 0xff)
		return;
	lapic_write(LAPIC_EOI, 0);
}
