// SPDX-License-Identifier: MIT
/*
 * pcapic: the local APIC of one CPU, register by register, and its timer
 * in one-shot, periodic and TSC-deadline modes (docs/platform.md, "Local
 * APIC"). x2APIC mode where CPUID shows it (hv), xAPIC MMIO where not
 * (QEMU's TCG) or with xapic=1 (guest/tests/pc/rt/lapic.h). The
 * IA32_APIC_BASE transitions run in x2APIC mode only: from xAPIC mode
 * the kernel could not come back to x2APIC without disabling it.
 */
#include "guest/tests/pc/rt/lapic.h"
#include "guest/tests/pc/rt/pcrt.h"

const char test_name[] = "pcapic";

#define VEC_TIMER 0x40
#define VEC_SELF 0x50
#define VEC_SELF2 0x51
/* bench=1: two vectors whose EOIs are timed; bench-eoi.scn has hv watch
 * the second (watch_eoi = 113), so its EOI exits where the first's
 * does not. */
#define VEC_EOI_PLAIN 0x70
#define VEC_EOI_WATCHED 0x71
#define BENCH_ROUNDS 64

struct iframe;

static volatile uint32_t timer_hits, self_hits, self2_hits;
static volatile uint32_t isr_seen; /* ISR word 2 inside the handler */
static volatile uint32_t eoi_hits;
static volatile uint64_t eoi_ticks; /* the EOI writes' TSC ticks, summed */

static bool irr_has(uint32_t v)
{
	return lapic_read(LAPIC_IRR + (v / 32) * 0x10) & (1u << (v % 32));
}

static bool isr_has(uint32_t v)
{
	return lapic_read(LAPIC_ISR + (v / 32) * 0x10) & (1u << (v % 32));
}

__attribute__((interrupt)) static void on_timer(struct iframe *f)
{
	(void)f;
	timer_hits++;
	lapic_eoi();
}

__attribute__((interrupt)) static void on_self(struct iframe *f)
{
	(void)f;
	isr_seen = isr_has(VEC_SELF);
	self_hits++;
	lapic_eoi();
}

/* The EOI alone is timed: the write and, where it exits, the exit. */
__attribute__((interrupt)) static void on_eoi_bench(struct iframe *f)
{
	uint64_t t0;

	(void)f;
	t0 = rdtsc();
	lapic_eoi();
	eoi_ticks += rdtsc() - t0;
	eoi_hits++;
}

__attribute__((interrupt)) static void on_self2(struct iframe *f)
{
	(void)f;
	self2_hits++;
	lapic_eoi();
}

/* Interrupts on until *counter reaches want or the TSC has run ticks;
 * off again after. halt: HLT between looks, which an interrupt ends. */
static bool wait_for(volatile uint32_t *counter, uint32_t want, uint64_t ticks,
		     bool halt)
{
	uint64_t end = rdtsc() + ticks;

	/* STI's shadow makes "sti; hlt" one step: an interrupt that comes
	 * after the look ends the HLT instead of being taken before it. */
	if (!halt)
		asm volatile("sti");
	while (*counter < want && rdtsc() < end) {
		if (halt)
			asm volatile("sti; hlt; cli");
		else
			asm volatile("pause");
	}
	asm volatile("cli");
	return *counter >= want;
}

static uint32_t want_gp_arg;

static void write_base(void *arg)
{
	(void)arg;
	wrmsr(MSR_APIC_BASE, want_gp_arg);
}

static void base_transitions(uint32_t base)
{
	uint32_t r;

	test_check("apic-base-reset",
		   (base & ~0xfffu) == 0xfee00000u && (base & APIC_BASE_EN) &&
			   (base & APIC_BASE_BSP) && !(base & APIC_BASE_EXTD),
		   "IA32_APIC_BASE 0x%x", base);
	if (!lapic_x2[0]) {
		test_skip("apic-base-transitions", "xAPIC mode: no x2APIC");
		return;
	}
	test_check("apic-base-x2apic",
		   (uint32_t)rdmsr(MSR_APIC_BASE) ==
			   (base | APIC_BASE_EXTD),
		   "0x%x", (uint32_t)rdmsr(MSR_APIC_BASE));
	/* SDM "Local x2APIC State Transitions": x2APIC to xAPIC and EXTD
	 * without EN are #GP; the mode stays. */
	want_gp_arg = base & ~APIC_BASE_EXTD;
	r = pc_try(write_base, NULL);
	test_check("apic-base-x2-to-xapic", r == VEC_GP + 1, "vector %d",
		   (int)r - 1);
	want_gp_arg = (base & ~APIC_BASE_EN) | APIC_BASE_EXTD;
	r = pc_try(write_base, NULL);
	test_check("apic-base-extd-no-en", r == VEC_GP + 1, "vector %d",
		   (int)r - 1);
	test_check("apic-base-kept",
		   (uint32_t)rdmsr(MSR_APIC_BASE) == (base | APIC_BASE_EXTD),
		   "0x%x", (uint32_t)rdmsr(MSR_APIC_BASE));
}

static void registers(uint32_t id)
{
	uint32_t v = lapic_read(LAPIC_VERSION), ldr;

	test_check("apic-id", id == lapic_initial_id(), "id %u, CPUID %u", id,
		   lapic_initial_id());
	test_check("apic-version", (v & 0xff) >= 0x10 && (v & 0xff) <= 0x15 &&
					   ((v >> 16) & 0xff) >= 4,
		   "0x%x", v);
	lapic_write(LAPIC_TPR, 0x20);
	test_check("apic-tpr", lapic_read(LAPIC_TPR) == 0x20, "0x%x",
		   lapic_read(LAPIC_TPR));
	test_check("apic-ppr", lapic_read(LAPIC_PPR) == 0x20, "0x%x",
		   lapic_read(LAPIC_PPR));
	lapic_write(LAPIC_TPR, 0);
	ldr = lapic_read(LAPIC_LDR);
	if (lapic_x2[0]) {
		test_check("apic-ldr", ldr == ((id >> 4) << 16 | 1u << (id & 15)),
			   "0x%x", ldr);
	} else {
		test_check("apic-dfr", lapic_read(LAPIC_DFR) == 0xffffffffu,
			   "0x%x", lapic_read(LAPIC_DFR));
		lapic_write(LAPIC_LDR, 0x05000000u);
		test_check("apic-ldr", lapic_read(LAPIC_LDR) == 0x05000000u,
			   "0x%x", lapic_read(LAPIC_LDR));
	}
	test_check("apic-svr", (lapic_read(LAPIC_SVR) & 0x1ff) == 0x1ff, "0x%x",
		   lapic_read(LAPIC_SVR));
	lapic_write(LAPIC_ESR, 0);
	test_check("apic-esr", lapic_read(LAPIC_ESR) == 0, "0x%x",
		   lapic_read(LAPIC_ESR));
	lapic_write(LAPIC_LVT_LINT0, 0x10000 | 0x700); /* masked ExtINT */
	lapic_write(LAPIC_LVT_ERROR, 0x10000 | 0xfe);
	test_check("apic-lvt", (lapic_read(LAPIC_LVT_LINT0) & 0x1ffff) ==
					(0x10000 | 0x700) &&
				(lapic_read(LAPIC_LVT_ERROR) & 0x1ffff) ==
					(0x10000 | 0xfe),
		   "lint0 0x%x error 0x%x", lapic_read(LAPIC_LVT_LINT0),
		   lapic_read(LAPIC_LVT_ERROR));
	lapic_write(LAPIC_DIV_CONF, 0xb);
	test_check("apic-divide", (lapic_read(LAPIC_DIV_CONF) & 0xb) == 0xb,
		   "0x%x", lapic_read(LAPIC_DIV_CONF));
}

/* A self IPI: requested (IRR) while interrupts are off, in service
 * (ISR) in its handler, gone after the EOI; the TPR holds it off. */
static void self_ipis(void)
{
	lapic_send(0, ICR_SELF | ICR_FIXED | VEC_SELF);
	test_check("apic-irr", irr_has(VEC_SELF), "IRR word 0x%x",
		   lapic_read(LAPIC_IRR + 0x20));
	wait_for(&self_hits, 1, 1000000, false);
	test_check("apic-self-ipi", self_hits == 1 && isr_seen,
		   "%u interrupt(s), ISR bit %u", self_hits, isr_seen);
	test_check("apic-isr-eoi", !isr_has(VEC_SELF) && !irr_has(VEC_SELF),
		   "ISR 0x%x IRR 0x%x", lapic_read(LAPIC_ISR + 0x20),
		   lapic_read(LAPIC_IRR + 0x20));
	/* TPR class 6 masks vector 0x50 (class 5) until it is lowered. */
	lapic_write(LAPIC_TPR, 0x60);
	lapic_send(0, ICR_SELF | ICR_FIXED | VEC_SELF);
	wait_for(&self_hits, 2, 200000, false);
	test_check("apic-tpr-masks", self_hits == 1 && irr_has(VEC_SELF),
		   "%u interrupt(s)", self_hits);
	lapic_write(LAPIC_TPR, 0);
	wait_for(&self_hits, 2, 1000000, false);
	test_check("apic-tpr-unmasks", self_hits == 2, "%u interrupt(s)",
		   self_hits);
	/* Requested with interrupts off, then "sti; hlt": the HLT, in STI's
	 * shadow, exits with the vector requested (under virtual-interrupt
	 * delivery by the CPU itself, with no exit) and must end at once,
	 * not wait for a wake that never comes. */
	lapic_send(0, ICR_SELF | ICR_FIXED | VEC_SELF);
	wait_for(&self_hits, 3, 1000000, true);
	test_check("apic-self-ipi-hlt", self_hits == 3, "%u interrupt(s)",
		   self_hits);
	if (lapic_x2[0]) {
		wrmsr(0x83f, VEC_SELF2); /* the x2APIC SELF IPI register */
		wait_for(&self2_hits, 1, 1000000, false);
		test_check("apic-x2-self-ipi", self2_hits == 1,
			   "%u interrupt(s)", self2_hits);
	} else {
		test_skip("apic-x2-self-ipi", "xAPIC mode");
	}
}

static void timer_oneshot(void)
{
	uint32_t c1, c2;

	timer_hits = 0;
	/* Divide by 128, the count far off: it counts down, and a count
	 * of 0 stops it. */
	lapic_write(LAPIC_DIV_CONF, 0xa);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | 0x10000);
	lapic_write(LAPIC_INIT_COUNT, 0x40000000u);
	c1 = lapic_read(LAPIC_CUR_COUNT);
	for (int i = 0; i < 100000; i++)
		asm volatile("pause");
	c2 = lapic_read(LAPIC_CUR_COUNT);
	test_check("timer-oneshot-count", c1 <= 0x40000000u && c2 < c1 && c2,
		   "%u then %u", c1, c2);
	lapic_write(LAPIC_INIT_COUNT, 0);
	test_check("timer-oneshot-stop", lapic_read(LAPIC_CUR_COUNT) == 0,
		   "current count %u", lapic_read(LAPIC_CUR_COUNT));
	lapic_write(LAPIC_DIV_CONF, 0xb); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);
	lapic_write(LAPIC_INIT_COUNT, 400000);
	/* HLT with interrupts on: the timer wakes it. */
	wait_for(&timer_hits, 1, 400000000ull, true);
	test_check("timer-oneshot", timer_hits == 1, "%u interrupt(s)",
		   timer_hits);
	test_check("timer-oneshot-done", lapic_read(LAPIC_CUR_COUNT) == 0,
		   "current count %u", lapic_read(LAPIC_CUR_COUNT));
	wait_for(&timer_hits, 2, 2000000, false);
	test_check("timer-oneshot-once", timer_hits == 1, "%u interrupt(s)",
		   timer_hits);
}

static void timer_periodic(void)
{
	timer_hits = 0;
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | 1u << 17);
	lapic_write(LAPIC_INIT_COUNT, 200000);
	wait_for(&timer_hits, 3, 400000000ull, true);
	lapic_write(LAPIC_INIT_COUNT, 0); /* stops it */
	test_check("timer-periodic", timer_hits >= 3, "%u interrupt(s)",
		   timer_hits);
	test_check("timer-periodic-reload", lapic_read(LAPIC_INIT_COUNT) == 0,
		   "initial count %u", lapic_read(LAPIC_INIT_COUNT));
}

static void timer_deadline(void)
{
	if (!lapic_cpuid_tsc_deadline()) {
		test_skip("timer-tsc-deadline", "CPUID.1:ECX.TSC_DEADLINE is 0");
		return;
	}
	timer_hits = 0;
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | 2u << 17);
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + 300000);
	test_check("timer-tsc-deadline-armed", rdmsr(MSR_TSC_DEADLINE) != 0,
		   "the MSR reads 0");
	wait_for(&timer_hits, 1, 400000000ull, true);
	test_check("timer-tsc-deadline", timer_hits == 1, "%u interrupt(s)",
		   timer_hits);
	test_check("timer-tsc-deadline-cleared", rdmsr(MSR_TSC_DEADLINE) == 0,
		   "the MSR reads 0x%llx",
		   (unsigned long long)rdmsr(MSR_TSC_DEADLINE));
	/* A deadline already passed fires at once; 0 disarms. */
	wrmsr(MSR_TSC_DEADLINE, 1);
	wait_for(&timer_hits, 2, 2000000, false);
	test_check("timer-tsc-deadline-past", timer_hits == 2,
		   "%u interrupt(s)", timer_hits);
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + 100000);
	wrmsr(MSR_TSC_DEADLINE, 0);
	wait_for(&timer_hits, 3, 1000000, false);
	test_check("timer-tsc-deadline-disarm", timer_hits == 2,
		   "%u interrupt(s)", timer_hits);
	lapic_write(LAPIC_LVT_TIMER, 0x10000);
}

/* Self IPIs of vector, each taken and ended: the mean EOI. */
static uint32_t eoi_mean(uint32_t vector)
{
	eoi_hits = 0;
	eoi_ticks = 0;
	for (uint32_t i = 0; i < BENCH_ROUNDS; i++) {
		lapic_send(0, ICR_SELF | ICR_FIXED | vector);
		wait_for(&eoi_hits, i + 1, 1000000, false);
	}
	return eoi_hits == BENCH_ROUNDS ? (uint32_t)(eoi_ticks / BENCH_ROUNDS) : 0;
}

static void bench(void)
{
	uint32_t plain = eoi_mean(VEC_EOI_PLAIN);
	uint32_t watched = eoi_mean(VEC_EOI_WATCHED);

	test_check("bench", plain && watched, "EOIs %u and %u ticks", plain,
		   watched);
	pc_printf("bench: pc_eoi_no_exit %u\n", plain);
	pc_printf("bench: pc_eoi_exit %u\n", watched);
}

void test_main(uint32_t magic, const struct mb_info *mbi)
{
	uint32_t base = (uint32_t)rdmsr(MSR_APIC_BASE), id;

	(void)magic;
	(void)mbi;
	pc_set_gate(VEC_TIMER, (void (*)(void))on_timer);
	pc_set_gate(VEC_SELF, (void (*)(void))on_self);
	pc_set_gate(VEC_SELF2, (void (*)(void))on_self2);
	pc_set_gate(VEC_EOI_PLAIN, (void (*)(void))on_eoi_bench);
	pc_set_gate(VEC_EOI_WATCHED, (void (*)(void))on_eoi_bench);
	id = lapic_setup();
	pc_printf("pcapic: APIC in %s mode, id %u\n",
		  lapic_x2[0] ? "x2APIC" : "xAPIC", id);
	base_transitions(base);
	registers(id);
	self_ipis();
	timer_oneshot();
	timer_periodic();
	timer_deadline();
	if (pc_cmdline_u32("bench", 0))
		bench();
}
