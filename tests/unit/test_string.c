// SPDX-License-Identifier: MIT
/*
 * Tests of lib/string.c, the freestanding builds' memory and string
 * functions. The host's libc provides the real names, so the file is
 * compiled here with every function renamed, and checked against libc.
 */
#include "tests/unit/common.h"

#include <stdlib.h>
#include <string.h>

#define memcpy hv_memcpy
#define memmove hv_memmove
#define memset hv_memset
#define memcmp hv_memcmp
#define strlen hv_strlen
#define strnlen hv_strnlen
#define strncmp hv_strncmp
#include "lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strncmp

#define BUF 96

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* The direction flag must be clear again after every call (ABI). */
static void assert_df_clear(void)
{
	assert_int_equal(__builtin_ia32_readeflags_u64() & (1u << 10), 0);
}

static void test_memcpy_memset(void **state)
{
	uint8_t a[BUF], b[BUF], want[BUF];
	size_t off, n;

	(void)state;
	for (off = 0; off < 9; off++) {
		for (n = 0; off + n <= 64; n++) {
			fill(a, BUF, 1);
			fill(b, BUF, 2);
			memcpy(want, b, BUF);
			memcpy(want + off, a + 3, n);
			assert_ptr_equal(hv_memcpy(b + off, a + 3, n), b + off);
			assert_memory_equal(b, want, BUF);

			fill(b, BUF, 3);
			memcpy(want, b, BUF);
			memset(want + off, 0x1ab, n);
			assert_ptr_equal(hv_memset(b + off, 0x1ab, n), b + off);
			assert_memory_equal(b, want, BUF);
		}
	}
}

static void test_memmove(void **state)
{
	uint8_t a[BUF], want[BUF];
	size_t dst, src, n;

	(void)state;
	/* Every overlap: forwards, backwards, identical and disjoint. */
	for (dst = 0; dst < 24; dst++) {
		for (src = 0; src < 24; src++) {
			for (n = 0; n <= 40; n++) {
				void *r;

				fill(a, BUF, 5);
				memcpy(want, a, BUF);
				memmove(want + dst, want + src, n);
				r = hv_memmove(a + dst, a + src, n);
				assert_ptr_equal(r, a + dst);
				assert_df_clear();
				assert_memory_equal(a, want, BUF);
			}
		}
	}
}

static void test_memcmp(void **state)
{
	static const uint8_t x[] = { 1, 2, 3, 0x80 }, y[] = { 1, 2, 3, 0x01 };

	(void)state;
	assert_int_equal(hv_memcmp(x, y, 3), 0);
	assert_int_equal(hv_memcmp(x, y, 0), 0);
	/* Bytes compare as unsigned char. */
	assert_int_equal(sign(hv_memcmp(x, y, 4)), 1);
	assert_int_equal(sign(hv_memcmp(y, x, 4)), -1);
	assert_int_equal(sign(hv_memcmp("abc", "abd", 3)), -1);
}

static void test_strings(void **state)
{
	(void)state;
	assert_int_equal(hv_strlen(""), 0);
	assert_int_equal(hv_strlen("hello"), 5);
	assert_int_equal(hv_strnlen("hello", 3), 3);
	assert_int_equal(hv_strnlen("hello", 5), 5);
	assert_int_equal(hv_strnlen("hello", 99), 5);
	assert_int_equal(hv_strnlen("hello", 0), 0);
	/* strnlen must not read past maxlen: no NUL in this buffer. */
	{
		char *p = malloc(4);

		assert_non_null(p);
		memcpy(p, "abcd", 4);
		assert_int_equal(hv_strnlen(p, 4), 4);
		free(p);
	}

	assert_int_equal(hv_strncmp("abc", "abc", 10), 0);
	assert_int_equal(hv_strncmp("abcx", "abcy", 3), 0);
	assert_int_equal(sign(hv_strncmp("abcx", "abcy", 4)), -1);
	assert_int_equal(sign(hv_strncmp("abc", "ab", 5)), 1);
	assert_int_equal(sign(hv_strncmp("ab", "abc", 5)), -1);
	assert_int_equal(hv_strncmp("x", "y", 0), 0);
	assert_int_equal(sign(hv_strncmp("\x80", "\x01", 1)), 1);
	/* Nothing is compared after a common NUL. */
	assert_int_equal(hv_strncmp("a\0x", "a\0y", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy_memset),
		cmocka_unit_test(test_memmove),
		cmocka_unit_test(test_memcmp),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
