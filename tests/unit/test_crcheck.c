// SPDX-License-Identifier: MIT
/*
 * Tests of arch/x86/crcheck.h: the #GP conditions of a MOV to CR0 and CR4
 * that hv completes for a 64-bit guest, bit by bit from the SDM (Vol. 2,
 * "MOV-Move to/from Control Registers"; Vol. 3A, "Control Registers").
 */
#include "tests/unit/common.h"

#include "arch/x86/crcheck.h"

/* What hv's guests start with (arch/x86/vmx_vcpu.c, setup_guest). */
#define CR0_START (CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG)
/* A CR4 fixed-1 MSR of a CPU with everything up to PKS. */
#define FIXED1_ALL 0x1ff7fffull
/* One without UMIP, LA57, SMAP or PKE. */
#define FIXED1_OLD (FIXED1_ALL & ~(CR4_UMIP | CR4_LA57 | CR4_SMAP | CR4_PKE))

static void test_cr0_valid(void **state)
{
	(void)state;
	assert_false(cr0_write_faults(CR0_START, CR4_PAE));
	assert_false(cr0_write_faults(CR0_START | CR0_CD, CR4_PAE));
	assert_false(cr0_write_faults(CR0_START | CR0_CD | CR0_NW, CR4_PAE));
	assert_false(cr0_write_faults(CR0_START | CR0_AM | CR0_TS | CR0_EM,
				      CR4_PAE));
	assert_false(cr0_write_faults(CR0_START & ~CR0_WP, CR4_PAE));
	/* Reserved bits of 31:0 are ignored, not refused. */
	assert_false(cr0_write_faults(CR0_START | (1ull << 6), CR4_PAE));
}

static void test_cr0_faults(void **state)
{
	(void)state;
	/* Every bit of 63:32, one at a time. */
	for (int b = 32; b < 64; b++)
		assert_true(cr0_write_faults(CR0_START | (1ull << b), CR4_PAE));
	assert_true(cr0_write_faults(CR0_START | CR0_NW, CR4_PAE));
	assert_true(cr0_write_faults(CR0_START & ~CR0_PE, CR4_PAE));
	assert_true(cr0_write_faults(CR0_START & ~CR0_PG, CR4_PAE));
	assert_true(cr0_write_faults(CR0_START & ~(CR0_PE | CR0_PG), CR4_PAE));
	assert_true(cr0_write_faults(CR0_START & ~CR0_WP, CR4_PAE | CR4_CET));
	assert_false(cr0_write_faults(CR0_START, CR4_PAE | CR4_CET));
}

static void test_cr0_written(void **state)
{
	(void)state;
	assert_int_equal(cr0_written(CR0_START), CR0_START);
	assert_int_equal(cr0_written((CR0_START & ~CR0_ET) | 0x1ffaffc0ull),
			 CR0_START);
	assert_int_equal(cr0_written(CR0_START | CR0_CD), CR0_START | CR0_CD);
}

static void test_cr4_valid(void **state)
{
	const uint64_t own = CR4_GUEST_OWNED & FIXED1_ALL;

	(void)state;
	assert_false(cr4_write_faults(CR4_PAE, CR4_PAE, 0, FIXED1_ALL));
	assert_false(cr4_write_faults(CR4_PAE | CR4_MCE, CR4_PAE, 0,
				      FIXED1_ALL));
	assert_false(cr4_write_faults(CR4_PAE | own, CR4_PAE, 0, FIXED1_ALL));
	assert_false(cr4_write_faults(CR4_PAE | CR4_PCIDE, CR4_PAE, 0x1000,
				      FIXED1_ALL));
	/* PCIDE already set: a CR3 with a PCID does not matter. */
	assert_false(cr4_write_faults(CR4_PAE | CR4_PCIDE,
				      CR4_PAE | CR4_PCIDE, 0x1005, FIXED1_ALL));
}

static void test_cr4_faults(void **state)
{
	(void)state;
	for (int b = 32; b < 64; b++)
		assert_true(cr4_write_faults(CR4_PAE | (1ull << b), CR4_PAE, 0,
					     FIXED1_ALL));
	assert_true(cr4_write_faults(0, CR4_PAE, 0, FIXED1_ALL));
	assert_true(cr4_write_faults(CR4_PAE | CR4_VMXE, CR4_PAE, 0,
				     FIXED1_ALL));
	assert_true(cr4_write_faults(CR4_PAE | CR4_SMXE, CR4_PAE, 0,
				     FIXED1_ALL));
	assert_true(cr4_write_faults(CR4_PAE | CR4_LA57, CR4_PAE, 0,
				     FIXED1_ALL));
	assert_true(cr4_write_faults(CR4_PAE, CR4_PAE | CR4_LA57, 0,
				     FIXED1_ALL));
	assert_true(cr4_write_faults(CR4_PAE | CR4_CET, CR4_PAE, 0,
				     FIXED1_ALL));
	assert_true(cr4_write_faults(CR4_PAE | CR4_PKS, CR4_PAE, 0,
				     FIXED1_ALL));
	assert_true(cr4_write_faults(CR4_PAE | CR4_PCIDE, CR4_PAE, 0x1005,
				     FIXED1_ALL));
	/* A bit the CPU lacks is #GP even where hv would let the guest own
	 * it. */
	assert_true(cr4_write_faults(CR4_PAE | CR4_PKE, CR4_PAE, 0, FIXED1_OLD));
	assert_true(cr4_write_faults(CR4_PAE | CR4_UMIP, CR4_PAE, 0,
				     FIXED1_OLD));
	assert_false(cr4_write_faults(CR4_PAE | CR4_SMEP, CR4_PAE, 0,
				      FIXED1_OLD));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0_valid),
		cmocka_unit_test(test_cr0_faults),
		cmocka_unit_test(test_cr0_written),
		cmocka_unit_test(test_cr4_valid),
		cmocka_unit_test(test_cr4_faults),
	};

	return cmocka_run_group_tests_name("crcheck", tests, NULL, NULL);
}
