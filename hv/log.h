/* SPDX-License-Identifier: MIT */
/*
 * hv's console: leveled log lines on COM1, each prefixed "hv: ". Lines are
 * formatted whole before output so that CPUs never interleave characters.
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/manifest.h"

void console_init(uint32_t level);
void console_set_level(uint32_t level);
/* Waits until the UART has sent every byte: call before power-off. */
void console_drain(void);
/* After a panic: writers stop waiting for the line lock indefinitely. */
void console_panic_mode(void);
/* A byte typed on the console, if one is waiting; never blocks. */
bool console_getc(char *c);
/*
 * Queues a partition's console line as "[name] line" (len bytes, no
 * newline). False when the console's ring has no room for it: nothing was
 * queued, and the caller keeps the line and asks again later. The caller
 * calls console_pump() after, outside its own locks.
 */
bool console_write_partition_line(const char *name, const char *line,
				  uint32_t len);
/* Sends what the UART takes now from the ring, without waiting. */
void console_pump(void);
/* Whether the ring holds output not yet sent. */
bool console_pending(void);
/* From here on lines go through the ring (hv_main, before scheduling). */
void console_start_buffering(void);
/* Partition output dropped because its guest wrote on past a full ring. */
void console_note_dropped(uint64_t n);
uint64_t console_dropped_bytes(void);
/* hv lines made in VM exits that found the ring full. */
uint64_t console_dropped_hv_lines(void);
void hv_vlog(uint32_t level, const char *fmt, va_list ap);
void hv_log(uint32_t level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...)                            \
	do {                                   \
		hv_log(HV_LOG_ERROR, __VA_ARGS__); \
	} while (0)
#define pr_warn(...)                          \
	do {                                  \
		hv_log(HV_LOG_WARN, __VA_ARGS__); \
	} while (0)
#define pr_info(...)                          \
	do {                                  \
		hv_log(HV_LOG_INFO, __VA_ARGS__); \
	} while (0)
#define pr_debug(...)                          \
	do {                                   \
		hv_log(HV_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

/* A broken hv invariant: print everything and halt this CPU. */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Checks stay on in every build. */
#define HV_ASSERT(cond)                                                 \
	do {                                                            \
		if (!(cond))                                            \
			panic("assertion failed: %s (%s:%d)", #cond,    \
			      __FILE__, __LINE__);                       \
	} while (0)

#endif
