/* SPDX-License-Identifier: MIT */
/*
 * Branch hints for the exit path. GCC lays the expected side out as the
 * straight line, so the common exits run without jumps to code placed
 * elsewhere (docs/benchmarks.md counts every instruction).
 */
#ifndef LIB_COMPILER_H
#define LIB_COMPILER_H

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif
