// SPDX-License-Identifier: MIT
/*
 * CPUID and the MSRs a kernel writes at start-up, from 32-bit protected
 * mode (docs/platform.md): RDTSCP with TSC_AUX where CPUID shows it,
 * IA32_MISC_ENABLE written back as read, EFER's NXE and SCE, and, where
 * the PMU is hidden, its enable MSRs taking 0 and refusing anything else
 * (hv's answer: a CPU without those counters refuses even 0).
 */
#include "guest/tests/pc/rt/pcrt.h"

const char test_name[] = "pccpu";

#define MSR_TSC_AUX 0xc0000103u
#define MSR_MISC_ENABLE 0x1a0u
#define MSR_PERF_GLOBAL_CTRL 0x38fu
#define MSR_PERFEVTSEL0 0x186u
#define EFER_SCE (1u << 0)

static uint32_t msr_arg;
static uint64_t msr_value;

static void try_wrmsr(void *unused)
{
	(void)unused;
	wrmsr(msr_arg, msr_value);
}

static void try_rdmsr(void *unused)
{
	(void)unused;
	msr_value = rdmsr(msr_arg);
}

static uint32_t wrmsr_fault(uint32_t msr, uint64_t v)
{
	msr_arg = msr;
	msr_value = v;
	return pc_try(try_wrmsr, NULL);
}

static void check_rdtscp(void)
{
	uint32_t a, b, c, d, aux = 0, lo1, hi1, lo2, hi2;
	uint64_t t1, t2;

	cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (!(d & (1u << 27))) {
		test_skip("rdtscp", "CPUID.80000001H:EDX.RDTSCP is 0");
		return;
	}
	wrmsr(MSR_TSC_AUX, 0x1234);
	asm volatile("rdtscp" : "=a"(lo1), "=d"(hi1), "=c"(aux));
	asm volatile("rdtscp" : "=a"(lo2), "=d"(hi2), "=c"(c));
	t1 = (uint64_t)hi1 << 32 | lo1;
	t2 = (uint64_t)hi2 << 32 | lo2;
	/* Not t2 > t1: Bochs with several CPUs moves its TSC once per round
	 * of their instruction quanta, so two reads a few instructions apart
	 * may see the same count. It never goes back. */
	test_check("rdtscp", aux == 0x1234 && c == 0x1234 && t2 >= t1,
		   "tsc_aux 0x%x 0x%x, tsc 0x%llx then 0x%llx", aux, c, t1, t2);
	test_check("tsc-aux-reads-back", rdmsr(MSR_TSC_AUX) == 0x1234,
		   "0x%llx", rdmsr(MSR_TSC_AUX));
}

static void check_misc_enable(void)
{
	uint64_t v;
	uint32_t r;

	msr_arg = MSR_MISC_ENABLE;
	r = pc_try(try_rdmsr, NULL);
	v = msr_value;
	if (r) {
		test_fail("misc-enable", "rdmsr raised vector %u", r - 1);
		return;
	}
	/* Linux reads it and writes back what it read. */
	r = wrmsr_fault(MSR_MISC_ENABLE, v);
	test_check("misc-enable", !r && rdmsr(MSR_MISC_ENABLE) == v,
		   "0x%llx written back: %s", v, r ? "fault" : "changed");
}

static void check_efer(void)
{
	uint32_t a, b, c, d;
	uint64_t efer = rdmsr(MSR_EFER);

	cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (d & (1u << 20)) {
		wrmsr(MSR_EFER, efer | EFER_NXE);
		test_check("efer-nxe", rdmsr(MSR_EFER) == (efer | EFER_NXE),
			   "0x%llx", rdmsr(MSR_EFER));
		wrmsr(MSR_EFER, efer);
	} else {
		test_skip("efer-nxe", "CPUID.80000001H:EDX.NX is 0");
	}
	if (d & (1u << 11)) {
		wrmsr(MSR_EFER, efer | EFER_SCE);
		test_check("efer-sce", rdmsr(MSR_EFER) == (efer | EFER_SCE),
			   "0x%llx", rdmsr(MSR_EFER));
		wrmsr(MSR_EFER, efer);
	} else {
		test_skip("efer-sce", "CPUID.80000001H:EDX.SYSCALL is 0");
	}
	test_check("efer-restored", rdmsr(MSR_EFER) == efer, "0x%llx", rdmsr(MSR_EFER));
}

static void check_pmu(void)
{
	uint32_t a, b, c, d;

	if (!pc_under_hv()) {
		test_skip("pmu-hidden", "what a hidden PMU answers is hv's choice");
		return;
	}
	cpuid(0xa, 0, &a, &b, &c, &d);
	test_check("pmu-hidden", (a & 0xff) == 0, "CPUID.0AH:EAX 0x%x", a);
	test_check("pmu-enable-zero", !wrmsr_fault(MSR_PERF_GLOBAL_CTRL, 0) &&
					      !wrmsr_fault(MSR_PERFEVTSEL0, 0) &&
					      rdmsr(MSR_PERF_GLOBAL_CTRL) == 0,
		   "writing 0 faulted");
	test_check("pmu-enable-refused",
		   wrmsr_fault(MSR_PERF_GLOBAL_CTRL, 1) == VEC_GP + 1 &&
			   wrmsr_fault(MSR_PERFEVTSEL0, 0x430076) == VEC_GP + 1,
		   "an enable was taken");
}

static void check_cpuid(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	test_check("cpuid-vmx-smx-hidden", !(c & (1u << 5 | 1u << 6)),
		   "ecx 0x%x", c);
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	test_check("cpuid-long-mode", d & (1u << 29), "edx 0x%x", d);
	if (pc_under_hv()) {
		cpuid(1, 0, &a, &b, &c, &d);
		test_check("cpuid-hypervisor", c & (1u << 31), "ecx 0x%x", c);
	}
}

void test_main(uint32_t magic, const struct mb_info *mbi)
{
	(void)magic;
	(void)mbi;
	check_cpuid();
	check_rdtscp();
	check_misc_enable();
	check_efer();
	check_pmu();
}
