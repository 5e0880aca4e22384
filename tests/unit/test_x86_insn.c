// SPDX-License-Identifier: MIT
/*
 * Tests of lib/x86_insn.c. The encodings come from the GNU assembler
 * (each row's comment is the source line it assembled, in the mode of the
 * row), not from the decoder, so a decoder that reads a length, a
 * register or a size wrong fails here. Linux's xAPIC accessors
 * (native_apic_mem_read/write: `mov (%rdx),%eax`, `mov %eax,(%rdx)`, and
 * the RIP-relative forms of its inline accessors) are among them.
 */
#include "tests/unit/common.h"

#include <stdbool.h>
#include <string.h>

#include "lib/x86_insn.h"

struct row {
	const char *what;
	enum x86_cpu_mode mode;
	uint8_t bytes[16];
	uint8_t len, size;
	bool write, has_imm;
	uint8_t reg; /* for stores of imm: ignored */
	bool high8;
	uint8_t reg_size;
	enum x86_insn_ext ext;
	uint64_t imm;
	int8_t seg;
	bool rip_rel;
};

#define M64 X86_MODE_64
#define M32 X86_MODE_32
#define M16 X86_MODE_16
#define W true
#define R false
#define N X86_EXT_NONE

static const struct row rows[] = {
	/* 64-bit mode */
	{ "mov %eax,(%rdx)", M64, { 0x89, 0x02 }, 2, 4, W, false, 0, false, 4, N, 0, -1, false },
	{ "mov (%rdx),%eax", M64, { 0x8b, 0x02 }, 2, 4, R, false, 0, false, 4, N, 0, -1, false },
	{ "mov 0x12345678(%rip),%eax", M64, { 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12 }, 6, 4, R, false, 0, false, 4, N, 0, -1, true },
	{ "mov %eax,0x300(%rip)", M64, { 0x89, 0x05, 0x00, 0x03, 0x00, 0x00 }, 6, 4, W, false, 0, false, 4, N, 0, -1, true },
	{ "movl $0x1234,0xb0(%rdi)", M64, { 0xc7, 0x87, 0xb0, 0, 0, 0, 0x34, 0x12, 0, 0 }, 10, 4, W, true, 0, false, 4, N, 0x1234, -1, false },
	{ "mov %r9d,0x380(%r12)", M64, { 0x45, 0x89, 0x8c, 0x24, 0x80, 0x03, 0, 0 }, 8, 4, W, false, 9, false, 4, N, 0, -1, false },
	{ "movabs 0xfee00020,%eax", M64, { 0xa1, 0x20, 0, 0xe0, 0xfe, 0, 0, 0, 0 }, 9, 4, R, false, 0, false, 4, N, 0, -1, false },
	{ "movabs %eax,0xfee000b0", M64, { 0xa3, 0xb0, 0, 0xe0, 0xfe, 0, 0, 0, 0 }, 9, 4, W, false, 0, false, 4, N, 0, -1, false },
	{ "mov %ah,(%rbx)", M64, { 0x88, 0x23 }, 2, 1, W, false, 0, true, 1, N, 0, -1, false },
	{ "mov %sil,(%rax)", M64, { 0x40, 0x88, 0x30 }, 3, 1, W, false, 6, false, 1, N, 0, -1, false },
	{ "mov (%rax,%rcx,4),%r15", M64, { 0x4c, 0x8b, 0x3c, 0x88 }, 4, 8, R, false, 15, false, 8, N, 0, -1, false },
	{ "movzbl 0x20(%rsi),%r8d", M64, { 0x44, 0x0f, 0xb6, 0x46, 0x20 }, 5, 1, R, false, 8, false, 4, X86_EXT_ZERO, 0, -1, false },
	{ "movswq 0x22(%rsi),%rax", M64, { 0x48, 0x0f, 0xbf, 0x46, 0x22 }, 5, 2, R, false, 0, false, 8, X86_EXT_SIGN, 0, -1, false },
	{ "movslq 0x30(%rdx),%rcx", M64, { 0x48, 0x63, 0x4a, 0x30 }, 4, 4, R, false, 1, false, 8, X86_EXT_SIGN, 0, -1, false },
	{ "movq $-1,(%rax)", M64, { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff }, 7, 8, W, true, 0, false, 8, N, ~0ull, -1, false },
	{ "movw $0xabcd,(%rax)", M64, { 0x66, 0xc7, 0x00, 0xcd, 0xab }, 5, 2, W, true, 0, false, 2, N, 0xabcd, -1, false },
	{ "movb $0x7f,0x10(%rax)", M64, { 0xc6, 0x40, 0x10, 0x7f }, 4, 1, W, true, 0, false, 1, N, 0x7f, -1, false },
	{ "mov %fs:0x80(%rbp),%eax", M64, { 0x64, 0x8b, 0x85, 0x80, 0, 0, 0 }, 7, 4, R, false, 0, false, 4, N, 0, 4, false },
	{ "mov %ax,(%edx)", M64, { 0x67, 0x66, 0x89, 0x02 }, 4, 2, W, false, 0, false, 2, N, 0, -1, false },
	{ "mov 0x10(%rsp),%edx", M64, { 0x8b, 0x54, 0x24, 0x10 }, 4, 4, R, false, 2, false, 4, N, 0, -1, false },
	{ "mov 0x0(%r13),%eax", M64, { 0x41, 0x8b, 0x45, 0x00 }, 4, 4, R, false, 0, false, 4, N, 0, -1, false },
	{ "mov 0x0(,%rbx,8),%eax", M64, { 0x8b, 0x04, 0xdd, 0, 0, 0, 0 }, 7, 4, R, false, 0, false, 4, N, 0, -1, false },
	{ "addr32 movabs 0xfee00030,%eax", M64, { 0x67, 0xa1, 0x30, 0, 0xe0, 0xfe }, 6, 4, R, false, 0, false, 4, N, 0, -1, false },
	/* A REX before a legacy prefix is ignored: this is MOV %ax. */
	{ "rex.w data16 mov %ax,(%rdx)", M64, { 0x48, 0x66, 0x89, 0x02 }, 4, 2, W, false, 0, false, 2, N, 0, -1, false },
	/* 32-bit protected mode */
	{ "mov %eax,(%edx)", M32, { 0x89, 0x02 }, 2, 4, W, false, 0, false, 4, N, 0, -1, false },
	{ "mov 0xfee00020,%eax", M32, { 0xa1, 0x20, 0, 0xe0, 0xfe }, 5, 4, R, false, 0, false, 4, N, 0, -1, false },
	{ "mov 0xfee00030,%ecx", M32, { 0x8b, 0x0d, 0x30, 0, 0xe0, 0xfe }, 6, 4, R, false, 1, false, 4, N, 0, -1, false },
	{ "movl $0x10,0xfee000b0", M32, { 0xc7, 0x05, 0xb0, 0, 0xe0, 0xfe, 0x10, 0, 0, 0 }, 10, 4, W, true, 0, false, 4, N, 0x10, -1, false },
	{ "mov %ecx,0x380(%ebx)", M32, { 0x89, 0x8b, 0x80, 0x03, 0, 0 }, 6, 4, W, false, 1, false, 4, N, 0, -1, false },
	{ "movzwl 0x2(%esi,%edi,2),%edx", M32, { 0x0f, 0xb7, 0x54, 0x7e, 0x02 }, 5, 2, R, false, 2, false, 4, X86_EXT_ZERO, 0, -1, false },
	{ "mov %ax,(%bx,%si)", M32, { 0x67, 0x66, 0x89, 0x00 }, 4, 2, W, false, 0, false, 2, N, 0, -1, false },
	{ "mov (%esp),%eax", M32, { 0x8b, 0x04, 0x24 }, 3, 4, R, false, 0, false, 4, N, 0, -1, false },
	{ "mov 0x12(%ebp),%ah", M32, { 0x8a, 0x65, 0x12 }, 3, 1, R, false, 0, true, 1, N, 0, -1, false },
	{ "movsbw (%eax),%dx", M32, { 0x66, 0x0f, 0xbe, 0x10 }, 4, 1, R, false, 2, false, 2, X86_EXT_SIGN, 0, -1, false },
	/* 16-bit code: real mode */
	{ "mov %eax,%es:(%di)", M16, { 0x26, 0x66, 0x89, 0x05 }, 4, 4, W, false, 0, false, 4, N, 0, 0, false },
	{ "mov %es:0x20,%eax", M16, { 0x26, 0x66, 0xa1, 0x20, 0x00 }, 5, 4, R, false, 0, false, 4, N, 0, 0, false },
	{ "mov (%bx),%ax", M16, { 0x8b, 0x07 }, 2, 2, R, false, 0, false, 2, N, 0, -1, false },
	{ "movl $0x12345678,%fs:0x80(%si)", M16, { 0x64, 0x66, 0xc7, 0x84, 0x80, 0x00, 0x78, 0x56, 0x34, 0x12 }, 10, 4, W, true, 0, false, 4, N, 0x12345678, 4, false },
	{ "mov 0x1234(%bp,%di),%cl", M16, { 0x8a, 0x8b, 0x34, 0x12 }, 4, 1, R, false, 1, false, 1, N, 0, -1, false },
	{ "mov %eax,0x300(%ebx)", M16, { 0x67, 0x66, 0x89, 0x83, 0x00, 0x03, 0, 0 }, 8, 4, W, false, 0, false, 4, N, 0, -1, false },
	{ "movw $0x55,0xb0", M16, { 0xc7, 0x06, 0xb0, 0x00, 0x55, 0x00 }, 6, 2, W, true, 0, false, 2, N, 0x55, -1, false },
	{ "movzbl %gs:(%bx),%eax", M16, { 0x65, 0x66, 0x0f, 0xb6, 0x07 }, 5, 1, R, false, 0, false, 4, X86_EXT_ZERO, 0, 5, false },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct x86_insn in;
		enum x86_insn_status s;

		memset(&in, 0xa5, sizeof(in));
		s = x86_insn_decode(r->bytes, r->len, r->mode, &in);
		if (s != X86_INSN_OK)
			fail_msg("%s: %s", r->what, x86_insn_status_text(s));
		assert_int_equal(in.len, r->len);
		assert_int_equal(in.size, r->size);
		assert_int_equal(in.write, r->write);
		assert_int_equal(in.has_imm, r->has_imm);
		if (r->has_imm)
			assert_int_equal(in.imm, r->imm);
		else
			assert_int_equal(in.reg, r->reg);
		assert_int_equal(in.high8, r->high8);
		assert_int_equal(in.reg_size, r->reg_size);
		assert_int_equal(in.ext, r->ext);
		assert_int_equal(in.seg, r->seg);
		assert_int_equal(in.rip_relative, r->rip_rel);
		/* One byte short of the instruction never decodes. */
		assert_int_equal(x86_insn_decode(r->bytes, r->len - 1u, r->mode, &in),
				 X86_INSN_TRUNCATED);
	}
}

/* The same bytes mean other things in other modes. */
static void test_modes(void **state)
{
	/* 8B 07: mov (%bx),%ax in 16-bit code, mov (%edi),%eax in 32-bit. */
	static const uint8_t b[] = { 0x8b, 0x07 };
	/* 8B 06 34 12: mov 0x1234,%ax in 16-bit code (disp16, no base). */
	static const uint8_t disp16[] = { 0x8b, 0x06, 0x34, 0x12 };
	/* 48 8B 02: dec %eax; mov (%edx),%eax outside 64-bit mode. */
	static const uint8_t rex[] = { 0x48, 0x8b, 0x02 };
	struct x86_insn in;

	(void)state;
	assert_int_equal(x86_insn_decode(b, 2, M16, &in), X86_INSN_OK);
	assert_int_equal(in.size, 2);
	assert_int_equal(x86_insn_decode(b, 2, M32, &in), X86_INSN_OK);
	assert_int_equal(in.size, 4);
	assert_int_equal(x86_insn_decode(disp16, 4, M16, &in), X86_INSN_OK);
	assert_int_equal(in.len, 4);
	assert_int_equal(x86_insn_decode(disp16, 2, M32, &in), X86_INSN_OK);
	assert_int_equal(in.len, 2);
	assert_int_equal(x86_insn_decode(rex, 3, M64, &in), X86_INSN_OK);
	assert_int_equal(in.size, 8);
	assert_int_equal(x86_insn_decode(rex, 3, M32, &in), X86_INSN_UNSUPPORTED);
}

static void test_refused(void **state)
{
	static const struct {
		const char *what;
		uint8_t bytes[16];
		unsigned len;
		enum x86_insn_status want;
	} bad[] = {
		{ "movups (%rax),%xmm0", { 0x0f, 0x10, 0x00 }, 3, X86_INSN_UNSUPPORTED },
		{ "mov %eax,%edx (registers only)", { 0x89, 0xc2 }, 2, X86_INSN_UNSUPPORTED },
		{ "lock mov", { 0xf0, 0x89, 0x02 }, 3, X86_INSN_UNSUPPORTED },
		{ "rep movsl", { 0xf3, 0xa5 }, 2, X86_INSN_UNSUPPORTED },
		{ "add %eax,(%rdx)", { 0x01, 0x02 }, 2, X86_INSN_UNSUPPORTED },
		{ "xchg %eax,(%rdx)", { 0x87, 0x02 }, 2, X86_INSN_UNSUPPORTED },
		{ "C7 /1 is not MOV", { 0xc7, 0x08, 0, 0, 0, 0 }, 6, X86_INSN_UNSUPPORTED },
		{ "movsxd without REX.W", { 0x63, 0x02 }, 2, X86_INSN_UNSUPPORTED },
		{ "nothing", { 0 }, 0, X86_INSN_TRUNCATED },
		{ "fifteen prefixes", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89 },
		  16, X86_INSN_TOO_LONG },
		/* 14 prefixes and a 2-byte MOV: 16 bytes. */
		{ "sixteen bytes", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
				     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89, 0x02 },
		  16, X86_INSN_TOO_LONG },
	};
	struct x86_insn in;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&in, 0xa5, sizeof(in));
		if (x86_insn_decode(bad[i].bytes, bad[i].len, M64, &in) != bad[i].want)
			fail_msg("%s", bad[i].what);
		assert_int_equal(((uint8_t *)&in)[0], 0xa5);
	}
}

/* SDM Vol. 1 "General-Purpose Registers in 64-Bit Mode". */
static void test_results(void **state)
{
	const uint64_t old = 0x1122334455667788ull;
	struct x86_insn in;

	(void)state;
	/* mov (%rdx),%eax: zero-extended. */
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0x8b, 0x02 }, 2, M64, &in), 0);
	assert_int_equal(x86_insn_load_result(&in, old, 0xfee0aabbccull), 0xe0aabbccull);
	/* mov 0x12(%ebp),%ah: only bits 15:8. */
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0x8a, 0x65, 0x12 }, 3, M32, &in), 0);
	assert_int_equal(x86_insn_load_result(&in, old, 0x1ff), 0x112233445566ff88ull);
	/* movswq: sign-extended to 64 bits. */
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0x48, 0x0f, 0xbf, 0x46, 0x22 }, 5,
					 M64, &in), 0);
	assert_int_equal(x86_insn_load_result(&in, old, 0x18000), 0xffffffffffff8000ull);
	/* movsbw (%eax),%dx: sign-extended to 16 bits, the rest kept. */
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0x66, 0x0f, 0xbe, 0x10 }, 4, M32, &in), 0);
	assert_int_equal(x86_insn_load_result(&in, old, 0x80), 0x112233445566ff80ull);
	/* movzbl: zero-extended, and a 32-bit destination clears 63:32. */
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0x44, 0x0f, 0xb6, 0x46, 0x20 }, 5,
					 M64, &in), 0);
	assert_int_equal(x86_insn_load_result(&in, old, 0x1f0), 0xf0);
	/* mov %ah,(%rbx) stores bits 15:8 of RAX. */
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0x88, 0x23 }, 2, M64, &in), 0);
	assert_int_equal(x86_insn_store_value(&in, old), 0x77);
	/* mov %ax,(%edx) stores 16 bits. */
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0x67, 0x66, 0x89, 0x02 }, 4, M64, &in),
			 0);
	assert_int_equal(x86_insn_store_value(&in, old), 0x7788);
	/* movl $imm stores the immediate, whatever the register. */
	assert_int_equal(x86_insn_decode((const uint8_t[]){ 0xc7, 0x00, 0x78, 0x56, 0x34, 0x12 },
					 6, M32, &in), 0);
	assert_int_equal(x86_insn_store_value(&in, old), 0x12345678);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_results),
	};

	return cmocka_run_group_tests_name("x86_insn", tests, NULL, NULL);
}
