// SPDX-License-Identifier: MIT
/*
 * The CPU state that hv switches by hand between vCPUs on one CPU (the
 * VMCS holds the rest): general-purpose registers, CR2, XCR0, the x87,
 * SSE and AVX state, the SYSCALL MSRs, KERNEL_GS_BASE, TSC_AUX, DR0-DR3
 * and DR6. Each partition running this guest fills all of it with values
 * derived from its partition id, then yields and checks, again and again.
 * Two of them side by side would see each other's values if hv forgot to
 * switch a register.
 *
 * cmdline options:
 *   iters=N   yield-and-check rounds (default 1000)
 *   xcr0=N    7 (x87, SSE, AVX; the default) or 3 (no AVX), so that one
 *             partition can run with a smaller XCR0 than the others
 *
 * Prints "TEST statecheck-<id>: PASS", or FAIL with the first register
 * that changed. A child then halts; the parent powers off.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

#include "lib/fmt.h"

const char test_name[] = "statecheck";

#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX (1u << 28)

/* Bits 63:47 clear: a canonical address, as LSTAR, CSTAR and
 * KERNEL_GS_BASE must hold, and DR0-DR3 and CR2 hold in practice. */
#define CANONICAL_LOW 0x00007fffffffffffull
#define LOW32 0xffffffffull

/* statecheck-regs.asm */
void sc_ymm_load(const void *buf);
void sc_ymm_store(void *buf);
void sc_xmm_load(const void *buf);
void sc_xmm_store(void *buf);
void sc_yield_gprs(const uint64_t in[15], uint64_t out[15]);

static const char *const gpr_names[15] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
	"r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

enum scalar_kind { MSR, DR, DR6, CR2, MXCSR, FCW, XCR0 };

struct scalar {
	const char *name;
	enum scalar_kind kind;
	uint32_t n; /* the MSR, or the debug register's number */
	uint64_t bits; /* the bits a pattern may set */
};

static const struct scalar scalars[] = {
	{ "star", MSR, IA32_STAR, ~0ull },
	{ "lstar", MSR, IA32_LSTAR, CANONICAL_LOW },
	{ "cstar", MSR, IA32_CSTAR, CANONICAL_LOW },
	/* Bits 63:32 of SFMASK and TSC_AUX are reserved. */
	{ "sfmask", MSR, IA32_FMASK, LOW32 },
	{ "kernel_gs_base", MSR, IA32_KERNEL_GS_BASE, CANONICAL_LOW },
	{ "tsc_aux", MSR, IA32_TSC_AUX, LOW32 },
	{ "dr0", DR, 0, CANONICAL_LOW },
	{ "dr1", DR, 1, CANONICAL_LOW },
	{ "dr2", DR, 2, CANONICAL_LOW },
	{ "dr3", DR, 3, CANONICAL_LOW },
	/* Of DR6 only B0-B3: the other bits are fixed or report debug
	 * conditions. */
	{ "dr6", DR6, 6, 0xf },
	{ "cr2", CR2, 2, CANONICAL_LOW },
	/* The rounding control and flush-to-zero bits: valid on every
	 * SSE2 CPU, so no MXCSR_MASK lookup is needed. */
	{ "mxcsr", MXCSR, 0, 0x7u << 13 },
	/* Precision and rounding control. */
	{ "x87 fcw", FCW, 0, 0xfu << 8 },
	/* Set once, from the xcr0 option, before anything else. */
	{ "xcr0", XCR0, 0, ~0ull },
};

#define NSCALARS (sizeof(scalars) / sizeof(scalars[0]))

/* What each scalar read right after setup wrote it. */
static uint64_t scalar_want[NSCALARS];

static uint64_t read_dr(uint32_t n)
{
	uint64_t v = 0;

	switch (n) {
	case 0:
		asm volatile("mov %%dr0, %0" : "=r"(v));
		break;
	case 1:
		asm volatile("mov %%dr1, %0" : "=r"(v));
		break;
	case 2:
		asm volatile("mov %%dr2, %0" : "=r"(v));
		break;
	case 3:
		asm volatile("mov %%dr3, %0" : "=r"(v));
		break;
	case 6:
		asm volatile("mov %%dr6, %0" : "=r"(v));
		break;
	}
	return v;
}

static void write_dr(uint32_t n, uint64_t v)
{
	switch (n) {
	case 0:
		asm volatile("mov %0, %%dr0" : : "r"(v));
		break;
	case 1:
		asm volatile("mov %0, %%dr1" : : "r"(v));
		break;
	case 2:
		asm volatile("mov %0, %%dr2" : : "r"(v));
		break;
	case 3:
		asm volatile("mov %0, %%dr3" : : "r"(v));
		break;
	case 6:
		asm volatile("mov %0, %%dr6" : : "r"(v));
		break;
	}
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void xsetbv0(uint64_t v)
{
	asm volatile("xsetbv"
		     :
		     : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static uint64_t scalar_read(const struct scalar *s)
{
	uint32_t mxcsr;
	uint16_t fcw;

	switch (s->kind) {
	case MSR:
		return rdmsr(s->n);
	case DR:
	case DR6:
		return read_dr(s->n);
	case CR2:
		return read_cr2();
	case MXCSR:
		asm volatile("stmxcsr %0" : "=m"(mxcsr));
		return mxcsr;
	case FCW:
		asm volatile("fnstcw %0" : "=m"(fcw));
		return fcw;
	case XCR0:
		return xgetbv0();
	}
	return 0;
}

static void scalar_write(const struct scalar *s, uint64_t v)
{
	uint32_t mxcsr = (uint32_t)v;
	uint16_t fcw = (uint16_t)v;

	switch (s->kind) {
	case MSR:
		wrmsr(s->n, v);
		break;
	case DR:
	case DR6:
		write_dr(s->n, v);
		break;
	case CR2:
		asm volatile("mov %0, %%cr2" : : "r"(v));
		break;
	case MXCSR:
		asm volatile("ldmxcsr %0" : : "m"(mxcsr));
		break;
	case FCW:
		asm volatile("fldcw %0" : : "m"(fcw));
		break;
	case XCR0:
		break; /* set once, before every other register */
	}
}

/*
 * Distinct for every (partition, register, 64-bit lane): multiplying by
 * an odd constant is a bijection modulo any power of two, so the values
 * stay distinct after masking to the bits a register can hold.
 */
static uint64_t pattern(uint32_t id, uint32_t reg, uint32_t lane)
{
	uint64_t key = ((uint64_t)id << 8) | (reg << 2) | lane;

	return (key + 1) * 0x9e3779b97f4a7c15ull;
}

static char check_name[32];

/* Register numbers for pattern(), one space for every class of register. */
enum { ID_GPR = 0, ID_VEC = 16, ID_SCALAR = 32 };

static uint64_t vec_want[16][4] __attribute__((aligned(32)));
static uint64_t vec_got[16][4] __attribute__((aligned(32)));
static uint64_t gpr_in[15], gpr_out[15];

static bool setup(uint32_t id, uint64_t xcr0)
{
	struct cpuid_regs r = cpuid(1, 0);

	if (!(r.ecx & CPUID1_ECX_XSAVE)) {
		test_fail(check_name, "CPUID.1:ECX has no XSAVE (bit 26)");
		return false;
	}
	if ((xcr0 & XCR0_AVX) && !(r.ecx & CPUID1_ECX_AVX)) {
		test_fail(check_name, "CPUID.1:ECX has no AVX (bit 28)");
		return false;
	}
	/* SSE needs OSFXSR (else #UD); XSETBV and AVX need OSXSAVE. */
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE);
	xsetbv0(xcr0);
	asm volatile("fninit");

	for (uint32_t i = 1; i < 15; i++)
		gpr_in[i] = pattern(id, ID_GPR + i, 0);
	for (uint32_t i = 0; i < 16; i++)
		for (uint32_t lane = 0; lane < 4; lane++)
			vec_want[i][lane] = pattern(id, ID_VEC + i, lane);

	for (uint32_t i = 0; i < NSCALARS; i++) {
		const struct scalar *s = &scalars[i];
		unsigned int low = (unsigned int)__builtin_ctzll(s->bits);
		uint64_t v = pattern(id, ID_SCALAR + i, 0) & s->bits;
		uint64_t base = 0, got;

		/* Masked to a few bits, two partitions' patterns could
		 * agree; their ids stay distinct up to 2^width. */
		if (s->bits >> low < 0xff)
			v = ((uint64_t)id << low) & s->bits;

		/* Only some bits are patterned; the others keep the values
		 * the CPU fixes or FNINIT chose. */
		if (s->kind == DR6 || s->kind == MXCSR || s->kind == FCW)
			base = scalar_read(s) & ~s->bits;
		if (s->kind == XCR0)
			v = xcr0;
		else
			scalar_write(s, base | v);
		got = scalar_read(s);
		/* A register that drops the pattern would prove nothing. */
		if ((got & (s->bits | v)) != v) {
			test_fail(check_name,
				  "%s: wrote 0x%lx, read back 0x%lx",
				  s->name, (unsigned long)(base | v),
				  (unsigned long)got);
			return false;
		}
		scalar_want[i] = got;
	}
	if (xcr0 & XCR0_AVX)
		sc_ymm_load(vec_want);
	else
		sc_xmm_load(vec_want);
	return true;
}

/* Reports the first register that lost its pattern, and returns false. */
static bool verify(uint64_t xcr0, unsigned long round)
{
	unsigned int lanes = xcr0 & XCR0_AVX ? 4 : 2;

	for (int i = 0; i < 15; i++) {
		uint64_t want = i ? gpr_in[i] : HV_STATUS_OK;

		if (gpr_out[i] != want) {
			test_fail(check_name,
				  "%s got 0x%lx expected 0x%lx (yield %lu)",
				  gpr_names[i], (unsigned long)gpr_out[i],
				  (unsigned long)want, round);
			return false;
		}
	}
	if (xcr0 & XCR0_AVX)
		sc_ymm_store(vec_got);
	else
		sc_xmm_store(vec_got);
	for (int i = 0; i < 16; i++) {
		for (unsigned int lane = 0; lane < lanes; lane++) {
			if (vec_got[i][lane] == vec_want[i][lane])
				continue;
			test_fail(check_name,
				  "%s%d bits %u:%u got 0x%lx expected 0x%lx (yield %lu)",
				  lane < 2 ? "xmm" : "ymm", i, lane * 64 + 63,
				  lane * 64, (unsigned long)vec_got[i][lane],
				  (unsigned long)vec_want[i][lane], round);
			return false;
		}
	}
	for (unsigned int i = 0; i < NSCALARS; i++) {
		uint64_t got = scalar_read(&scalars[i]);

		if (got != scalar_want[i]) {
			test_fail(check_name,
				  "%s got 0x%lx expected 0x%lx (yield %lu)",
				  scalars[i].name, (unsigned long)got,
				  (unsigned long)scalar_want[i], round);
			return false;
		}
	}
	return true;
}

void test_main(const struct hv_start_info *si)
{
	unsigned long iters = rt_cmdline_u64(si, "iters", 1000);
	uint64_t xcr0 = rt_cmdline_u64(si, "xcr0",
				       XCR0_X87 | XCR0_SSE | XCR0_AVX);
	unsigned long round;

	fmt_snprintf(check_name, sizeof(check_name), "statecheck-%u",
		     si->partition_id);
	if (xcr0 != (XCR0_X87 | XCR0_SSE) &&
	    xcr0 != (XCR0_X87 | XCR0_SSE | XCR0_AVX)) {
		test_fail(check_name, "xcr0=0x%lx: only 3 and 7 are tested",
			  (unsigned long)xcr0);
	} else if (setup(si->partition_id, xcr0)) {
		for (round = 1; round <= iters; round++) {
			sc_yield_gprs(gpr_in, gpr_out);
			if (!verify(xcr0, round))
				break;
		}
		if (round > iters)
			test_pass(check_name);
	}
	/* On several CPUs the rounds no longer keep the partitions in
	 * step: the parent waits for the others before it powers off. */
	if (si->flags & HV_START_PARENT)
		rt_wait_others_ended(si->partition_id);
	if (!(si->flags & HV_START_PARENT)) {
		test_summary();
		rt_halt();
	}
}
