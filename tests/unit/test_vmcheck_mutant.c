// SPDX-License-Identifier: MIT
/*
 * The mutation test of tests/unit/test_vmcheck.c: this binary is linked
 * with a checker built with one rule disabled (-DVMCHECK_DISABLED, see
 * tests/unit/unit.mk), and passes only if the cases of that rule then
 * fail and every other case still passes. A unit test that still passed
 * with the rule's check removed would prove nothing about the rule.
 */
#ifndef VMCHECK_DISABLED
#error "build this test with -DVMCHECK_DISABLED=VMCHECK_<RULE>"
#endif

#include "tests/unit/common.h"

#include <stdio.h>

#include "tests/unit/vmcheck_cases.h"

static void test_disabled_rule_caught(void **state)
{
	unsigned of_rule = 0, caught = 0, wrong = 0;
	char why[512];

	(void)state;
	assert_int_not_equal(VMCHECK_DISABLED, VMCHECK_NONE);
	for (unsigned i = 0; i < vmcheck_case_count(); i++) {
		bool ok = vmcheck_case_run(i, why, sizeof(why));

		if (vmcheck_case_rule(i) == VMCHECK_DISABLED) {
			of_rule++;
			caught += !ok;
		} else if (vmcheck_case_expects(i, VMCHECK_DISABLED)) {
			/* It names the rule among the ones it breaks. */
			wrong += ok;
		} else if (!ok) {
			print_message("unexpected: %s\n", why);
			wrong++;
		}
	}
	print_message("rule %s disabled: %u of its %u case(s) fail, as they must\n",
		      vmcheck_rule_id(VMCHECK_DISABLED), caught, of_rule);
	assert_true(of_rule > 0);
	assert_int_equal(caught, of_rule);
	assert_int_equal(wrong, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disabled_rule_caught),
	};

	return cmocka_run_group_tests_name("vmcheck-mutant", tests, NULL, NULL);
}
