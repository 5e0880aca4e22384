// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for arch/x86/vmx_decode.c. The input's first eight bytes
 * (little-endian, missing bytes zero) are one exit qualification, given to
 * every decoder. Each decoded struct is encoded back by this file's own
 * reading of the SDM tables and must give the qualification's defined bits
 * again: a decoder that reads a field from the wrong bits, or accepts an
 * encoding it should refuse, fails.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/vmx_decode.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/* "Exit Qualification for I/O Instructions": bits 6:0 and 31:16. */
#define IO_DEFINED 0xffff007full

static void check_io(uint64_t qual)
{
	struct io_exit io;
	uint64_t size_field = qual & 7, back;
	bool ok;

	memset(&io, 0x5a, sizeof(io));
	ok = vmx_decode_io(qual, &io);
	CHECK(ok == (size_field == 0 || size_field == 1 || size_field == 3));
	if (!ok)
		return;
	CHECK(io.size == 1 || io.size == 2 || io.size == 4);
	back = (uint64_t)(io.size - 1) | (uint64_t)io.in << 3 |
	       (uint64_t)io.string << 4 | (uint64_t)io.rep << 5 |
	       (uint64_t)io.imm << 6 | (uint64_t)io.port << 16;
	CHECK(back == (qual & IO_DEFINED));
}

/*
 * "Exit Qualification for Control-Register Accesses": CR number 3:0, type
 * 5:4, LMSW operand type 6, GPR 11:8, LMSW source 31:16.
 */
static void check_cr(uint64_t qual)
{
	struct cr_exit cr;
	unsigned int n = qual & 15, type = (qual >> 4) & 3;
	bool ok, want;
	uint64_t back, defined;

	want = n == 0 || n == 3 || n == 4 || n == 8;
	if (type >= CR_ACCESS_CLTS)
		want = n == 0;
	if (type == CR_ACCESS_MOV_FROM && (n == 0 || n == 4))
		want = false;
	memset(&cr, 0x5a, sizeof(cr));
	ok = vmx_decode_cr(qual, &cr);
	CHECK(ok == want);
	if (!ok)
		return;
	CHECK(cr.gpr < 16 && cr.type == type);
	/* Only the fields the access type uses are defined. */
	if (type <= CR_ACCESS_MOV_FROM)
		defined = 0xf3full;
	else if (type == CR_ACCESS_LMSW)
		defined = 0xffff007full;
	else
		defined = 0x3full;
	back = (uint64_t)cr.cr | (uint64_t)cr.type << 4 |
	       (uint64_t)cr.lmsw_mem << 6 | (uint64_t)cr.gpr << 8 |
	       (uint64_t)cr.lmsw_src << 16;
	CHECK(back == (qual & defined));
}

/* "Exit Qualification for EPT Violations": bits 5:0, 7, 8 (with 7), 12. */
static void check_ept(uint64_t qual)
{
	struct ept_exit e;
	uint64_t back, defined = 0x10bfull;

	if (qual & (1u << 7))
		defined |= 1u << 8;
	memset(&e, 0x5a, sizeof(e));
	vmx_decode_ept(qual, &e);
	back = (uint64_t)e.read | (uint64_t)e.write << 1 |
	       (uint64_t)e.fetch << 2 | (uint64_t)e.readable << 3 |
	       (uint64_t)e.writable << 4 | (uint64_t)e.executable << 5 |
	       (uint64_t)e.gla_valid << 7 | (uint64_t)e.gla_translation << 8 |
	       (uint64_t)e.nmi_unblocking << 12;
	CHECK(back == (qual & defined));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t qual = 0;

	memcpy(&qual, data, size < sizeof(qual) ? size : sizeof(qual));
	check_io(qual);
	check_cr(qual);
	check_ept(qual);
	return 0;
}
