// SPDX-License-Identifier: MIT
/*
 * The CPUID a partition sees: an allow-list per leaf and register (SDM
 * Vol. 2A, CPUID). A bit is shown only when hv virtualizes its feature
 * completely: the instruction runs in the guest, the MSRs it brings are
 * in the MSR policy, the control-register bit that enables it is one the
 * guest may set (CR4's guest-owned bits: VME PVI TSD DE PSE PAE PGE PCE
 * OSFXSR OSXMMEXCPT UMIP FSGSBASE PCIDE OSXSAVE SMEP SMAP PKE), and its
 * state is switched between vCPUs. Everything else reads as 0, and every
 * leaf not listed here reads as zeros. guest/tests/cpuidwalk.c uses every
 * bit this file can show.
 */
#include "hv/policy.h"

#include "hv/arch.h"

/* Leaf 1 EDX: FPU VME DE PSE TSC MSR PAE CX8 APIC SEP PGE CMOV PAT CLFSH
 * MMX FXSR SSE SSE2, and HTT, which hv sets: EBX[23:16] is valid. Left
 * out: MCE and MCA (hv owns machine checks), MTRR (the MTRR MSRs are
 * refused), PSE-36 (32-bit paging only), PSN, DS, ACPI, SS, TM, PBE. */
#define L1_EDX_ALLOW                                                        \
	(1u << 0 | 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6 | \
	 1u << 8 | 1u << 9 | 1u << 11 | 1u << 13 | 1u << 15 | 1u << 16 |      \
	 1u << 19 | 1u << 23 | 1u << 24 | 1u << 25 | 1u << 26)
/* Leaf 1 ECX: SSE3 PCLMULQDQ SSSE3 CX16 PCID SSE4.1 SSE4.2 MOVBE POPCNT
 * AES XSAVE RDRAND, and FMA F16C AVX when AVX state is switched. Left out:
 * DTES64 MONITOR DS-CPL VMX SMX EIST TM2 CNXT-ID SDBG xTPR PDCM DCA and
 * TSC-deadline; OSXSAVE, x2APIC, the hypervisor bit and, for pc
 * partitions, whose APIC timer has the mode, TSC-deadline are set by hv. */
#define L1_ECX_ALLOW                                                       \
	(1u << 0 | 1u << 1 | 1u << 9 | 1u << 13 | 1u << 17 | 1u << 19 |       \
	 1u << 20 | 1u << 22 | 1u << 23 | 1u << 25 | CPUID1_ECX_XSAVE |       \
	 1u << 30)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define L1_ECX_AVX (1u << 12 | 1u << 28 | 1u << 29) /* FMA AVX F16C */
/* Leaf 7.0 EBX: FSGSBASE BMI1 SMEP BMI2 ERMS RDSEED ADX SMAP CLFLUSHOPT
 * CLWB SHA; AVX2 with AVX; the AVX-512 bits with AVX-512 state. Left out:
 * TSC_ADJUST (its MSR is refused), SGX, HLE, RTM, INVPCID (its VMX enable
 * is off), RDT, MPX (no MPX state), PT. */
#define L7_EBX_ALLOW                                                     \
	(1u << 0 | 1u << 3 | 1u << 7 | 1u << 8 | 1u << 9 | 1u << 18 |       \
	 1u << 19 | 1u << 20 | 1u << 23 | 1u << 24 | 1u << 29)
#define L7_EBX_AVX (1u << 5)
/* AVX512F DQ IFMA CD BW VL. Xeon Phi's PF and ER are left out, untested. */
#define L7_EBX_AVX512 \
	(1u << 16 | 1u << 17 | 1u << 21 | 1u << 28 | 1u << 30 | 1u << 31)
/* Leaf 7.0 ECX: UMIP GFNI VAES VPCLMULQDQ CLDEMOTE MOVDIRI MOVDIR64B; PKU
 * with PKRU switched; the AVX-512 ones with AVX-512 state. Left out:
 * WAITPKG (its VMX enable is off), CET_SS, TME, LA57 (guests run 4-level
 * paging), RDPID (RDTSCP is off in the secondary controls, so RDPID #UDs
 * too), KL, BUS_LOCK_DETECT, ENQCMD, SGX_LC, PKS; OSPKE is set by hv. */
#define L7_ECX_ALLOW                                                    \
	(1u << 2 | 1u << 8 | 1u << 9 | 1u << 10 | 1u << 25 | 1u << 27 |    \
	 1u << 28)
/* VBMI VBMI2 VNNI BITALG VPOPCNTDQ (Xeon Phi's PREFETCHWT1 left out) */
#define L7_ECX_AVX512 (1u << 1 | 1u << 6 | 1u << 11 | 1u << 12 | 1u << 14)
/* Leaf 7.0 EDX: FSRM SERIALIZE; the AVX-512 ones with AVX-512 state. Left
 * out: UINTR, SRBDS, MD_CLEAR, TSX bits, hybrid, PCONFIG, ARCH_LBR,
 * CET_IBT, AMX, and the speculation controls (IBRS/IBPB, STIBP, L1D_FLUSH,
 * ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD): their MSRs are refused. */
#define L7_EDX_ALLOW (1u << 4 | 1u << 14)
/* VP2INTERSECT FP16 (Xeon Phi's 4VNNIW and 4FMAPS left out) */
#define L7_EDX_AVX512 (1u << 8 | 1u << 23)
/* 0x80000001 ECX: LAHF-SAHF LZCNT PREFETCHW. EDX: SYSCALL NX 1-GiB pages
 * LM. RDTSCP only where the secondary controls let it run in the guest
 * (a pc partition's vCPUs, vcpu_arch_rdtscp): hv switches TSC_AUX. */
#define LX1_ECX_ALLOW (1u << 0 | 1u << 5 | 1u << 8)
#define LX1_EDX_ALLOW (1u << 11 | 1u << 20 | 1u << 26 | 1u << 29)
#define LX1_EDX_RDTSCP (1u << 27)

#define XCR0_YMM (1ull << 2)
#define XCR0_AVX512 (7ull << 5) /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_PKRU (1ull << 9)
#define CR4_OSXSAVE_BIT (1ull << 18)
#define CR4_PKE_BIT (1ull << 22)
/* XSAVEOPT XSAVEC XGETBV1. XSAVES needs IA32_XSS, which is refused; XFD
 * is not virtualized. */
#define LD1_EAX_ALLOW 0x7u

static void zero(struct cpuid_regs *r)
{
	r->eax = r->ebx = r->ecx = r->edx = 0;
}

/* The smallest n with 1 << n >= count: bits of an APIC id per level. */
static uint32_t id_bits(uint32_t count)
{
	uint32_t n = 0;

	while ((1u << n) < count)
		n++;
	return n;
}

/*
 * The partition's topology: one package, one core per vCPU, one thread
 * per core; the x2APIC id is the vCPU's number (hv/vlapic.c). Leaf 0xB and
 * 0x1F: level 0 is SMT (one thread, shift 0), level 1 the cores.
 */
static __attribute__((noinline)) void topology(const struct vcpu *v, uint32_t subleaf,
		     struct cpuid_regs *r)
{
	uint32_t n = v->part ? v->part->vcpu_count : 1;

	r->edx = v->id;
	if (subleaf == 0) {
		r->eax = 0;
		r->ebx = 1;
		r->ecx = 1u << 8 | 0;
	} else if (subleaf == 1) {
		r->eax = id_bits(n);
		r->ebx = n;
		r->ecx = 2u << 8 | 1;
	} else {
		r->eax = r->ebx = 0;
		r->ecx = subleaf & 0xff; /* level type 0: invalid */
	}
}

/*
 * Leaf 4, deterministic cache parameters: the host's caches, with the
 * sharing fields of the partition's topology. Caches of levels 1 and 2
 * belong to one core, and a higher level to the package.
 */
static __attribute__((noinline)) void cache_params(const struct vcpu *v, struct cpuid_regs *r)
{
	uint32_t n = v->part ? v->part->vcpu_count : 1;
	uint32_t ids = (1u << id_bits(n)) - 1;
	uint32_t level = (uint32_t)(r->eax >> 5) & 7;

	if (!(r->eax & 0x1f)) { /* no more caches */
		zero(r);
		return;
	}
	r->eax &= 0x3fff;
	r->eax |= ids << 26;
	if (level >= 3)
		r->eax |= ids << 14;
}

/*
 * The XSAVE components shown: those hv switches, less any the host's leaf
 * 0xD gives no size for. Bochs' tigerlake model lists PKRU in XCR0's
 * supported bits with a size and offset of 0: a guest sizing its area
 * from ECX would get an XSAVE that writes past it. Recomputed at each
 * ask (a few host CPUIDs, in the rare leaves 1, 7 and 0xD) so that it
 * needs no initialization order.
 */
static uint64_t shown_xfeatures(void)
{
	uint64_t xf = vcpu_arch_xfeatures();

	for (uint32_t i = 2; i < 63; i++) {
		struct cpuid_regs c;

		if (!(xf & (1ull << i)))
			continue;
		policy_host_cpuid(0xd, i, &c);
		if (!c.eax || !c.ebx)
			xf &= ~(1ull << i);
	}
	return xf;
}

/* The components' layout: standard-format end of the area that holds
 * the components in mask, and the compacted format's size. */
static void xsave_sizes(uint64_t mask, uint32_t *standard,
			uint32_t *compacted)
{
	uint32_t std = 576, cmp = 576; /* legacy area and header */

	for (uint32_t i = 2; i < 63; i++) {
		struct cpuid_regs c;

		if (!(mask & (1ull << i)))
			continue;
		policy_host_cpuid(0xd, i, &c);
		if (c.eax + c.ebx > std)
			std = (uint32_t)(c.eax + c.ebx);
		if (c.ecx & 2) /* aligned to 64 bytes when compacted */
			cmp = (cmp + 63) & ~63u;
		cmp += (uint32_t)c.eax;
	}
	*standard = std;
	*compacted = cmp;
}

/* Leaf 0xD, the XSAVE features: only the components hv switches. */
static __attribute__((noinline)) void xsave_leaf(const struct vcpu *v, uint32_t subleaf,
		       struct cpuid_regs *r)
{
	uint64_t shown = shown_xfeatures();
	uint32_t all, xcr0_size, cmp;

	if (subleaf == 0) {
		xsave_sizes(vcpu_arch_xcr0(v) & shown, &xcr0_size, &cmp);
		xsave_sizes(shown, &all, &cmp);
		r->eax = (uint32_t)shown;
		r->edx = (uint32_t)(shown >> 32);
		r->ebx = xcr0_size;
		r->ecx = all;
	} else if (subleaf == 1) {
		r->eax &= LD1_EAX_ALLOW;
		/* XSAVEC's size for XCR0 | IA32_XSS; IA32_XSS is 0. */
		if (r->eax & 2) {
			xsave_sizes(vcpu_arch_xcr0(v) & shown, &xcr0_size, &cmp);
			r->ebx = cmp;
		} else {
			r->ebx = 0;
		}
		r->ecx = r->edx = 0;
	} else if (subleaf < 63 && (shown & (1ull << subleaf))) {
		r->ecx &= 2; /* user state (bit 0 clear), alignment kept */
		r->edx = 0;
	} else {
		zero(r);
	}
}

/*
 * The leaves with work to do are functions of their own, kept out of
 * line: policy_cpuid_leaf itself then needs no saved registers, and a CPUID
 * of a simple leaf (0, hv's own) costs a call and a jump table.
 */
static __attribute__((noinline)) void leaf1(const struct vcpu *v,
					    struct cpuid_regs *r)
{
	uint64_t xf, cr4;
	uint32_t n;

	xf = shown_xfeatures();
	cr4 = vcpu_arch_guest_cr4(v);
	n = v->part ? v->part->vcpu_count : 1;
	r->edx = (r->edx & L1_EDX_ALLOW) | CPUID1_EDX_HTT;
	r->ecx &= L1_ECX_ALLOW | ((xf & XCR0_YMM) ? L1_ECX_AVX : 0);
	/* SDM: OSXSAVE reflects CR4.OSXSAVE, the guest's own. */
	if (cr4 & CR4_OSXSAVE_BIT)
		r->ecx |= CPUID1_ECX_OSXSAVE;
	/* The virtual local APIC is an x2APIC (hv/vlapic.c). */
	r->ecx |= CPUID1_ECX_X2APIC | CPUID1_ECX_HYPERVISOR;
	if (v->part && v->part->platform == HV_PLATFORM_PC)
		r->ecx |= CPUID1_ECX_TSC_DEADLINE;
	/* Addressable logical-processor ids in the package, and the
	 * initial APIC id: the vCPU's number. */
	r->ebx = (r->ebx & 0xffff) | (1u << id_bits(n)) << 16 |
		 v->id << 24;
}

static __attribute__((noinline)) void leaf7(const struct vcpu *v,
					    uint32_t subleaf,
					    struct cpuid_regs *r)
{
	uint64_t xf;

	if (subleaf != 0) {
		zero(r);
		return;
	}
	xf = shown_xfeatures();
	r->eax = 0; /* subleaf 0 is the only one */
	r->ebx &= L7_EBX_ALLOW | ((xf & XCR0_YMM) ? L7_EBX_AVX : 0) |
		  ((xf & XCR0_AVX512) == XCR0_AVX512 ? L7_EBX_AVX512 :
						       0);
	r->ecx &= L7_ECX_ALLOW | ((xf & XCR0_PKRU) ? CPUID7_ECX_PKU : 0) |
		  ((xf & XCR0_AVX512) == XCR0_AVX512 ? L7_ECX_AVX512 :
						       0);
	r->edx &= L7_EDX_ALLOW |
		  ((xf & XCR0_AVX512) == XCR0_AVX512 ? L7_EDX_AVX512 :
						       0);
	/* AVX-512 without AVX is not a combination software expects. */
	if (!(xf & XCR0_YMM)) {
		r->ebx &= ~L7_EBX_AVX512;
		r->ecx &= ~L7_ECX_AVX512;
		r->edx &= ~L7_EDX_AVX512;
	}
	if ((r->ecx & CPUID7_ECX_PKU) &&
	    (vcpu_arch_guest_cr4(v) & CR4_PKE_BIT))
		r->ecx |= CPUID7_ECX_OSPKE;
}

/*
 * A pc guest's TSC rate, in the leaves Linux reads first
 * (native_calibrate_tsc, cpu_khz_from_cpuid): 0x15 says the TSC runs at
 * the crystal's rate (ratio 1/1) and the crystal at hv's measured TSC
 * rate, which is also the rate the virtual APIC timer counts at before
 * its divider (hv/vlapic.c), so Linux takes its timer period from it
 * and calibrates nothing. 0x16 gives the same rate in MHz.
 */
static __attribute__((noinline)) void tsc_leaf(uint32_t leaf,
					      struct cpuid_regs *r)
{
	uint32_t mhz = (policy_tsc_khz + 500) / 1000;

	if (leaf == 0x15) {
		uint64_t hz = (uint64_t)policy_tsc_khz * 1000;

		/* A TSC past 4.29 GHz does not fit ECX: 0 there makes Linux
		 * take the crystal from 0x16's MHz instead. */
		r->eax = 1;
		r->ebx = 1;
		r->ecx = hz > UINT32_MAX ? 0 : (uint32_t)hz;
	} else {
		r->eax = r->ebx = r->ecx = mhz ? mhz : 1;
	}
	r->edx = 0;
}

void policy_cpuid_leaf(const struct vcpu *v, uint32_t leaf, uint32_t subleaf,
		       struct cpuid_regs *r)
{
	switch (leaf) {
	case 0:
		/* Leaves past 0x1F are not in the allow-list. A pc guest
		 * always has 0x15 and 0x16, which give its TSC rate. */
		if (r->eax > CPUID_MAX_LEAF)
			r->eax = CPUID_MAX_LEAF;
		if (v->part->platform == HV_PLATFORM_PC &&
		    r->eax < CPUID_MIN_LEAF_PC)
			r->eax = CPUID_MIN_LEAF_PC;
		break;
	case 1:
		leaf1(v, r);
		break;
	case 2: /* cache and TLB descriptors */
		break;
	case 0x15: /* TSC and crystal clock ratio */
	case 0x16: /* frequencies */
		if (v->part->platform == HV_PLATFORM_PC)
			tsc_leaf(leaf, r);
		break;
	case 4:
		cache_params(v, r);
		break;
	case 7:
		leaf7(v, subleaf, r);
		break;
	case 0xb:
	case 0x1f:
		topology(v, subleaf, r);
		break;
	case 0xd:
		xsave_leaf(v, subleaf, r);
		break;
	case 0x80000000:
		if (r->eax > 0x80000008)
			r->eax = 0x80000008;
		r->ebx = r->ecx = r->edx = 0;
		break;
	case 0x80000001:
		r->eax = r->ebx = 0;
		r->ecx &= LX1_ECX_ALLOW;
		r->edx &= LX1_EDX_ALLOW |
			  (vcpu_arch_rdtscp(v) ? LX1_EDX_RDTSCP : 0);
		break;
	case 0x80000002 ... 0x80000004: /* the brand string */
	case 0x80000006: /* L2 cache */
		break;
	case 0x80000008:
		/* Address sizes only: WBNOINVD and the rest are not offered. */
		r->eax &= 0xffff;
		r->ebx = r->ecx = r->edx = 0;
		break;
	case HV_CPUID_LEAF_SIGNATURE:
		r->eax = HV_CPUID_LEAF_TIMING;
		r->ebx = cpuid_word(HV_CPUID_SIGNATURE, 0);
		r->ecx = cpuid_word(HV_CPUID_SIGNATURE, 4);
		r->edx = cpuid_word(HV_CPUID_SIGNATURE, 8);
		break;
	case HV_CPUID_LEAF_ABI:
		r->eax = HV_ABI_VERSION;
		r->ebx = r->ecx = r->edx = 0;
		break;
	case HV_CPUID_LEAF_TIMING:
		/* A guest cannot measure the TSC against anything else. */
		r->eax = r->ebx = policy_tsc_khz;
		r->ecx = r->edx = 0;
		break;
	default:
		/*
		 * Every other leaf reads as zeros: MONITOR/MWAIT (5), power
		 * (6), performance monitoring (0xA: RDPMC is #GP), RDT, SGX,
		 * processor trace, AMX, Key Locker, the rest of hv's range,
		 * and leaves no CPU has yet.
		 */
		zero(r);
		break;
	}
}
