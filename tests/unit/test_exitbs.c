// SPDX-License-Identifier: MIT
/*
 * Tests of lib/exitbs.h: the loader's GetMemoryMap and ExitBootServices
 * against a scripted firmware. A stale map key is answered with a fresh
 * map; a failure once ExitBootServices has been called must never be
 * reported as one the loader may hand back to the firmware (the UEFI
 * specification allows only GetMemoryMap after that first call).
 */
#include "tests/unit/common.h"

#include "lib/exitbs.h"

#define EFI_INVALID_PARAMETER (0x8000000000000000ull | 2)
#define EFI_BUFFER_TOO_SMALL (0x8000000000000000ull | 5)

/* What each call answers in turn, and what the loader did. */
struct fw {
	uint64_t map_status[4], exit_status[4];
	uint64_t keys[4];
	uint32_t maps, exits;
	uint64_t exit_keys[4];
};

static uint64_t fw_get_map(void *ctx, uint64_t *key)
{
	struct fw *f = ctx;
	uint32_t i = f->maps++;

	assert_true(i < 4);
	*key = f->keys[i];
	return f->map_status[i];
}

static uint64_t fw_exit(void *ctx, uint64_t key)
{
	struct fw *f = ctx;
	uint32_t i = f->exits++;

	assert_true(i < 4);
	/* Each ExitBootServices follows a GetMemoryMap of its own. */
	assert_int_equal(f->maps, i + 1);
	f->exit_keys[i] = key;
	return f->exit_status[i];
}

static enum exitbs_result run(struct fw *f, uint64_t *status)
{
	const struct exitbs_ops ops = { fw_get_map, fw_exit, f };

	*status = 0xdead;
	return exitbs_run(&ops, status);
}

static void test_first_try(void **state)
{
	struct fw f = { .keys = { 7 } };
	uint64_t s;

	(void)state;
	assert_int_equal(run(&f, &s), EXITBS_DONE);
	assert_int_equal(s, 0);
	assert_int_equal(f.exits, 1);
	assert_int_equal(f.exit_keys[0], 7);
}

/* The map changed after it was read: the retry uses the new key. */
static void test_stale_key_retried(void **state)
{
	struct fw f = { .keys = { 7, 8 },
			.exit_status = { EFI_INVALID_PARAMETER, 0 } };
	uint64_t s;

	(void)state;
	assert_int_equal(run(&f, &s), EXITBS_DONE);
	assert_int_equal(s, 0);
	assert_int_equal(f.maps, 2);
	assert_int_equal(f.exits, 2);
	assert_int_equal(f.exit_keys[1], 8);
}

/* Before any ExitBootServices the firmware is whole: a plain refusal. */
static void test_first_map_fails(void **state)
{
	struct fw f = { .map_status = { EFI_BUFFER_TOO_SMALL } };
	uint64_t s;

	(void)state;
	assert_int_equal(run(&f, &s), EXITBS_REFUSED);
	assert_int_equal(s, EFI_BUFFER_TOO_SMALL);
	assert_int_equal(f.exits, 0);
}

/* The retry's map does not fit: ExitBootServices was already called. */
static void test_retry_map_fails(void **state)
{
	struct fw f = { .map_status = { 0, EFI_BUFFER_TOO_SMALL },
			.exit_status = { EFI_INVALID_PARAMETER } };
	uint64_t s;

	(void)state;
	assert_int_equal(run(&f, &s), EXITBS_BROKEN);
	assert_int_equal(s, EFI_BUFFER_TOO_SMALL);
	assert_int_equal(f.exits, 1);
}

/* Both tries fail: bounded, and not a refusal the firmware gets back. */
static void test_both_fail(void **state)
{
	struct fw f = { .keys = { 1, 2, 3 },
			.exit_status = { EFI_INVALID_PARAMETER,
					 EFI_INVALID_PARAMETER, 0 } };
	uint64_t s;

	(void)state;
	assert_int_equal(run(&f, &s), EXITBS_BROKEN);
	assert_int_equal(s, EFI_INVALID_PARAMETER);
	assert_int_equal(f.exits, EXITBS_TRIES);
	assert_int_equal(f.maps, EXITBS_TRIES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_try),
		cmocka_unit_test(test_stale_key_retried),
		cmocka_unit_test(test_first_map_fails),
		cmocka_unit_test(test_retry_map_fails),
		cmocka_unit_test(test_both_fail),
	};

	return cmocka_run_group_tests_name("exitbs", tests, NULL, NULL);
}
