// SPDX-License-Identifier: MIT
/*
 * Tests of arch/x86/smp_claim.h: the start-up slot an AP and the boot CPU
 * race for (issue 15: a late AP ran with a duplicate CPU index), and the
 * idle window's NMI fix-up (a kick between the last check and HLT).
 */
#include "tests/unit/common.h"

#include "arch/x86/smp_claim.h"

/* The AP comes after the boot CPU gave up: every step it tries fails. */
static void test_late_ap_refused(void **state)
{
	uint32_t s = CPU_OFF, last = 99;

	(void)state;
	assert_false(cpu_state_abandon(&s, &last));
	assert_int_equal(last, CPU_OFF);
	assert_int_equal(s, CPU_ABANDONED);
	assert_false(cpu_state_move(&s, CPU_OFF, CPU_ARRIVED));
	assert_false(cpu_state_move(&s, CPU_ARRIVED, CPU_READY));
	assert_int_equal(s, CPU_ABANDONED);
}

/* It arrived but had not reached VMX root: abandoned; its VMXON then
 * cannot make it READY. */
static void test_arrived_then_abandoned(void **state)
{
	uint32_t s = CPU_OFF, last = 99;

	(void)state;
	assert_true(cpu_state_move(&s, CPU_OFF, CPU_ARRIVED));
	assert_false(cpu_state_abandon(&s, &last));
	assert_int_equal(last, CPU_ARRIVED);
	assert_false(cpu_state_move(&s, CPU_ARRIVED, CPU_READY));
	assert_false(cpu_state_move(&s, CPU_ARRIVED, CPU_FAILED));
	assert_int_equal(s, CPU_ABANDONED);
}

/* READY just before the timeout's look: the CPU is hv's after all. */
static void test_ready_wins(void **state)
{
	uint32_t s = CPU_OFF, last = 99;

	(void)state;
	assert_true(cpu_state_move(&s, CPU_OFF, CPU_ARRIVED));
	assert_true(cpu_state_move(&s, CPU_ARRIVED, CPU_READY));
	assert_true(cpu_state_abandon(&s, &last));
	assert_int_equal(last, CPU_READY);
	assert_int_equal(s, CPU_READY);
}

/* A CPU that failed VMXON stays failed, and is not counted. */
static void test_failed_stays(void **state)
{
	uint32_t s = CPU_ARRIVED, last = 99;

	(void)state;
	assert_true(cpu_state_move(&s, CPU_ARRIVED, CPU_FAILED));
	assert_false(cpu_state_abandon(&s, &last));
	assert_int_equal(last, CPU_FAILED);
	assert_int_equal(s, CPU_FAILED);
}

/* The window is [start, end): the compare, STI and HLT move to end. */
static void test_idle_window(void **state)
{
	const uint64_t start = 0x1000, hlt = 0x1006, end = 0x1007;

	(void)state;
	assert_int_equal(idle_window_fixup(start, start, end), end);
	assert_int_equal(idle_window_fixup(start + 2, start, end), end);
	/* Saved RIP at the HLT: the NMI came just before it executed. */
	assert_int_equal(idle_window_fixup(hlt, start, end), end);
	/* During the HLT the saved RIP is already past it. */
	assert_int_equal(idle_window_fixup(end, start, end), end);
	/* Outside the window nothing moves. */
	assert_int_equal(idle_window_fixup(start - 1, start, end), start - 1);
	assert_int_equal(idle_window_fixup(end + 1, start, end), end + 1);
	assert_int_equal(idle_window_fixup(0, start, end), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late_ap_refused),
		cmocka_unit_test(test_arrived_then_abandoned),
		cmocka_unit_test(test_ready_wins),
		cmocka_unit_test(test_failed_stays),
		cmocka_unit_test(test_idle_window),
	};

	return cmocka_run_group_tests_name("smp_claim", tests, NULL, NULL);
}
