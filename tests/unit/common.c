// SPDX-License-Identifier: MIT
#include "tests/unit/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *unit_read_file(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	long n = -1;
	void *buf;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f) {
		fail_msg("cannot open %s", path);
		return NULL;
	}
	if (!fseek(f, 0, SEEK_END))
		n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		fail_msg("cannot size %s", path);
		return NULL;
	}
	/* malloc(0) may return NULL; one spare byte avoids the question. */
	buf = malloc(n ? (size_t)n : 1);
	assert_non_null(buf);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		fail_msg("cannot read %s", path);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void *unit_dup(const void *p, size_t len)
{
	void *q = malloc(len ? len : 1);

	assert_non_null(q);
	memcpy(q, p, len);
	return q;
}

uint32_t unit_rand(uint64_t *state)
{
	/* xorshift64*: statistical quality is beside the point here. */
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}
