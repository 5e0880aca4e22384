// SPDX-License-Identifier: MIT
/* Tests of lib/conring.h, the console's output ring (hv/console.c). */
#include "tests/unit/common.h"

#include <string.h>

#include "lib/conring.h"

#define SIZE 64

static char buf[SIZE];

static struct conring fresh(void)
{
	struct conring r = { buf, SIZE, 0, 0 };

	memset(buf, 0, sizeof(buf));
	return r;
}

static void test_put_take(void **state)
{
	struct conring r = fresh();
	char out[SIZE];

	(void)state;
	assert_true(conring_put(&r, "hello\r\n", 7, 0));
	assert_int_equal(conring_used(&r), 7);
	assert_int_equal(conring_take(&r, out, 3), 3);
	assert_memory_equal(out, "hel", 3);
	assert_int_equal(conring_take(&r, out, sizeof(out)), 4);
	assert_memory_equal(out, "lo\r\n", 4);
	assert_int_equal(conring_take(&r, out, sizeof(out)), 0);
}

/* A line goes in whole or not at all: output never shows half a line. */
static void test_all_or_nothing(void **state)
{
	struct conring r = fresh();
	char line[40];

	(void)state;
	memset(line, 'a', sizeof(line));
	assert_true(conring_put(&r, line, sizeof(line), 0));
	assert_false(conring_put(&r, line, sizeof(line), 0));
	assert_int_equal(conring_used(&r), sizeof(line));
	assert_true(conring_put(&r, line, SIZE - sizeof(line), 0));
	assert_int_equal(conring_free(&r), 0);
	assert_false(conring_put(&r, "x", 1, 0));
}

/* The room kept free for hv's lines refuses a partition's line. */
static void test_keep(void **state)
{
	struct conring r = fresh();
	char line[SIZE];

	(void)state;
	memset(line, 'p', sizeof(line));
	assert_false(conring_put(&r, line, SIZE - 15, 16));
	assert_true(conring_put(&r, line, SIZE - 16, 16));
	assert_false(conring_put(&r, "p", 1, 16));
	/* hv's own line may use the kept room. */
	assert_true(conring_put(&r, line, 16, 0));
	assert_int_equal(conring_free(&r), 0);
}

/* Free-running indices: order survives wrapping the buffer and 2^32. */
static void test_wrap(void **state)
{
	struct conring r = fresh();
	char in[24], out[24];

	(void)state;
	r.head = r.tail = UINT32_MAX - 30;
	for (int round = 0; round < 100; round++) {
		for (unsigned i = 0; i < sizeof(in); i++)
			in[i] = (char)(round * 7 + i);
		assert_true(conring_put(&r, in, sizeof(in), 0));
		assert_true(conring_put(&r, in, sizeof(in), 0));
		assert_int_equal(conring_take(&r, out, sizeof(out)),
				 sizeof(out));
		assert_memory_equal(in, out, sizeof(in));
		assert_int_equal(conring_take(&r, out, sizeof(out)),
				 sizeof(out));
		assert_memory_equal(in, out, sizeof(in));
		assert_int_equal(conring_used(&r), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_take),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_wrap),
	};

	return cmocka_run_group_tests_name("conring", tests, NULL, NULL);
}
