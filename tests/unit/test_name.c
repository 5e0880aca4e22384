// SPDX-License-Identifier: MIT
/*
 * Tests of lib/name.c, the one rule for partition names that the
 * manifest parser and hv's partition_create both apply: 1 to 31 (that is,
 * HV_NAME_MAX - 1) characters of A-Z a-z 0-9 _ -.
 */
#include "tests/unit/common.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "include/hv/manifest.h"
#include "lib/name.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The name in a buffer of exactly its size, NUL included: ASan catches a
 * read past it. */
static bool valid(const char *s)
{
	char *copy = unit_dup(s, strlen(s) + 1);
	bool r = hv_name_valid(copy);

	free(copy);
	return r;
}

static void test_valid(void **state)
{
	static const char *const good[] = {
		"a", "Z", "0", "_", "-", "parent", "worker-1", "web_2",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcde", /* 31 */
		"fghijklmnopqrstuvwxyz0123456789", /* 31 */
		"_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_",
	};

	(void)state;
	assert_int_equal(strlen(good[8]), HV_NAME_MAX - 1);
	for (size_t i = 0; i < ARRAY_LEN(good); i++)
		if (!valid(good[i]))
			fail_msg("'%s' refused", good[i]);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"", " ", "a b", "a.b", "a/b", "a\\b", "a:b", "name\n",
		"\t", "caf\xc3\xa9", "\x80", "a\x7f", "[x]", "a=b", "#",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", /* 32 */
		"a-name-of-well-over-thirty-one-characters",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		if (valid(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
}

/*
 * A name field of the ABI that holds no NUL: refused after its
 * HV_NAME_MAX bytes, none read beyond (the buffer is exactly that size).
 */
static void test_unterminated(void **state)
{
	char full[HV_NAME_MAX];
	char *exact;

	(void)state;
	memset(full, 'a', sizeof(full));
	exact = unit_dup(full, sizeof(full));
	assert_false(hv_name_valid(exact));
	/* One byte shorter, the same field is a valid name of 31. */
	exact[HV_NAME_MAX - 1] = '\0';
	assert_true(hv_name_valid(exact));
	/* A bad character anywhere in it counts. */
	exact[HV_NAME_MAX - 2] = '.';
	assert_false(hv_name_valid(exact));
	exact[HV_NAME_MAX - 2] = 'a';
	exact[0] = ' ';
	assert_false(hv_name_valid(exact));
	free(exact);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_unterminated),
	};

	return cmocka_run_group_tests_name("name", tests, NULL, NULL);
}
