// SPDX-License-Identifier: MIT
/*
 * A destroy racing the parent's own shutdown (issue 15). vCPU 0 of the
 * parent creates the children "victim" and, with delay2 set, "victim2",
 * which the manifest pins to CPU 2; each leaves a line without its
 * newline in its virtual COM1 and spins, and vCPU 0 stops it, so that it
 * no longer runs anywhere. vCPU 0 also creates children that never start.
 * vCPU 1 calls shutdown; vCPU 0 destroys the victim `delay` turns after
 * it saw vCPU 1 about to, and vCPU 2 destroys victim2 `delay2` turns
 * after. A destroy's teardown flushes the victim's translations on CPU 2
 * while the shutdown makes CPU 2 leave VMX operation: at revision 75fc0fb
 * INVEPT there was #UD, a panic of hv. hv now asks CPU 2 only while it
 * is in VMX operation (smp_call_vmx) and skips it after, having
 * invalidated everything before VMXOFF.
 *
 * Which comes first is the race, and the scenario wants the destroy
 * second. The child "ticker", also pinned to CPU 2, yields without end,
 * so that CPU 2 goes through the scheduler's loop, and its lock, all the
 * time: the shutdown holds that lock while it stops every child and
 * prints a line for each, and CPU 2 then waits for it, in line before a
 * destroy that comes during those lines (a ticket lock serves in order).
 * A delay puts a destroy there, after the shutdown has taken the lock
 * and before its kick takes the destroying vCPU off its CPU: CPU 2 then
 * leaves the loop and VMX operation first, and the destroy finds nothing
 * to flush there. Too short a delay and the destroy takes the lock before
 * the shutdown and flushes CPU 2 still in VMX operation; too long and the
 * shutdown stops the vCPU before it calls. Two destroyers with two delays
 * cover how long the shutdown's lines take, which is not the same in
 * every revision of hv (tests/boot/scenarios/shutdown-race.scn). hv
 * powers off in every case. The scenario judges hv's lines; the guest
 * sees none of the calls return.
 */
#include "guest/tests/rt/rt.h"

#include "include/hv/hypercall.h"
#include "lib/fmt.h"
#include "lib/string.h"

const char test_name[] = "shutrace";

#define FILLERS 8
/* Exits the victim makes to print its partial line, then polls to settle. */
#define LINE_EXITS 200
#define RUN_POLLS 2000000
#define SETTLE_POLLS 200

static uint8_t stacks[2][8192] __attribute__((aligned(16)));
static volatile int shutting, ready2;
static long victim2;
static uint64_t delay2;
static struct hv_partition_info info;
static struct hv_partition_create req;

static void spin(uint64_t turns)
{
	if (turns)
		asm volatile("1: dec %0\n\tjnz 1b" : "+r"(turns) : : "cc");
}

/* vCPU 1: says it is about to, and powers off. */
static void __attribute__((noreturn, used)) shutter(uint64_t arg)
{
	(void)arg;
	__atomic_store_n(&shutting, 1, __ATOMIC_RELEASE);
	hv_hypercall(HV_HC_SHUTDOWN, 0, 0, 0);
	for (;;)
		asm volatile("cli; hlt");
}

/* vCPU 2: the second destroy, delay2 turns after the shutdown began. */
static void __attribute__((noreturn, used)) destroyer(uint64_t arg)
{
	long r;

	(void)arg;
	__atomic_store_n(&ready2, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&shutting, __ATOMIC_ACQUIRE))
		asm volatile("pause");
	spin(delay2);
	r = hv_hypercall(HV_HC_PARTITION_DESTROY, (uint64_t)victim2, 0, 0);
	test_fail("destroy2", "returned %ld after the shutdown", r);
	for (;;)
		asm volatile("cli; hlt");
}

static long start_vcpu(uint64_t n, void (*fn)(uint64_t))
{
	uint64_t cr3, rsp = (uint64_t)(stacks[n - 1] + sizeof(stacks[0])) - 8;
	long ret;
	register uint64_t r10 asm("r10");
	register uint64_t r8 asm("r8") = 0;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	r10 = cr3;
	asm volatile("vmcall"
		     : "=a"(ret)
		     : "a"(HV_HC_VCPU_START), "D"(n), "S"((uint64_t)fn),
		       "d"(rsp), "r"(r10), "r"(r8)
		     : "memory");
	return ret;
}

static long create(const char *name, const char *template)
{
	memset(&req, 0, sizeof(req));
	fmt_snprintf(req.name, sizeof(req.name), "%s", name);
	fmt_snprintf(req.template, sizeof(req.template), "%s", template);
	return hv_hypercall(HV_HC_PARTITION_CREATE, (uint64_t)&req,
			    sizeof(req), 0);
}

/*
 * A victim from the template "victim": created, seen on its CPU and
 * stopped, so that its destroy below is the teardown itself (not a
 * PENDING answer) and runs its flush on CPU 2 while the shutdown makes
 * that CPU leave VMX operation. Its id, or 0.
 */
static long victim(const char *name)
{
	long id = create(name, "victim"), r;

	if (id <= 0) {
		test_fail("create", "%s: status %ld", name, id);
		return 0;
	}
	r = hv_hypercall(HV_HC_PARTITION_START, (uint64_t)id, 0, 0);
	if (r || rt_wait_on_cpu(id, &info, LINE_EXITS, RUN_POLLS,
				SETTLE_POLLS) ||
	    info.vcpu_running_on[0] == HV_CPU_NONE) {
		test_fail("victim-runs", "%s: start %ld, never ran", name, r);
		return 0;
	}
	rt_printf("shutrace: %s on cpu %u\n", name, info.vcpu_running_on[0]);
	r = rt_manage(HV_HC_PARTITION_STOP, id, NULL);
	if (r) {
		test_fail("victim-stop", "%s: status %ld", name, r);
		return 0;
	}
	return id;
}

void test_main(const struct hv_start_info *si)
{
	char name[16];
	long id, r;
	uint64_t delay = rt_cmdline_u64(si, "delay", 0);

	if (!(si->flags & HV_START_PARENT)) {
		/* Through the scheduler's loop, and its lock, all the time. */
		if (!strncmp(si->name, "ticker", sizeof("ticker")))
			for (;;)
				rt_yield();
		if (!strncmp(si->name, "victim", sizeof("victim") - 1)) {
			/* No newline: hv holds it until the stop. */
			for (int i = 0; i < 140; i++)
				rt_putc('x');
		}
		asm volatile("cli");
		for (;;)
			asm volatile("" : : : "memory");
	}
	delay2 = rt_cmdline_u64(si, "delay2", 0);
	id = victim("victim");
	if (!id)
		return;
	if (delay2 && !(victim2 = victim("victim2")))
		return;
	for (int i = 1; i <= FILLERS; i++) {
		fmt_snprintf(name, sizeof(name), "filler%d", i);
		if (create(name, "filler") <= 0) {
			test_fail("create-filler", "%s", name);
			return;
		}
	}
	if (delay2) {
		r = start_vcpu(2, destroyer);
		if (r) {
			test_fail("vcpu-start", "vcpu 2: status %ld", r);
			return;
		}
		while (!__atomic_load_n(&ready2, __ATOMIC_ACQUIRE))
			asm volatile("pause");
	}
	/* A fresh slice: the creates above ran in this one (time in hv
	 * counts against it), and no preemption may come between the
	 * shutdown and the destroy. */
	rt_yield();
	rt_printf("shutrace: racing destroy against shutdown\n");
	r = start_vcpu(1, shutter);
	if (r) {
		test_fail("vcpu-start", "vcpu 1: status %ld", r);
		return;
	}
	while (!__atomic_load_n(&shutting, __ATOMIC_ACQUIRE))
		asm volatile("pause");
	spin(delay);
	r = hv_hypercall(HV_HC_PARTITION_DESTROY, (uint64_t)id, 0, 0);
	/* Reached only if hv let this vCPU run on after its shutdown. */
	test_fail("destroy", "returned %ld after the shutdown", r);
}
