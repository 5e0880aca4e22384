// SPDX-License-Identifier: MIT
/*
 * A well-behaved program: it uses each system call once, and checks that
 * the kernel refuses bad arguments with the documented errors.
 */
#include "guest/lib/ulib.h"

static int failures;

static void expect(const char *what, long got, long want)
{
	if (got == want)
		return;
	printf("TEST hello: FAIL %s returned %ld, want %ld\n", what, got,
	       want);
	failures++;
}

int main(void)
{
	static const char line[] = "hello: write works\n";
	long pid = getpid();

	printf("hello from pid %ld\n", pid);
	yield();
	expect("getpid after yield", getpid(), pid);
	expect("write", write(SYS_FD_STDOUT, line, sizeof(line) - 1),
	       sizeof(line) - 1);

	/* The kernel's own memory, user memory that is not mapped, and a
	 * buffer that runs off the end of the user half. */
	expect("write of a kernel address",
	       write(SYS_FD_STDOUT, (const void *)0x200000, 16), -SYS_EFAULT);
	expect("write of an unmapped address",
	       write(SYS_FD_STDOUT, (const void *)0x7f000000, 16),
	       -SYS_EFAULT);
	expect("write past the user half",
	       write(SYS_FD_STDOUT, (const void *)(USER_END - 8), 16),
	       -SYS_EFAULT);
	expect("write to fd 7", write(7, line, 1), -SYS_EBADF);
	expect("hypercall 99", hypercall(99, 0, 0, 0), -SYS_ENOSYS);
	expect("zero-length write", write(SYS_FD_STDOUT, NULL, 0), 0);

	if (failures)
		return 1;
	printf("TEST hello: PASS\n");
	return 0;
}
