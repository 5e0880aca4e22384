// SPDX-License-Identifier: MIT
/*
 * A destroy racing the parent's own shutdown (issue 15). The parent has
 * two vCPUs. vCPU 0 creates the child "victim", which the manifest pins to
 * CPU 2; the child leaves a line without its newline in its virtual COM1,
 * which hv writes out when the child is destroyed (milliseconds at 115200
 * baud), then spins. vCPU 0 also creates children that never start: the
 * shutdown prints one "stopped" line for each while it holds the
 * partition lock, which keeps that lock for milliseconds more. vCPU 1 then
 * calls shutdown; vCPU 0 waits a little and calls destroy on the victim.
 * The destroy then waits for the lock until the shutdown has kicked every
 * CPU, CPU 2 leaves VMX operation meanwhile, and the destroy's flush of
 * the victim's translations reaches a CPU that is out of VMX operation:
 * INVEPT there was #UD, a panic of hv. hv now skips that CPU and powers
 * off. The scenario judges hv's lines; the guest sees neither call return.
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
/* vCPU 0's pause between vCPU 1's word and its destroy, in microseconds:
 * after the shutdown's first line, inside its lines under the lock. */
#define DESTROY_DELAY_US 8000

static uint8_t stack1[8192] __attribute__((aligned(16)));
static volatile int shutting;
static struct hv_partition_info info;
static struct hv_partition_create req;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint32_t tsc_khz(void)
{
	uint32_t a, b, c, d;

	asm volatile("cpuid"
		     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(HV_CPUID_LEAF_TIMING), "c"(0));
	return a;
}

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
	uint64_t until;

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
	 * The creates above ran in this vCPU's slice (time in hv counts
	 * against it): a fresh one, so that no preemption comes between the
	 * shutdown and the destroy below.
	 */
	rt_yield();
	rt_printf("shutrace: racing destroy against shutdown\n");
	r = start_vcpu1();
	if (r) {
		test_fail("vcpu-start", "status %ld", r);
		return;
	}
	while (!__atomic_load_n(&shutting, __ATOMIC_ACQUIRE))
		asm volatile("pause");
	until = rdtsc() + (uint64_t)tsc_khz() * DESTROY_DELAY_US / 1000;
	while (rdtsc() < until)
		asm volatile("pause");
	r = hv_hypercall(HV_HC_PARTITION_DESTROY, (uint64_t)id, 0, 0);
	/* Reached only if hv let this vCPU run on after its shutdown. */
	test_fail("destroy", "returned %ld after the shutdown", r);
}
