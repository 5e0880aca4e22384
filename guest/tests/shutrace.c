// SPDX-License-Identifier: MIT
/*
 * A destroy racing the parent's own shutdown (issue 15). The parent has
 * two vCPUs. vCPU 0 creates the child "victim", which the manifest pins to
 * CPU 2; the child leaves a line without its newline in its virtual COM1
 * and spins. vCPU 0 also creates children that never start, and stops the
 * victim, which then no longer runs anywhere. vCPU 1 calls shutdown, and
 * vCPU 0 calls destroy on the victim at once. The destroy's teardown then
 * flushes the victim's translations on CPU 2 while the shutdown makes
 * CPU 2 leave VMX operation: at revision 75fc0fb INVEPT there could be
 * #UD, a panic of hv. hv now asks CPU 2 only while it is in VMX operation
 * (smp_call_vmx) and skips it after, having invalidated everything before
 * VMXOFF. Which comes first is the race; either way the destroy completes
 * and hv powers off. The scenario judges hv's lines; the guest sees
 * neither call return.
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

static uint8_t stack1[8192] __attribute__((aligned(16)));
static volatile int shutting;
static struct hv_partition_info info;
static struct hv_partition_create req;

/* vCPU 1: says it is about to, and powers off. */
static void __attribute__((noreturn, used)) second(uint64_t arg)
{
	(void)arg;
	__atomic_store_n(&shutting, 1, __ATOMIC_RELEASE);
	hv_hypercall(HV_HC_SHUTDOWN, 0, 0, 0);
	for (;;)
		asm volatile("cli; hlt");
}

static long start_vcpu1(void)
{
	uint64_t cr3, rsp = (uint64_t)(stack1 + sizeof(stack1)) - 8;
	long ret;
	register uint64_t r10 asm("r10");
	register uint64_t r8 asm("r8") = 0;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	r10 = cr3;
	asm volatile("vmcall"
		     : "=a"(ret)
		     : "a"(HV_HC_VCPU_START), "D"(1ul), "S"((uint64_t)second),
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

void test_main(const struct hv_start_info *si)
{
	char name[16];
	long id, r;

	if (!(si->flags & HV_START_PARENT)) {
		if (!strncmp(si->name, "victim", sizeof("victim"))) {
			/* No newline: hv holds it until the destroy. */
			for (int i = 0; i < 140; i++)
				rt_putc('x');
		}
		asm volatile("cli");
		for (;;)
			asm volatile("" : : : "memory");
	}
	id = create("victim", "victim");
	if (id <= 0) {
		test_fail("create", "status %ld", id);
		return;
	}
	r = hv_hypercall(HV_HC_PARTITION_START, (uint64_t)id, 0, 0);
	if (r || rt_wait_on_cpu(id, &info, LINE_EXITS, RUN_POLLS,
				SETTLE_POLLS) ||
	    info.vcpu_running_on[0] == HV_CPU_NONE) {
		test_fail("victim-runs", "start %ld, never ran", r);
		return;
	}
	rt_printf("shutrace: victim on cpu %u\n", info.vcpu_running_on[0]);
	for (int i = 1; i <= FILLERS; i++) {
		fmt_snprintf(name, sizeof(name), "filler%d", i);
		if (create(name, "filler") <= 0) {
			test_fail("create-filler", "%s", name);
			return;
		}
	}
	/*
	 * The victim is stopped first, so that the destroy below is the
	 * teardown itself (not a PENDING answer) and runs its flush on CPU 2
	 * while the shutdown makes that CPU leave VMX operation.
	 */
	r = rt_manage(HV_HC_PARTITION_STOP, id, NULL);
	if (r) {
		test_fail("victim-stop", "status %ld", r);
		return;
	}
	/* A fresh slice: the creates above ran in this one (time in hv
	 * counts against it), and no preemption may come between the
	 * shutdown and the destroy. */
	rt_yield();
	rt_printf("shutrace: racing destroy against shutdown\n");
	r = start_vcpu1();
	if (r) {
		test_fail("vcpu-start", "status %ld", r);
		return;
	}
	while (!__atomic_load_n(&shutting, __ATOMIC_ACQUIRE))
		asm volatile("pause");
	r = hv_hypercall(HV_HC_PARTITION_DESTROY, (uint64_t)id, 0, 0);
	/* Reached only if hv let this vCPU run on after its shutdown. */
	test_fail("destroy", "returned %ld after the shutdown", r);
}
