// SPDX-License-Identifier: MIT
/*
 * Tests of arch/x86/vmx_decode.c. The qualifications are built by hand from
 * the SDM tables (Vol. 3C "Exit Qualification for I/O Instructions", "...
 * for Control-Register Accesses", "... for EPT Violations"), and several
 * are ones real instructions produce, so a decoder that drifts from the
 * tables fails here.
 */
#include "tests/unit/common.h"

#include <stdbool.h>
#include <string.h>

#include "arch/x86/vmx_decode.h"

/* A struct full of a byte no decoder writes, to see what it left alone. */
#define POISON 0xa5

static bool untouched(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != POISON)
			return false;
	return true;
}

static void test_io_sizes(void **state)
{
	/* Bits 2:0: 0 one byte, 1 two, 3 four; 2 and 4-7 are not used. */
	static const int want[8] = { 1, 2, -1, 4, -1, -1, -1, -1 };
	struct io_exit io;
	unsigned int v;

	(void)state;
	for (v = 0; v < 8; v++) {
		memset(&io, POISON, sizeof(io));
		if (want[v] < 0) {
			assert_false(vmx_decode_io(v, &io));
			assert_true(untouched(&io, sizeof(io)));
			/* Other bits set must not rescue a bad size. */
			assert_false(vmx_decode_io(0xffff0078ull | v, &io));
			continue;
		}
		assert_true(vmx_decode_io(v, &io));
		assert_int_equal(io.size, want[v]);
	}
}

static void test_io_fields(void **state)
{
	struct io_exit io;

	(void)state;
	/* out %al, $0x80: a byte OUT to an immediate port. */
	assert_true(vmx_decode_io(0x00800040, &io));
	assert_int_equal(io.port, 0x80);
	assert_int_equal(io.size, 1);
	assert_false(io.in);
	assert_false(io.string);
	assert_false(io.rep);
	assert_true(io.imm);

	/* in %dx, %eax with DX = 0xcfc. */
	assert_true(vmx_decode_io(0x0cfc000b, &io));
	assert_int_equal(io.port, 0xcfc);
	assert_int_equal(io.size, 4);
	assert_true(io.in);
	assert_false(io.string);
	assert_false(io.rep);
	assert_false(io.imm);

	/* rep outsw to port 0xffff: every flag bit and the top port. */
	assert_true(vmx_decode_io(0xffff0031, &io));
	assert_int_equal(io.port, 0xffff);
	assert_int_equal(io.size, 2);
	assert_false(io.in);
	assert_true(io.string);
	assert_true(io.rep);

	/* Each flag alone, so no two are read from the same bit. */
	assert_true(vmx_decode_io(1u << 3, &io));
	assert_true(io.in && !io.string && !io.rep && !io.imm);
	assert_true(vmx_decode_io(1u << 4, &io));
	assert_true(!io.in && io.string && !io.rep && !io.imm);
	assert_true(vmx_decode_io(1u << 5, &io));
	assert_true(!io.in && !io.string && io.rep && !io.imm);
	assert_true(vmx_decode_io(1u << 6, &io));
	assert_true(!io.in && !io.string && !io.rep && io.imm);
	assert_int_equal(io.port, 0);

	/* Reserved bits 15:7 and 63:32 neither fail nor leak into the port. */
	assert_true(vmx_decode_io(0xffffffff0000ff80ull | 0x12340000, &io));
	assert_int_equal(io.port, 0x1234);
	assert_int_equal(io.size, 1);
	assert_false(io.in || io.string || io.rep);
}

static void test_cr_numbers(void **state)
{
	struct cr_exit cr;
	unsigned int n;

	(void)state;
	for (n = 0; n < 16; n++) {
		bool valid = n == 0 || n == 3 || n == 4 || n == 8;

		memset(&cr, POISON, sizeof(cr));
		/* MOV to CRn from RAX. */
		assert_int_equal(vmx_decode_cr(n, &cr), valid);
		if (!valid) {
			assert_true(untouched(&cr, sizeof(cr)));
			continue;
		}
		assert_int_equal(cr.cr, n);
		assert_int_equal(cr.type, CR_ACCESS_MOV_TO);
	}
}

static void test_cr_mov(void **state)
{
	struct cr_exit cr;

	(void)state;
	/* mov %r13, %cr4 */
	assert_true(vmx_decode_cr(0xd04, &cr));
	assert_int_equal(cr.cr, 4);
	assert_int_equal(cr.type, CR_ACCESS_MOV_TO);
	assert_int_equal(cr.gpr, 13);
	assert_false(cr.lmsw_mem);
	assert_int_equal(cr.lmsw_src, 0);

	/* mov %cr8, %rcx */
	assert_true(vmx_decode_cr(0x118, &cr));
	assert_int_equal(cr.cr, 8);
	assert_int_equal(cr.type, CR_ACCESS_MOV_FROM);
	assert_int_equal(cr.gpr, 1);

	/* mov %cr3, %r15 */
	assert_true(vmx_decode_cr(0xf13, &cr));
	assert_int_equal(cr.cr, 3);
	assert_int_equal(cr.type, CR_ACCESS_MOV_FROM);
	assert_int_equal(cr.gpr, 15);

	/* Reads of CR0 and CR4 come from the read shadows, never an exit. */
	assert_false(vmx_decode_cr(0x010, &cr));
	assert_false(vmx_decode_cr(0x014, &cr));

	/* Source bits in a MOV's qualification do not reach lmsw_src. */
	assert_true(vmx_decode_cr(0xffff0000ull | 0x300, &cr));
	assert_int_equal(cr.gpr, 3);
	assert_int_equal(cr.lmsw_src, 0);
}

static void test_cr_clts_lmsw(void **state)
{
	struct cr_exit cr;
	unsigned int n;

	(void)state;
	/* clts */
	assert_true(vmx_decode_cr(0x20, &cr));
	assert_int_equal(cr.cr, 0);
	assert_int_equal(cr.type, CR_ACCESS_CLTS);
	assert_int_equal(cr.gpr, 0);
	assert_int_equal(cr.lmsw_src, 0);

	/* lmsw %ax with AX = 0x000f, from a register. */
	assert_true(vmx_decode_cr(0x000f0030, &cr));
	assert_int_equal(cr.cr, 0);
	assert_int_equal(cr.type, CR_ACCESS_LMSW);
	assert_false(cr.lmsw_mem);
	assert_int_equal(cr.lmsw_src, 0x000f);
	assert_int_equal(cr.gpr, 0);

	/* lmsw from memory holding 0xfff1; stray GPR bits are dropped. */
	assert_true(vmx_decode_cr(0xfff10f70, &cr));
	assert_true(cr.lmsw_mem);
	assert_int_equal(cr.lmsw_src, 0xfff1);
	assert_int_equal(cr.gpr, 0);

	/* The memory-operand bit means nothing for MOV. */
	assert_true(vmx_decode_cr(0x40, &cr));
	assert_false(cr.lmsw_mem);

	/* CLTS and LMSW name CR0 and nothing else. */
	for (n = 1; n < 16; n++) {
		assert_false(vmx_decode_cr(0x20 | n, &cr));
		assert_false(vmx_decode_cr(0x30 | n, &cr));
	}
}

static void test_ept(void **state)
{
	struct ept_exit e;
	unsigned int i;
	static const struct {
		unsigned int bit;
		size_t field;
	} one[] = {
		{ 0, offsetof(struct ept_exit, read) },
		{ 1, offsetof(struct ept_exit, write) },
		{ 2, offsetof(struct ept_exit, fetch) },
		{ 3, offsetof(struct ept_exit, readable) },
		{ 4, offsetof(struct ept_exit, writable) },
		{ 5, offsetof(struct ept_exit, executable) },
		{ 7, offsetof(struct ept_exit, gla_valid) },
		{ 12, offsetof(struct ept_exit, nmi_unblocking) },
	};

	(void)state;
	/* Each bit sets its own field and no other. */
	for (i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		struct ept_exit want;

		memset(&want, 0, sizeof(want));
		*(bool *)((char *)&want + one[i].field) = true;
		memset(&e, POISON, sizeof(e));
		vmx_decode_ept(1ull << one[i].bit, &e);
		assert_memory_equal(&e, &want, sizeof(e));
	}

	/* A write to a read-only page through a valid linear address. */
	vmx_decode_ept(0x18a, &e);
	assert_false(e.read);
	assert_true(e.write);
	assert_false(e.fetch);
	assert_true(e.readable);
	assert_false(e.writable);
	assert_false(e.executable);
	assert_true(e.gla_valid);
	assert_true(e.gla_translation);

	/* Bit 8 is reserved without bit 7. */
	vmx_decode_ept(1u << 8, &e);
	assert_false(e.gla_valid);
	assert_false(e.gla_translation);
	/* With bit 7 but not bit 8: an access to a paging-structure entry. */
	vmx_decode_ept(1u << 7, &e);
	assert_true(e.gla_valid);
	assert_false(e.gla_translation);

	/* Every other bit leaves every field clear. */
	vmx_decode_ept(~(0x1bfull | (1ull << 12)), &e);
	assert_false(e.read || e.write || e.fetch || e.readable ||
		     e.writable || e.executable || e.gla_valid ||
		     e.gla_translation || e.nmi_unblocking);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_sizes),
		cmocka_unit_test(test_io_fields),
		cmocka_unit_test(test_cr_numbers),
		cmocka_unit_test(test_cr_mov),
		cmocka_unit_test(test_cr_clts_lmsw),
		cmocka_unit_test(test_ept),
	};

	return cmocka_run_group_tests_name("vmx_decode", tests, NULL, NULL);
}
