// SPDX-License-Identifier: MIT
/*
 * hv's virtual local APIC timer, used as a guest kernel would: x2APIC
 * registers through RDMSR/WRMSR, a periodic timer on its own vector, HLT
 * to wait for each tick, and an EOI from the handler. While the guest
 * sleeps in HLT, hv runs the other partitions, or idles the CPU.
 *
 * cmdline options:
 *   initial=N  the timer's initial count (default 50000); with the
 *              divide configuration at 1 it counts at the TSC rate
 *   verbose=1  print "apictimer: tick N" at each tick
 *   ticks=N    wait for N ticks (default 10)
 *
 * A child prints its summary and halts; the parent powers off.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

#include "lib/string.h"

const char test_name[] = "apictimer";

/* SDM Vol. 3A, "Local APIC"; the x2APIC MSRs are in arch/x86/msr.h. */
#define CPUID1_ECX_X2APIC (1u << 21)
#define SVR_ENABLE (1u << 8)
#define SPURIOUS_VECTOR 0xffu
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
/* Divide configuration 1011b: divide by 1 (SDM Vol. 3A, "APIC Timer"). */
#define DIVIDE_BY_1 0xbu

#define TIMER_VECTOR 0x40
/* Ticks to wait for: cmdline ticks=, 10 unless told. */
static uint64_t ticks = 10;
/* Tries at catching the count between two reloads; a preemption between
 * the two reads can hide a reload, and one clean pair is enough. */
#define COUNT_TRIES 5
#define COUNT_GAP_TURNS 1000

/* Updated by at_isr (apictimer-isr.asm). */
volatile uint64_t at_ticks;
volatile uint64_t at_ticks_in_service;
volatile uint64_t at_last_tick_tsc;
void at_isr(void);

/*
 * The runtime's IDT stops at vector 31. This one keeps its exception
 * gates and adds the timer's; every other vector is not present, so a
 * stray interrupt shows as #NP, which the runtime reports.
 */
static struct idt_gate idt[256] __attribute__((aligned(16)));

static bool idt_install(void)
{
	struct desc_ptr cur, next = { sizeof(idt) - 1,
				      (uint64_t)(uintptr_t)idt };

	asm volatile("sidt %0" : "=m"(cur));
	if ((size_t)cur.limit + 1 > sizeof(idt)) {
		test_fail("apictimer-idt", "the runtime's IDT has limit 0x%x",
			  cur.limit);
		return false;
	}
	memcpy(idt, (const void *)(uintptr_t)cur.base, (size_t)cur.limit + 1);
	set_idt_gate(&idt[TIMER_VECTOR], (uint64_t)(uintptr_t)at_isr,
		     RT_SEL_KCODE, 0, GATE_INTERRUPT);
	asm volatile("lidt %0" : : "m"(next) : "memory");
	return true;
}

static bool check_x2apic(void)
{
	uint64_t base = rdmsr(IA32_APIC_BASE);
	uint64_t version = rdmsr(IA32_X2APIC_VERSION);

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_X2APIC)) {
		test_fail("apictimer-x2apic",
			  "CPUID.1:ECX has no x2APIC (bit 21)");
		return false;
	}
	if ((base & (APIC_BASE_EN | APIC_BASE_EXTD)) !=
	    (APIC_BASE_EN | APIC_BASE_EXTD)) {
		test_fail("apictimer-x2apic",
			  "IA32_APIC_BASE 0x%lx: not enabled in x2APIC mode",
			  (unsigned long)base);
		return false;
	}
	/* Versions 0x10-0x15 are integrated APICs. */
	if ((version & 0xf0) != 0x10) {
		test_fail("apictimer-x2apic", "version register 0x%lx",
			  (unsigned long)version);
		return false;
	}
	rt_printf("apictimer: x2apic id %lu, version 0x%lx\n",
		  (unsigned long)rdmsr(IA32_X2APIC_APICID), (unsigned long)version);
	test_pass("apictimer-x2apic");
	return true;
}

static void spin(uint64_t turns)
{
	asm volatile("1: dec %0\n\tjnz 1b" : "+r"(turns) : : "cc");
}

/* The count runs down between two reads, from at most the initial count. */
static void check_current_count(uint32_t initial)
{
	uint64_t c1 = 0, c2 = 0;

	for (int i = 0; i < COUNT_TRIES; i++) {
		c1 = rdmsr(IA32_X2APIC_CUR_COUNT);
		spin(COUNT_GAP_TURNS);
		c2 = rdmsr(IA32_X2APIC_CUR_COUNT);
		if (c2 < c1 && c1 <= initial) {
			test_pass("apictimer-current-count");
			return;
		}
	}
	test_fail("apictimer-current-count",
		  "read %lu then %lu, initial count %u",
		  (unsigned long)c1, (unsigned long)c2, initial);
}

static bool program_timer(uint32_t initial, uint64_t *armed_tsc)
{
	uint64_t lvt = TIMER_VECTOR | LVT_PERIODIC, got;

	wrmsr(IA32_X2APIC_SIVR, SVR_ENABLE | SPURIOUS_VECTOR);
	wrmsr(IA32_X2APIC_DIV_CONF, DIVIDE_BY_1);
	wrmsr(IA32_X2APIC_LVT_TIMER, lvt);
	got = rdmsr(IA32_X2APIC_LVT_TIMER);
	if (got != lvt) {
		test_fail("apictimer-program",
			  "LVT timer reads 0x%lx, wrote 0x%lx",
			  (unsigned long)got, (unsigned long)lvt);
		return false;
	}
	/* Before the write that starts the count: hv's deadline is later. */
	*armed_tsc = rdtsc();
	wrmsr(IA32_X2APIC_INIT_COUNT, initial);
	test_pass("apictimer-program");
	return true;
}

/*
 * Each tick's interrupt wakes the HLT. However late hv delivers, tick n
 * cannot come before n periods from the start, so `ticks` ticks take at
 * least that many periods of TSC time.
 */
static void wait_ticks(uint32_t initial, uint64_t armed_tsc, bool verbose)
{
	uint64_t seen = 0, elapsed;

	for (;;) {
		asm volatile("cli" : : : "memory");
		/* Every tick is named, even two that came while the last
		 * line was printing. */
		while (verbose && seen < at_ticks)
			rt_printf("apictimer: tick %lu\n", (unsigned long)++seen);
		if (at_ticks >= ticks)
			break;
		/* STI's shadow covers the HLT: no tick slips in between the
		 * test above and the HLT, which would then wait a period. */
		asm volatile("sti; hlt" : : : "memory");
	}
	elapsed = at_last_tick_tsc - armed_tsc;
	if (elapsed < ticks * initial)
		test_fail("apictimer-periodic",
			  "%lu ticks after %lu TSC ticks, before %u periods of %u",
			  (unsigned long)at_ticks, (unsigned long)elapsed,
			  (unsigned)ticks, initial);
	else
		test_pass("apictimer-periodic");
}

/* Every tick was in service in its handler, and none is after its EOI. */
static void check_eoi(void)
{
	uint64_t isr = rdmsr(IA32_X2APIC_ISR2);

	if (at_ticks_in_service != at_ticks)
		test_fail("apictimer-eoi",
			  "vector 0x%x in service in %lu of %lu handler runs",
			  TIMER_VECTOR, (unsigned long)at_ticks_in_service,
			  (unsigned long)at_ticks);
	else if (isr & 1)
		test_fail("apictimer-eoi",
			  "vector 0x%x still in service after its EOI",
			  TIMER_VECTOR);
	else
		test_pass("apictimer-eoi");
}

void test_main(const struct hv_start_info *si)
{
	uint32_t initial = (uint32_t)rt_cmdline_u64(si, "initial", 50000);
	bool verbose = rt_cmdline_u64(si, "verbose", 0) != 0;
	uint64_t armed_tsc;

	ticks = rt_cmdline_u64(si, "ticks", 10);

	if (idt_install() && check_x2apic() &&
	    program_timer(initial, &armed_tsc)) {
		check_current_count(initial);
		wait_ticks(initial, armed_tsc, verbose);
		/* Masked and stopped: no tick after this point. */
		wrmsr(IA32_X2APIC_LVT_TIMER, TIMER_VECTOR | LVT_MASKED);
		wrmsr(IA32_X2APIC_INIT_COUNT, 0);
		check_eoi();
	}
	if (!(si->flags & HV_START_PARENT)) {
		test_summary();
		rt_halt();
	}
}
