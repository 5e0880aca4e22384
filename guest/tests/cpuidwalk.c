// SPDX-License-Identifier: MIT
/*
 * Every CPUID feature bit this partition is shown, used once: hv's CPUID
 * is an allow-list of features it virtualizes completely (hv/cpuid.c),
 * so each bit shown must work as the SDM says, without #UD or #GP. The
 * table below gives each bit a use: an instruction, a control-register
 * bit, an MSR, or a cross-check of another leaf. A bit shown without a
 * use in the table fails ("bit shown but not exercised"): adding a bit
 * to the allow-list needs a use here too.
 *
 * Prints "TEST cpuidwalk-use: PASS" when every shown bit worked, and one
 * line per bit ("cpuidwalk: 7.0.ebx[3] bmi1 ok") so that a log shows what
 * the model offered.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

const char test_name[] = "cpuidwalk";

enum reg { EAX, EBX, ECX, EDX };

/* Why the current use failed without a fault, or NULL. */
static const char *bad;
static uint64_t xcr0_shown;
static uint8_t buf[4096] __attribute__((aligned(64)));
static volatile uint64_t probe = 0x1234567890abcdefull;

static uint32_t reg_of(struct cpuid_regs r, enum reg g)
{
	return g == EAX ? r.eax : g == EBX ? r.ebx : g == ECX ? r.ecx : r.edx;
}

static uint64_t xgetbv(uint32_t n)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(n));
	return (uint64_t)hi << 32 | lo;
}

static void xsetbv(uint64_t v)
{
	asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)v),
		     "d"((uint32_t)(v >> 32)));
}

/* Sets a CR4 bit, checks it reads back, and restores CR4. */
static void cr4_toggle(uint64_t bit)
{
	uint64_t before = read_cr4();

	write_cr4(before | bit);
	if (!(read_cr4() & bit))
		bad = "CR4 bit did not stay set";
	write_cr4(before);
}

#define INSN(name, text)                                             \
	static void name(void *arg)                                  \
	{                                                            \
		(void)arg;                                           \
		asm volatile(text : : "r"(buf) : "memory", "rax", "rcx", \
			     "rdx");                                 \
	}

/* The x87, MMX and vector uses; %0 is buf, 64-byte aligned. */
INSN(u_fpu, "fninit; fld1; fstp %%st(0)")
INSN(u_cx8, "xor %%eax, %%eax; xor %%edx, %%edx; cmpxchg8b (%0)")
INSN(u_cmov, "xor %%eax, %%eax; cmovz %%eax, %%ecx")
INSN(u_clflush, "clflush (%0)")
INSN(u_mmx, "pxor %%mm0, %%mm0; movq %%mm0, (%0); emms")
INSN(u_fxsr, "fxsave (%0); fxrstor (%0)")
INSN(u_sse, "xorps %%xmm0, %%xmm0; stmxcsr (%0); ldmxcsr (%0)")
INSN(u_sse2, "paddq %%xmm0, %%xmm0")
INSN(u_sse3, "haddps %%xmm0, %%xmm0")
INSN(u_pclmul, "pclmulqdq $0, %%xmm0, %%xmm0")
INSN(u_ssse3, "pshufb %%xmm0, %%xmm0")
INSN(u_fma, "vfmadd231ps %%ymm0, %%ymm0, %%ymm0")
INSN(u_cx16, "xor %%eax, %%eax; xor %%edx, %%edx; push %%rbx; xor %%ebx, %%ebx; xor %%ecx, %%ecx; cmpxchg16b (%0); pop %%rbx")
INSN(u_sse41, "ptest %%xmm0, %%xmm0")
INSN(u_sse42, "crc32l %%eax, %%eax; pcmpgtq %%xmm0, %%xmm0")
INSN(u_movbe, "movbe (%0), %%eax")
INSN(u_popcnt, "popcnt %%eax, %%eax")
INSN(u_aes, "aesenc %%xmm0, %%xmm0")
INSN(u_avx, "vxorps %%ymm0, %%ymm0, %%ymm0")
INSN(u_f16c, "vcvtph2ps %%xmm0, %%ymm0")
INSN(u_rdrand, "rdrand %%eax")
INSN(u_bmi1, "andn %%eax, %%eax, %%eax")
INSN(u_avx2, "vpaddd %%ymm0, %%ymm0, %%ymm0")
INSN(u_bmi2, "pdep %%eax, %%eax, %%eax")
INSN(u_erms, "lea 2048(%0), %%rax; push %%rsi; push %%rdi; mov %0, %%rsi; mov %%rax, %%rdi; mov $64, %%ecx; rep movsb; pop %%rdi; pop %%rsi")
INSN(u_avx512f, "vpaddd %%zmm0, %%zmm0, %%zmm0")
INSN(u_avx512dq, "vpmullq %%zmm0, %%zmm0, %%zmm0")
INSN(u_rdseed, "rdseed %%eax")
INSN(u_adx, "adcx %%eax, %%eax")
INSN(u_ifma, "vpmadd52luq %%zmm0, %%zmm0, %%zmm0")
INSN(u_clflushopt, "clflushopt (%0)")
INSN(u_clwb, "clwb (%0)")
INSN(u_avx512cd, "vplzcntd %%zmm0, %%zmm0")
INSN(u_sha, "sha1msg1 %%xmm0, %%xmm0")
INSN(u_avx512bw, "vpaddb %%zmm0, %%zmm0, %%zmm0")
INSN(u_avx512vl, "vpaddd %%xmm16, %%xmm16, %%xmm16")
INSN(u_vbmi, "vpermb %%zmm0, %%zmm0, %%zmm0")
INSN(u_vbmi2, "vpshldw $1, %%zmm0, %%zmm0, %%zmm0")
INSN(u_gfni, "gf2p8mulb %%xmm0, %%xmm0")
INSN(u_vaes, "vaesenc %%ymm0, %%ymm0, %%ymm0")
INSN(u_vpclmul, "vpclmulqdq $0, %%ymm0, %%ymm0, %%ymm0")
INSN(u_vnni, "vpdpbusd %%zmm0, %%zmm0, %%zmm0")
INSN(u_bitalg, "vpopcntb %%zmm0, %%zmm0")
INSN(u_vpopcntdq, "vpopcntd %%zmm0, %%zmm0")
INSN(u_cldemote, "cldemote (%0)")
INSN(u_movdiri, "xor %%eax, %%eax; movdiri %%eax, (%0)")
INSN(u_movdir64b, "lea 2048(%0), %%rax; movdir64b (%0), %%rax")
INSN(u_fsrm, "lea 2048(%0), %%rax; push %%rsi; push %%rdi; mov %0, %%rsi; mov %%rax, %%rdi; mov $7, %%ecx; rep movsb; pop %%rdi; pop %%rsi")
INSN(u_vp2intersect, "vp2intersectd %%zmm0, %%zmm0, %%k0")
INSN(u_serialize, "serialize")
INSN(u_fp16, "vaddph %%zmm0, %%zmm0, %%zmm0")
INSN(u_lahf, "lahf; sahf")
INSN(u_lzcnt, "lzcnt %%eax, %%eax")
INSN(u_prefetchw, "prefetchw (%0)")
INSN(u_xsaveopt, "mov $3, %%eax; xor %%edx, %%edx; xsaveopt (%0)")
INSN(u_xsavec, "mov $3, %%eax; xor %%edx, %%edx; xsavec (%0)")
INSN(u_xgetbv1, "mov $1, %%ecx; xgetbv")
INSN(u_tsc, "rdtsc")

static void u_vme(void *a) { (void)a; cr4_toggle(CR4_VME); }
static void u_de(void *a) { (void)a; cr4_toggle(CR4_DE); }
static void u_pse(void *a) { (void)a; cr4_toggle(CR4_PSE); }
static void u_pge(void *a) { (void)a; cr4_toggle(CR4_PGE); }
static void u_umip(void *a) { (void)a; cr4_toggle(CR4_UMIP); }

static void u_pae(void *a)
{
	(void)a;
	if (!(read_cr4() & CR4_PAE))
		bad = "long mode without CR4.PAE";
}

static void u_msr(void *a)
{
	(void)a;
	if (!(rdmsr(IA32_EFER) & EFER_LMA))
		bad = "EFER.LMA clear in long mode";
}

static void u_apic(void *a)
{
	(void)a;
	if ((rdmsr(IA32_APIC_BASE) & (APIC_BASE_EN | APIC_BASE_EXTD)) !=
	    (APIC_BASE_EN | APIC_BASE_EXTD))
		bad = "IA32_APIC_BASE does not say x2APIC enabled";
}

static void u_x2apic(void *a)
{
	(void)a;
	if (rdmsr(IA32_X2APIC_APICID) != cpuid(1, 0).ebx >> 24)
		bad = "x2APIC ID differs from CPUID.1:EBX[31:24]";
	else if (rdmsr(IA32_X2APIC_APICID) != cpuid(0xb, 0).edx)
		bad = "x2APIC ID differs from CPUID.B:EDX";
}

static void u_sep(void *a)
{
	uint64_t cs = rdmsr(IA32_SYSENTER_CS);

	(void)a;
	wrmsr(IA32_SYSENTER_CS, 0x10);
	if (rdmsr(IA32_SYSENTER_CS) != 0x10)
		bad = "IA32_SYSENTER_CS did not keep its value";
	wrmsr(IA32_SYSENTER_CS, cs);
}

static void u_pat(void *a)
{
	uint64_t pat = rdmsr(IA32_PAT);

	(void)a;
	wrmsr(IA32_PAT, pat);
}

static void u_htt(void *a)
{
	uint32_t ids = (cpuid(1, 0).ebx >> 16) & 0xff;
	uint32_t cores = cpuid(0xb, 1).ebx & 0xffff;

	(void)a;
	if (ids < cores || !ids)
		bad = "CPUID.1:EBX[23:16] below the count of leaf 0xB";
}

static void u_pcid(void *a)
{
	(void)a;
	/* CR3[11:0] is 0 here (hv's entry tables), as PCIDE needs. */
	cr4_toggle(CR4_PCIDE);
}

static void u_xsave(void *a)
{
	(void)a;
	asm volatile("xsave (%0)" : : "r"(buf), "a"(3), "d"(0) : "memory");
}

static void u_osxsave(void *a)
{
	(void)a;
	if (!(read_cr4() & CR4_OSXSAVE))
		bad = "OSXSAVE shown with CR4.OSXSAVE clear";
	else if (xgetbv(0) != xcr0_shown)
		bad = "XCR0 does not read back";
}

static void u_hypervisor(void *a)
{
	(void)a;
	if (cpuid(HV_CPUID_LEAF_SIGNATURE, 0).ebx !=
	    *(const uint32_t *)HV_CPUID_SIGNATURE)
		bad = "no hv signature at leaf 0x40000000";
}

static void u_fsgsbase(void *a)
{
	uint64_t before = read_cr4(), got;

	(void)a;
	write_cr4(before | CR4_FSGSBASE);
	asm volatile("rdfsbase %%rax; wrfsbase %%rax; mov %%rax, %0"
		     : "=r"(got) : : "rax");
	(void)got;
	write_cr4(before);
}

/* The PML4 entry of the low 512 GiB, where everything here lives. */
static uint64_t *pml4(void)
{
	return (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
}

/*
 * SMEP and SMAP forbid ring 0 to fetch from and touch user pages, and
 * hv's entry tables map everything user: the PML4 entry's U bit is
 * cleared around the use, with interrupts off and nothing to fault.
 */
static void supervisor_only(bool on)
{
	if (on)
		pml4()[0] &= ~4ull;
	else
		pml4()[0] |= 4ull;
	write_cr3(read_cr3());
}

static void u_smep(void *a)
{
	(void)a;
	supervisor_only(true);
	cr4_toggle(CR4_SMEP);
	supervisor_only(false);
}

static void u_smap(void *a)
{
	uint64_t before = read_cr4();

	(void)a;
	supervisor_only(true);
	write_cr4(before | CR4_SMAP);
	asm volatile("stac; clac");
	write_cr4(before);
	supervisor_only(false);
}

static void u_pku(void *a)
{
	uint64_t before = read_cr4();
	uint32_t pkru;

	(void)a;
	write_cr4(before | CR4_PKE);
	asm volatile("xor %%ecx, %%ecx; rdpkru" : "=a"(pkru) : : "rcx", "rdx");
	asm volatile("xor %%ecx, %%ecx; xor %%edx, %%edx; wrpkru"
		     : : "a"(pkru) : "rcx", "rdx");
	write_cr4(before);
}

static void u_ospke(void *a)
{
	uint64_t before = read_cr4();

	(void)a;
	/* Only reached when OSPKE is shown: CR4.PKE is set, or the
	 * allow-list leaks it. */
	if (!(before & CR4_PKE))
		bad = "OSPKE shown with CR4.PKE clear";
	write_cr4(before & ~CR4_PKE);
	if (cpuid(7, 0).ecx & (1u << 4))
		bad = "OSPKE still shown after clearing CR4.PKE";
	write_cr4(before);
}

static void u_syscall(void *a)
{
	uint64_t efer = rdmsr(IA32_EFER), star = rdmsr(IA32_STAR);

	(void)a;
	wrmsr(IA32_EFER, efer | EFER_SCE);
	wrmsr(IA32_STAR, star);
	wrmsr(IA32_EFER, efer);
}

static void u_nx(void *a)
{
	(void)a;
	if (!(rdmsr(IA32_EFER) & EFER_NXE))
		bad = "EFER.NXE clear";
}

static void u_lm(void *a)
{
	(void)a;
	if (!(rdmsr(IA32_EFER) & EFER_LMA))
		bad = "not in long mode";
}

/* A 1-GiB page at 512 GiB mapping physical 0 reads what the identity
 * map reads. */
static uint64_t gib_pdpt[512] __attribute__((aligned(4096)));

static void u_1gb(void *a)
{
	volatile uint64_t *alias =
		(volatile uint64_t *)((1ull << 39) + (uintptr_t)&probe);

	(void)a;
	gib_pdpt[0] = 0x83; /* present, writable, PS: 0..1 GiB */
	pml4()[1] = (uint64_t)(uintptr_t)gib_pdpt | 3;
	write_cr3(read_cr3());
	if (*alias != probe)
		bad = "the 1-GiB page reads another value";
	pml4()[1] = 0;
	write_cr3(read_cr3());
}

/* XSAVE components: every one shown can be enabled in XCR0. */
static void u_xcr0(void *a)
{
	(void)a;
	if (xgetbv(0) != xcr0_shown)
		bad = "XCR0 does not hold every component shown";
}

struct use {
	uint32_t leaf, sub;
	enum reg reg;
	uint8_t bit;
	const char *name;
	void (*fn)(void *);
};

static const struct use uses[] = {
	{ 1, 0, EDX, 0, "fpu", u_fpu },
	{ 1, 0, EDX, 1, "vme", u_vme },
	{ 1, 0, EDX, 2, "de", u_de },
	{ 1, 0, EDX, 3, "pse", u_pse },
	{ 1, 0, EDX, 4, "tsc", u_tsc },
	{ 1, 0, EDX, 5, "msr", u_msr },
	{ 1, 0, EDX, 6, "pae", u_pae },
	{ 1, 0, EDX, 8, "cx8", u_cx8 },
	{ 1, 0, EDX, 9, "apic", u_apic },
	{ 1, 0, EDX, 11, "sep", u_sep },
	{ 1, 0, EDX, 13, "pge", u_pge },
	{ 1, 0, EDX, 15, "cmov", u_cmov },
	{ 1, 0, EDX, 16, "pat", u_pat },
	{ 1, 0, EDX, 19, "clflush", u_clflush },
	{ 1, 0, EDX, 23, "mmx", u_mmx },
	{ 1, 0, EDX, 24, "fxsr", u_fxsr },
	{ 1, 0, EDX, 25, "sse", u_sse },
	{ 1, 0, EDX, 26, "sse2", u_sse2 },
	{ 1, 0, EDX, 28, "htt", u_htt },
	{ 1, 0, ECX, 0, "sse3", u_sse3 },
	{ 1, 0, ECX, 1, "pclmulqdq", u_pclmul },
	{ 1, 0, ECX, 9, "ssse3", u_ssse3 },
	{ 1, 0, ECX, 12, "fma", u_fma },
	{ 1, 0, ECX, 13, "cx16", u_cx16 },
	{ 1, 0, ECX, 17, "pcid", u_pcid },
	{ 1, 0, ECX, 19, "sse4.1", u_sse41 },
	{ 1, 0, ECX, 20, "sse4.2", u_sse42 },
	{ 1, 0, ECX, 21, "x2apic", u_x2apic },
	{ 1, 0, ECX, 22, "movbe", u_movbe },
	{ 1, 0, ECX, 23, "popcnt", u_popcnt },
	{ 1, 0, ECX, 25, "aes", u_aes },
	{ 1, 0, ECX, 26, "xsave", u_xsave },
	{ 1, 0, ECX, 27, "osxsave", u_osxsave },
	{ 1, 0, ECX, 28, "avx", u_avx },
	{ 1, 0, ECX, 29, "f16c", u_f16c },
	{ 1, 0, ECX, 30, "rdrand", u_rdrand },
	{ 1, 0, ECX, 31, "hypervisor", u_hypervisor },
	{ 7, 0, EBX, 0, "fsgsbase", u_fsgsbase },
	{ 7, 0, EBX, 3, "bmi1", u_bmi1 },
	{ 7, 0, EBX, 5, "avx2", u_avx2 },
	{ 7, 0, EBX, 7, "smep", u_smep },
	{ 7, 0, EBX, 8, "bmi2", u_bmi2 },
	{ 7, 0, EBX, 9, "erms", u_erms },
	{ 7, 0, EBX, 16, "avx512f", u_avx512f },
	{ 7, 0, EBX, 17, "avx512dq", u_avx512dq },
	{ 7, 0, EBX, 18, "rdseed", u_rdseed },
	{ 7, 0, EBX, 19, "adx", u_adx },
	{ 7, 0, EBX, 20, "smap", u_smap },
	{ 7, 0, EBX, 21, "avx512ifma", u_ifma },
	{ 7, 0, EBX, 23, "clflushopt", u_clflushopt },
	{ 7, 0, EBX, 24, "clwb", u_clwb },
	{ 7, 0, EBX, 28, "avx512cd", u_avx512cd },
	{ 7, 0, EBX, 29, "sha", u_sha },
	{ 7, 0, EBX, 30, "avx512bw", u_avx512bw },
	{ 7, 0, EBX, 31, "avx512vl", u_avx512vl },
	{ 7, 0, ECX, 1, "avx512vbmi", u_vbmi },
	{ 7, 0, ECX, 2, "umip", u_umip },
	{ 7, 0, ECX, 3, "pku", u_pku },
	{ 7, 0, ECX, 4, "ospke", u_ospke },
	{ 7, 0, ECX, 6, "avx512vbmi2", u_vbmi2 },
	{ 7, 0, ECX, 8, "gfni", u_gfni },
	{ 7, 0, ECX, 9, "vaes", u_vaes },
	{ 7, 0, ECX, 10, "vpclmulqdq", u_vpclmul },
	{ 7, 0, ECX, 11, "avx512vnni", u_vnni },
	{ 7, 0, ECX, 12, "avx512bitalg", u_bitalg },
	{ 7, 0, ECX, 14, "avx512vpopcntdq", u_vpopcntdq },
	{ 7, 0, ECX, 25, "cldemote", u_cldemote },
	{ 7, 0, ECX, 27, "movdiri", u_movdiri },
	{ 7, 0, ECX, 28, "movdir64b", u_movdir64b },
	{ 7, 0, EDX, 4, "fsrm", u_fsrm },
	{ 7, 0, EDX, 8, "avx512vp2intersect", u_vp2intersect },
	{ 7, 0, EDX, 14, "serialize", u_serialize },
	{ 7, 0, EDX, 23, "avx512fp16", u_fp16 },
	{ 0xd, 0, EAX, 0, "xcr0.x87", u_xcr0 },
	{ 0xd, 0, EAX, 1, "xcr0.sse", u_xcr0 },
	{ 0xd, 0, EAX, 2, "xcr0.avx", u_xcr0 },
	{ 0xd, 0, EAX, 5, "xcr0.opmask", u_xcr0 },
	{ 0xd, 0, EAX, 6, "xcr0.zmm_hi256", u_xcr0 },
	{ 0xd, 0, EAX, 7, "xcr0.hi16_zmm", u_xcr0 },
	{ 0xd, 0, EAX, 9, "xcr0.pkru", u_xcr0 },
	{ 0xd, 1, EAX, 0, "xsaveopt", u_xsaveopt },
	{ 0xd, 1, EAX, 1, "xsavec", u_xsavec },
	{ 0xd, 1, EAX, 2, "xgetbv1", u_xgetbv1 },
	{ 0x80000001, 0, ECX, 0, "lahf", u_lahf },
	{ 0x80000001, 0, ECX, 5, "lzcnt", u_lzcnt },
	{ 0x80000001, 0, ECX, 8, "prefetchw", u_prefetchw },
	{ 0x80000001, 0, EDX, 11, "syscall", u_syscall },
	{ 0x80000001, 0, EDX, 20, "nx", u_nx },
	{ 0x80000001, 0, EDX, 26, "1gb-pages", u_1gb },
	{ 0x80000001, 0, EDX, 29, "lm", u_lm },
};

/* The feature registers walked, in the order the uses depend on. */
static const struct {
	uint32_t leaf, sub;
	enum reg reg;
} walked[] = {
	{ 1, 0, EDX }, { 1, 0, ECX }, { 7, 0, EBX }, { 7, 0, ECX },
	{ 7, 0, EDX }, { 0xd, 0, EAX }, { 0xd, 0, EDX }, { 0xd, 1, EAX },
	{ 0x80000001, 0, ECX }, { 0x80000001, 0, EDX },
};

static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };

/*
 * What every vector use needs: SSE on (OSFXSR), the FPU usable, and,
 * when XSAVE is shown, every XSAVE component shown enabled in XCR0.
 */
static void enable_state(void)
{
	struct cpuid_regs one = cpuid(1, 0);

	write_cr0(read_cr0() & ~(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	if (one.ecx & (1u << 26)) {
		struct cpuid_regs d = cpuid(0xd, 0);

		write_cr4(read_cr4() | CR4_OSXSAVE);
		xcr0_shown = (uint64_t)d.edx << 32 | d.eax;
		xsetbv(xcr0_shown);
	}
	/* OSPKE is walked with CR4.PKE set, as its use expects. */
	if (cpuid(7, 0).ecx & (1u << 3))
		write_cr4(read_cr4() | CR4_PKE);
}

/*
 * OSXSAVE and OSPKE follow the guest's own CR4 both ways (SDM, CPUID:
 * "OSXSAVE ... reflects CR4.OSXSAVE"). CR4 writes of guest-owned bits do
 * not exit, so a CPUID that reads CR4's read shadow shows 0 here.
 */
static void check_os_bits(void)
{
	uint64_t cr4 = read_cr4();
	const char *why = NULL;

	if (!(cpuid(1, 0).ecx & (1u << 26))) {
		test_pass("os-bits-follow-cr4"); /* no XSAVE: nothing to follow */
		return;
	}
	if (!(cpuid(1, 0).ecx & (1u << 27)))
		why = "CR4.OSXSAVE set, CPUID.1:ECX.OSXSAVE clear";
	write_cr4(cr4 & ~CR4_OSXSAVE);
	if (!why && (cpuid(1, 0).ecx & (1u << 27)))
		why = "CR4.OSXSAVE clear, CPUID.1:ECX.OSXSAVE set";
	write_cr4(cr4);
	xsetbv(xcr0_shown);
	if (!why && (cpuid(7, 0).ecx & (1u << 3))) {
		if (!(cpuid(7, 0).ecx & (1u << 4)))
			why = "CR4.PKE set, CPUID.7:ECX.OSPKE clear";
		write_cr4(cr4 & ~CR4_PKE);
		if (!why && (cpuid(7, 0).ecx & (1u << 4)))
			why = "CR4.PKE clear, CPUID.7:ECX.OSPKE set";
		write_cr4(cr4);
	}
	if (why)
		test_fail("os-bits-follow-cr4", "%s", why);
	else
		test_pass("os-bits-follow-cr4");
}

/*
 * The topology is the partition's: vcpus=N in the cmdline says how many
 * vCPUs the manifest gave it. One package, a core per vCPU, a thread per
 * core, and this vCPU 0 has x2APIC id 0 everywhere.
 */
static void check_topology(const struct hv_start_info *si)
{
	uint32_t n = (uint32_t)rt_cmdline_u64(si, "vcpus", 1);
	struct cpuid_regs one = cpuid(1, 0), smt = cpuid(0xb, 0),
			  core = cpuid(0xb, 1), end = cpuid(0xb, 2),
			  l4 = cpuid(4, 0);
	uint32_t ids = (one.ebx >> 16) & 0xff;

	if (one.ebx >> 24 || smt.edx || core.edx)
		test_fail("topology", "vCPU 0 has APIC id %u / %u / %u",
			  one.ebx >> 24, smt.edx, core.edx);
	else if (ids < n || (ids & (ids - 1)) || ids >= 2 * n)
		test_fail("topology", "CPUID.1:EBX[23:16] %u for %u vCPUs", ids,
			  n);
	else if ((smt.ebx & 0xffff) != 1 || ((smt.ecx >> 8) & 0xff) != 1)
		test_fail("topology", "leaf 0xB level 0: ebx 0x%x ecx 0x%x",
			  smt.ebx, smt.ecx);
	else if ((core.ebx & 0xffff) != n || ((core.ecx >> 8) & 0xff) != 2 ||
		 (1u << (core.eax & 0x1f)) != ids)
		test_fail("topology", "leaf 0xB level 1: eax 0x%x ebx 0x%x ecx 0x%x for %u vCPUs",
			  core.eax, core.ebx, core.ecx, n);
	else if ((end.ecx >> 8) & 0xff)
		test_fail("topology", "leaf 0xB has a level 2: ecx 0x%x",
			  end.ecx);
	else if ((l4.eax & 0x1f) && (l4.eax >> 26) + 1 != ids)
		test_fail("topology", "CPUID.4:EAX[31:26] %u for %u ids",
			  l4.eax >> 26, ids);
	else
		test_pass("topology");
}

/* Leaf 0xD's sizes, with every shown component in XCR0: EBX (for XCR0)
 * equals ECX (for all), and every shown component lies inside. */
static void check_xsave_sizes(void)
{
	struct cpuid_regs d = cpuid(0xd, 0);

	if (!xcr0_shown) {
		test_pass("xsave-sizes");
		return;
	}
	if (d.ebx != d.ecx || d.ebx < 576) {
		test_fail("xsave-sizes", "ebx %u ecx %u with XCR0 0x%lx", d.ebx,
			  d.ecx, (unsigned long)xcr0_shown);
		return;
	}
	for (uint32_t i = 2; i < 63; i++) {
		struct cpuid_regs c = cpuid(0xd, i);

		if (!(xcr0_shown & (1ull << i)))
			continue;
		if (!c.eax || c.eax + c.ebx > d.ecx) {
			test_fail("xsave-sizes", "component %u at %u, %u bytes, past %u",
				  i, c.ebx, c.eax, d.ecx);
			return;
		}
	}
	test_pass("xsave-sizes");
}

void test_main(const struct hv_start_info *si)
{
	unsigned failed = 0, used = 0;

	enable_state();
	check_os_bits();
	check_topology(si);
	check_xsave_sizes();
	for (unsigned w = 0; w < sizeof(walked) / sizeof(walked[0]); w++) {
		uint32_t bits = reg_of(cpuid(walked[w].leaf, walked[w].sub),
				       walked[w].reg);

		for (unsigned b = 0; b < 32; b++) {
			const struct use *u = NULL;
			int vector = -1;

			if (!(bits & (1u << b)))
				continue;
			for (unsigned i = 0; i < sizeof(uses) / sizeof(uses[0]); i++)
				if (uses[i].leaf == walked[w].leaf &&
				    uses[i].sub == walked[w].sub &&
				    uses[i].reg == walked[w].reg &&
				    uses[i].bit == b)
					u = &uses[i];
			if (!u) {
				test_fail("cpuidwalk-use",
					  "0x%x.%u.%s[%u]: bit shown but not exercised",
					  walked[w].leaf, walked[w].sub,
					  reg_names[walked[w].reg], b);
				failed++;
				continue;
			}
			bad = NULL;
			if (expect_fault(u->fn, NULL, &vector)) {
				test_fail("cpuidwalk-use",
					  "0x%x.%u.%s[%u] %s: %s", u->leaf,
					  u->sub, reg_names[u->reg], b, u->name,
					  rt_vector_name((uint64_t)vector));
				failed++;
			} else if (bad) {
				test_fail("cpuidwalk-use",
					  "0x%x.%u.%s[%u] %s: %s", u->leaf,
					  u->sub, reg_names[u->reg], b, u->name,
					  bad);
				failed++;
			} else {
				rt_printf("cpuidwalk: 0x%x.%u.%s[%u] %s ok\n",
					  u->leaf, u->sub, reg_names[u->reg], b,
					  u->name);
				used++;
			}
		}
	}
	if (!failed)
		test_pass("cpuidwalk-use");
	rt_printf("cpuidwalk: %u feature bits shown and used\n", used);
}
