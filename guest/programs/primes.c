// SPDX-License-Identifier: MIT
/*
 * Prints the primes below a bound, eight to a line, as "primes ID: P P
 * ...", ID being the partition's id. The cmdline word primes=N sets the
 * bound, from 2 to PRIMES_MAX; the default is 200. Trial division keeps
 * it to registers, and leaves the CPU busy long enough between lines for
 * the timer and hv's slices to interleave it with others.
 */
#include "guest/lib/ulib.h"

#include "lib/fmt.h"

#define PRIMES_DEFAULT 200
#define PRIMES_MAX 100000
#define PRIMES_PER_LINE 8

static long bound_from(const char *cmdline)
{
	static const char key[] = "primes=";
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
			if (*w < '0' || *w > '9' || v > PRIMES_MAX)
				break;
			v = v * 10 + (*w - '0');
		}
		if (w == p && v >= 2 && v <= PRIMES_MAX)
			return v;
		printf("primes: ignoring a primes= word that is not 2 to %d\n",
		       PRIMES_MAX);
	}
	return PRIMES_DEFAULT;
}

static bool is_prime(long n)
{
	if (n < 2)
		return false;
	for (long d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

int main(void)
{
	char line[16 + PRIMES_PER_LINE * 8];
	struct sys_info si;
	long bound, found = 0;
	int k = 0, len = 0;
	long r;

	r = info(&si);
	if (r) {
		printf("TEST primes: FAIL info returned %ld\n", r);
		return 1;
	}
	bound = bound_from(si.cmdline);
	for (long n = 2; n < bound; n++) {
		if (!is_prime(n))
			continue;
		found++;
		/* One write a line, so another program's output never splits it. */
		if (!k)
			len = 0;
		len += fmt_snprintf(line + len, sizeof(line) - len,
				    k ? " %ld" : "%ld", n);
		if (++k == PRIMES_PER_LINE) {
			printf("primes %u: %s\n", si.partition_id, line);
			k = 0;
		}
	}
	if (k)
		printf("primes %u: %s\n", si.partition_id, line);
	printf("primes %u: %ld primes below %ld\n", si.partition_id, found,
	       bound);
	return 0;
}
