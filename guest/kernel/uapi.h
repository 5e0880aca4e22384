/* SPDX-License-Identifier: MIT */
/*
 * The system-call ABI of the guest kernel, shared with the user library
 * (guest/lib/). docs/guest.md is the reference.
 *
 * A program executes SYSCALL with the call number in RAX and arguments in
 * RDI, RSI, RDX, R10, R8 and R9. The result comes back in RAX: 0 or more
 * on success, a negative error on failure. SYSCALL itself overwrites RCX
 * and R11; the kernel preserves every other register.
 */
#ifndef GUEST_KERNEL_UAPI_H
#define GUEST_KERNEL_UAPI_H

#include <stdint.h>

/* Call numbers. 0 is left unused, so that a forgotten RAX is an error. */
#define SYS_WRITE 1 /* write(fd, buf, len): bytes written */
#define SYS_EXIT 2 /* exit(status): does not return */
#define SYS_YIELD 3 /* yield(): how many other programs have not ended */
#define SYS_GETPID 4 /* getpid(): the caller's pid, 1 and up */
#define SYS_HYPERCALL 5 /* hypercall(nr, a1, a2, a3): hv's status */
#define SYS_INFO 6 /* info(struct sys_info *): 0 */
#define SYS_WAIT 7 /* wait(pid): 0 once program pid has ended */
#define SYS_READ 8 /* read(fd, buf, len): console bytes waiting, 0 if none */
#define SYS_NAP 9 /* nap(): 0 after the next tick, the CPU given up meanwhile */

/* What SYS_INFO tells a program about its partition. */
struct sys_info {
	uint32_t partition_id; /* hv's id: 1 and up, in manifest order */
	uint32_t flags; /* SYS_INFO_* */
	char name[32]; /* the partition's name, NUL-terminated */
	char cmdline[128]; /* the partition's cmdline, NUL-terminated */
};

#define SYS_INFO_PARENT 1u /* the parent partition: it may power off */
#define SYS_INFO_INTERACTIVE 2u /* parent: a person is at the console */

/*
 * Kernel errors, negated in RAX. The numbers are Linux's, and all lie
 * below -8, so that they never collide with the HV_STATUS_* codes (-1 to
 * -8) that SYS_HYPERCALL passes back from hv.
 */
#define SYS_EBADF 9 /* not a file descriptor the kernel knows */
#define SYS_ECHILD 10 /* no program ever had this pid */
#define SYS_EFAULT 14 /* a buffer is not readable user memory */
#define SYS_EINVAL 22 /* an argument is out of range */
#define SYS_ENOSYS 38 /* no such call, or a hypercall the kernel withholds */

/* The most bytes one SYS_WRITE moves; a longer write is a short write. */
#define SYS_WRITE_MAX 4096

/* The most bytes one SYS_READ moves. */
#define SYS_READ_MAX 4096

/* File descriptors: all three are the partition's console (COM1). */
#define SYS_FD_STDIN 0
#define SYS_FD_STDOUT 1
#define SYS_FD_STDERR 2

/*
 * The user half of every address space. Programs are linked at
 * USER_BASE; the stack is the top USER_STACK_SIZE bytes below USER_END,
 * with an unmapped guard page under it, and the image must end below the
 * guard.
 */
#define USER_BASE 0x40000000ull
#define USER_END 0x80000000ull
#define USER_STACK_SIZE 0x10000ull
#define USER_STACK_TOP USER_END
#define USER_IMAGE_END (USER_END - USER_STACK_SIZE - 0x1000ull)

#endif
