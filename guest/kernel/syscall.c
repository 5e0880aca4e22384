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

static long sys_read(uint64_t fd, uint64_t buf, uint64_t len)
{
	if (fd != SYS_FD_STDIN)
		return -SYS_EBADF;
	if (len > SYS_READ_MAX)
		len = SYS_READ_MAX;
	if (!user_range_ok(current->pml4, buf, len, true))
		return -SYS_EFAULT;
	/* Runs on the program's page tables, so buf is writable as is. */
	return (long)con_read((char *)(uintptr_t)buf, len);
}

/*
 * hv takes guest-physical addresses, and a program's pointers are virtual
 * addresses in its own space, in pages the kernel may have placed
 * anywhere. Kernel memory is identity-mapped, so a kernel buffer's
 * address is its GPA: the kernel copies the program's buffer into this
 * one, hands hv its address, and copies the answer back. The kernel runs
 * one program at a time with interrupts off, so one buffer serves all.
 */
static union {
	struct hv_partition_create create;
	struct hv_partition_info info;
	struct hv_template templates[HV_TEMPLATE_LIST_MAX];
	uint32_t ids[HV_PARTITION_LIST_MAX];
	struct hv_trace_record trace[HV_TRACE_READ_MAX];
	struct hv_info hv;
	struct hv_console_state console;
	uint8_t typed[HV_CONSOLE_WRITE_MAX];
} bounce;

static uint64_t bounce_gpa(void)
{
	return (uint64_t)(uintptr_t)&bounce;
}

/* The bytes of a program's buffer, copied in for hv to read. */
static long bounce_in(uint64_t ubuf, uint64_t len)
{
	if (!user_range_ok(current->pml4, ubuf, len, false))
		return -SYS_EFAULT;
	memcpy(&bounce, (const void *)(uintptr_t)ubuf, len);
	return 0;
}

/*
 * A call whose answer is an array: a count n of which at most cap
 * elements of size esz were written. The user's array is checked before
 * hv is called, so that hv never acts for a program that cannot receive
 * the answer. trace_read takes a CPU number, cpu, before the array.
 */
static long hv_call_array(uint64_t nr, uint64_t cpu, uint64_t ubuf,
			  uint64_t cap, uint64_t max, size_t esz)
{
	long n;

	if (cap > max)
		return -SYS_EINVAL;
	if (!user_range_ok(current->pml4, ubuf, cap * esz, true))
		return -SYS_EFAULT;
	/* Nothing of an earlier call may reach this program. */
	memset(&bounce, 0, sizeof(bounce));
	if (nr == HV_HC_TRACE_READ)
		n = hv_call(nr, cpu, bounce_gpa(), cap);
	else
		n = hv_call(nr, bounce_gpa(), cap, 0);
	if (n > 0)
		memcpy((void *)(uintptr_t)ubuf, &bounce,
		       ((uint64_t)n < cap ? (uint64_t)n : cap) * esz);
	return n;
}

/*
 * A call that fills one struct of want bytes: partition_info (of
 * partition id) or hv_info. The struct is copied back when hv returns 0.
 */
static long hv_call_struct(uint64_t nr, uint64_t id, uint64_t ubuf,
			   uint64_t size, size_t want)
{
	long r;

	if (size != want)
		return -SYS_EINVAL;
	if (!user_range_ok(current->pml4, ubuf, size, true))
		return -SYS_EFAULT;
	memset(&bounce, 0, sizeof(bounce));
	if (nr == HV_HC_PARTITION_INFO || nr == HV_HC_CONSOLE_STATE)
		r = hv_call(nr, id, bounce_gpa(), size);
	else
		r = hv_call(nr, bounce_gpa(), size, 0);
	if (!r)
		memcpy((void *)(uintptr_t)ubuf, &bounce, size);
	return r;
}

/* console_input: the program's bytes, for partition id's console. */
static long hv_call_type(uint64_t id, uint64_t ubuf, uint64_t len)
{
	long r;

	if (len > sizeof(bounce.typed))
		return -SYS_EINVAL;
	r = bounce_in(ubuf, len);
	if (r)
		return r;
	return hv_call(HV_HC_CONSOLE_INPUT, id, bounce_gpa(), len);
}

static long hv_call_create(uint64_t ubuf, uint64_t size)
{
	long r;

	if (size != sizeof(bounce.create))
		return -SYS_EINVAL;
	r = bounce_in(ubuf, size);
	if (r)
		return r;
	/*
	 * A create whose images are large answers PENDING while hv copies
	 * them a step at a call (docs/hypercalls.md): the same call again,
	 * with the same request, until the answer is final. Nothing else
	 * of this kernel runs meanwhile, so the bounce buffer stays.
	 */
	while ((r = hv_call(HV_HC_PARTITION_CREATE, bounce_gpa(), size, 0)) ==
	       HV_STATUS_PENDING)
		hv_call(HV_HC_YIELD, 0, 0, 0);
	return r;
}

/*
 * Stop and destroy answer HV_STATUS_PENDING while a CPU still runs the
 * child, and destroy again while it gives the child's RAM back a step at
 * a call: hv does not wait inside the VM exit (docs/hypercalls.md). The
 * kernel asks again until the answer is final, yielding in between so
 * that hv and the child's CPU get on with it, and says every 5 s that it
 * is still waiting, so a person at pm sees why nothing happens.
 */
/* The pool's free bytes, from hv_info; 0 if hv did not answer. */
static uint64_t pool_free(void)
{
	memset(&bounce, 0, sizeof(bounce));
	if (hv_call(HV_HC_HV_INFO, bounce_gpa(), sizeof(bounce.hv), 0))
		return 0;
	return bounce.hv.pool_free_bytes;
}

/*
 * A destroy of a partition of 1 GiB or more takes hundreds of calls, one
 * HV_DESTROY_STEP of its RAM each: a line at each tenth of its RAM back
 * in the pool, by the pool's free bytes, says how far it is.
 */
struct progress {
	uint64_t ram, free0;
	unsigned next; /* the next tenth to report */
};

static void progress_begin(struct progress *pg, uint64_t nr, uint64_t id)
{
	memset(pg, 0, sizeof(*pg));
	memset(&bounce, 0, sizeof(bounce));
	if (nr != HV_HC_PARTITION_DESTROY ||
	    hv_call(HV_HC_PARTITION_INFO, id, bounce_gpa(),
		    sizeof(bounce.info)) ||
	    bounce.info.ram_bytes < (1ull << 30))
		return;
	pg->ram = bounce.info.ram_bytes;
	pg->free0 = pool_free();
	pg->next = 1;
}

static void progress_step(struct progress *pg, uint64_t id)
{
	uint64_t now, tenths;

	if (!pg->ram || pg->next > 9)
		return;
	now = pool_free();
	tenths = now > pg->free0 ? (now - pg->free0) * 10 / pg->ram : 0;
	if (tenths < pg->next)
		return;
	kprintf("kernel: partition %lu: destroy: %lu%% of its %lu MiB back in the pool\n",
		id, tenths * 10, pg->ram >> 20);
	pg->next = (unsigned)tenths + 1;
}

static long hv_call_until_done(uint64_t nr, uint64_t id)
{
	uint32_t khz = cpuid(0x40000010, 0).eax;
	uint64_t every = khz ? (uint64_t)khz * 5000 : 1ull << 34;
	uint64_t t0 = rdtsc(), next = t0 + every;
	struct progress pg;
	long r;

	progress_begin(&pg, nr, id);
	while ((r = hv_call(nr, id, 0, 0)) == HV_STATUS_PENDING) {
		progress_step(&pg, id);
		hv_call(HV_HC_YIELD, 0, 0, 0);
		if (rdtsc() >= next) {
			kprintf("kernel: partition %lu: still waiting for it to leave its cpus or give back its memory (%lu s)\n",
				id, khz ? (rdtsc() - t0) / ((uint64_t)khz * 1000) : 0);
			next += every;
		}
	}
	return r;
}

/* The management calls, for the parent's programs; pointers translated. */
static long sys_manage(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	switch (nr) {
	case HV_HC_PARTITION_CREATE:
		return hv_call_create(a1, a2);
	case HV_HC_PARTITION_START:
		return hv_call(nr, a1, 0, 0);
	case HV_HC_PARTITION_STOP:
	case HV_HC_PARTITION_DESTROY:
		return hv_call_until_done(nr, a1);
	case HV_HC_TRACE_CONTROL:
		return hv_call(nr, a1, a2, 0);
	case HV_HC_CONSOLE_ATTACH:
		return hv_call(nr, a1, 0, 0);
	case HV_HC_PARTITION_LIST:
		return hv_call_array(nr, 0, a1, a2, HV_PARTITION_LIST_MAX,
				     sizeof(bounce.ids[0]));
	case HV_HC_TRACE_READ:
		return hv_call_array(nr, a1, a2, a3, HV_TRACE_READ_MAX,
				     sizeof(bounce.trace[0]));
	case HV_HC_PARTITION_INFO:
		return hv_call_struct(nr, a1, a2, a3, sizeof(bounce.info));
	case HV_HC_HV_INFO:
		return hv_call_struct(nr, 0, a1, a2, sizeof(bounce.hv));
	case HV_HC_CONSOLE_STATE:
		return hv_call_struct(nr, a1, a2, a3, sizeof(bounce.console));
	case HV_HC_CONSOLE_INPUT:
		return hv_call_type(a1, a2, a3);
	default: /* HV_HC_TEMPLATE_LIST */
		return hv_call_array(nr, 0, a1, a2, HV_TEMPLATE_LIST_MAX,
				     sizeof(bounce.templates[0]));
	}
}

/*
 * The kernel passes on only what it has decided a program may ask of hv:
 * the version and yield to anyone; power-off and the management of
 * partitions to the programs of the parent partition, which alone may do
 * either. hv would refuse a child's call itself, but the kernel answers
 * it without bothering hv.
 */
static long sys_hypercall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	bool parent = start_info.flags & HV_START_PARENT;

	switch (nr) {
	case HV_HC_VERSION:
		return hv_call(nr, a1, a2, a3);
	case HV_HC_YIELD:
		/* Gives the partition's slice away, whichever program asks. */
		return hv_call(nr, 0, 0, 0);
	case HV_HC_SHUTDOWN:
		if (!parent)
			return HV_STATUS_DENIED;
		kprintf("kernel: %s (pid %d) asks hv to power off\n",
			current->name, current->pid);
		/* hv prints whole lines; let the last one leave first. */
		con_drain();
		return hv_call(nr, a1, a2, a3);
	case HV_HC_PARTITION_CREATE:
	case HV_HC_PARTITION_START:
	case HV_HC_PARTITION_STOP:
	case HV_HC_PARTITION_DESTROY:
	case HV_HC_PARTITION_LIST:
	case HV_HC_PARTITION_INFO:
	case HV_HC_TEMPLATE_LIST:
	case HV_HC_TRACE_CONTROL:
	case HV_HC_TRACE_READ:
	case HV_HC_HV_INFO:
	case HV_HC_CONSOLE_ATTACH:
	case HV_HC_CONSOLE_INPUT:
	case HV_HC_CONSOLE_STATE:
		if (!parent)
			return HV_STATUS_DENIED;
		return sys_manage(nr, a1, a2, a3);
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
	if (start_info.flags & HV_START_INTERACTIVE)
		si.flags |= SYS_INFO_INTERACTIVE;
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
	case SYS_READ:
		ret = sys_read(f->rdi, f->rsi, f->rdx);
		break;
	case SYS_NAP:
		ret = proc_nap();
		break;
	default:
		ret = -SYS_ENOSYS;
		break;
	}
	f->rax = (uint64_t)ret;
}
