/* SPDX-License-Identifier: MIT */
/* Freestanding formatted output, shared by the loader, hv and the unit tests. */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Formats like C's vsnprintf for the subset hv uses: %d %i %u %x %X %p %s %c
 * %%, with flags '-' and '0', a field width, and the length modifiers l, ll
 * and z. Always NUL-terminates when n > 0. Returns the length the full
 * output would have had, so callers can detect truncation.
 */
int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The refusal of a parser of hostile files (lib/multiboot.c,
 * lib/linuxboot.c): one line into why, when why is not NULL, and -1.
 */
int fmt_fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
