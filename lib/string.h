/* SPDX-License-Identifier: MIT */
/*
 * The C string and memory functions lib/ relies on. The prototypes are the
 * standard ones, so this header agrees with the host's <string.h> when the
 * unit tests link against libc; the freestanding builds link lib/string.c.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t maxlen);
int strncmp(const char *a, const char *b, size_t n);

/*
 * memcpy's body: REP MOVSQ, then REP MOVSB for the rest (lib/string.c
 * says why eight bytes an iteration). For freestanding code that must
 * not reach a memcpy it does not know: the loader links gnu-efi's, a
 * byte loop.
 */
static inline void copy_words(void *dst, const void *src, size_t n)
{
	size_t words = n / 8, rest = n % 8;

	__asm__ volatile("rep movsq\n\t"
			 "mov %3, %%rcx\n\t"
			 "rep movsb"
			 : "+D"(dst), "+S"(src), "+c"(words)
			 : "r"(rest)
			 : "memory");
}

#endif
