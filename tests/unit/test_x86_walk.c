// SPDX-License-Identifier: MIT
/*
 * Tests of lib/x86_walk.c on a fake guest memory of 4 MiB: page tables
 * for each paging mode are built here by hand from the SDM's entry
 * formats (Vol. 3A, "Paging"), and each test checks the bytes fetched,
 * not only the status, so a walk that lands on the wrong page fails.
 */
#include "tests/unit/common.h"

#include <stdbool.h>
#include <string.h>

#include "lib/x86_walk.h"

#define MEM (4u << 20)
#define P 1ull
#define RW 2ull
#define US 4ull
#define PS 0x80ull
#define XD (1ull << 63)

static uint8_t mem[MEM];
static unsigned reads_outside;

static bool read_gpa(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	if (gpa >= MEM || len > MEM - gpa) {
		reads_outside++;
		return false;
	}
	memcpy(buf, mem + gpa, len);
	return true;
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(mem + gpa, &v, 4);
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, 8);
}

/* Code at a page: a marker byte pattern that names the page. */
static void code_page(uint64_t gpa, uint8_t tag)
{
	for (unsigned i = 0; i < 4096; i++)
		mem[gpa + i] = (uint8_t)(tag + i);
}

static struct x86_walk_regs regs(uint64_t cr0, uint64_t cr3, uint64_t cr4,
				 uint64_t efer)
{
	struct x86_walk_regs r = {
		.cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer,
		.maxphyaddr = 36, .read_gpa = read_gpa,
	};

	return r;
}

#define PG (1ull << 31)
#define PAE (1ull << 5)
#define PSE (1ull << 4)
#define LA57 (1ull << 12)
#define SMEP (1ull << 20)
#define LMA (1ull << 10)
#define LME (1ull << 8)
#define NXE (1ull << 11)

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	reads_outside = 0;
	return 0;
}

static void expect_bytes(const struct x86_walk_regs *r, uint64_t la,
			 uint64_t gpa_want)
{
	uint8_t buf[15];
	struct x86_walk_fault f;
	uint64_t gpa = 0;

	assert_int_equal(x86_walk_fetch(r, la, &gpa, &f), X86_WALK_OK);
	assert_int_equal(gpa, gpa_want);
	assert_int_equal(x86_fetch(r, la, buf, 8, &f), 8);
	assert_memory_equal(buf, mem + gpa_want, 8);
}

static void test_no_paging(void **state)
{
	struct x86_walk_regs r = regs(1, 0, 0, 0);

	(void)state;
	code_page(0x3000, 0x10);
	expect_bytes(&r, 0x3100, 0x3100);
	/* Real-mode CS base 0xffff0 + IP: linear addresses are 32 bits. */
	expect_bytes(&r, 0x100003100ull, 0x3100);
}

static void test_32bit(void **state)
{
	struct x86_walk_regs r = regs(PG | 1, 0x1000, 0, 0);
	struct x86_walk_fault f;
	uint64_t gpa;

	(void)state;
	/* 0x00403000 -> PDE 1 -> PT at 0x2000 -> PTE 3 -> 0x5000. */
	put32(0x1000 + 1 * 4, 0x2000 | P | RW);
	put32(0x2000 + 3 * 4, 0x5000 | P);
	code_page(0x5000, 0x20);
	expect_bytes(&r, 0x00403010, 0x5010);
	/* A 4-MByte page needs CR4.PSE; without it PS is ignored. */
	put32(0x1000 + 2 * 4, 0x00000000 | P | PS);
	code_page(0x123000, 0x30);
	r.cr4 = PSE;
	expect_bytes(&r, 0x00923000, 0x123000);
	/* Bit 21 of a 4-MByte PDE is reserved. */
	put32(0x1000 + 2 * 4, (1u << 21) | P | PS);
	assert_int_equal(x86_walk_fetch(&r, 0x00923000, &gpa, &f), X86_WALK_RESERVED);
	assert_int_equal(f.level, 2);
	/* PSE-36: bits 20:13 above MAXPHYADDR 36 are reserved. */
	put32(0x1000 + 2 * 4, (1u << 17) | P | PS);
	assert_int_equal(x86_walk_fetch(&r, 0x00923000, &gpa, &f), X86_WALK_RESERVED);
	put32(0x1000 + 2 * 4, (1u << 13) | P | PS);
	assert_int_equal(x86_walk_fetch(&r, 0x00923000, &gpa, &f), X86_WALK_OK);
	assert_int_equal(gpa, 0x100123000ull);
	/* Not present at each level. */
	assert_int_equal(x86_walk_fetch(&r, 0x00c00000, &gpa, &f), X86_WALK_NOT_PRESENT);
	assert_int_equal(f.level, 2);
	assert_int_equal(f.gpa, 0x1000 + 3 * 4);
	assert_int_equal(x86_walk_fetch(&r, 0x00404000, &gpa, &f), X86_WALK_NOT_PRESENT);
	assert_int_equal(f.level, 1);
	/* User mode needs U/S at both levels. */
	r.cpl = 3;
	assert_int_equal(x86_walk_fetch(&r, 0x00403010, &gpa, &f), X86_WALK_PROTECTION);
	put32(0x1000 + 1 * 4, 0x2000 | P | US);
	put32(0x2000 + 3 * 4, 0x5000 | P | US);
	assert_int_equal(x86_walk_fetch(&r, 0x00403010, &gpa, &f), X86_WALK_OK);
	/* SMEP: a supervisor fetch from a user page faults. */
	r.cpl = 0;
	r.cr4 |= SMEP;
	assert_int_equal(x86_walk_fetch(&r, 0x00403010, &gpa, &f), X86_WALK_PROTECTION);
}

static void test_pae(void **state)
{
	struct x86_walk_regs r = regs(PG | 1, 0x1000, PAE, 0);
	struct x86_walk_fault f;
	uint64_t gpa;

	(void)state;
	/* 0xc0201000: PDPTE 3 -> PD 0x2000, PDE 1 -> PT 0x3000, PTE 1. */
	r.pdpte[3] = 0x2000 | P;
	put64(0x2000 + 1 * 8, 0x3000 | P | RW);
	put64(0x3000 + 1 * 8, 0x6000 | P);
	code_page(0x6000, 0x40);
	expect_bytes(&r, 0xc0201020, 0x6020);
	/* A 2-MByte page. */
	put64(0x2000 + 2 * 8, 0x200000 | P | PS);
	code_page(0x200000 + 0x5000, 0x50);
	expect_bytes(&r, 0xc0405000, 0x205000);
	/* Bits 20:13 of a 2-MByte PDE are reserved. */
	put64(0x2000 + 2 * 8, 0x200000 | (1u << 13) | P | PS);
	assert_int_equal(x86_walk_fetch(&r, 0xc0405000, &gpa, &f), X86_WALK_RESERVED);
	/* XD is reserved without EFER.NXE, and forbids the fetch with it. */
	put64(0x3000 + 1 * 8, 0x6000 | P | XD);
	assert_int_equal(x86_walk_fetch(&r, 0xc0201020, &gpa, &f), X86_WALK_RESERVED);
	r.efer = NXE;
	assert_int_equal(x86_walk_fetch(&r, 0xc0201020, &gpa, &f), X86_WALK_PROTECTION);
	/* PAE entries reserve bits 62:MAXPHYADDR. */
	put64(0x3000 + 1 * 8, 0x6000 | P | (1ull << 40));
	assert_int_equal(x86_walk_fetch(&r, 0xc0201020, &gpa, &f), X86_WALK_RESERVED);
	put64(0x3000 + 1 * 8, 0x6000 | P | (1ull << 55));
	assert_int_equal(x86_walk_fetch(&r, 0xc0201020, &gpa, &f), X86_WALK_RESERVED);
	/* The PDPTE registers, not memory: a PDPTE without P faults, and one
	 * with reserved bit 1 (R/W is reserved in a PDPTE). */
	assert_int_equal(x86_walk_fetch(&r, 0x00001000, &gpa, &f), X86_WALK_NOT_PRESENT);
	r.pdpte[0] = 0x2000 | P | RW;
	assert_int_equal(x86_walk_fetch(&r, 0x00001000, &gpa, &f), X86_WALK_RESERVED);
}

/* 4-level tables for la: PML4 at 0x1000, then 0x2000, 0x3000, 0x4000. */
static void four_level(uint64_t la, uint64_t page, uint64_t flags)
{
	put64(0x1000 + ((la >> 39) & 0x1ff) * 8, 0x2000 | P | RW | flags);
	put64(0x2000 + ((la >> 30) & 0x1ff) * 8, 0x3000 | P | RW | flags);
	put64(0x3000 + ((la >> 21) & 0x1ff) * 8, 0x4000 | P | RW | flags);
	put64(0x4000 + ((la >> 12) & 0x1ff) * 8, page | P | flags);
}

static void test_4level(void **state)
{
	struct x86_walk_regs r = regs(PG | 1, 0x1000, PAE, LME | LMA);
	const uint64_t la = 0xffffffff81000000ull;
	struct x86_walk_fault f;
	uint64_t gpa;

	(void)state;
	four_level(la, 0x7000, 0);
	code_page(0x7000, 0x60);
	expect_bytes(&r, la + 0x123, 0x7123);
	/* A 1-GByte page at the PDPTE, and its reserved bits 29:13. */
	put64(0x1000, 0x2000 | P | RW);
	put64(0x2000 + 5 * 8, 0x0 | P | PS);
	code_page(0x300000, 0x70);
	expect_bytes(&r, (5ull << 30) + 0x300000, 0x300000);
	put64(0x2000 + 5 * 8, (1ull << 20) | P | PS);
	assert_int_equal(x86_walk_fetch(&r, 5ull << 30, &gpa, &f), X86_WALK_RESERVED);
	assert_int_equal(f.level, 3);
	/* PS is reserved in a PML4E. */
	put64(0x1000 + 1 * 8, 0x2000 | P | PS);
	assert_int_equal(x86_walk_fetch(&r, 1ull << 39, &gpa, &f), X86_WALK_RESERVED);
	assert_int_equal(f.level, 4);
	/* Bits 62:52 are ignored in 4-level entries. */
	put64(0x4000 + ((la >> 12) & 0x1ff) * 8, 0x7000 | P | (1ull << 60));
	assert_int_equal(x86_walk_fetch(&r, la, &gpa, &f), X86_WALK_OK);
	/* Bits 51:MAXPHYADDR are not. */
	put64(0x4000 + ((la >> 12) & 0x1ff) * 8, 0x7000 | P | (1ull << 36));
	assert_int_equal(x86_walk_fetch(&r, la, &gpa, &f), X86_WALK_RESERVED);
	assert_int_equal(f.level, 1);
	/* A table outside the guest's RAM is never read. */
	put64(0x4000 + ((la >> 12) & 0x1ff) * 8, 0x7000 | P);
	put64(0x3000 + ((la >> 21) & 0x1ff) * 8, 0x80000000ull | P);
	assert_int_equal(x86_walk_fetch(&r, la, &gpa, &f), X86_WALK_NO_RAM);
	assert_int_equal(reads_outside, 1);
	assert_int_equal(f.gpa, 0x80000000ull + ((la >> 12) & 0x1ff) * 8);
}

static void test_5level(void **state)
{
	struct x86_walk_regs r = regs(PG | 1, 0x8000, PAE | LA57, LME | LMA);
	const uint64_t la = 0x00ff000000001000ull; /* PML5 index 0x1fe >> 1 */

	(void)state;
	put64(0x8000 + ((la >> 48) & 0x1ff) * 8, 0x1000 | P | RW);
	four_level(la, 0x9000, 0);
	code_page(0x9000, 0x80);
	expect_bytes(&r, la + 0x40, 0x9040);
}

/* An instruction across a page boundary: two pages, two translations. */
static void test_crossing(void **state)
{
	struct x86_walk_regs r = regs(PG | 1, 0x1000, PAE, LME | LMA);
	const uint64_t la = 0x400000;
	struct x86_walk_fault f;
	uint8_t buf[15];

	(void)state;
	four_level(la, 0xa000, 0);
	put64(0x4000 + 1 * 8, 0xc000 | P); /* la + 4096 -> 0xc000 */
	code_page(0xa000, 0x00);
	code_page(0xc000, 0x90);
	assert_int_equal(x86_fetch(&r, la + 4090, buf, 15, &f), 15);
	assert_memory_equal(buf, mem + 0xa000 + 4090, 6);
	assert_memory_equal(buf + 6, mem + 0xc000, 9);
	/* The second page not present: the first part still comes back. */
	put64(0x4000 + 1 * 8, 0);
	assert_int_equal(x86_fetch(&r, la + 4090, buf, 15, &f), 6);
	assert_int_equal(f.status, X86_WALK_NOT_PRESENT);
	/* The code page itself outside RAM. */
	put64(0x4000 + 0 * 8, 0x40000000ull | P);
	assert_int_equal(x86_fetch(&r, la, buf, 15, &f), 0);
	assert_int_equal(f.status, X86_WALK_NO_RAM);
}

static void test_mode_names(void **state)
{
	struct x86_walk_regs r = regs(1, 0, 0, 0);

	(void)state;
	assert_string_equal(x86_walk_mode_name(&r), "no paging");
	r.cr0 |= PG;
	assert_string_equal(x86_walk_mode_name(&r), "32-bit paging");
	r.cr4 |= PAE;
	assert_string_equal(x86_walk_mode_name(&r), "PAE paging");
	r.efer |= LMA;
	assert_string_equal(x86_walk_mode_name(&r), "4-level paging");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_no_paging, setup),
		cmocka_unit_test_setup(test_32bit, setup),
		cmocka_unit_test_setup(test_pae, setup),
		cmocka_unit_test_setup(test_4level, setup),
		cmocka_unit_test_setup(test_5level, setup),
		cmocka_unit_test_setup(test_crossing, setup),
		cmocka_unit_test_setup(test_mode_names, setup),
	};

	return cmocka_run_group_tests_name("x86_walk", tests, NULL, NULL);
}
