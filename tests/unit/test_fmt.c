// SPDX-License-Identifier: MIT
/* Tests of lib/fmt.c against the results C's printf gives. */
#include "tests/unit/common.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/fmt.h"

/* Formats with fmt_snprintf and with the host's snprintf; both must agree. */
#define SAME(...)                                                         \
	do {                                                              \
		char got[128], want[128];                                 \
		int g = fmt_snprintf(got, sizeof(got), __VA_ARGS__);      \
		int w = snprintf(want, sizeof(want), __VA_ARGS__);        \
		assert_string_equal(got, want);                           \
		assert_int_equal(g, w);                                   \
	} while (0)

/* Unchecked by -Wformat: for formats that are wrong on purpose. */
static int call_v(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

static void test_integers(void **state)
{
	(void)state;
	SAME("%d", 0);
	SAME("%d|%i", -42, 17);
	SAME("%d", INT_MIN);
	SAME("%d", INT_MAX);
	SAME("%u", UINT_MAX);
	SAME("%x|%X", 0xdeadbeefu, 0xdeadbeefu);
	SAME("%x", -1);
	SAME("%ld", LONG_MIN);
	SAME("%ld", LONG_MAX);
	SAME("%lu", ULONG_MAX);
	SAME("%lx", 0x123456789abcdef0ul);
	SAME("%lld", LLONG_MIN);
	SAME("%llu", ULLONG_MAX);
	SAME("%llx", 0xfedcba9876543210ull);
	SAME("%zu", (size_t)-1);
	SAME("%zx", (size_t)4096);
}

static void test_widths(void **state)
{
	(void)state;
	SAME("[%5d]", 42);
	SAME("[%-5d]", 42);
	SAME("[%05d]", 42);
	SAME("[%05d]", -42);
	SAME("[%02d]", -42);
	SAME("[%1d]", 12345);
	SAME("[%08x]", 0xbeefu);
	SAME("[%016llx]", 0x1234ull);
	SAME("[%-8x]", 0xbeefu);
	SAME("[%5s]", "ab");
	SAME("[%-5s]", "ab");
	SAME("[%2s]", "abcdef");
	SAME("[%3c]", 'x');
	SAME("[%-3c]", 'x');
	SAME("[%020lu]", 18446744073709551615ul);
}

static void test_strings_and_misc(void **state)
{
	char buf[64];

	(void)state;
	SAME("plain text");
	SAME("%s and %s", "this", "that");
	SAME("%s", "");
	SAME("100%%");
	SAME("%c%c%c", 'h', 'v', '!');
	SAME("%p", (void *)0x1000);
	SAME("%p", (void *)0xffff800000000000ul);
	SAME("[%20p]", (void *)0xabc);
	SAME("[%-20p]", (void *)0xabc);

	/* Where C leaves things undefined, fmt's documented choices. */
	assert_int_equal(call_v(buf, sizeof(buf), "%s", (char *)NULL), 6);
	assert_string_equal(buf, "(null)");
	assert_int_equal(call_v(buf, sizeof(buf), "a%qb"), 4);
	assert_string_equal(buf, "a%qb");
	assert_int_equal(call_v(buf, sizeof(buf), "end%"), 3);
	assert_string_equal(buf, "end");
	assert_int_equal(call_v(buf, sizeof(buf), "end%-5"), 3);
	assert_string_equal(buf, "end");
	assert_int_equal(call_v(buf, sizeof(buf), "end%l"), 3);
	assert_string_equal(buf, "end");
	/* '-' wins over '0', as in C. */
	assert_int_equal(call_v(buf, sizeof(buf), "[%-05d]", -42), 7);
	assert_string_equal(buf, "[-42  ]");
}

static void test_truncation(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 5, "hello world"), 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'x');

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 1, "abc%d", 12345), 8);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'x');

	/* With no room at all the buffer is not touched (it may be NULL). */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 0, "abc"), 3);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(fmt_snprintf(NULL, 0, "%d", -1000), 5);

	/* A string argument, then literal text, cut where the room ends:
	 * both are copied a run at a time. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 6, "ab%scd", "wxyz"), 8);
	assert_string_equal(buf, "abwxy");
	assert_int_equal(buf[6], 'x');
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "a%sbcdefgh", "w"), 9);
	assert_string_equal(buf, "awbcdef");

	/* A number cut in the middle, padding included. */
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%08x]", 0xabcdu), 10);
	assert_string_equal(buf, "[0000ab");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", "1234567"), 7);
	assert_string_equal(buf, "1234567");
}

/* A width too large for an int must neither overflow nor take memory. */
static void test_huge_width(void **state)
{
	char buf[8];
	int n;

	(void)state;
	n = call_v(buf, sizeof(buf), "%99999999999d", 7);
	assert_true(n > 0 && n <= 4096);
	assert_string_equal(buf, "       ");
	n = call_v(buf, sizeof(buf), "%-2147483648s|", "ab");
	assert_true(n > 0 && n <= 4097);
	assert_string_equal(buf, "ab     ");
}

static void test_vsnprintf(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(call_v(buf, sizeof(buf), "%s=%d", "x", 3), 3);
	assert_string_equal(buf, "x=3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_strings_and_misc),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_huge_width),
		cmocka_unit_test(test_vsnprintf),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
