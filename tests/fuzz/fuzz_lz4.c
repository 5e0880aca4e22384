// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for lib/lz4.c. Every input is taken as an LZ4 frame:
 * a header lz4_frame_size() accepts gives the content size, and the
 * frame is decoded into a buffer of exactly that size (ASan catches a
 * byte written past it or read past the input). An accepted frame is
 * decoded a second time into a buffer a byte short, which must be
 * refused. The loader allocates what the header states; sizes above
 * DECODE_MAX are checked but not decoded, since only the header says so.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lz4.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define DECODE_MAX (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[200] = "";
	uint64_t content;
	uint8_t *out;
	int r;

	if (lz4_frame_size(data, size, &content, why, sizeof(why))) {
		CHECK(!strncmp(why, "LZ4: ", 5));
		return 0;
	}
	CHECK(lz4_is_frame(data, size));
	if (content > DECODE_MAX)
		return 0;
	out = malloc(content ? content : 1);
	CHECK(out);
	why[0] = 0;
	r = lz4_frame_decode(data, size, out, content, why, sizeof(why));
	CHECK(r == 0 || !strncmp(why, "LZ4: ", 5));
	if (!r && content) {
		why[0] = 0;
		CHECK(lz4_frame_decode(data, size, out, content - 1, why,
				       sizeof(why)) == -1);
		CHECK(why[0]);
	}
	free(out);
	return 0;
}
