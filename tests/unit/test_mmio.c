// SPDX-License-Identifier: MIT
/*
 * Tests of arch/x86/mmio.c: guest code in a fake memory, a fake xAPIC
 * register file behind the page, and the guest's registers in an array.
 * Each case checks what reached the device and what the guest's
 * registers hold after, so a wrong offset, value, width or extension
 * fails here.
 */
#include "tests/unit/common.h"

#include <stdbool.h>
#include <string.h>

#include "arch/x86/mmio.h"

#define MEM (64u * 1024)

static uint8_t mem[MEM];
static uint32_t apic[256]; /* one word per 16-byte register */
static unsigned writes;
static uint32_t last_write_off;

static bool read_gpa(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	if (gpa >= MEM || len > MEM - gpa)
		return false;
	memcpy(buf, mem + gpa, len);
	return true;
}

/* The fake refuses the EOI register for reads and the version for
 * writes, as an APIC model may. */
static int dev_read(void *ctx, uint32_t off, uint32_t *val)
{
	(void)ctx;
	assert_int_equal(off & 15, 0);
	if (off == 0xb0)
		return -1;
	*val = apic[off / 16];
	return 0;
}

static int dev_write(void *ctx, uint32_t off, uint32_t val)
{
	(void)ctx;
	assert_int_equal(off & 15, 0);
	if (off == 0x30)
		return -1;
	apic[off / 16] = val;
	writes++;
	last_write_off = off;
	return 0;
}

static const struct mmio_dev dev = { dev_read, dev_write, NULL };
static uint64_t gpr[16];

static uint64_t get_reg(void *ctx, unsigned n)
{
	assert_ptr_equal(ctx, gpr);
	assert_true(n < 16);
	return gpr[n];
}

static void set_reg(void *ctx, unsigned n, uint64_t val)
{
	assert_ptr_equal(ctx, gpr);
	assert_true(n < 16);
	gpr[n] = val;
}

static struct mmio_cpu cpu(enum x86_cpu_mode mode, uint64_t la)
{
	struct mmio_cpu c = {
		.walk = { .cr0 = 1, .maxphyaddr = 36, .read_gpa = read_gpa },
		.fetch_la = la, .fetch_max = X86_INSN_MAX, .mode = mode,
		.get_reg = get_reg, .set_reg = set_reg, .reg_ctx = gpr,
	};

	return c;
}

static int setup(void **state)
{
	(void)state;
	memset(mem, 0x90, sizeof(mem));
	memset(gpr, 0, sizeof(gpr));
	for (unsigned i = 0; i < 256; i++)
		apic[i] = 0xa0000000u | i;
	writes = 0;
	return 0;
}

static void code(uint64_t at, const uint8_t *b, size_t n)
{
	memcpy(mem + at, b, n);
}

static void test_linux_accessors(void **state)
{
	/* native_apic_mem_write: mov %eax,(%rdx); read: mov (%rdx),%eax */
	static const uint8_t st[] = { 0x89, 0x02 }, ld[] = { 0x8b, 0x02 };
	struct mmio_cpu c = cpu(X86_MODE_64, 0x1000);
	struct mmio_report r;

	(void)state;
	code(0x1000, st, 2);
	gpr[0] = 0xdeadbeef00000020ull;
	assert_int_equal(apic_mmio(&c, 0x80, MMIO_WRITE, &dev, &r), MMIO_DONE);
	assert_int_equal(r.insn.len, 2);
	assert_int_equal(apic[0x8], 0x20);
	assert_int_equal(last_write_off, 0x80);
	code(0x1000, ld, 2);
	gpr[0] = ~0ull;
	assert_int_equal(apic_mmio(&c, 0x20, MMIO_READ, &dev, &r), MMIO_DONE);
	/* A 32-bit destination in 64-bit mode: zero-extended. */
	assert_int_equal(gpr[0], 0xa0000002ull);
}

static void test_rip_relative_and_modes(void **state)
{
	/* mov 0x12345678(%rip),%ecx: the displacement is not the offset;
	 * the exit's is. */
	static const uint8_t rip[] = { 0x8b, 0x0d, 0x78, 0x56, 0x34, 0x12 };
	/* Real mode: mov %es:0x20,%eax at CS 0x1000:0x10 -> linear 0x10010. */
	static const uint8_t rm[] = { 0x26, 0x66, 0xa1, 0x20, 0x00 };
	/* 32-bit: movl $0x1ff,0xfee000f0 */
	static const uint8_t imm[] = { 0xc7, 0x05, 0xf0, 0, 0xe0, 0xfe, 0xff, 1, 0, 0 };
	struct mmio_cpu c = cpu(X86_MODE_64, 0x2000);
	struct mmio_report r;

	(void)state;
	code(0x2000, rip, sizeof(rip));
	assert_int_equal(apic_mmio(&c, 0x390, MMIO_READ, &dev, &r), MMIO_DONE);
	assert_int_equal(gpr[1], 0xa0000039u);
	assert_true(r.insn.rip_relative);
	/* Code outside the fake memory's 64 KiB is never read. */
	c = cpu(X86_MODE_16, 0x10010);
	assert_int_equal(apic_mmio(&c, 0x20, MMIO_READ, &dev, &r), MMIO_FETCH);
	assert_int_equal(r.fetch.status, X86_WALK_NO_RAM);
	c = cpu(X86_MODE_16, 0x8010);
	code(0x8010, rm, sizeof(rm));
	gpr[0] = 0x5555555555555555ull;
	assert_int_equal(apic_mmio(&c, 0x20, MMIO_READ, &dev, &r), MMIO_DONE);
	assert_int_equal(r.insn.len, 5);
	assert_int_equal(gpr[0], 0xa0000002u);
	c = cpu(X86_MODE_32, 0x3000);
	code(0x3000, imm, sizeof(imm));
	assert_int_equal(apic_mmio(&c, 0xf0, MMIO_WRITE, &dev, &r), MMIO_DONE);
	assert_int_equal(apic[0xf], 0x1ff);
}

static void test_widths(void **state)
{
	static const uint8_t ldb[] = { 0x8a, 0x02 }; /* mov (%rdx),%al */
	static const uint8_t ldw[] = { 0x66, 0x8b, 0x02 }; /* mov (%rdx),%ax */
	static const uint8_t stb[] = { 0x88, 0x02 }; /* mov %al,(%rdx) */
	static const uint8_t ldq[] = { 0x48, 0x8b, 0x02 }; /* mov (%rdx),%rax */
	struct mmio_cpu c = cpu(X86_MODE_64, 0x1000);
	struct mmio_report r;

	(void)state;
	code(0x1000, ldb, 2);
	gpr[0] = 0x1111;
	/* Byte 2 of the version register (0x30): its byte 0x30 >> 16. */
	apic[3] = 0x00140015;
	assert_int_equal(apic_mmio(&c, 0x32, MMIO_READ, &dev, &r), MMIO_DONE);
	assert_int_equal(gpr[0], 0x1114);
	/* Bytes 4-15 of a slot are not a register. */
	assert_int_equal(apic_mmio(&c, 0x34, MMIO_READ, &dev, &r), MMIO_WIDTH);
	code(0x1000, ldw, 3);
	assert_int_equal(apic_mmio(&c, 0x32, MMIO_READ, &dev, &r), MMIO_DONE);
	assert_int_equal(gpr[0], 0x0014);
	assert_int_equal(apic_mmio(&c, 0x33, MMIO_READ, &dev, &r), MMIO_WIDTH);
	code(0x1000, stb, 2);
	assert_int_equal(apic_mmio(&c, 0x80, MMIO_WRITE, &dev, &r), MMIO_WIDTH);
	assert_int_equal(writes, 0);
	code(0x1000, ldq, 3);
	assert_int_equal(apic_mmio(&c, 0x80, MMIO_READ, &dev, &r), MMIO_WIDTH);
	/* A 32-bit load off the register's start. */
	code(0x1000, (const uint8_t[]){ 0x8b, 0x02 }, 2);
	assert_int_equal(apic_mmio(&c, 0x81, MMIO_READ, &dev, &r), MMIO_WIDTH);
}

static void test_refusals(void **state)
{
	/* movups (%rdx),%xmm0 */
	static const uint8_t sse[] = { 0x0f, 0x10, 0x02 };
	struct mmio_cpu c = cpu(X86_MODE_64, 0x1000);
	struct mmio_report r;
	char line[256];

	(void)state;
	code(0x1000, sse, sizeof(sse));
	assert_int_equal(apic_mmio(&c, 0x20, MMIO_READ, &dev, &r), MMIO_DECODE);
	apic_mmio_describe(MMIO_DECODE, &c, &r, line, sizeof(line));
	assert_non_null(strstr(line, "bytes [0f 10 02 90"));
	assert_non_null(strstr(line, "offset 0x20"));
	/* A load where the CPU reported a store. */
	code(0x1000, (const uint8_t[]){ 0x8b, 0x02 }, 2);
	assert_int_equal(apic_mmio(&c, 0x20, MMIO_WRITE, &dev, &r), MMIO_DIRECTION);
	assert_int_equal(writes, 0);
	/* Registers the device refuses. */
	assert_int_equal(apic_mmio(&c, 0xb0, MMIO_READ, &dev, &r), MMIO_FAULT);
	code(0x1000, (const uint8_t[]){ 0x89, 0x02 }, 2);
	assert_int_equal(apic_mmio(&c, 0x30, MMIO_WRITE, &dev, &r), MMIO_FAULT);
	/* The code's page not present under 32-bit paging. */
	c.walk.cr0 |= 1ull << 31;
	c.walk.cr3 = 0x4000;
	memset(mem + 0x4000, 0, 4096);
	assert_int_equal(apic_mmio(&c, 0x20, MMIO_READ, &dev, &r), MMIO_FETCH);
	apic_mmio_describe(MMIO_FETCH, &c, &r, line, sizeof(line));
	assert_non_null(strstr(line, "32-bit paging"));
	assert_non_null(strstr(line, "not present"));
}

/*
 * The bytes hv may fetch end where a CPU's fetch would #GP: the CS limit
 * outside 64-bit mode, the canonical boundary in it. Another vCPU can
 * rewrite the instruction after the exit, so the CPU's own check of the
 * bytes it ran says nothing about the bytes hv reads.
 */
static void test_fetch_max(void **state)
{
	(void)state;
	/* 32-bit and 16-bit code: the limit is the last byte's offset. */
	assert_int_equal(mmio_fetch_max(X86_MODE_32, 0x1000, 0xffff, false), 15);
	assert_int_equal(mmio_fetch_max(X86_MODE_32, 0xfff0, 0xffff, false), 15);
	assert_int_equal(mmio_fetch_max(X86_MODE_32, 0xfffe, 0xffff, false), 2);
	assert_int_equal(mmio_fetch_max(X86_MODE_16, 0xffff, 0xffff, false), 1);
	assert_int_equal(mmio_fetch_max(X86_MODE_16, 0x10000, 0xffff, false), 0);
	/* A flat 4 GiB segment: EIP wraps, nothing to stop at. */
	assert_int_equal(mmio_fetch_max(X86_MODE_32, 0xfffffffe, 0xffffffffu, false), 15);
	assert_int_equal(mmio_fetch_max(X86_MODE_32, 0xfffffffe, 0xfffffffeu, false), 1);
	/* 64-bit code: no limit, but the canonical addresses end. */
	assert_int_equal(mmio_fetch_max(X86_MODE_64, 0x7ffffffffff8ull, 0, false), 8);
	assert_int_equal(mmio_fetch_max(X86_MODE_64, 0x7ffffffffff8ull, 0, true), 15);
	assert_int_equal(mmio_fetch_max(X86_MODE_64, 0x00fffffffffffffcull, 0, true), 4);
	assert_int_equal(mmio_fetch_max(X86_MODE_64, 0xffff800000000000ull, 0, false), 15);
	assert_int_equal(mmio_fetch_max(X86_MODE_64, 0xfffffffffffffffdull, 0, false), 3);
	assert_int_equal(mmio_fetch_max(X86_MODE_64, 0x0000800000000000ull, 0, false), 0);
	assert_int_equal(mmio_fetch_max(X86_MODE_64, 0, 0x10, false), 15);
}

/*
 * An instruction that reaches past the bytes a CPU may fetch is refused,
 * and hv neither reads the bytes beyond nor completes it: here a 6-byte
 * store whose last two bytes lie past a CS limit, in the memory hv could
 * read.
 */
static void test_fetch_limit(void **state)
{
	/* mov %eax,0xfee000f0: 89 /r, ModRM 05, disp32 */
	static const uint8_t st[] = { 0x89, 0x05, 0xf0, 0x00, 0xe0, 0xfe };
	struct mmio_cpu c = cpu(X86_MODE_32, 0x3000);
	struct mmio_report r;
	char line[256];

	(void)state;
	code(0x3000, st, sizeof(st));
	gpr[0] = 0x1ff;
	c.fetch_max = 4;
	assert_int_equal(apic_mmio(&c, 0xf0, MMIO_WRITE, &dev, &r), MMIO_LIMIT);
	assert_int_equal(writes, 0);
	assert_int_equal(r.nbytes, 4);
	apic_mmio_describe(MMIO_LIMIT, &c, &r, line, sizeof(line));
	assert_non_null(strstr(line, "past the CS limit"));
	assert_non_null(strstr(line, "bytes [89 05 f0 00]"));
	/* The whole instruction inside the limit completes. */
	c.fetch_max = 6;
	assert_int_equal(apic_mmio(&c, 0xf0, MMIO_WRITE, &dev, &r), MMIO_DONE);
	assert_int_equal(r.insn.len, 6);
	assert_int_equal(apic[0xf], 0x1ff);
	/* In 64-bit mode the report names the canonical boundary. */
	c = cpu(X86_MODE_64, 0x3000);
	c.fetch_max = 1;
	assert_int_equal(apic_mmio(&c, 0xf0, MMIO_WRITE, &dev, &r), MMIO_LIMIT);
	apic_mmio_describe(MMIO_LIMIT, &c, &r, line, sizeof(line));
	assert_non_null(strstr(line, "canonical"));
}

/*
 * Every stop line, at its longest (the widest offset, address, paging
 * mode and status, 15 bytes), fits MMIO_LINE_MAX whole, so that the
 * report cuts neither the bytes nor the RIP after them.
 */
static void test_describe_lengths(void **state)
{
	struct mmio_cpu c = cpu(X86_MODE_32, ~0ull);
	struct mmio_report r;
	char line[512];

	(void)state;
	memset(&r, 0, sizeof(r));
	c.walk.cr0 |= 1ull << 31;
	c.walk.cr4 = (1ull << 5) | (1ull << 12);
	c.walk.efer = 1ull << 10;
	r.offset = 0xfff;
	r.nbytes = X86_INSN_MAX;
	memset(r.bytes, 0xff, sizeof(r.bytes));
	r.fetch.gpa = 0xffffffffffff8ull;
	r.fetch.status = X86_WALK_RESERVED;
	r.fetch.level = 5;
	r.decode = X86_INSN_UNSUPPORTED;
	r.insn.size = 4;
	r.insn.write = true;
	for (int s = MMIO_FETCH; s <= MMIO_FAULT; s++) {
		apic_mmio_describe((enum mmio_status)s, &c, &r, line, sizeof(line));
		if (strlen(line) > MMIO_LINE_MAX)
			fail_msg("status %d: %zu characters: %s", s, strlen(line), line);
	}
	assert_non_null(strstr(line, "5-level paging, bytes [ff"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_linux_accessors, setup),
		cmocka_unit_test_setup(test_rip_relative_and_modes, setup),
		cmocka_unit_test_setup(test_widths, setup),
		cmocka_unit_test_setup(test_refusals, setup),
		cmocka_unit_test(test_fetch_max),
		cmocka_unit_test_setup(test_fetch_limit, setup),
		cmocka_unit_test_setup(test_describe_lengths, setup),
	};

	return cmocka_run_group_tests_name("mmio", tests, NULL, NULL);
}
