// SPDX-License-Identifier: MIT
/*
 * Tests of arch/x86/vmx_events.c: the double-fault table (SDM Vol. 3A,
 * "Conditions for Generating a Double Fault"), the DR6 of a reflected
 * #DB, and the pending-debug BS rule that Bochs does not check (Vol. 3C,
 * "Checks on Guest Non-Register State").
 */
#include "tests/unit/common.h"

#include "arch/x86/vmcs.h"
#include "arch/x86/vmx_events.h"

static uint32_t hw(uint32_t vector)
{
	return vector | INTR_TYPE_HW_EXCEPTION | INTR_INFO_VALID;
}

static void test_double_fault_table(void **state)
{
	static const uint32_t contributory[] = { 0, 10, 11, 12, 13 };
	static const uint32_t benign[] = { 1, 2, 3, 4, 5, 6, 7, 9, 16, 17,
					   18, 19 };

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		for (unsigned j = 0; j < 5; j++)
			assert_int_equal(vmx_merge_events(hw(contributory[i]),
							  hw(contributory[j])),
					 MERGE_DOUBLE_FAULT);
		/* #PF first, then a contributory one or #PF: #DF. */
		assert_int_equal(vmx_merge_events(hw(14), hw(contributory[i])),
				 MERGE_DOUBLE_FAULT);
		/* A contributory one, then #PF: serial. */
		assert_int_equal(vmx_merge_events(hw(contributory[i]), hw(14)),
				 MERGE_SERIAL);
		for (unsigned j = 0; j < 12; j++) {
			assert_int_equal(vmx_merge_events(hw(benign[j]),
							  hw(contributory[i])),
					 MERGE_SERIAL);
			assert_int_equal(vmx_merge_events(hw(contributory[i]),
							  hw(benign[j])),
					 MERGE_SERIAL);
		}
	}
	assert_int_equal(vmx_merge_events(hw(14), hw(14)), MERGE_DOUBLE_FAULT);
	/* During a #DF: a contributory fault or #PF is a triple fault, a
	 * benign one is not. */
	assert_int_equal(vmx_merge_events(hw(8), hw(13)), MERGE_TRIPLE_FAULT);
	assert_int_equal(vmx_merge_events(hw(8), hw(14)), MERGE_TRIPLE_FAULT);
	assert_int_equal(vmx_merge_events(hw(8), hw(1)), MERGE_SERIAL);
}

static void test_interrupts_kept(void **state)
{
	uint32_t ext = 0x30 | INTR_TYPE_EXTERNAL_INTERRUPT | INTR_INFO_VALID;
	uint32_t nmi = 2 | INTR_TYPE_NMI | INTR_INFO_VALID;
	uint32_t soft = 0x80 | INTR_TYPE_SW_INTERRUPT | INTR_INFO_VALID;

	(void)state;
	/* An interrupt is no exception: never a double fault, and kept. */
	assert_int_equal(vmx_merge_events(ext, hw(13)), MERGE_SERIAL);
	assert_int_equal(vmx_merge_events(nmi, hw(14)), MERGE_SERIAL);
	assert_true(vmx_event_kept(ext));
	assert_true(vmx_event_kept(nmi));
	/* INT n and a fault come back when the instruction runs again. */
	assert_false(vmx_event_kept(soft));
	assert_false(vmx_event_kept(hw(14)));
}

static void test_db_dr6(void **state)
{
	const uint64_t init = 0xffff0ff0; /* DR6 at reset */

	(void)state;
	assert_int_equal(vmx_db_dr6(init, 1), init | 1);
	/* B3-B0 are replaced, not accumulated. */
	assert_int_equal(vmx_db_dr6(init | 1, 4), init | 4);
	assert_int_equal(vmx_db_dr6(init, 1ull << 14), init | (1ull << 14));
	assert_int_equal(vmx_db_dr6(init, 1ull << 13), init | (1ull << 13));
	/* BS stays once set, as DR6's other bits do. */
	assert_int_equal(vmx_db_dr6(init | (1ull << 14), 2),
			 init | (1ull << 14) | 2);
	/* RTM (16) and BLD (11) are active low. */
	assert_int_equal(vmx_db_dr6(init, 1ull << 16), init & ~(1ull << 16));
	assert_int_equal(vmx_db_dr6(init, 1ull << 11), init & ~(1ull << 11));
}

static void test_pending_bs_rule(void **state)
{
	const uint64_t tf = 1ull << 8, btf = 1ull << 1;

	(void)state;
	/* Without blocking or HLT, the rule does not apply. */
	assert_true(vmx_pending_dbg_consistent(tf, 0, 0, 0, 0));
	assert_true(vmx_pending_dbg_consistent(0, 0, 0, 0, PENDING_DBG_BS));
	for (uint32_t blk = 1; blk <= 2; blk++) {
		assert_true(vmx_pending_dbg_consistent(tf, 0, blk, 0,
						       PENDING_DBG_BS));
		assert_false(vmx_pending_dbg_consistent(tf, 0, blk, 0, 0));
		assert_false(vmx_pending_dbg_consistent(0, 0, blk, 0,
							PENDING_DBG_BS));
		assert_true(vmx_pending_dbg_consistent(0, 0, blk, 0, 0));
		assert_false(vmx_pending_dbg_consistent(tf, btf, blk, 0,
							PENDING_DBG_BS));
		assert_true(vmx_pending_dbg_consistent(tf, btf, blk, 0, 0));
	}
	assert_false(vmx_pending_dbg_consistent(tf, 0, 0, ACTIVITY_STATE_HLT, 0));
	assert_true(vmx_pending_dbg_consistent(tf, 0, 0, ACTIVITY_STATE_HLT,
					       PENDING_DBG_BS));
}

static void test_step_after_emulation(void **state)
{
	const uint64_t tf = 1ull << 8, btf = 1ull << 1;

	(void)state;
	assert_int_equal(vmx_pending_dbg_after_step(0, tf, 0), PENDING_DBG_BS);
	assert_int_equal(vmx_pending_dbg_after_step(1, tf, 0),
			 PENDING_DBG_BS | 1);
	assert_int_equal(vmx_pending_dbg_after_step(0, tf, btf), 0);
	assert_int_equal(vmx_pending_dbg_after_step(PENDING_DBG_BS, 0, 0), 0);
	/* Whatever the step leaves is what the entry check accepts with
	 * blocking by STI in force. */
	for (uint64_t f = 0; f < 4; f++) {
		uint64_t rflags = (f & 1) ? tf : 0, dbg = (f & 2) ? btf : 0;

		assert_true(vmx_pending_dbg_consistent(
			rflags, dbg, INTERRUPTIBILITY_STI, 0,
			vmx_pending_dbg_after_step(0, rflags, dbg)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_double_fault_table),
		cmocka_unit_test(test_interrupts_kept),
		cmocka_unit_test(test_db_dr6),
		cmocka_unit_test(test_pending_bs_rule),
		cmocka_unit_test(test_step_after_emulation),
	};

	return cmocka_run_group_tests_name("vmx_events", tests, NULL, NULL);
}
