/* SPDX-License-Identifier: MIT */
/* Helpers shared by the unit tests. */
#ifndef UNIT_COMMON_H
#define UNIT_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/*
 * Reads dir/name into a buffer of exactly the file's size, so that
 * AddressSanitizer catches a read one byte past the end. Fails the test if
 * the file cannot be read. Free the result with free().
 */
void *unit_read_file(const char *dir, const char *name, size_t *len);

/* A copy of len bytes of p in a buffer of exactly that size. */
void *unit_dup(const void *p, size_t len);

/* A deterministic pseudo-random sequence for the mutation tests. */
uint32_t unit_rand(uint64_t *state);

#endif
