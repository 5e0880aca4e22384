// SPDX-License-Identifier: MIT
/*
 * Tests of arch/x86/crcheck.h: the #GP conditions of a MOV to CR0 and CR4
 * that hv completes for a 64-bit guest, and for a pc guest in any mode
 * (with its EFER and PDPTE rules), bit by bit from the SDM (Vol. 2,
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

/* A pc vCPU at its multiboot entry: protected mode, paging off. */
#define PM32 (CR0_PE | CR0_ET)
#define LONG_EFER (EFER_LME | EFER_LMA)

static void test_cr0_any_modes(void **state)
{
	(void)state;
	/* Real mode <-> protected mode <-> paging, both ways. */
	assert_false(cr0_write_faults_any(PM32, CR0_ET, 0, 0, false));
	assert_false(cr0_write_faults_any(CR0_ET, PM32, 0, 0, false));
	assert_false(cr0_write_faults_any(PM32 | CR0_PG, PM32, 0, 0, false));
	assert_false(cr0_write_faults_any(PM32, PM32 | CR0_PG, 0, 0, false));
	assert_false(cr0_write_faults_any(PM32 | CR0_PG, PM32, CR4_PAE, 0,
					  false));
	/* Into IA-32e mode: LME and PAE, from a 32-bit code segment. */
	assert_false(cr0_write_faults_any(PM32 | CR0_PG, PM32, CR4_PAE,
					  EFER_LME, false));
	/* Out of it from compatibility mode (CS.L 0). */
	assert_false(cr0_write_faults_any(PM32, PM32 | CR0_PG, CR4_PAE,
					  LONG_EFER, false));
	/* CD and NW as a CPU takes them; reserved low bits ignored. */
	assert_false(cr0_write_faults_any(PM32 | CR0_CD | CR0_NW, PM32, 0, 0,
					  false));
	assert_false(cr0_write_faults_any(PM32 | (1ull << 6), PM32, 0, 0,
					  false));
	/* PG already set: LME and PAE are not looked at again. */
	assert_false(cr0_write_faults_any(PM32 | CR0_PG | CR0_WP,
					  PM32 | CR0_PG, CR4_PAE, LONG_EFER,
					  true));
}

static void test_cr0_any_faults(void **state)
{
	(void)state;
	for (int b = 32; b < 64; b++)
		assert_true(cr0_write_faults_any(PM32 | (1ull << b), PM32, 0, 0,
						 false));
	assert_true(cr0_write_faults_any(PM32 | CR0_NW, PM32, 0, 0, false));
	assert_true(cr0_write_faults_any(CR0_ET | CR0_PG, CR0_ET, 0, 0, false));
	assert_true(cr0_write_faults_any(PM32, PM32 | CR0_WP, CR4_CET, 0,
					 false));
	/* Enabling paging with LME but without PAE, or with CS.L set. */
	assert_true(cr0_write_faults_any(PM32 | CR0_PG, PM32, 0, EFER_LME,
					 false));
	assert_true(cr0_write_faults_any(PM32 | CR0_PG, PM32, CR4_PAE, EFER_LME,
					 true));
	/* CS.L without LME is no 64-bit segment: only LME makes it count. */
	assert_false(cr0_write_faults_any(PM32 | CR0_PG, PM32, CR4_PAE, 0, true));
	/* Disabling paging in 64-bit mode, or with PCIDE. */
	assert_true(cr0_write_faults_any(PM32, PM32 | CR0_PG, CR4_PAE,
					 LONG_EFER, true));
	assert_true(cr0_write_faults_any(PM32, PM32 | CR0_PG,
					 CR4_PAE | CR4_PCIDE, LONG_EFER, false));
}

static void test_efer_after_cr0(void **state)
{
	(void)state;
	assert_int_equal(efer_after_cr0(EFER_LME, PM32, PM32 | CR0_PG),
			 LONG_EFER);
	assert_int_equal(efer_after_cr0(LONG_EFER | EFER_NXE, PM32 | CR0_PG,
					PM32),
			 EFER_LME | EFER_NXE);
	/* Legacy paging: nothing changes. */
	assert_int_equal(efer_after_cr0(EFER_NXE, PM32, PM32 | CR0_PG),
			 EFER_NXE);
	assert_int_equal(efer_after_cr0(LONG_EFER, PM32 | CR0_PG,
					PM32 | CR0_PG | CR0_WP),
			 LONG_EFER);
}

static void test_cr4_any(void **state)
{
	const uint64_t own = CR4_PC_GUEST_OWNED & FIXED1_ALL;

	(void)state;
	/* PAE on and off outside IA-32e mode; everything a pc guest owns. */
	assert_false(cr4_write_faults_any(CR4_PAE, 0, 0, 0, FIXED1_ALL));
	assert_false(cr4_write_faults_any(0, CR4_PAE, 0, 0, FIXED1_ALL));
	assert_false(cr4_write_faults_any(own & ~CR4_PCIDE, 0, 0, 0, FIXED1_ALL));
	assert_false(cr4_write_faults_any(CR4_MCE, 0, 0, 0, FIXED1_ALL));
	assert_false(cr4_write_faults_any(CR4_PAE | CR4_PCIDE, CR4_PAE,
					  LONG_EFER, 0x1000, FIXED1_ALL));
	for (int b = 32; b < 64; b++)
		assert_true(cr4_write_faults_any(1ull << b, 0, 0, 0, FIXED1_ALL));
	assert_true(cr4_write_faults_any(CR4_VMXE, 0, 0, 0, FIXED1_ALL));
	assert_true(cr4_write_faults_any(CR4_SMXE, 0, 0, 0, FIXED1_ALL));
	assert_true(cr4_write_faults_any(CR4_LA57 | CR4_PAE, CR4_PAE, 0, 0,
					 FIXED1_ALL));
	assert_true(cr4_write_faults_any(CR4_CET, 0, 0, 0, FIXED1_ALL));
	assert_true(cr4_write_faults_any(CR4_PKE, 0, 0, 0, FIXED1_OLD));
	/* PAE stays while IA-32e mode is active. */
	assert_true(cr4_write_faults_any(0, CR4_PAE, LONG_EFER, 0, FIXED1_ALL));
	/* PCIDE only in IA-32e mode, and only with CR3[11:0] 0. */
	assert_true(cr4_write_faults_any(CR4_PAE | CR4_PCIDE, CR4_PAE, 0, 0,
					 FIXED1_ALL));
	assert_true(cr4_write_faults_any(CR4_PAE | CR4_PCIDE, CR4_PAE,
					 LONG_EFER, 0x1001, FIXED1_ALL));
}

static void test_pdptes(void **state)
{
	(void)state;
	/* Turning PAE paging on through CR0.PG, or CR4.PAE under PG. */
	assert_true(pdptes_reload(PM32, PM32 | CR0_PG, CR4_PAE, CR4_PAE, 0));
	assert_true(pdptes_reload(PM32 | CR0_PG, PM32 | CR0_PG, 0, CR4_PAE, 0));
	assert_true(pdptes_reload(PM32 | CR0_PG, PM32 | CR0_PG, CR4_PAE,
				  CR4_PAE | CR4_PGE, 0));
	assert_true(pdptes_reload(PM32 | CR0_PG, PM32 | CR0_PG | CR0_CD,
				  CR4_PAE, CR4_PAE, 0));
	/* No PAE paging after it: IA-32e mode, no paging, no PAE. */
	assert_false(pdptes_reload(PM32, PM32 | CR0_PG, CR4_PAE, CR4_PAE,
				   EFER_LME));
	assert_false(pdptes_reload(PM32 | CR0_PG, PM32, CR4_PAE, CR4_PAE, 0));
	assert_false(pdptes_reload(PM32 | CR0_PG, PM32 | CR0_PG, CR4_PAE, 0, 0));
	/* A change of none of the listed bits. */
	assert_false(pdptes_reload(PM32 | CR0_PG, PM32 | CR0_PG | CR0_WP,
				   CR4_PAE, CR4_PAE | CR4_OSFXSR, 0));

	assert_false(pdpte_bad(0x1000 | 1, 36));
	assert_false(pdpte_bad(0xfffffff000ull | 0x19, 40)); /* PWT PCD, bits 4:3 */
	assert_false(pdpte_bad(0x1e6, 36)); /* not present: nothing checked */
	assert_true(pdpte_bad(1 | 2, 36));
	assert_true(pdpte_bad(1 | 4, 36));
	for (int b = 5; b <= 8; b++)
		assert_true(pdpte_bad(1 | (1ull << b), 36));
	assert_true(pdpte_bad(1 | (1ull << 36), 36));
	assert_false(pdpte_bad(1 | (1ull << 35), 36));
	assert_true(pdpte_bad(1 | (1ull << 63), 52));
}

static void test_efer_pc(void **state)
{
	const uint64_t allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;

	(void)state;
	assert_false(efer_write_faults_pc(EFER_LME, 0, PM32, allowed));
	assert_false(efer_write_faults_pc(EFER_NXE | EFER_SCE, 0,
					  PM32 | CR0_PG, allowed));
	assert_false(efer_write_faults_pc(LONG_EFER | EFER_NXE, LONG_EFER,
					  PM32 | CR0_PG, allowed));
	assert_true(efer_write_faults_pc(EFER_LME, 0, PM32 | CR0_PG, allowed));
	assert_true(efer_write_faults_pc(0, LONG_EFER, PM32 | CR0_PG, allowed));
	assert_true(efer_write_faults_pc(EFER_NXE, 0, PM32, EFER_LME));
	assert_true(efer_write_faults_pc(1ull << 9, 0, PM32, allowed));
	/* LMA stays what the CPU made it. */
	assert_int_equal(efer_written_pc(EFER_LME | EFER_LMA, 0), EFER_LME);
	assert_int_equal(efer_written_pc(EFER_LME | EFER_NXE, LONG_EFER),
			 LONG_EFER | EFER_NXE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0_valid),
		cmocka_unit_test(test_cr0_faults),
		cmocka_unit_test(test_cr0_written),
		cmocka_unit_test(test_cr4_valid),
		cmocka_unit_test(test_cr4_faults),
		cmocka_unit_test(test_cr0_any_modes),
		cmocka_unit_test(test_cr0_any_faults),
		cmocka_unit_test(test_efer_after_cr0),
		cmocka_unit_test(test_cr4_any),
		cmocka_unit_test(test_pdptes),
		cmocka_unit_test(test_efer_pc),
	};

	return cmocka_run_group_tests_name("crcheck", tests, NULL, NULL);
}
