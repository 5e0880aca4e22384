// SPDX-License-Identifier: MIT
/*
 * Tests of console input on the fake arch (hv/vuart.c, the console_attach
 * hypercall): the keys typed at the real UART (host_type) reach the one
 * partition that holds the console, buffered apart for each partition;
 * Ctrl-] or the holder's end gives the console back to the parent; and
 * a holder that does not read loses only its own keys. And the parent's
 * own typing (console_input) and view (console_state) of a partition's
 * console, which pm's `type` uses.
 */
#include "tests/unit/hvhost.h"

#include <string.h>

#include "hv/hcall.h"

#define LSR (VUART_BASE + 5)
#define LSR_DATA_READY 0x01
#define DETACH "\x1d"

static struct partition *parent, *kid, *sib;

static int boot(void **state)
{
	host_setup(state);
	host_manifest_add("parent", true, 1, NULL);
	host_manifest_add("kid", false, 1, NULL);
	host_manifest_add("sib", false, 1, NULL);
	host_boot();
	parent = host_part("parent");
	kid = host_part("kid");
	sib = host_part("sib");
	return 0;
}

static int64_t attach(struct partition *caller, uint64_t id);

/* The console's holder outlives the partition table host_setup clears:
 * each test gives it back to the parent at its end. */
static int give_back(void **state)
{
	(void)state;
	if (!vuart_has_console(parent))
		assert_int_equal(attach(parent, parent->id), 0);
	host_type_reset();
	return 0;
}

static int64_t attach(struct partition *caller, uint64_t id)
{
	const uint64_t args[5] = { id, 0, 0, 0, 0 };

	return host_hypercall(&caller->vcpus[0], HV_HC_CONSOLE_ATTACH, args,
			      NULL);
}

/* What p's kernel reads: bytes while the LSR says data is ready. */
static size_t read_all(struct partition *p, char *buf, size_t max)
{
	size_t n = 0;
	uint32_t v = 0;

	for (;;) {
		vuart_io(p, LSR, true, &v);
		if (!(v & LSR_DATA_READY) || n == max)
			return n;
		vuart_io(p, VUART_BASE, true, &v);
		buf[n++] = (char)v;
	}
}

static void expect_read(struct partition *p, const char *want)
{
	char got[512];
	size_t n = read_all(p, got, sizeof(got) - 1);

	got[n] = '\0';
	assert_string_equal(got, want);
}

/* Nothing typed yet looks ready, and no access reads beyond the keys. */
static void test_parent_holds_it_at_boot(void **state)
{
	(void)state;
	assert_true(vuart_has_console(parent));
	assert_false(vuart_has_console(kid));
	host_type("list\r");
	/* A child's access does not take the parent's keys. */
	expect_read(kid, "");
	expect_read(parent, "list\r");
	assert_int_equal(host_typed_left(), 0);
}

static void test_attached_child_alone_gets_keys(void **state)
{
	(void)state;
	assert_int_equal(attach(parent, kid->id), 0);
	assert_true(vuart_has_console(kid));
	assert_false(vuart_has_console(parent));
	assert_true(host_logged("console input goes to kid"));
	host_type("uname\r");
	/* The parent's access reads the UART, for kid: the parent gets
	 * nothing, and kid need not have been reading. */
	expect_read(parent, "");
	assert_int_equal(host_typed_left(), 0);
	expect_read(sib, "");
	expect_read(kid, "uname\r");
	/* kid's own access reads the UART too. */
	host_type("ls");
	expect_read(kid, "ls");
}

/* Ctrl-] gives it back; what kid had not read stays kid's, and what is
 * typed after the Ctrl-] is the parent's, whoever's access reads it. */
static void test_detach_key(void **state)
{
	(void)state;
	assert_int_equal(attach(parent, kid->id), 0);
	host_type("for kid" DETACH "list\r");
	expect_read(kid, "for kid");
	assert_false(vuart_has_console(kid));
	assert_true(vuart_has_console(parent));
	/* kid's access stopped at the Ctrl-]: the rest waits in the UART. */
	assert_int_equal(host_typed_left(), 5);
	expect_read(sib, "");
	expect_read(parent, "list\r");

	assert_int_equal(attach(parent, kid->id), 0);
	host_type("unread" DETACH "stats\r");
	expect_read(parent, "stats\r");
	assert_true(vuart_has_console(parent));
	expect_read(kid, "unread");
	/* Ctrl-] at pm's own prompt reaches pm, which ignores it. */
	host_type(DETACH);
	expect_read(parent, DETACH);
}

/* kid never reads: past its 256 bytes its keys are dropped and counted
 * on it, and sib, attached next, gets all of its own. */
static void test_deaf_holder_costs_others_nothing(void **state)
{
	char many[301];

	(void)state;
	memset(many, 'k', 300);
	many[300] = '\0';
	assert_int_equal(attach(parent, kid->id), 0);
	host_type(many);
	expect_read(parent, "");
	assert_int_equal(kid->uart.rx_dropped, 300 - sizeof(kid->uart.rx));
	host_type(DETACH);
	expect_read(parent, "");
	assert_int_equal(attach(parent, sib->id), 0);
	host_type("for sib\r");
	expect_read(parent, "");
	expect_read(sib, "for sib\r");
	assert_int_equal(sib->uart.rx_dropped, 0);
	assert_int_equal(kid->uart.rx_dropped, 300 - sizeof(kid->uart.rx));
}

static void test_who_may_attach_what(void **state)
{
	(void)state;
	/* Only the parent may attach, and nobody to a partition that is not
	 * there or has ended; the parent's own id takes it back. */
	assert_int_equal(attach(kid, kid->id), HV_STATUS_DENIED);
	assert_true(vuart_has_console(parent));
	assert_int_equal(attach(parent, 99), HV_STATUS_NOT_FOUND);
	assert_int_equal(attach(parent, sib->id), 0);
	assert_int_equal(attach(parent, parent->id), 0);
	assert_true(vuart_has_console(parent));
	/* The holder's end gives the console back, and its unread keys go. */
	assert_int_equal(attach(parent, kid->id), 0);
	host_type("gone");
	expect_read(parent, "");
	kid->state = PART_STOPPED;
	vuart_flush(kid);
	assert_true(vuart_has_console(parent));
	expect_read(kid, "");
	assert_int_equal(attach(parent, kid->id), HV_STATUS_BUSY);
	assert_true(vuart_has_console(parent));
}

/* Where the tests put the parent's buffers, inside its RAM. */
#define BUF_GPA 0x10000

static int64_t type_at(struct partition *caller, uint64_t id, const char *s,
		       uint64_t len)
{
	const uint64_t args[5] = { id, BUF_GPA, len, 0, 0 };

	memcpy(partition_gpa_to_hva(caller, BUF_GPA, len), s, len);
	return host_hypercall(&caller->vcpus[0], HV_HC_CONSOLE_INPUT, args,
			      NULL);
}

static int64_t state_of(struct partition *caller, uint64_t id,
			struct hv_console_state *st, uint64_t size)
{
	const uint64_t args[5] = { id, BUF_GPA, size, 0, 0 };
	int64_t r = host_hypercall(&caller->vcpus[0], HV_HC_CONSOLE_STATE,
				   args, NULL);

	if (!r)
		memcpy(st, partition_gpa_to_hva(caller, BUF_GPA, sizeof(*st)),
		       sizeof(*st));
	return r;
}

/* What the parent types for kid reaches kid alone, without moving the
 * console; a full buffer takes no more, and nothing is dropped. */
static void test_parent_types_for_a_child(void **state)
{
	char many[300];

	(void)state;
	assert_int_equal(type_at(parent, kid->id, "uname -r\r", 9), 9);
	assert_true(vuart_has_console(parent));
	expect_read(parent, "");
	expect_read(sib, "");
	expect_read(kid, "uname -r\r");
	memset(many, 'x', sizeof(many));
	assert_int_equal(type_at(parent, kid->id, many, 200), 200);
	assert_int_equal(type_at(parent, kid->id, many, 100),
			 sizeof(kid->uart.rx) - 200);
	assert_int_equal(type_at(parent, kid->id, many, 1), 0);
	assert_int_equal(kid->uart.rx_dropped, 0);
	assert_int_equal(read_all(kid, many, sizeof(many)), sizeof(kid->uart.rx));
	/* Typed keys and typed-for keys share kid's buffer in order. */
	assert_int_equal(attach(parent, kid->id), 0);
	host_type("a");
	assert_int_equal(type_at(parent, kid->id, "b", 1), 1);
	expect_read(kid, "ab");
}

static void test_who_may_type(void **state)
{
	char big[HV_CONSOLE_WRITE_MAX + 1];

	(void)state;
	memset(big, 'x', sizeof(big));
	/* A child may not type, not even at pm's own console. */
	assert_int_equal(type_at(kid, parent->id, "shutdown\r", 9),
			 HV_STATUS_DENIED);
	expect_read(parent, "");
	assert_int_equal(type_at(parent, 99, "x", 1), HV_STATUS_NOT_FOUND);
	assert_int_equal(type_at(parent, kid->id, big, sizeof(big)),
			 HV_STATUS_TOO_BIG);
	{
		const uint64_t args[5] = { kid->id, parent->ram_size - 2, 4,
					   0, 0 };

		assert_int_equal(host_hypercall(&parent->vcpus[0],
						HV_HC_CONSOLE_INPUT, args, NULL),
				 HV_STATUS_BAD_ADDRESS);
	}
	expect_read(kid, "");
	kid->state = PART_STOPPED;
	assert_int_equal(type_at(parent, kid->id, "x", 1), HV_STATUS_BUSY);
}

/* console_state: lines finished, the unfinished one (a prompt), and the
 * input not read yet. */
static void test_console_state(void **state)
{
	const char *out = "hello\n/ # ";
	struct hv_console_state st;

	(void)state;
	assert_int_equal(state_of(parent, kid->id, &st, sizeof(st)), 0);
	assert_int_equal(st.lines, 0);
	assert_int_equal(st.line_len, 0);
	for (const char *c = out; *c; c++) {
		uint32_t v = (uint8_t)*c;

		vuart_io(kid, VUART_BASE, false, &v);
	}
	assert_int_equal(type_at(parent, kid->id, "ls\r", 3), 3);
	assert_int_equal(state_of(parent, kid->id, &st, sizeof(st)), 0);
	assert_int_equal(st.lines, 1);
	assert_int_equal(st.line_len, 4);
	assert_memory_equal(st.line, "/ # ", 4);
	assert_int_equal(st.rx_pending, 3);
	expect_read(kid, "ls\r");
	assert_int_equal(state_of(parent, kid->id, &st, sizeof(st)), 0);
	assert_int_equal(st.rx_pending, 0);
	assert_true(host_logged("[kid] hello"));
	assert_int_equal(state_of(kid, kid->id, &st, sizeof(st)),
			 HV_STATUS_DENIED);
	assert_int_equal(state_of(parent, kid->id, &st, sizeof(st) - 1),
			 HV_STATUS_INVALID);
	assert_int_equal(state_of(parent, 99, &st, sizeof(st)),
			 HV_STATUS_NOT_FOUND);
}

static void write_out(struct partition *p, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint32_t v = (uint8_t)s[i];

		vuart_io(p, VUART_BASE, false, &v);
	}
}

/* A partition's terminal control sequences never reach the real
 * terminal, nor the line pm looks at; a lone ESC or a runaway sequence
 * costs only its own bytes. */
static void test_escapes_dropped(void **state)
{
	static const char out[] = "a\x1b[1;31mred\x1b[0m\n"
				  "/ # \x1b[6n"
				  "ls\n"
				  "\x1b" "7saved\x1b" "cplain\x1b\x01z\n"
				  "\x1b[12345678901234567890m\n";
	struct hv_console_state st;

	(void)state;
	write_out(kid, out, sizeof(out) - 1);
	assert_true(host_logged("[kid] ared"));
	assert_true(host_logged("[kid] / # ls"));
	assert_true(host_logged("[kid] savedplain?z"));
	/* The sequence's first 16 bytes after ESC [ go, the rest show. */
	assert_true(host_logged("[kid] 7890m"));
	write_out(kid, "/ # \x1b[6n", 8);
	assert_int_equal(state_of(parent, kid->id, &st, sizeof(st)), 0);
	assert_int_equal(st.line_len, 4);
	assert_memory_equal(st.line, "/ # ", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parent_holds_it_at_boot, boot,
						give_back),
		cmocka_unit_test_setup_teardown(test_attached_child_alone_gets_keys, boot,
						give_back),
		cmocka_unit_test_setup_teardown(test_detach_key, boot,
						give_back),
		cmocka_unit_test_setup_teardown(test_deaf_holder_costs_others_nothing, boot,
						give_back),
		cmocka_unit_test_setup_teardown(test_who_may_attach_what, boot,
						give_back),
		cmocka_unit_test_setup_teardown(test_parent_types_for_a_child, boot,
						give_back),
		cmocka_unit_test_setup_teardown(test_who_may_type, boot,
						give_back),
		cmocka_unit_test_setup_teardown(test_console_state, boot,
						give_back),
		cmocka_unit_test_setup_teardown(test_escapes_dropped, boot,
						give_back),
	};

	return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
