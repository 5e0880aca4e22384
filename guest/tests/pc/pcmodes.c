// SPDX-License-Identifier: MIT
/*
 * A pc vCPU moves between the modes a CPU has, there and back: real mode
 * (through 16-bit protected mode), 32-bit paging with 4 MiB pages, PAE
 * paging, IA-32e mode with 64-bit code; each once the way the CPU does
 * it without hv (PE and PG are the guest's) and once with CD changed in
 * the same MOV, which makes hv complete the write (arch/x86/vmx_pc.c).
 * Then the architectural #GPs of CR0, CR4 and EFER writes, on both
 * paths, and VMX hidden. Every switch leaves CR0, CR4 and EFER as it
 * found them, which is checked too.
 */
#include "guest/tests/pc/rt/pcrt.h"

const char test_name[] = "pcmodes";

uint32_t pc_real_trip(uint32_t flags);
#define TRIP_VIA_CD 1
#define TRIP_GP 2
uint32_t pc_long_trip(uint32_t pml4, uint32_t via_cd);

/* pc_real_trip's result bits (pcmodes-switch.asm). */
#define REAL_PM16 0x1 /* ran 16-bit protected code with PE set */
#define REAL_PE_CLEAR 0x2 /* then PE read 0 */
#define REAL_UD 0x4 /* a #UD came through the IVT */
#define REAL_GP 0x8 /* an injected #GP too, without an error code */
#define REAL_CD 0x10 /* CD read back set, with via_cd */
#define REAL_BACK 0x20 /* and back in 32-bit protected mode */
/* pc_long_trip's. */
#define LONG_LMA 0x1 /* EFER.LMA set once paging was on */
#define LONG_64 0x2 /* 64-bit arithmetic in 64-bit code */
#define LONG_BACK 0x4 /* LMA clear again with paging off */

static uint32_t start_cr0, start_cr4;
static uint64_t start_efer;

static uint32_t pd32[1024] __attribute__((aligned(4096)));
static uint64_t pae_pdpt[4] __attribute__((aligned(32)));
static uint64_t pae_pd[2][512] __attribute__((aligned(4096)));
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));

/* What the mode trips must leave behind. */
static void check_restored(const char *check)
{
	uint32_t cr0 = read_cr0(), cr4 = read_cr4();
	uint64_t efer = rdmsr(MSR_EFER);

	test_check(check, cr0 == start_cr0 && cr4 == start_cr4 && efer == start_efer,
		   "cr0 0x%x cr4 0x%x efer 0x%llx, were 0x%x 0x%x 0x%llx", cr0,
		   cr4, efer, start_cr0, start_cr4, start_efer);
}

static void real_trip(const char *check, uint32_t via_cd)
{
	uint32_t want = REAL_PM16 | REAL_PE_CLEAR | REAL_UD | REAL_GP | REAL_BACK |
			(via_cd ? REAL_CD : 0);
	bool hv = pc_under_hv();
	uint32_t r;

	/* QEMU's TCG loops on CR4.VMXE with VMX hidden, where a CPU (and
	 * hv) raises #GP: the injected #GP is hv's part. */
	if (!hv)
		want &= ~REAL_GP;
	r = pc_real_trip((via_cd ? TRIP_VIA_CD : 0) | (hv ? TRIP_GP : 0));
	test_check(check, r == want, "result 0x%x, want 0x%x", r, want);
}

/*
 * Paging on with 4 MiB pages: 0-16 MiB identity, linear 1 GiB at
 * physical 8 MiB. A word written through the high mapping must be found
 * at its physical address once paging is off again.
 */
static void paging32(const char *check, uint32_t via_cd)
{
	volatile uint32_t *high = (volatile uint32_t *)0x40000100;
	volatile uint32_t *phys = (volatile uint32_t *)0x800100;
	uint32_t seen;

	for (int i = 0; i < 4; i++)
		pd32[i] = (uint32_t)i << 22 | 0x83; /* PS, RW, P */
	pd32[0x100] = 0x800000 | 0x83;
	*phys = 0;
	write_cr4(start_cr4 | CR4_PSE);
	write_cr3((uint32_t)pd32);
	write_cr0(start_cr0 | CR0_PG | (via_cd ? CR0_CD : 0));
	*high = 0xcafe0000 | via_cd;
	seen = *high;
	write_cr0(start_cr0);
	write_cr4(start_cr4);
	test_check(check, seen == (0xcafe0000 | via_cd) && *phys == seen,
		   "through the mapping 0x%x, at 8 MiB 0x%x", seen, *phys);
}

/* PAE paging: 2 MiB pages, 0-16 MiB identity, 1 GiB at 10 MiB. */
static void pae_tables(void)
{
	pae_pdpt[0] = (uint32_t)pae_pd[0] | 1; /* PDPTEs: P, no RW */
	pae_pdpt[1] = (uint32_t)pae_pd[1] | 1;
	pae_pdpt[2] = pae_pdpt[3] = 0;
	for (int i = 0; i < 8; i++)
		pae_pd[0][i] = (uint64_t)i << 21 | 0x83;
	pae_pd[1][0] = 0xa00000 | 0x83;
}

static void pae(const char *check, uint32_t via_cd)
{
	volatile uint32_t *high = (volatile uint32_t *)0x40000200;
	volatile uint32_t *phys = (volatile uint32_t *)0xa00200;
	uint32_t seen;

	pae_tables();
	*phys = 0;
	write_cr4(start_cr4 | CR4_PAE);
	write_cr3((uint32_t)pae_pdpt);
	write_cr0(start_cr0 | CR0_PG | (via_cd ? CR0_CD : 0));
	*high = 0xbeef0000 | via_cd;
	seen = *high;
	write_cr0(start_cr0);
	write_cr4(start_cr4);
	test_check(check, seen == (0xbeef0000 | via_cd) && *phys == seen,
		   "through the mapping 0x%x, at 10 MiB 0x%x", seen, *phys);
}

static void long_mode(const char *check, uint32_t via_cd)
{
	uint32_t r, want = LONG_LMA | LONG_64 | LONG_BACK;

	pml4[0] = (uint32_t)pdpt | 3;
	pdpt[0] = (uint32_t)pd | 3;
	for (int i = 0; i < 512; i++)
		pd[i] = (uint64_t)i << 21 | 0x83;
	r = pc_long_trip((uint32_t)pml4, via_cd);
	test_check(check, r == want, "result 0x%x, want 0x%x", r, want);
}

/* ---- the #GPs of CR0, CR4 and EFER writes, each under pc_try */
static uint32_t arg_cr0, arg_cr4;

static void try_cr0(void *unused)
{
	(void)unused;
	write_cr0(arg_cr0);
}

static void try_cr4(void *unused)
{
	(void)unused;
	write_cr4(arg_cr4);
}

static void try_efer(void *unused)
{
	(void)unused;
	wrmsr(MSR_EFER, start_efer | EFER_LME);
}

/* Sets up its state, expects #GP from fn, and restores everything. */
static void expect_gp(const char *check, void (*fn)(void *), uint32_t cr0,
		      uint32_t cr4, uint32_t cr3, bool lme)
{
	uint32_t r;

	write_cr3(cr3);
	write_cr4(cr4);
	if (lme)
		wrmsr(MSR_EFER, start_efer | EFER_LME);
	write_cr0(cr0);
	r = pc_try(fn, NULL);
	write_cr0(start_cr0);
	if (lme)
		wrmsr(MSR_EFER, start_efer);
	write_cr4(start_cr4);
	test_check(check, r == VEC_GP + 1, "%s (vector %u at eip 0x%x)",
		   r ? "another exception" : "no fault", pc_last_fault.vector,
		   pc_last_fault.eip);
}

/*
 * Each check: the state to set, the write, and whether QEMU's TCG, the
 * other engine these kernels run on, does it. QEMU 7.2's TCG does none
 * of these (it accepts PG without PE, NW without CD and PCIDE outside
 * IA-32e mode, silently leaves paging off with LME but no PAE, and loads
 * no PDPTEs at MOV to CR0; it loops on CR4.VMXE), so today every one
 * runs under hv only; the flag is there for a TCG that learns them.
 */
struct gp_case {
	const char *name;
	void (*fn)(void *);
	uint32_t cr0_set, cr0_clear; /* the write's value: start_cr0 changed */
	uint32_t cr4_write; /* for try_cr4: bits set over start_cr4 */
	uint32_t state_cr0, state_cr4; /* bits set before the write */
	bool lme, pae_tables, bad_pdpte, pd32_tables, tcg;
};

static const struct gp_case gp_cases[] = {
	/* PG without PE: the CPU's own check, then hv's (CD changes). */
	{ "gp-pg-without-pe", try_cr0, CR0_PG, CR0_PE, 0, 0, 0, false, false,
	  false, false, false },
	{ "gp-pg-without-pe-cd", try_cr0, CR0_PG | CR0_CD, CR0_PE, 0, 0, 0,
	  false, false, false, false, false },
	/* NW without CD: NW is hv's, so always its check. */
	{ "gp-nw-without-cd", try_cr0, CR0_NW, 0, 0, 0, 0, false, false, false,
	  false, false },
	/* PCIDE outside IA-32e mode. */
	{ "gp-cr4-pcide-legacy", try_cr4, 0, 0, CR4_PCIDE, 0, 0, false, false,
	  false, false, false },
	/* CR4.VMXE is refused: VMX is hidden. */
	{ "gp-cr4-vmxe", try_cr4, 0, 0, CR4_VMXE, 0, 0, false, false, false,
	  false, false },
	/* Paging with EFER.LME but without CR4.PAE, on both paths. */
	{ "gp-lme-without-pae", try_cr0, CR0_PG, 0, 0, 0, 0, true, false, false,
	  false, false },
	{ "gp-lme-without-pae-cd", try_cr0, CR0_PG | CR0_CD, 0, 0, 0, 0, true,
	  false, false, false, false },
	/* LME changed while (32-bit) paging is on. */
	{ "gp-efer-lme-paging", try_efer, 0, 0, 0, CR0_PG, CR4_PSE, false,
	  false, false, true, false },
	/* A PDPTE with a reserved bit (RW): enabling PAE paging is #GP, the
	 * CPU's check, and hv's when CD changes too. */
	{ "gp-bad-pdpte", try_cr0, CR0_PG, 0, 0, 0, CR4_PAE, false, true, true,
	  false, false },
	{ "gp-bad-pdpte-cd", try_cr0, CR0_PG | CR0_CD, 0, 0, 0, CR4_PAE, false,
	  true, true, false, false },
};

static void gp_checks(void)
{
	bool hv = pc_under_hv();

	for (unsigned i = 0; i < sizeof(gp_cases) / sizeof(gp_cases[0]); i++) {
		const struct gp_case *c = &gp_cases[i];
		uint32_t cr3 = 0;

		if (!hv && !c->tcg) {
			test_skip(c->name, "QEMU's TCG does not do this check of the SDM's");
			continue;
		}
		arg_cr0 = (start_cr0 | c->cr0_set) & ~c->cr0_clear;
		arg_cr4 = start_cr4 | c->cr4_write;
		if (c->pae_tables) {
			pae_tables();
			if (c->bad_pdpte)
				pae_pdpt[0] |= 2;
			cr3 = (uint32_t)pae_pdpt;
		}
		if (c->pd32_tables) {
			for (int k = 0; k < 4; k++)
				pd32[k] = (uint32_t)k << 22 | 0x83;
			cr3 = (uint32_t)pd32;
		}
		expect_gp(c->name, c->fn, start_cr0 | c->state_cr0,
			  start_cr4 | c->state_cr4, cr3, c->lme);
	}
	pae_tables();
}

/* ---- VMX stays hidden */
static void do_vmcall(void *unused)
{
	(void)unused;
	asm volatile("vmcall" : : "a"(1) : "memory");
}

static void do_vmxon(void *unused)
{
	static uint64_t region;

	(void)unused;
	asm volatile("vmxon %0" : : "m"(region) : "memory");
}

static void vmx_hidden(void)
{
	uint32_t a, b, c, d, r;

	cpuid(1, 0, &a, &b, &c, &d);
	test_check("cpuid-vmx-hidden", !(c & (1u << 5)), "cpuid.1:ecx 0x%x", c);
	r = pc_try(do_vmcall, NULL);
	test_check("vmcall-ud", r == VEC_UD + 1, "vector %u", r ? r - 1 : 0);
	r = pc_try(do_vmxon, NULL);
	test_check("vmxon-ud", r == VEC_UD + 1, "vector %u", r ? r - 1 : 0);
}

void test_main(uint32_t magic, const struct mb_info *mbi)
{
	(void)magic;
	(void)mbi;
	start_cr0 = read_cr0();
	start_cr4 = read_cr4();
	start_efer = rdmsr(MSR_EFER);
	pc_printf("pcmodes: cr0 0x%x cr4 0x%x efer 0x%llx at entry\n", start_cr0,
		  start_cr4, start_efer);
	real_trip("real-mode", 0);
	check_restored("real-mode-restored");
	real_trip("real-mode-cd", 1);
	check_restored("real-mode-cd-restored");
	paging32("paging32", 0);
	paging32("paging32-cd", 1);
	check_restored("paging32-restored");
	pae("pae", 0);
	pae("pae-cd", 1);
	check_restored("pae-restored");
	long_mode("long-mode", 0);
	check_restored("long-mode-restored");
	long_mode("long-mode-cd", 1);
	check_restored("long-mode-cd-restored");
	gp_checks();
	check_restored("gp-restored");
	vmx_hidden();
	/* Once more to real mode and back, after everything else. */
	real_trip("real-mode-again", 0);
	check_restored("final-state");
}
