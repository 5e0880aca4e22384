// SPDX-License-Identifier: MIT
/*
 * Tests of the CPUID policy (policy_cpuid in hv/policy.h), on made-up
 * host answers: what a guest must not see is gone, what hv adds is there,
 * and every other leaf is the host's.
 */
#include "tests/unit/common.h"

#include "hv/policy.h"

uint32_t policy_tsc_khz = 2000000;
static bool osxsave;

bool vcpu_arch_osxsave(const struct vcpu *v)
{
	(void)v;
	return osxsave;
}

static struct cpuid_regs ask(uint32_t id, uint32_t leaf, uint32_t sub,
			     struct cpuid_regs host)
{
	struct vcpu v = { .id = id };

	policy_cpuid(&v, leaf, sub, &host);
	return host;
}

static const struct cpuid_regs ALL = { 0xffffffff, 0xffffffff, 0xffffffff,
				       0xffffffff };

static void test_leaf1(void **state)
{
	struct cpuid_regs r;

	(void)state;
	osxsave = false;
	r = ask(5, 1, 0, ALL);
	/* VMX, SMX, MONITOR, PDCM, TSC-deadline and OSXSAVE gone. */
	assert_int_equal(r.ecx & (1u << 5 | 1u << 6 | 1u << 3 | 1u << 15 |
				  1u << 24 | 1u << 27), 0);
	/* x2APIC and the hypervisor bit on; one CPU, APIC id = vCPU 5. */
	assert_true(r.ecx & (1u << 21));
	assert_true(r.ecx & (1u << 31));
	assert_int_equal(r.ebx, 0x0501ffff);
	assert_int_equal(r.eax, 0xffffffff);
	assert_int_equal(r.edx, 0xffffffff);
	osxsave = true;
	r = ask(0, 1, 0, (struct cpuid_regs){ 0, 0, 0, 0 });
	assert_true(r.ecx & (1u << 27)); /* mirrors the guest's CR4 */
}

static void test_leaf7_and_xsave(void **state)
{
	struct cpuid_regs r;

	(void)state;
	r = ask(0, 7, 0, ALL);
	assert_int_equal(r.ebx & (1u << 2 | 1u << 10 | 1u << 25), 0);
	assert_int_equal(r.ecx & (1u << 5), 0);
	r = ask(0, 7, 1, ALL); /* only subleaf 0 is filtered */
	assert_int_equal(r.ebx, 0xffffffff);
	r = ask(0, 0xd, 1, ALL);
	assert_int_equal(r.eax & (1u << 3), 0);
	r = ask(0, 0x80000001, 0, ALL);
	assert_int_equal(r.edx & (1u << 27), 0);
}

static void test_hidden_leaves(void **state)
{
	static const uint32_t zeroed[] = { 5, 6, 0xa, 0xb, 0x12, 0x14, 0x1f,
					   0x40000002, 0x4fffffff };

	(void)state;
	for (unsigned i = 0; i < sizeof(zeroed) / sizeof(zeroed[0]); i++) {
		struct cpuid_regs r = ask(0, zeroed[i], 0, ALL);

		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
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

static void test_host_leaves(void **state)
{
	struct cpuid_regs r;

	(void)state;
	r = ask(0, 0, 0, (struct cpuid_regs){ 0x16, 1, 2, 3 });
	assert_int_equal(r.eax, 0x16);
	assert_int_equal(r.ebx, 1);
	r = ask(0, 0x50000000, 0, ALL); /* past hv's range */
	assert_int_equal(r.eax, 0xffffffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1),
		cmocka_unit_test(test_leaf7_and_xsave),
		cmocka_unit_test(test_hidden_leaves),
		cmocka_unit_test(test_hv_leaves),
		cmocka_unit_test(test_host_leaves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
