// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for lib/x86_insn.c. The input's first byte picks the
 * mode (its value mod 3), the rest are instruction bytes, given in a
 * buffer of exactly their length so that AddressSanitizer sees any read
 * past them. A decoded instruction must be self-consistent: no longer
 * than the bytes or 15, an access size and register the SDM allows, the
 * same result from exactly its own bytes, and truncated one byte short.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/x86_insn.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static bool size_ok(unsigned s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum x86_cpu_mode mode;
	struct x86_insn in, again;
	unsigned avail;
	uint8_t *bytes;

	if (size < 1)
		return 0;
	mode = (enum x86_cpu_mode)(data[0] % 3);
	avail = size - 1 > 32 ? 32 : (unsigned)(size - 1);
	bytes = malloc(avail ? avail : 1);
	CHECK(bytes);
	memcpy(bytes, data + 1, avail);
	if (x86_insn_decode(bytes, avail, mode, &in) == X86_INSN_OK) {
		CHECK(in.len >= 2 && in.len <= avail && in.len <= X86_INSN_MAX);
		CHECK(size_ok(in.size) && size_ok(in.reg_size));
		CHECK(in.reg < 16 && (!in.high8 || in.reg < 4));
		CHECK(in.ext == X86_EXT_NONE ? in.reg_size == in.size :
					       in.reg_size >= in.size);
		CHECK(!in.has_imm || in.write);
		CHECK(mode == X86_MODE_64 || (in.reg < 8 && in.size < 8));
		CHECK(in.seg >= -1 && in.seg <= 5);
		CHECK(x86_insn_decode(bytes, in.len, mode, &again) == X86_INSN_OK);
		CHECK(memcmp(&in, &again, sizeof(in)) == 0);
		CHECK(x86_insn_decode(bytes, in.len - 1u, mode, &again) ==
		      X86_INSN_TRUNCATED);
		(void)x86_insn_load_result(&in, ~0ull, ~0ull);
		(void)x86_insn_store_value(&in, ~0ull);
	}
	free(bytes);
	return 0;
}
