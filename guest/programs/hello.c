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
	struct sys_info si;

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

	expect("info", info(&si), 0);
	if (strnlen(si.name, sizeof(si.name)) == sizeof(si.name) ||
	    strnlen(si.cmdline, sizeof(si.cmdline)) == sizeof(si.cmdline) ||
	    !si.name[0] || !si.partition_id) {
		printf("TEST hello: FAIL info: id %u, bad name or cmdline\n",
		       si.partition_id);
		failures++;
	}
	/* info writes: text is read-only. */
	expect("info into its own text", info((struct sys_info *)main),
	       -SYS_EFAULT);
	expect("info into a kernel address", info((void *)0x200000),
	       -SYS_EFAULT);
	expect("wait for itself", wait(pid), -SYS_EINVAL);
	expect("wait for pid 99", wait(99), -SYS_ECHILD);

	if (failures)
		return 1;
	printf("TEST hello: PASS\n");
	return 0;
}
