// SPDX-License-Identifier: MIT
/*
 * A partition with two vCPUs: vCPU 0 starts vCPU 1 with vcpu_start, on
 * its own stack, and both print. Lines go out whole through console_write,
 * so the two vCPUs cannot mix characters within one line.
 */
#include "guest/tests/rt/rt.h"

#include "include/hv/manifest.h"

#include "lib/fmt.h"
#include "lib/string.h"

const char test_name[] = "smp2";

#define ARG 0x5eed

static uint8_t stack1[8192] __attribute__((aligned(16)));
static volatile int done1;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	hv_hypercall(HV_HC_CONSOLE_WRITE, (uint64_t)line, (uint64_t)n, 0);
}

/* vCPU 1 starts here, with RDI = the argument vCPU 0 passed. */
static void __attribute__((noreturn, used)) second(uint64_t arg)
{
	for (int i = 1; i <= 3; i++) {
		say("smp2: vcpu 1 line %d, arg 0x%lx\n", i, arg);
		hv_hypercall(HV_HC_YIELD, 0, 0, 0);
	}
	done1 = 1;
	for (;;)
		asm volatile("cli; hlt");
}

static long start(uint64_t n, uint64_t rip, uint64_t rsp, uint64_t cr3,
		  uint64_t arg)
{
	long ret;
	register uint64_t r10 asm("r10") = cr3;
	register uint64_t r8 asm("r8") = arg;

	asm volatile("vmcall"
		     : "=a"(ret)
		     : "a"(HV_HC_VCPU_START), "D"(n), "S"(rip), "d"(rsp),
		       "r"(r10), "r"(r8)
		     : "memory");
	return ret;
}

void test_main(const struct hv_start_info *si)
{
	uint64_t cr3;
	/* As if called: the ABI wants RSP + 8 aligned to 16 at entry. */
	uint64_t rsp = (uint64_t)(stack1 + sizeof(stack1)) - 8;
	long r;

	(void)si;
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	r = start(1, (uint64_t)second, rsp, cr3, ARG);
	if (r) {
		test_fail("vcpu-start", "status %ld", r);
		return;
	}
	test_pass("vcpu-start");
	for (int i = 1; i <= 3; i++) {
		say("smp2: vcpu 0 line %d\n", i);
		hv_hypercall(HV_HC_YIELD, 0, 0, 0);
	}
	for (int i = 0; i < 1000 && !done1; i++)
		hv_hypercall(HV_HC_YIELD, 0, 0, 0);
	if (done1)
		test_pass("vcpu1-ran");
	else
		test_fail("vcpu1-ran", "vcpu 1 never finished");
	r = start(1, (uint64_t)second, rsp, cr3, ARG);
	if (r == HV_STATUS_BUSY)
		test_pass("restart-busy");
	else
		test_fail("restart-busy", "status %ld", r);
	r = start(HV_MAX_VCPUS, (uint64_t)second, rsp, cr3, ARG);
	if (r == HV_STATUS_INVALID)
		test_pass("bad-vcpu-invalid");
	else
		test_fail("bad-vcpu-invalid", "status %ld", r);
}
