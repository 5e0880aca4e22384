// SPDX-License-Identifier: MIT
/*
 * System-call stubs. SYSCALL takes the number in RAX and the arguments in
 * RDI, RSI, RDX, R10, R8, R9; the CPU itself overwrites RCX (the return
 * RIP) and R11 (RFLAGS), and the kernel preserves the rest.
 */
#include "guest/lib/ulib.h"

static inline long syscall0(long nr)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr)
		     : "rcx", "r11", "memory");
	return ret;
}

static inline long syscall1(long nr, unsigned long a1)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a1)
		     : "rcx", "r11", "memory");
	return ret;
}

static inline long syscall3(long nr, unsigned long a1, unsigned long a2,
			    unsigned long a3)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
		     : "rcx", "r11", "memory");
	return ret;
}

static inline long syscall4(long nr, unsigned long a1, unsigned long a2,
			    unsigned long a3, unsigned long a4)
{
	register unsigned long r10 asm("r10") = a4;
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
		     : "rcx", "r11", "memory");
	return ret;
}

long write(int fd, const void *buf, size_t len)
{
	return syscall3(SYS_WRITE, (unsigned long)fd,
			(unsigned long)(uintptr_t)buf, len);
}

void exit(int status)
{
	syscall1(SYS_EXIT, (unsigned long)status);
	/* The kernel never returns from SYS_EXIT; if it did, fault. */
	for (;;)
		asm volatile("ud2");
}

long yield(void)
{
	return syscall0(SYS_YIELD);
}

long nap(void)
{
	return syscall0(SYS_NAP);
}

long getpid(void)
{
	return syscall0(SYS_GETPID);
}

long hypercall(unsigned long nr, unsigned long a1, unsigned long a2,
	       unsigned long a3)
{
	return syscall4(SYS_HYPERCALL, nr, a1, a2, a3);
}

long info(struct sys_info *si)
{
	return syscall1(SYS_INFO, (unsigned long)(uintptr_t)si);
}

long wait(long pid)
{
	return syscall1(SYS_WAIT, (unsigned long)pid);
}

long read(int fd, void *buf, size_t len)
{
	return syscall3(SYS_READ, (unsigned long)fd,
			(unsigned long)(uintptr_t)buf, len);
}
