// SPDX-License-Identifier: MIT
/*
 * Tests of mce_assess() (arch/x86/mce.h), the decision hv takes on a
 * machine check from IA32_MCG_STATUS and the banks' status (SDM Vol. 3B,
 * "Machine-Check Architecture"). No emulator here can raise a machine
 * check, so this is where the handling is proven.
 */
#include "tests/unit/common.h"

#include "arch/x86/mce.h"

#define RIPV MCG_STATUS_RIPV
#define EIPV MCG_STATUS_EIPV
#define MCIP MCG_STATUS_MCIP
#define VAL MCI_STATUS_VAL
#define UC MCI_STATUS_UC
#define PCC MCI_STATUS_PCC

static void test_corrected(void **state)
{
	uint64_t banks[3] = { 0, VAL | 0x17a, 0 };

	(void)state;
	assert_int_equal(mce_assess(MCIP | RIPV, banks, 3, true), MCE_RESUME);
	assert_int_equal(mce_assess(MCIP | RIPV, banks, 3, false), MCE_RESUME);
	/* A corrected error tied to the IP still leaves the context whole. */
	assert_int_equal(mce_assess(MCIP | RIPV | EIPV, banks, 3, false),
			 MCE_RESUME);
}

static void test_context_corrupt(void **state)
{
	uint64_t banks[2] = { VAL | UC | PCC, 0 };

	(void)state;
	assert_int_equal(mce_assess(MCIP | RIPV, banks, 2, true), MCE_PANIC);
	assert_int_equal(mce_assess(MCIP | RIPV, banks, 2, false), MCE_PANIC);
	/* PCC in a bank that is not valid means nothing. */
	banks[0] = UC | PCC;
	assert_int_equal(mce_assess(MCIP | RIPV, banks, 2, false), MCE_RESUME);
}

static void test_context_lost(void **state)
{
	uint64_t banks[1] = { VAL | UC };

	(void)state;
	/* No RIPV: the interrupted context cannot go on. */
	assert_int_equal(mce_assess(MCIP, banks, 1, true), MCE_STOP_GUEST);
	assert_int_equal(mce_assess(MCIP, banks, 1, false), MCE_PANIC);
	/* An uncorrected error at the interrupted IP. */
	assert_int_equal(mce_assess(MCIP | RIPV | EIPV, banks, 1, true),
			 MCE_STOP_GUEST);
	assert_int_equal(mce_assess(MCIP | RIPV | EIPV, banks, 1, false),
			 MCE_PANIC);
}

static void test_broadcast(void **state)
{
	/* Another CPU's uncorrected error, broadcast here: RIPV set, EIPV
	 * clear, and this CPU's banks may be empty. */
	uint64_t banks[2] = { 0, 0 };
	uint64_t theirs[1] = { VAL | UC };

	(void)state;
	assert_int_equal(mce_assess(MCIP | RIPV, banks, 2, true), MCE_RESUME);
	assert_int_equal(mce_assess(MCIP | RIPV, theirs, 1, false), MCE_RESUME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corrected),
		cmocka_unit_test(test_context_corrupt),
		cmocka_unit_test(test_context_lost),
		cmocka_unit_test(test_broadcast),
	};

	return cmocka_run_group_tests_name("mce", tests, NULL, NULL);
}
