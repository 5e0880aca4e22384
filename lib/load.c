// SPDX-License-Identifier: MIT
/* The loaders' copies and zeroing, done at once (lib/load.h). */
#include "lib/load.h"

#include "lib/string.h"

void load_copy(void *dst, const void *src, uint64_t n)
{
	memcpy(dst, src, n);
}

void load_zero(void *dst, uint64_t n)
{
	memset(dst, 0, n);
}
