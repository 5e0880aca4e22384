// SPDX-License-Identifier: MIT
/*
 * pcsmp: a PC's SMP start-up and IPIs between 2 to 16 CPUs (fw_cfg's CPU
 * count; docs/platform.md, "Start-up"). The BSP starts each other CPU
 * with INIT, INIT de-assert and two start-up IPIs, as an OS does; each
 * prints from real mode and 32-bit protected mode (pcsmp-ap.asm), then
 * waits in HLT with interrupts on. The BSP then sends IPIs of every
 * delivery mode, by physical and logical destination and by shorthand,
 * wakes an AP halted with interrupts off by an NMI, restarts one by INIT,
 * and last takes each AP to long mode, where it prints again.
 */
#include "guest/tests/pc/rt/lapic.h"
#include "guest/tests/pc/rt/pcrt.h"

const char test_name[] = "pcsmp";

#define AP_BASE 0x30000u
#define AP_VECTOR (AP_BASE >> 12)
#define VEC_IPI 0x60 /* counted in hits[] */
#define VEC_WAKE 0x61 /* ends an AP's HLT to read its command */
#define VEC_ACK 0x62 /* bench=1: an AP's answer, which wakes the BSP */
#define VEC_TIMER 0x40 /* bench=1: the TSC-deadline timer */
#define BENCH_ROUNDS 64
#define MAX_CPUS 16
#define WAIT_TICKS 2000000000ull

enum { CMD_NONE, CMD_SEND_BSP, CMD_HLT_CLI, CMD_LONG };

struct iframe;

extern char ap_start[], ap_end[], ap_gdtr[];
extern volatile uint32_t ap_long_done[MAX_CPUS];
void ap_main(uint32_t id);
void pcsmp_long(uint32_t id) __attribute__((noreturn));

uint8_t ap_stacks[MAX_CPUS * 4096] __attribute__((aligned(16)));
uint64_t pcsmp_pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));

static volatile uint32_t hits[MAX_CPUS], nmis[MAX_CPUS], boots[MAX_CPUS];
static volatile uint32_t up[MAX_CPUS], cmd[MAX_CPUS], halted[MAX_CPUS],
	woke[MAX_CPUS];
static uint32_t cpus;
/* bench=1 (bench-pc.scn): when the IPI or the timer reached its handler. */
static bool bench;
static volatile uint32_t recv_tsc[MAX_CPUS], acks, timer_hits, timer_tsc;

static uint32_t me(void)
{
	return lapic_initial_id() & (MAX_CPUS - 1);
}

__attribute__((interrupt)) static void on_ipi(struct iframe *f)
{
	uint32_t t = (uint32_t)rdtsc(), id = me();

	(void)f;
	recv_tsc[id] = t;
	__atomic_fetch_add(&hits[id], 1, __ATOMIC_SEQ_CST);
	lapic_eoi();
	if (bench && id)
		lapic_send(0, ICR_FIXED | VEC_ACK);
}

__attribute__((interrupt)) static void on_ack(struct iframe *f)
{
	(void)f;
	acks++;
	lapic_eoi();
}

__attribute__((interrupt)) static void on_timer(struct iframe *f)
{
	(void)f;
	timer_tsc = (uint32_t)rdtsc();
	timer_hits++;
	lapic_eoi();
}

__attribute__((interrupt)) static void on_wake(struct iframe *f)
{
	(void)f;
	lapic_eoi();
}

/* nmi_nest(): set while the BSP checks that its NMI handler is not
 * entered again before its IRET. */
static volatile uint32_t nest_armed, nest_depth, nest_max;

__attribute__((interrupt)) static void on_nmi(struct iframe *f)
{
	uint32_t a, b, c, d;

	(void)f;
	__atomic_fetch_add(&nmis[me()], 1, __ATOMIC_SEQ_CST);
	if (!nest_armed || me())
		return;
	if (++nest_depth > nest_max)
		nest_max = nest_depth;
	if (nest_armed == 1) {
		nest_armed = 2;
		/* A second NMI while this one is handled waits for the IRET;
		 * so it must across a CPUID that hv completes (an exit). */
		lapic_send(0, ICR_NMI);
		cpuid(0, 0, &a, &b, &c, &d);
		for (uint64_t end = rdtsc() + 200000; rdtsc() < end;)
			asm volatile("pause");
	}
	nest_depth--;
}

/* Waits, interrupts on, until *p reaches want or time runs out. */
static bool wait_for(volatile uint32_t *p, uint32_t want)
{
	uint64_t end = rdtsc() + WAIT_TICKS;

	asm volatile("sti");
	while (*p < want && rdtsc() < end)
		asm volatile("pause");
	asm volatile("cli");
	return *p >= want;
}

/* Lets IPIs that should not come have their chance to. */
static void settle(void)
{
	uint64_t end = rdtsc() + 20000000;

	asm volatile("sti");
	while (rdtsc() < end)
		asm volatile("pause");
	asm volatile("cli");
}

void ap_main(uint32_t id)
{
	pc_load_descriptors();
	lapic_setup();
	if (!lapic_x2[id]) {
		/* xAPIC logical flat mode: one bit of LDR[31:24] each. */
		lapic_write(LAPIC_DFR, 0xffffffffu);
		lapic_write(LAPIC_LDR, (1u << id) << 24);
	}
	pc_printf("vcpu %u: 32-bit protected mode, APIC id %u\n", id,
		  lapic_id());
	boots[id]++;
	__atomic_store_n(&up[id], 1, __ATOMIC_SEQ_CST);
	for (;;) {
		uint32_t c;

		asm volatile("sti; hlt; cli");
		c = __atomic_exchange_n(&cmd[id], CMD_NONE, __ATOMIC_SEQ_CST);
		if (c == CMD_SEND_BSP) {
			lapic_send(0, ICR_FIXED | VEC_IPI);
		} else if (c == CMD_HLT_CLI) {
			__atomic_store_n(&halted[id], 1, __ATOMIC_SEQ_CST);
			asm volatile("cli; hlt");
			__atomic_store_n(&woke[id], 1, __ATOMIC_SEQ_CST);
		} else if (c == CMD_LONG) {
			pcsmp_long(id);
		}
	}
}

static void command(uint32_t k, uint32_t c)
{
	__atomic_store_n(&cmd[k], c, __ATOMIC_SEQ_CST);
	lapic_send(k, ICR_FIXED | VEC_WAKE);
}

static void start_aps(void)
{
	struct gdtr {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) *g;
	uint32_t ok = 0;

	/* The copy's GDTR operand is the kernel's GDT, for the switch. */
	memcpy((void *)AP_BASE, ap_start, (size_t)(ap_end - ap_start));
	g = (struct gdtr *)(AP_BASE + (uint32_t)(ap_gdtr - ap_start));
	asm volatile("sgdt %0" : "=m"(*g));
	for (uint32_t k = 1; k < cpus; k++) {
		lapic_send(k, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
		lapic_send(k, ICR_INIT | ICR_LEVEL); /* de-assert: ignored */
		lapic_send(k, ICR_STARTUP | AP_VECTOR);
		if (wait_for(&up[k], 1))
			ok++;
		/* Linux sends a second one: a running CPU ignores it. */
		lapic_send(k, ICR_STARTUP | AP_VECTOR);
	}
	settle();
	test_check("init-sipi-start", ok == cpus - 1, "%u of %u CPUs came up",
		   ok, cpus - 1);
	ok = 0;
	for (uint32_t k = 1; k < cpus; k++)
		ok += boots[k] == 1;
	test_check("second-sipi-ignored", ok == cpus - 1,
		   "%u of %u CPUs started once", ok, cpus - 1);
}

static uint32_t sum_hits(uint32_t from)
{
	uint32_t n = 0;

	for (uint32_t k = from; k < cpus; k++)
		n += hits[k];
	return n;
}

/* Until some AP's hits have gone past total, or WAIT_TICKS. */
static void wait_any_ap(uint32_t total)
{
	uint64_t end = rdtsc() + WAIT_TICKS;

	asm volatile("sti");
	while (sum_hits(1) <= total && rdtsc() < end)
		asm volatile("pause");
	asm volatile("cli");
}

/* Every AP's hits went up by one after send(). */
static bool each_ap_once(uint32_t dest, uint32_t icr)
{
	uint32_t before[MAX_CPUS], ok = 0;

	for (uint32_t k = 0; k < cpus; k++)
		before[k] = hits[k];
	lapic_send(dest, icr);
	for (uint32_t k = 1; k < cpus; k++)
		ok += wait_for(&hits[k], before[k] + 1);
	settle();
	for (uint32_t k = 1; k < cpus; k++)
		if (hits[k] != before[k] + 1)
			ok = 0;
	return ok == cpus - 1;
}

static void ipis(void)
{
	uint32_t mask = ((1u << cpus) - 1) & ~1u, b0, total;
	bool ok = true;

	for (uint32_t k = 1; k < cpus; k++) {
		uint32_t before = hits[k];

		lapic_send(k, ICR_FIXED | VEC_IPI);
		ok &= wait_for(&hits[k], before + 1);
	}
	test_check("ipi-fixed-physical-hlt-wakes", ok, "an AP missed it");
	b0 = hits[0];
	command(1, CMD_SEND_BSP);
	test_check("ipi-ap-to-bsp", wait_for(&hits[0], b0 + 1), "none came");
	test_check("ipi-fixed-logical", each_ap_once(mask, ICR_FIXED | ICR_LOGICAL | VEC_IPI),
		   "not once on every AP");
	b0 = hits[0];
	test_check("ipi-all-but-self", each_ap_once(0, ICR_OTHERS | VEC_IPI) &&
					       hits[0] == b0,
		   "BSP %u", hits[0] - b0);
	test_check("ipi-all-incl-self", each_ap_once(0, ICR_ALL | VEC_IPI) &&
						hits[0] == b0 + 1,
		   "BSP %u", hits[0] - b0);
	b0 = hits[0];
	lapic_send(0, ICR_SELF | VEC_IPI);
	test_check("ipi-self", wait_for(&hits[0], b0 + 1), "none came");
	total = sum_hits(1);
	lapic_send(mask, ICR_LOWEST | ICR_LOGICAL | VEC_IPI);
	/* First the one delivery, however long the APs take to run (under
	 * a loaded host's QEMU, longer than settle's span); then time for a
	 * wrong second one to land. */
	wait_any_ap(total);
	settle();
	test_check("ipi-lowest-priority", sum_hits(1) == total + 1,
		   "%u APs took it", sum_hits(1) - total);
	ok = true;
	for (uint32_t k = 1; k < cpus; k++) {
		uint32_t before = nmis[k];

		lapic_send(k, ICR_NMI);
		ok &= wait_for(&nmis[k], before + 1);
	}
	test_check("ipi-nmi", ok, "an AP missed it");
	/* An ID no CPU has: nothing is delivered (hv counts it dropped). */
	total = sum_hits(0);
	lapic_send(cpus + 1, ICR_FIXED | VEC_IPI);
	settle();
	test_check("ipi-no-target", sum_hits(0) == total, "it was delivered");
}

/* HLT with IF=0 waits for an NMI (or INIT) and is no end. */
static void hlt_cli(void)
{
	uint32_t before = nmis[1];

	command(1, CMD_HLT_CLI);
	wait_for(&halted[1], 1);
	settle();
	test_check("hlt-cli-waits", halted[1] && !woke[1], "halted %u woke %u",
		   halted[1], woke[1]);
	lapic_send(1, ICR_NMI);
	test_check("hlt-cli-nmi-wakes", wait_for(&woke[1], 1) &&
						nmis[1] == before + 1,
		   "woke %u, %u NMI(s)", woke[1], nmis[1] - before);
}

/* SDM "Virtual NMIs" and "NMI Handling": NMIs are blocked from one's
 * delivery to the next IRET, whatever the handler runs meanwhile. */
static void nmi_nest(void)
{
	uint32_t before = nmis[0];

	nest_armed = 1;
	lapic_send(0, ICR_NMI);
	wait_for(&nmis[0], before + 2);
	nest_armed = 0;
	test_check("nmi-blocked-to-iret", nmis[0] == before + 2 && nest_max == 1,
		   "%u NMI(s), handler %u deep", nmis[0] - before, nest_max);
}

/* INIT puts a running CPU back to waiting for a start-up IPI. */
static void init_restart(void)
{
	uint32_t k = cpus - 1;

	up[k] = 0;
	lapic_send(k, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	lapic_send(k, ICR_INIT | ICR_LEVEL);
	lapic_send(k, ICR_STARTUP | AP_VECTOR);
	test_check("init-restarts", wait_for(&up[k], 1) && boots[k] == 2,
		   "up %u, %u boot(s)", up[k], boots[k]);
}

static void long_mode(void)
{
	uint32_t ok = 0;

	for (uint32_t i = 0; i < 512; i++)
		pd[i] = (uint64_t)i << 21 | 0x83; /* 2 MiB, present, writable */
	pdpt[0] = (uint32_t)pd | 3;
	pcsmp_pml4[0] = (uint32_t)pdpt | 3;
	for (uint32_t k = 1; k < cpus; k++) {
		command(k, CMD_LONG);
		ok += wait_for(&ap_long_done[k], 1);
	}
	test_check("long-mode-aps", ok == cpus - 1, "%u of %u", ok, cpus - 1);
}

/*
 * The figures of bench-pc.scn (docs/benchmarks.md), in TSC ticks: an IPI
 * from the BSP to vCPU 1, from the ICR write to the handler's first
 * instructions, which on one CPU includes the BSP's HLT and the switch
 * to vCPU 1 (vCPU 1 answers, which wakes the BSP); and a TSC-deadline
 * timer interrupt, from the deadline to its handler, the BSP spinning.
 */
static void run_bench(void)
{
	uint32_t ipi = 0, late = 0;

	for (uint32_t i = 0; i < BENCH_ROUNDS; i++) {
		uint32_t a = acks, t0 = (uint32_t)rdtsc();

		lapic_send(1, ICR_FIXED | VEC_IPI);
		while (acks == a)
			asm volatile("sti; hlt; cli");
		ipi += recv_tsc[1] - t0;
	}
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | 2u << 17);
	for (uint32_t i = 0; i < BENCH_ROUNDS; i++) {
		uint32_t n = timer_hits, d = (uint32_t)rdtsc() + 50000;

		wrmsr(MSR_TSC_DEADLINE, (rdtsc() & ~0xffffffffull) | d);
		asm volatile("sti");
		while (timer_hits == n)
			asm volatile("pause");
		asm volatile("cli");
		late += timer_tsc - d;
	}
	test_check("bench", acks == BENCH_ROUNDS && timer_hits == BENCH_ROUNDS,
		   "%u answers, %u timer interrupts", acks, timer_hits);
	pc_printf("bench: pc_ipi_one_cpu %u\n", ipi / BENCH_ROUNDS);
	pc_printf("bench: pc_tsc_deadline %u\n", late / BENCH_ROUNDS);
}

void test_main(uint32_t magic, const struct mb_info *mbi)
{
	uint16_t n = 0;

	(void)magic;
	(void)mbi;
	pc_fw_cfg_read(0x0005, &n, 2);
	cpus = n > MAX_CPUS ? MAX_CPUS : n;
	pc_set_gate(2, (void (*)(void))on_nmi);
	pc_set_gate(VEC_IPI, (void (*)(void))on_ipi);
	pc_set_gate(VEC_WAKE, (void (*)(void))on_wake);
	pc_set_gate(VEC_ACK, (void (*)(void))on_ack);
	pc_set_gate(VEC_TIMER, (void (*)(void))on_timer);
	bench = pc_cmdline_u32("bench", 0);
	/* The PIC's timer would come in through LINT0 (QEMU's firmware
	 * left it in virtual-wire mode): both masked. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	lapic_setup();
	lapic_write(LAPIC_LVT_LINT0, 0x10000 | 0x700);
	if (!lapic_x2[0]) {
		lapic_write(LAPIC_DFR, 0xffffffffu);
		lapic_write(LAPIC_LDR, 1u << 24);
	}
	pc_printf("pcsmp: %u CPU(s), APIC in %s mode\n", cpus,
		  lapic_x2[0] ? "x2APIC" : "xAPIC");
	if (cpus < 2) {
		test_fail("cpus", "%u CPU(s): pcsmp needs 2 or more", cpus);
		return;
	}
	start_aps();
	if (bench) {
		run_bench();
		return;
	}
	ipis();
	nmi_nest();
	hlt_cli();
	init_restart();
	long_mode();
}
