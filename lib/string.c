// SPDX-License-Identifier: MIT
/*
 * Memory and string functions for the freestanding builds (the loader and
 * the hv core). GCC emits calls to memcpy, memmove, memset and memcmp even
 * with -ffreestanding, for structure copies and initializers, so these must
 * exist.
 *
 * The copy and fill loops use REP MOVS/STOS. Besides being short and fast
 * on CPUs with fast-string operation, inline assembly cannot be turned
 * back into a call to memcpy or memset by the optimizer, which would make
 * these functions call themselves. The search loops carry an empty asm
 * statement for the same reason: GCC recognizes strlen-like loops too.
 *
 * memcpy and memset are weak because gnu-efi's libefi, linked into the
 * loader, defines them as well; the core has only these.
 */
#include "lib/string.h"

#include <stdint.h>

/*
 * The bulk moves eight bytes an iteration, the rest one: CPUs run both
 * through their fast-string microcode (SDM Vol. 1, "Fast-String
 * Operation"), but Bochs counts every iteration as an instruction, and
 * docs/benchmarks.md measures hv in Bochs' instructions.
 */
__attribute__((weak)) void *memcpy(void *dst, const void *src, size_t n)
{
	copy_words(dst, src, n);
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/*
	 * A forward copy is safe unless the destination starts inside the
	 * source; the unsigned difference is >= n exactly when it does not.
	 */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return memcpy(dst, src, n);

	/*
	 * The destination overlaps the end of the source: copy backwards,
	 * with the direction flag set only for this one instruction (the
	 * ABI requires it clear at every call and return).
	 */
	d += n - 1;
	s += n - 1;
	__asm__ volatile("std\n\t"
			 "rep movsb\n\t"
			 "cld"
			 : "+D"(d), "+S"(s), "+c"(n)
			 :
			 : "memory");
	return dst;
}

/* Eight bytes an iteration too, as memcpy. */
__attribute__((weak)) void *memset(void *s, int c, size_t n)
{
	void *d = s;
	size_t words = n / 8, rest = n % 8;
	uint64_t pattern = (uint8_t)c * 0x0101010101010101ull;

	__asm__ volatile("rep stosq\n\t"
			 "mov %3, %%rcx\n\t"
			 "rep stosb"
			 : "+D"(d), "+c"(words)
			 : "a"(pattern), "r"(rest)
			 : "memory");
	return s;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++) {
		__asm__("" : "+r"(p));
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

size_t strnlen(const char *s, size_t maxlen)
{
	size_t i;

	for (i = 0; i < maxlen; i++) {
		__asm__("" : "+r"(i));
		if (!s[i])
			break;
	}
	return i;
}

size_t strlen(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		__asm__("" : "+r"(i));
	return i;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		__asm__("" : "+r"(a));
		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			break;
	}
	return 0;
}
