// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for hv/hcargs.h. The input is four little-endian 64-bit
 * words, RAM size, guest-physical address, length and bound, missing bytes
 * read as zero. The verdict is compared with a model that does its sums in
 * 128 bits, where nothing can wrap.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hcargs.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static int model(uint64_t ram_size, uint64_t gpa, uint64_t len,
		 uint64_t max)
{
	unsigned __int128 end = (unsigned __int128)gpa + len;

	if (len > max)
		return HV_E2BIG;
	/* Even an empty buffer must start inside RAM. */
	if (gpa >= ram_size || end > ram_size)
		return HV_EFAULT;
	return HV_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t w[4] = { 0 };
	int r;

	memcpy(w, data, size < sizeof(w) ? size : sizeof(w));
	r = hc_check_buffer(w[0], w[1], w[2], w[3]);
	CHECK(r == model(w[0], w[1], w[2], w[3]));
	/* The call hv makes: console_write's fixed bound. */
	r = hc_check_buffer(w[0], w[1], w[2], HV_CONSOLE_WRITE_MAX);
	CHECK(r == model(w[0], w[1], w[2], HV_CONSOLE_WRITE_MAX));
	return 0;
}
