/* SPDX-License-Identifier: MIT */
/*
 * The user library: what a program for the guest kernel links with. It
 * holds the system-call stubs (guest/kernel/uapi.h has the numbers and the
 * ABI), formatted output, and the string functions of lib/string.h.
 * crt0.asm calls main() and exits with its return value. docs/guest.md
 * describes how to write and build a program.
 */
#ifndef GUEST_LIB_ULIB_H
#define GUEST_LIB_ULIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/include/x86.h"
#include "guest/kernel/uapi.h"
#include "include/hv/hypercall.h"
#include "lib/string.h"

/* Every program defines it; crt0 passes its value to exit(). */
int main(void);

/* ---- system calls: each returns what the kernel returned in RAX */
long write(int fd, const void *buf, size_t len);
void exit(int status) __attribute__((noreturn));
/* Lets the other programs run; returns how many have not ended. */
long yield(void);
/*
 * Nothing to do until something outside changes: sleeps for a tick's
 * period while the other programs, and other partitions, use the CPU.
 * For waits on a key or another partition, where a poll would only burn
 * the CPU; 0.
 */
long nap(void);
long getpid(void);
/* Asks the kernel to make hypercall nr; hv's status, or a kernel error. */
long hypercall(unsigned long nr, unsigned long a1, unsigned long a2,
	       unsigned long a3);
/* The TSC rate hv tells every guest, in kHz (docs/hypercalls.md). */
static inline uint32_t hv_tsc_khz(void)
{
	return cpuid(HV_CPUID_LEAF_TIMING, 0).eax;
}

/* Fills *si with the partition's id, flags, name and cmdline; 0. */
long info(struct sys_info *si);
/* Blocks until program pid has ended, and returns 0; at once if it has
 * already. -SYS_EINVAL for the caller's own pid, -SYS_ECHILD for a pid
 * the kernel never gave. */
long wait(long pid);
/* The console bytes that have arrived, at most len; 0 if none. Never
 * blocks. fd must be 0. */
long read(int fd, void *buf, size_t len);

/* ---- output on file descriptor 1 */
/* Formats as lib/fmt.h describes; output past 1023 bytes is cut. Returns
 * the number of bytes written, or a negative error. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
/* s and a newline. */
int puts(const char *s);
/* Writes all of buf, through short writes; len, or a negative error. */
long write_all(int fd, const void *buf, size_t len);

/* ---- strings, besides lib/string.h */
int strcmp(const char *a, const char *b);

/* ---- the partition's cmdline: words separated by spaces */
/* What follows "key=" in the first word that starts so, up to the end of
 * the cmdline; NULL if no word does. */
const char *cmdline_value(const char *cmdline, const char *key);
/* The word key=N, N decimal below 2^64: true and *value = N; false if
 * there is no such word or N is not such a number. */
bool cmdline_u64(const char *cmdline, const char *key, uint64_t *value);
/* Whether the cmdline holds the word key=value. */
bool cmdline_is(const char *cmdline, const char *key, const char *value);

#endif
