// SPDX-License-Identifier: MIT
/*
 * Tests of the CPUID allow-list (hv/cpuid.c), on made-up host answers
 * with every bit set: what hv does not virtualize is gone, OSXSAVE and
 * OSPKE follow the guest's CR4, the topology is the partition's, and the
 * XSAVE leaf describes only the components hv switches.
 */
#include "tests/unit/common.h"

#include "hv/arch.h"
#include "hv/policy.h"

uint32_t policy_tsc_khz = 2000000;
static uint64_t guest_cr4;
static uint64_t xfeatures = 0x2e7;
static bool odd_avx; /* an AVX area that ends off a 64-byte line */
static bool pkru_unsized; /* PKRU listed with no size, as Bochs' tigerlake */

#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)

uint64_t vcpu_arch_guest_cr4(const struct vcpu *v)
{
	(void)v;
	return guest_cr4;
}

uint64_t vcpu_arch_xcr0(const struct vcpu *v)
{
	return v->arch.xcr0;
}

uint64_t vcpu_arch_xfeatures(void)
{
	return xfeatures;
}

/* A pc vCPU on a CPU that lets RDTSCP run in the guest. */
static bool rdtscp;

bool vcpu_arch_rdtscp(const struct vcpu *v)
{
	(void)v;
	return rdtscp;
}

/* The host's XSAVE layout, as a Skylake-X reports it; every other leaf
 * has all bits set. */
void policy_host_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	static const uint32_t size[10] = { [2] = 256, [5] = 64, [6] = 512,
					   [7] = 1024, [9] = 8 };
	static const uint32_t offset[10] = { [2] = 576, [5] = 1088,
					     [6] = 1152, [7] = 1664,
					     [9] = 2688 };

	assert_int_equal(leaf, 0xd);
	r->eax = subleaf < 10 ? size[subleaf] : 0;
	if (subleaf == 2 && odd_avx)
		r->eax = 260;
	if (subleaf == 9 && pkru_unsized)
		r->eax = r->ebx = r->ecx = 0;
	r->ebx = subleaf < 10 ? offset[subleaf] : 0;
	r->ecx = subleaf == 9 ? 2 : 0; /* pretend PKRU is 64-byte aligned */
	r->edx = 0;
}

static struct partition part;

static struct cpuid_regs ask_xcr0(uint32_t id, uint32_t vcpus, uint32_t leaf,
				  uint32_t sub, struct cpuid_regs host,
				  uint64_t xcr0)
{
	struct vcpu v = { .id = id, .part = &part, .arch.xcr0 = xcr0 };

	part.vcpu_count = vcpus;
	policy_cpuid(&v, leaf, sub, &host);
	return host;
}

static struct cpuid_regs ask(uint32_t id, uint32_t leaf, uint32_t sub,
			     struct cpuid_regs host)
{
	return ask_xcr0(id, 1, leaf, sub, host, 3);
}

static const struct cpuid_regs ALL = { 0xffffffff, 0xffffffff, 0xffffffff,
				       0xffffffff };
static const struct cpuid_regs NONE = { 0, 0, 0, 0 };

static int reset(void **state)
{
	(void)state;
	guest_cr4 = 0;
	xfeatures = 0x2e7;
	odd_avx = false;
	pkru_unsized = false;
	rdtscp = false;
	part.platform = HV_PLATFORM_HV;
	return 0;
}

static void test_leaf1_hidden(void **state)
{
	struct cpuid_regs r;

	(void)state;
	r = ask_xcr0(2, 3, 1, 0, ALL, 3);
	/* MONITOR VMX SMX EIST TM2 SDBG xTPR PDCM DCA TSC-deadline, and
	 * OSXSAVE with the guest's CR4.OSXSAVE clear. */
	assert_int_equal(r.ecx & (1u << 3 | 1u << 5 | 1u << 6 | 1u << 7 |
				  1u << 8 | 1u << 11 | 1u << 14 | 1u << 15 |
				  1u << 18 | 1u << 24 | 1u << 27),
			 0);
	/* MCE, MTRR, MCA, PSE-36, PSN, DS, ACPI, SS, TM, PBE. */
	assert_int_equal(r.edx & (1u << 7 | 1u << 12 | 1u << 14 | 1u << 17 | 1u << 18 |
				  1u << 21 | 1u << 22 | 1u << 27 | 1u << 29 |
				  1u << 31),
			 0);
	/* The exact allow-list, so a bit added by mistake fails here too. */
	assert_int_equal(r.ecx, 0xf6fa3203);
	assert_int_equal(r.edx, 0x1789ab7f);
	assert_int_equal(r.eax, 0xffffffff);
	/* Four addressable ids for three vCPUs; APIC id 2. */
	assert_int_equal(r.ebx, 0x0204ffff);
	/* hv's own bits even where the host has none. */
	r = ask(0, 1, 0, NONE);
	assert_int_equal(r.ecx, 1u << 21 | 1u << 31);
	assert_int_equal(r.edx, 1u << 28);
	assert_int_equal(r.ebx, 0x00010000);
}

static void test_osxsave_ospke_follow_cr4(void **state)
{
	struct cpuid_regs r;

	(void)state;
	guest_cr4 = CR4_OSXSAVE;
	r = ask(0, 1, 0, NONE);
	assert_true(r.ecx & (1u << 27));
	r = ask(0, 7, 0, ALL);
	assert_int_equal(r.ecx & (1u << 4), 0); /* PKE still clear */
	guest_cr4 = CR4_PKE;
	r = ask(0, 1, 0, ALL);
	assert_int_equal(r.ecx & (1u << 27), 0);
	r = ask(0, 7, 0, ALL);
	assert_true(r.ecx & (1u << 3));
	assert_true(r.ecx & (1u << 4));
	/* Without PKRU switched, neither PKU nor OSPKE. */
	xfeatures = 0xe7;
	r = ask(0, 7, 0, ALL);
	assert_int_equal(r.ecx & (1u << 3 | 1u << 4), 0);
	/* The host's OSPKE (hv's CR4) never shows through. */
	xfeatures = 0x2e7;
	guest_cr4 = 0;
	r = ask(0, 7, 0, ALL);
	assert_int_equal(r.ecx & (1u << 4), 0);
}

static void test_leaf7_hidden(void **state)
{
	struct cpuid_regs r;

	(void)state;
	r = ask(0, 7, 0, ALL);
	assert_int_equal(r.eax, 0); /* no subleaf past 0 */
	/* TSC_ADJUST SGX HLE INVPCID RTM RDT-M MPX RDT-A PT. */
	assert_int_equal(r.ebx & (1u << 1 | 1u << 2 | 1u << 4 | 1u << 10 |
				  1u << 11 | 1u << 12 | 1u << 14 | 1u << 15 |
				  1u << 25),
			 0);
	/* WAITPKG CET_SS TME LA57 RDPID KL BUS_LOCK_DETECT ENQCMD SGX_LC
	 * PKS. */
	assert_int_equal(r.ecx & (1u << 5 | 1u << 7 | 1u << 13 | 1u << 16 |
				  1u << 22 | 1u << 23 | 1u << 24 | 1u << 29 |
				  1u << 30 | 1u << 31),
			 0);
	/* UINTR, CET_IBT, AMX, IBRS/IBPB, STIBP, L1D_FLUSH,
	 * ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD. */
	assert_int_equal(r.edx & (1u << 5 | 1u << 20 | 1u << 22 | 1u << 24 |
				  1u << 25 | 1u << 26 | 1u << 27 | 1u << 28 |
				  1u << 29 | 1u << 30 | 1u << 31),
			 0);
	assert_int_equal(r.ebx, 0xf1bf03a9);
	assert_int_equal(r.ecx, 0x1a005f4e);
	assert_int_equal(r.edx, 0x00804110);
	r = ask(0, 7, 1, ALL);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = ask(0, 0x80000001, 0, ALL);
	assert_int_equal(r.edx & (1u << 27), 0); /* RDTSCP */
	assert_int_equal(r.edx, 1u << 11 | 1u << 20 | 1u << 26 | 1u << 29);
	assert_int_equal(r.ecx, 1u << 0 | 1u << 5 | 1u << 8);
}

static void test_avx_follows_xfeatures(void **state)
{
	struct cpuid_regs r;

	(void)state;
	xfeatures = 3; /* x87 and SSE only */
	r = ask(0, 1, 0, ALL);
	assert_int_equal(r.ecx & (1u << 12 | 1u << 28 | 1u << 29), 0);
	r = ask(0, 7, 0, ALL);
	assert_int_equal(r.ebx & (1u << 5 | 1u << 16 | 1u << 31), 0);
	assert_int_equal(r.ecx & (1u << 1 | 1u << 11), 0);
	assert_int_equal(r.edx & (1u << 2 | 1u << 23), 0);
	xfeatures = 7; /* AVX without AVX-512 */
	r = ask(0, 7, 0, ALL);
	assert_true(r.ebx & (1u << 5));
	assert_int_equal(r.ebx & (1u << 16), 0);
}

static void test_xsave_leaf(void **state)
{
	struct cpuid_regs r;

	(void)state;
	xfeatures = 0x2e7;
	/* XCR0 = x87 SSE AVX: the area ends after AVX; all shown ends after
	 * PKRU. */
	r = ask_xcr0(0, 1, 0xd, 0, ALL, 7);
	assert_int_equal(r.eax, 0x2e7);
	assert_int_equal(r.edx, 0);
	assert_int_equal(r.ebx, 576 + 256);
	assert_int_equal(r.ecx, 2688 + 8);
	r = ask_xcr0(0, 1, 0xd, 0, ALL, 3);
	assert_int_equal(r.ebx, 576);
	/* Bits the guest set in XCR0 that hv does not show count nothing. */
	xfeatures = 7;
	r = ask_xcr0(0, 1, 0xd, 0, ALL, 0x207);
	assert_int_equal(r.eax, 7);
	assert_int_equal(r.ebx, 832);
	assert_int_equal(r.ecx, 832);
	/* Subleaf 1: no XSAVES or XFD; XSAVEC's compacted size. */
	xfeatures = 0x2e7;
	r = ask_xcr0(0, 1, 0xd, 1, ALL, 0x207);
	assert_int_equal(r.eax, 7);
	assert_int_equal(r.ebx, 576 + 256 + 8);
	assert_int_equal(r.ecx | r.edx, 0);
	odd_avx = true; /* PKRU is aligned to 64 bytes when compacted */
	r = ask_xcr0(0, 1, 0xd, 1, ALL, 0x207);
	assert_int_equal(r.ebx, 896 + 8);
	odd_avx = false;
	/* A component shown keeps its size and offset; others are zeros. */
	r = ask(0, 0xd, 2, (struct cpuid_regs){ 256, 576, 0xffffffff, 7 });
	assert_int_equal(r.eax, 256);
	assert_int_equal(r.ebx, 576);
	assert_int_equal(r.ecx, 2);
	assert_int_equal(r.edx, 0);
	for (uint32_t sub = 3; sub < 70; sub++) {
		if (sub < 63 && (0x2e7ull & (1ull << sub)))
			continue;
		r = ask(0, 0xd, sub, ALL);
		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
}

/* A component the host lists but does not size is not shown, nor is the
 * feature that needs it. */
static void test_unsized_component_hidden(void **state)
{
	struct cpuid_regs r;

	(void)state;
	pkru_unsized = true;
	guest_cr4 = CR4_PKE;
	r = ask_xcr0(0, 1, 0xd, 0, ALL, 0x2e7);
	assert_int_equal(r.eax, 0xe7);
	assert_int_equal(r.ebx, 2688);
	assert_int_equal(r.ecx, 2688);
	r = ask(0, 0xd, 9, ALL);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = ask(0, 7, 0, ALL);
	assert_int_equal(r.ecx & (1u << 3 | 1u << 4), 0);
}

static void test_topology(void **state)
{
	struct cpuid_regs r;

	(void)state;
	for (uint32_t leaf = 0xb; leaf <= 0x1f; leaf += 0x1f - 0xb) {
		r = ask_xcr0(2, 3, leaf, 0, ALL, 3);
		assert_int_equal(r.eax, 0); /* one thread per core */
		assert_int_equal(r.ebx, 1);
		assert_int_equal(r.ecx, 1u << 8 | 0);
		assert_int_equal(r.edx, 2);
		r = ask_xcr0(2, 3, leaf, 1, ALL, 3);
		assert_int_equal(r.eax, 2); /* two id bits for three cores */
		assert_int_equal(r.ebx, 3);
		assert_int_equal(r.ecx, 2u << 8 | 1);
		assert_int_equal(r.edx, 2);
		r = ask_xcr0(2, 3, leaf, 2, ALL, 3);
		assert_int_equal(r.eax | r.ebx, 0);
		assert_int_equal(r.ecx, 2);
		assert_int_equal(r.edx, 2);
	}
	r = ask_xcr0(0, 1, 0xb, 1, ALL, 3);
	assert_int_equal(r.eax, 0);
	assert_int_equal(r.ebx, 1);
	/* Leaf 4: an L1 data cache (type 1, level 1) and an L3 (level 3). */
	r = ask_xcr0(1, 3, 4, 0, (struct cpuid_regs){ 0xfc004121, 1, 2, 3 }, 3);
	assert_int_equal(r.eax, 3u << 26 | 0x0121);
	assert_int_equal(r.ebx, 1);
	r = ask_xcr0(1, 3, 4, 3, (struct cpuid_regs){ 0xfc07c163, 1, 2, 3 }, 3);
	assert_int_equal(r.eax, 3u << 26 | 3u << 14 | 0x0163);
	r = ask_xcr0(1, 2, 4, 3, (struct cpuid_regs){ 0xfc07c163, 1, 2, 3 }, 3);
	assert_int_equal(r.eax, 1u << 26 | 1u << 14 | 0x0163);
	r = ask(0, 4, 4, (struct cpuid_regs){ 0, 1, 2, 3 }); /* the end */
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_hidden_leaves(void **state)
{
	static const uint32_t zeroed[] = {
		3, 5, 6, 8, 9, 0xa, 0xc, 0xe, 0xf, 0x10, 0x12, 0x14, 0x17,
		0x19, 0x1a, 0x1b, 0x1d, 0x1e, 0x20, 0x40000002, 0x4fffffff,
		0x50000000, 0x80000005, 0x80000007, 0x80000009, 0x8000001f
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(zeroed) / sizeof(zeroed[0]); i++) {
		struct cpuid_regs r = ask(0, zeroed[i], 0, ALL);

		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
	/* The maximum leaves stop where the allow-list does. */
	assert_int_equal(ask(0, 0, 0, ALL).eax, 0x1f);
	assert_int_equal(ask(0, 0, 0, (struct cpuid_regs){ 0x16, 1, 2, 3 }).eax,
			 0x16);
	assert_int_equal(ask(0, 0x80000000, 0, ALL).eax, 0x80000008);
	assert_int_equal(ask(0, 0x80000008, 0, ALL).eax, 0xffff);
	assert_int_equal(ask(0, 0x80000008, 0, ALL).ebx, 0);
}

static void test_hv_leaves(void **state)
{
	struct cpuid_regs r;
	char sig[13] = { 0 };

	(void)state;
	r = ask(0, HV_CPUID_LEAF_SIGNATURE, 0, ALL);
	assert_int_equal(r.eax, HV_CPUID_LEAF_TIMING);
	for (int i = 0; i < 4; i++) {
		sig[i] = (char)(r.ebx >> (8 * i));
		sig[4 + i] = (char)(r.ecx >> (8 * i));
		sig[8 + i] = (char)(r.edx >> (8 * i));
	}
	assert_string_equal(sig, HV_CPUID_SIGNATURE);
	r = ask(0, HV_CPUID_LEAF_ABI, 0, ALL);
	assert_int_equal(r.eax, HV_ABI_VERSION);
	r = ask(0, HV_CPUID_LEAF_TIMING, 0, ALL);
	assert_int_equal(r.eax, 2000000);
	assert_int_equal(r.ecx | r.edx, 0);
}

/* RDTSCP is shown exactly where it runs in the guest, and only if the
 * host has it. */
static void test_rdtscp(void **state)
{
	struct cpuid_regs r;

	(void)state;
	rdtscp = true;
	r = ask(0, 0x80000001, 0, ALL);
	assert_int_equal(r.edx, 1u << 11 | 1u << 20 | 1u << 26 | 1u << 27 |
					1u << 29);
	r = ask(0, 0x80000001, 0, NONE);
	assert_int_equal(r.edx, 0);
	rdtscp = false;
	r = ask(0, 0x80000001, 0, ALL);
	assert_int_equal(r.edx & (1u << 27), 0);
}

static void test_host_leaves(void **state)
{
	struct cpuid_regs r;

	(void)state;
	r = ask(0, 0, 0, (struct cpuid_regs){ 0x16, 1, 2, 3 });
	assert_int_equal(r.ebx, 1); /* the vendor string */
	r = ask(0, 0x80000002, 0, (struct cpuid_regs){ 4, 5, 6, 7 });
	assert_int_equal(r.eax, 4);
	assert_int_equal(r.edx, 7);
}

/* A pc guest learns its TSC rate from 0x15/0x16, so Linux calibrates
 * nothing; an hv guest keeps the host's leaves. */
static void test_pc_tsc_leaves(void **state)
{
	struct cpuid_regs r, low = { 0xd, 0, 0, 0 };

	(void)state;
	part.platform = HV_PLATFORM_PC;
	r = ask(0, 0x15, 0, ALL);
	assert_int_equal(r.eax, 1);
	assert_int_equal(r.ebx, 1);
	assert_int_equal(r.ecx, 2000000000u);
	assert_int_equal(r.edx, 0);
	r = ask(0, 0x16, 0, ALL);
	assert_int_equal(r.eax, 2000);
	assert_int_equal(r.ebx, 2000);
	assert_int_equal(r.ecx, 2000);
	/* the leaves are there even where the host stops below them */
	r = ask(0, 0, 0, low);
	assert_int_equal(r.eax, 0x16);
	policy_tsc_khz = 4300000; /* past ECX: the crystal from 0x16 */
	r = ask(0, 0x15, 0, ALL);
	assert_int_equal(r.ecx, 0);
	policy_tsc_khz = 2000000;
	part.platform = HV_PLATFORM_HV;
	r = ask(0, 0x15, 0, ALL);
	assert_int_equal(r.ecx, 0xffffffff);
	r = ask(0, 0, 0, low);
	assert_int_equal(r.eax, 0xd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_leaf1_hidden, reset),
		cmocka_unit_test_setup(test_osxsave_ospke_follow_cr4, reset),
		cmocka_unit_test_setup(test_leaf7_hidden, reset),
		cmocka_unit_test_setup(test_avx_follows_xfeatures, reset),
		cmocka_unit_test_setup(test_xsave_leaf, reset),
		cmocka_unit_test_setup(test_unsized_component_hidden, reset),
		cmocka_unit_test_setup(test_topology, reset),
		cmocka_unit_test_setup(test_hidden_leaves, reset),
		cmocka_unit_test_setup(test_hv_leaves, reset),
		cmocka_unit_test_setup(test_host_leaves, reset),
		cmocka_unit_test_setup(test_rdtscp, reset),
		cmocka_unit_test_setup(test_pc_tsc_leaves, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
