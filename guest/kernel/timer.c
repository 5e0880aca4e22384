// SPDX-License-Identifier: MIT
/*
 * The preemption tick: the local APIC timer in x2APIC mode, periodic,
 * raising VEC_TIMER. hv gives every vCPU such an APIC, with a timer that
 * counts at the TSC rate divided by the divide configuration
 * (docs/architecture.md, "The virtual local APIC").
 *
 * The kernel runs with interrupts off: interrupt gates and SFMASK clear
 * IF on every way in, and only ring 3 runs with IF set (the RFLAGS a
 * program starts with, and that SYSRET and IRETQ restore). A tick that
 * falls due while the kernel works for a program waits for the return to
 * ring 3, and then ends the program's turn. The one exception is
 * timer_restart, which opens a window of one instruction in ring 0.
 *
 * The timer restarts whenever a program is dispatched, so that every turn
 * lasts a whole period unless the program yields, waits or ends.
 */
#include "guest/kernel/kernel.h"

/* Whether the APIC is in x2APIC mode: the EOI register is an MSR only
 * then, and a #GP otherwise. */
static bool x2apic_on;
/* The timer's period in TSC ticks; 0 while it is stopped. */
static uint32_t timer_period;

void apic_eoi(void)
{
	if (x2apic_on)
		wrmsr(IA32_X2APIC_EOI, 0);
}

bool timer_start(uint32_t period)
{
	uint64_t base;

	if (!period) {
		kprintf("kernel: tick=0: programs are not preempted\n");
		return false;
	}
	if (!(cpuid(1, 0).ecx & CPUID1_ECX_X2APIC)) {
		kprintf("kernel: no x2APIC: programs are not preempted\n");
		return false;
	}
	/*
	 * x2APIC mode is reached from xAPIC mode only, never straight from
	 * a disabled APIC (SDM Vol. 3A, "x2APIC State Transitions"). hv's
	 * APIC is in x2APIC mode from the start, and needs no write.
	 */
	base = rdmsr(IA32_APIC_BASE);
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(IA32_APIC_BASE, base);
	}
	if (!(base & APIC_BASE_EXTD))
		wrmsr(IA32_APIC_BASE, base | APIC_BASE_EXTD);
	x2apic_on = true;

	wrmsr(IA32_X2APIC_SIVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
	wrmsr(IA32_X2APIC_DIV_CONF, APIC_DIV_BY_1);
	wrmsr(IA32_X2APIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_TIMER);
	/* Last: writing the initial count starts the timer. */
	wrmsr(IA32_X2APIC_INIT_COUNT, period);
	timer_period = period;
	kprintf("kernel: preempting programs every %u TSC ticks (vector %u)\n",
		period, VEC_TIMER);
	return true;
}

void timer_stop(void)
{
	if (!timer_period)
		return;
	wrmsr(IA32_X2APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
	wrmsr(IA32_X2APIC_INIT_COUNT, 0);
	timer_period = 0;
}

void timer_restart(void)
{
	if (!timer_period)
		return;
	/* A write of the initial count starts a new period at once. */
	wrmsr(IA32_X2APIC_INIT_COUNT, timer_period);
	/*
	 * A tick that fell due in the kernel, after the last program's
	 * turn, is still requested, and would end the next turn as soon as
	 * it began. One instruction with interrupts on takes it here, in
	 * ring 0, where it preempts nothing; STI holds interrupts off for
	 * one more instruction (SDM Vol. 2B, "STI"), hence the NOP.
	 */
	asm volatile("sti; nop; cli" : : : "memory");
}

uint32_t timer_period_ticks(void)
{
	return timer_period;
}

void timer_idle(void)
{
	/*
	 * HLT in STI's shadow: a tick requested before the STI is taken
	 * after the HLT, not before it, so it cannot slip past and leave
	 * the kernel halted for a whole period. hv gives the CPU to other
	 * partitions until this vCPU's timer falls due (docs/architecture.md,
	 * "Scheduling"); the tick's handler returns here, in ring 0.
	 */
	asm volatile("sti; hlt; cli" : : : "memory");
}

void timer_interrupt(const struct trap_frame *f)
{
	/*
	 * EOI first: until then the vector stays in service, and the APIC
	 * holds back every later tick, whichever program runs next.
	 */
	apic_eoi();
	/* From ring 0 there is nothing to preempt: return to the kernel. */
	if ((f->cs & 3) == 3 && current)
		proc_preempt();
}
