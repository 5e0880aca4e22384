// SPDX-License-Identifier: MIT
/*
 * Prints "count ID: N" for N = 1 to 8, ID being the partition's id, with
 * a stretch of pure computation before each line that spans many timer
 * ticks, and no system call in it. The cmdline word count=N sets another
 * last N, from 1 to 1000.
 */
#include "guest/lib/ulib.h"

#define COUNT_DEFAULT 8
#define COUNT_MAX 1000
/* Iterations before each line. */
#define COUNT_LINE_ITERATIONS 6000000

/* The value of the cmdline word count=N, or COUNT_DEFAULT. */
static long count_from(const char *cmdline)
{
	static const char key[] = "count=";
	const char *p = cmdline;

	while (*p) {
		const char *w;
		long v = 0;

		while (*p == ' ')
			p++;
		w = p;
		while (*p && *p != ' ')
			p++;
		if (strncmp(w, key, sizeof(key) - 1))
			continue;
		for (w += sizeof(key) - 1; w < p; w++) {
			if (*w < '0' || *w > '9' || v > COUNT_MAX)
				break;
			v = v * 10 + (*w - '0');
		}
		if (w == p && v >= 1 && v <= COUNT_MAX)
			return v;
		printf("count: ignoring a count= word that is not 1 to %d\n",
		       COUNT_MAX);
	}
	return COUNT_DEFAULT;
}

int main(void)
{
	struct sys_info si;
	uint64_t x = 1;
	long r, last;

	r = info(&si);
	if (r) {
		printf("TEST count: FAIL info returned %ld\n", r);
		return 1;
	}
	last = count_from(si.cmdline);
	for (long n = 1; n <= last; n++) {
		for (long i = 0; i < COUNT_LINE_ITERATIONS; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			asm volatile("" : "+r"(x));
		}
		printf("count %u: %ld\n", si.partition_id, n);
	}
	return 0;
}
