// SPDX-License-Identifier: MIT
/*
 * The xAPIC by MMIO at 0xFEE00000 (docs/platform.md, "The local APIC"),
 * from every mode a pc kernel can be in: real mode (pcxapic-modes.asm),
 * 32-bit protected mode without paging, with 32-bit paging and with PAE
 * paging, and 64-bit mode (pcxapic-modes.asm). In each it reads the ID
 * and version, writes and reads back the TPR, an LVT entry and the SVR,
 * and starts the timer to see its current count run down from the
 * initial count; in 64-bit mode CR8 and the TPR must be one register.
 *
 * Under paging the 32-bit accesses run from a second linear address of
 * the kernel's code (ALIAS), so that hv must walk the guest's page
 * tables to fetch the instruction it completes: a fetch from the linear
 * address as if it were physical reads outside the partition's RAM.
 * The kernel runs the same under qemu-system-x86_64 -kernel. With bench=1
 * it also times a read of the timer's current count, the register no
 * APIC virtualization serves without an exit (docs/benchmarks.md).
 */
#include "guest/tests/pc/rt/pcrt.h"

const char test_name[] = "pcxapic";

#define APIC 0xfee00000u
#define ALIAS 0x40000000u /* the low 16 MiB again, 32-bit and PAE paging */
#define TIMER_INIT 0xf0000000u

#define PG_P 1u
#define PG_RW 2u
#define PG_PWT 8u
#define PG_PCD 16u
#define PG_PS 0x80u

/* What one mode's run read back (pcxapic-modes.asm's XR_* offsets). */
struct xa_result {
	uint32_t id, version, tpr, lvt, init, cur1, cur2, svr;
	uint32_t cr8, tpr2; /* 64-bit mode only */
};

void xa_real(struct xa_result *out);
uint32_t xa_long64(struct xa_result *out);

static uint32_t pd32[1024] __attribute__((aligned(4096)));
static uint64_t pae_pdpt[4] __attribute__((aligned(32)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pd_alias_code[512] __attribute__((aligned(4096)));
static uint64_t pd_alias_apic[512] __attribute__((aligned(4096)));
static uint64_t pd_apic[512] __attribute__((aligned(4096)));
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));

/*
 * The 32-bit forms, each as GCC and GAS encode it: moffs (A1, A3),
 * [reg] and [reg+disp32], SIB, and C7 with an absolute address. Called
 * at its identity address or through ALIAS.
 */
static void __attribute__((noinline)) xa_run32(struct xa_result *r, uint32_t tpr)
{
	uint32_t v;

	asm volatile("movl 0xfee00020, %0" : "=a"(v));
	r->id = v;
	asm volatile("movl (%1), %0" : "=r"(v) : "r"(APIC + 0x30));
	r->version = v;
	asm volatile("movl %0, 0x80(%1)" : : "r"(tpr), "r"(APIC) : "memory");
	asm volatile("movl (%1,%2,1), %0" : "=r"(v) : "r"(APIC), "r"(0x80));
	r->tpr = v;
	asm volatile("movl $0x10043, 0xfee00360" : : : "memory");
	asm volatile("movl 0xfee00360, %0" : "=a"(v));
	r->lvt = v;
	asm volatile("movl %0, 0xfee000f0" : : "a"(0x1ffu) : "memory");
	asm volatile("movl 0xf0(%1), %0" : "=r"(v) : "r"(APIC));
	r->svr = v;
	asm volatile("movl $0xb, 0xfee003e0" : : : "memory");
	asm volatile("movl $0x10040, 0xfee00320" : : : "memory");
	asm volatile("movl %0, 0xfee00380" : : "r"(TIMER_INIT) : "memory");
	asm volatile("movl 0xfee00380, %0" : "=a"(v));
	r->init = v;
	asm volatile("movl 0xfee00390, %0" : "=a"(v));
	r->cur1 = v;
	asm volatile("movl 0x390(%1), %0" : "=r"(v) : "r"(APIC));
	r->cur2 = v;
	asm volatile("movl $0, 0xfee00380" : : : "memory");
	asm volatile("movl $0, 0xfee00080" : : : "memory");
}

/* Narrow loads: hv serves them from a register's low bytes; QEMU reads
 * every access under four bytes as 0, so they run under hv only. */
static void narrow_loads(void)
{
	uint32_t b, w;

	if (!pc_under_hv()) {
		test_skip("narrow-loads", "QEMU reads APIC accesses under 4 bytes as 0");
		return;
	}
	asm volatile("movzbl 0xfee00030, %0" : "=r"(b));
	asm volatile("movzwl 0xfee00032, %0" : "=r"(w));
	test_check("narrow-loads", b == 0x14 && w >= 3 && w < 0x100,
		   "version byte 0x%x, max LVT word 0x%x", b, w);
}

static void check(const char *mode, const struct xa_result *r, uint32_t tpr,
		  uint32_t lvt)
{
	char name[40];
	size_t n = pc_strlen(mode);

	memcpy(name, mode, n);
#define CHECK(suffix, ok, ...)                                   \
	do {                                                     \
		memcpy(name + n, suffix, sizeof(suffix));        \
		test_check(name, ok, __VA_ARGS__);               \
	} while (0)
	CHECK("-id", r->id >> 24 == 0 && !(r->id & 0xffffff), "ID 0x%x, want APIC ID 0",
	      r->id);
	CHECK("-version", (r->version & 0xff) == 0x14 && ((r->version >> 16) & 0xff) >= 3,
	      "version 0x%x", r->version);
	CHECK("-tpr", r->tpr == tpr, "TPR 0x%x, wrote 0x%x", r->tpr, tpr);
	CHECK("-lvt", r->lvt == lvt, "LVT LINT1 0x%x, wrote 0x%x", r->lvt, lvt);
	CHECK("-svr", (r->svr & 0x1ff) == 0x1ff, "SVR 0x%x, wrote 0x1ff", r->svr);
	CHECK("-timer", r->init == TIMER_INIT && r->cur1 && r->cur1 <= TIMER_INIT &&
				r->cur2 <= r->cur1,
	      "initial 0x%x, current 0x%x then 0x%x", r->init, r->cur1, r->cur2);
#undef CHECK
}

static void mode32(const char *mode, bool alias, uint32_t tpr)
{
	struct xa_result r = { 0 };
	void (*run)(struct xa_result *, uint32_t) = xa_run32;

	if (alias)
		run = (void (*)(struct xa_result *, uint32_t))((uint32_t)xa_run32 + ALIAS);
	run(&r, tpr);
	check(mode, &r, tpr, 0x10043);
}

/* 4-MByte pages: the low 16 MiB at 0 and at ALIAS, the APIC's uncached. */
static void paging32(void)
{
	uint32_t cr0 = read_cr0(), cr4 = read_cr4();

	for (uint32_t i = 0; i < 4; i++) {
		pd32[i] = i << 22 | PG_PS | PG_RW | PG_P;
		pd32[(ALIAS >> 22) + i] = i << 22 | PG_PS | PG_RW | PG_P;
	}
	pd32[APIC >> 22] = (APIC & 0xffc00000u) | PG_PS | PG_PCD | PG_PWT | PG_RW | PG_P;
	write_cr4(cr4 | CR4_PSE);
	write_cr3((uint32_t)pd32);
	write_cr0(cr0 | CR0_PG);
	mode32("paging32", true, 0x20);
	write_cr0(cr0);
	write_cr4(cr4);
}

static void pae_tables(void)
{
	for (uint32_t i = 0; i < 8; i++) {
		pd_low[i] = (uint64_t)i << 21 | PG_PS | PG_RW | PG_P;
		pd_alias_code[i] = (uint64_t)i << 21 | PG_PS | PG_RW | PG_P;
	}
	pd_alias_apic[0] = APIC | PG_PS | PG_PCD | PG_PWT | PG_RW | PG_P;
	pd_apic[(APIC >> 21) & 511] = APIC | PG_PS | PG_PCD | PG_PWT | PG_RW | PG_P;
}

static void pae(void)
{
	uint32_t cr0 = read_cr0(), cr4 = read_cr4();

	pae_tables();
	/* PDPTEs carry only P and the cache bits. */
	pae_pdpt[0] = (uint32_t)pd_low | PG_P;
	pae_pdpt[1] = (uint32_t)pd_alias_code | PG_P;
	pae_pdpt[3] = (uint32_t)pd_apic | PG_P;
	write_cr4(cr4 | CR4_PAE);
	write_cr3((uint32_t)pae_pdpt);
	write_cr0(cr0 | CR0_PG);
	mode32("pae", true, 0x30);
	write_cr0(cr0);
	write_cr4(cr4);
}

static void long_mode(void)
{
	struct xa_result r = { 0 };

	pae_tables();
	pml4[0] = (uint32_t)pdpt | PG_RW | PG_P;
	pdpt[0] = (uint32_t)pd_low | PG_RW | PG_P;
	pdpt[1] = (uint32_t)pd_alias_apic | PG_RW | PG_P;
	pdpt[3] = (uint32_t)pd_apic | PG_RW | PG_P;
	pc_long_call((uint32_t)pml4, (uint32_t)xa_long64, (uint32_t)&r);
	check("long", &r, 0x60, 0x10042);
	test_check("long-cr8", r.cr8 == 6, "CR8 %u after TPR 0x60 by MMIO", r.cr8);
	test_check("long-cr8-tpr", r.tpr2 == 0x30, "TPR 0x%x after CR8 = 3", r.tpr2);
}

#define BENCH_ROUNDS 64

/* A read of the running timer's current count, 32-bit code, no paging:
 * guest TSC ticks from before the load to after it, averaged. */
static void bench(void)
{
	uint64_t total = 0;
	uint32_t v, last = ~0u;
	bool down = true;

	asm volatile("movl $0xb, 0xfee003e0; movl $0x10040, 0xfee00320" : : : "memory");
	asm volatile("movl %0, 0xfee00380" : : "r"(TIMER_INIT) : "memory");
	for (uint32_t i = 0; i < BENCH_ROUNDS; i++) {
		uint64_t t0 = rdtsc();

		asm volatile("movl 0xfee00390, %0" : "=a"(v) : : "memory");
		total += rdtsc() - t0;
		down = down && v && v <= last;
		last = v;
	}
	asm volatile("movl $0, 0xfee00380" : : : "memory");
	test_check("bench", down, "the current count did not run down: 0x%x", last);
	pc_printf("bench: pc_xapic_current_count %u\n",
		  (uint32_t)(total / BENCH_ROUNDS));
}

void test_main(uint32_t magic, const struct mb_info *mbi)
{
	struct xa_result r = { 0 };

	(void)mbi;
	if (magic != MB_BOOTLOADER_MAGIC) {
		test_fail("entry", "no multiboot magic");
		return;
	}
	/* xAPIC mode, enabled, at the default base, as after RESET. */
	test_check("apic-base", (rdmsr(0x1b) & 0xfffff000u) == APIC &&
					(rdmsr(0x1b) & (3u << 10)) == 1u << 11,
		   "IA32_APIC_BASE 0x%llx", (unsigned long long)rdmsr(0x1b));
	xa_real(&r);
	check("real", &r, 0x40, 0x10041);
	mode32("flat32", false, 0x10);
	narrow_loads();
	paging32();
	pae();
	long_mode();
	if (pc_cmdline_u32("bench", 0))
		bench();
}
