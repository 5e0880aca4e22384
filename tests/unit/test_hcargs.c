// SPDX-License-Identifier: MIT
/* Tests of hv/hcargs.h, the checks on guest buffers named by hypercalls. */
#include "tests/unit/common.h"

#include "hv/hcargs.h"

#define RAM (16ull << 20)

static void test_inside(void **state)
{
	(void)state;
	assert_int_equal(hc_check_buffer(RAM, 0, 0, 256), HV_OK);
	assert_int_equal(hc_check_buffer(RAM, 0x1000, 256, 256), HV_OK);
	/* The last byte of RAM is inside. */
	assert_int_equal(hc_check_buffer(RAM, RAM - 1, 1, 256), HV_OK);
	assert_int_equal(hc_check_buffer(RAM, RAM - 256, 256, 256),
			 HV_OK);
}

static void test_outside(void **state)
{
	(void)state;
	/* A pointer past RAM, at its end, far away. */
	assert_int_equal(hc_check_buffer(RAM, RAM, 1, 256),
			 HV_EFAULT);
	assert_int_equal(hc_check_buffer(RAM, RAM, 0, 256),
			 HV_EFAULT);
	assert_int_equal(hc_check_buffer(RAM, 0xfee00000, 4, 256),
			 HV_EFAULT);
	/* A range that straddles the end of RAM. */
	assert_int_equal(hc_check_buffer(RAM, RAM - 10, 11, 256),
			 HV_EFAULT);
	/* A range that would wrap past 2^64 if added naively. */
	assert_int_equal(hc_check_buffer(RAM, ~0ull - 3, 8, 256),
			 HV_EFAULT);
}

static void test_length(void **state)
{
	(void)state;
	assert_int_equal(hc_check_buffer(RAM, 0, 257, 256), HV_E2BIG);
	/* A huge length is refused for its size before any address sum. */
	assert_int_equal(hc_check_buffer(RAM, 0x1000, ~0ull, 256),
			 HV_E2BIG);
	assert_int_equal(hc_check_buffer(RAM, RAM + 5, ~0ull, 256),
			 HV_E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside),
		cmocka_unit_test(test_outside),
		cmocka_unit_test(test_length),
	};

	return cmocka_run_group_tests_name("hcargs", tests, NULL, NULL);
}
