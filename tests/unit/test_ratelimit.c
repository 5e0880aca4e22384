// SPDX-License-Identifier: MIT
/*
 * Tests of hv/ratelimit.c with the console faked: which events of a kind
 * print, that a full port scan prints a bounded number of lines, that the
 * suppressed count agrees with what was printed, and the report line.
 */
#include "tests/unit/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hv/ratelimit.h"

static int nlines;
static char last[300];

void hv_log(uint32_t level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	nlines++;
	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
}

static void test_burst_then_powers_of_two(void **state)
{
	struct ratelimit r = { 0 };

	(void)state;
	for (uint64_t n = 1; n <= 1000; n++) {
		uint64_t got = ratelimit_hit(&r, WARN_PORT);
		bool shown = n <= 8 || n == 16 || n == 32 || n == 64 ||
			     n == 128 || n == 256 || n == 512;

		assert_int_equal(got, shown ? n : 0);
	}
	/* Kinds count apart. */
	assert_int_equal(ratelimit_hit(&r, WARN_MSR), 1);
	assert_int_equal(r.seen[WARN_PORT], 1000);
}

static void test_suppressed_matches_printed(void **state)
{
	struct ratelimit r = { 0 };
	uint64_t printed = 0;

	(void)state;
	assert_int_equal(ratelimit_suppressed(0), 0);
	for (uint64_t n = 1; n <= 5000; n++) {
		if (ratelimit_hit(&r, WARN_CR8))
			printed++;
		assert_int_equal(ratelimit_suppressed(n), n - printed);
	}
	assert_int_equal(ratelimit_suppressed(UINT64_MAX),
			 UINT64_MAX - 8 - (63 - 3));
}

/* A scan of every port through the macro the policy uses. */
static void test_port_scan_is_bounded(void **state)
{
	struct ratelimit r = { 0 };

	(void)state;
	nlines = 0;
	for (uint32_t port = 0; port < 65536; port++)
		pr_limited(&r, WARN_PORT, 1, "c: denied read of port 0x%x",
			   port);
	assert_int_equal(nlines, 8 + 13);
	assert_string_equal(last, "c: denied read of port 0xffff (denied port #65536: now only every power of two is shown)");
	nlines = 0;
	ratelimit_report("c", &r);
	assert_int_equal(nlines, 1);
	assert_string_equal(last, "  c: log lines not printed: denied port 65515 of 65536");
}

static void test_report(void **state)
{
	struct ratelimit r = { 0 };

	(void)state;
	nlines = 0;
	ratelimit_report("c", &r);
	r.seen[WARN_PORT] = 8; /* all printed */
	ratelimit_report("c", &r);
	assert_int_equal(nlines, 0);
	r.seen[WARN_HYPERCALL] = 100;
	r.seen[WARN_UNKNOWN_HYPERCALL] = 9;
	ratelimit_report("c", &r);
	assert_int_equal(nlines, 1);
	assert_string_equal(last, "  c: log lines not printed: refused hypercall 89 of 100, unknown hypercall 1 of 9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_powers_of_two),
		cmocka_unit_test(test_suppressed_matches_printed),
		cmocka_unit_test(test_port_scan_is_bounded),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
