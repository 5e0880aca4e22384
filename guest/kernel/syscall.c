// SPDX-License-Identifier: MIT
/*
 * System calls (uapi.h). Every pointer a program passes is checked
 * against the program's own page tables before the kernel reads through
 * it: a bad one is the program's error (-SYS_EFAULT), never a kernel
 * fault.
 */
#include "guest/kernel/kernel.h"

#include "include/hv/hypercall.h"
#include "lib/string.h"

static long sys_write(uint64_t fd, uint64_t buf, uint64_t len)
{
	if (fd != SYS_FD_STDOUT && fd != SYS_FD_STDERR)
		return -SYS_EBADF;
	if (len > SYS_WRITE_MAX)
		len = SYS_WRITE_MAX;
	if (!user_range_ok(current->pml4, buf, len, false))
		return -SYS_EFAULT;
	/* Runs on the program's page tables, so buf is readable as is. */
	con_write((const char *)(uintptr_t)buf, len);
	return (long)len;
}

/*
 * The kernel passes on only what it has decided a program may ask of hv:
 * the version to anyone, power-off to the programs of the parent
 * partition, which alone may power off. hv would refuse a child's
 * shutdown itself, but the kernel answers it without bothering hv.
 */
static long sys_hypercall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	switch (nr) {
	case HV_HC_VERSION:
		return hv_call(nr, a1, a2, a3);
	case HV_HC_SHUTDOWN:
		if (!(start_info.flags & HV_START_PARENT))
			return HV_STATUS_DENIED;
		kprintf("kernel: %s (pid %d) asks hv to power off\n",
			current->name, current->pid);
		/* hv prints whole lines; let the last one leave first. */
		con_drain();
		return hv_call(nr, a1, a2, a3);
	default:
		return -SYS_ENOSYS;
	}
}

_Static_assert(sizeof(struct sys_info) == 168, "the ABI's layout");
_Static_assert(sizeof(((struct sys_info *)0)->name) ==
		       sizeof(start_info.name) &&
	       sizeof(((struct sys_info *)0)->cmdline) ==
		       sizeof(start_info.cmdline),
	       "start info fits");

static long sys_info(uint64_t buf)
{
	struct sys_info si = { 0 };

	if (!user_range_ok(current->pml4, buf, sizeof(si), true))
		return -SYS_EFAULT;
	si.partition_id = start_info.partition_id;
	si.flags = start_info.flags & HV_START_PARENT ? SYS_INFO_PARENT : 0;
	/* kmain terminated both strings. */
	memcpy(si.name, start_info.name, sizeof(si.name));
	memcpy(si.cmdline, start_info.cmdline, sizeof(si.cmdline));
	/* Runs on the program's page tables, so buf is writable as is. */
	memcpy((void *)(uintptr_t)buf, &si, sizeof(si));
	return 0;
}

void syscall_handler(struct trap_frame *f)
{
	long ret;

	switch (f->rax) {
	case SYS_WRITE:
		ret = sys_write(f->rdi, f->rsi, f->rdx);
		break;
	case SYS_EXIT:
		proc_exit((int)f->rdi);
	case SYS_YIELD:
		ret = proc_yield();
		break;
	case SYS_GETPID:
		ret = current->pid;
		break;
	case SYS_HYPERCALL:
		ret = sys_hypercall(f->rdi, f->rsi, f->rdx, f->r10);
		break;
	case SYS_INFO:
		ret = sys_info(f->rdi);
		break;
	case SYS_WAIT:
		ret = proc_wait((long)f->rdi);
		break;
	default:
		ret = -SYS_ENOSYS;
		break;
	}
	f->rax = (uint64_t)ret;
}
