// SPDX-License-Identifier: MIT
/*
 * What a guest kernel sees of hv: the CPUID signature and ABI leaves, the
 * hidden VMX feature, the version and unknown-call hypercalls, MSRs
 * that hv virtualizes (the guest's EFER.NXE and LSTAR are its own), and
 * RDPMC without performance counters.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"
#include "lib/string.h"

const char test_name[] = "virt";

/* Any number hv has not assigned. */
#define HC_UNASSIGNED 0x7fff

/* A canonical address that is nobody's entry point. */
#define LSTAR_PROBE 0x00000000deadb000ull

static void check_signature(void)
{
	struct cpuid_regs r = cpuid(HV_CPUID_LEAF_SIGNATURE, 0);
	char sig[13];

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = '\0';
	if (memcmp(sig, HV_CPUID_SIGNATURE, 12))
		test_fail("cpuid-signature",
			  "leaf 0x%x: ebx 0x%x ecx 0x%x edx 0x%x",
			  HV_CPUID_LEAF_SIGNATURE, r.ebx, r.ecx, r.edx);
	else if (r.eax < HV_CPUID_LEAF_ABI)
		test_fail("cpuid-signature",
			  "signature ok but max leaf eax 0x%x < 0x%x", r.eax,
			  HV_CPUID_LEAF_ABI);
	else
		test_pass("cpuid-signature");
}

static void check_abi_leaf(void)
{
	struct cpuid_regs r = cpuid(HV_CPUID_LEAF_ABI, 0);

	if (r.eax != HV_ABI_VERSION)
		test_fail("cpuid-abi", "leaf 0x%x eax 0x%x, want 0x%x",
			  HV_CPUID_LEAF_ABI, r.eax, HV_ABI_VERSION);
	else
		test_pass("cpuid-abi");
}

/*
 * The timing leaf reports the TSC rate for both clocks. The scenario
 * compares the printed rate with the one hv measured at boot.
 */
static void check_timing_leaf(void)
{
	struct cpuid_regs top = cpuid(HV_CPUID_LEAF_SIGNATURE, 0);
	struct cpuid_regs r = cpuid(HV_CPUID_LEAF_TIMING, 0);

	if (top.eax < HV_CPUID_LEAF_TIMING)
		test_fail("cpuid-timing", "max leaf 0x%x below 0x%x", top.eax,
			  HV_CPUID_LEAF_TIMING);
	else if (!r.eax || r.eax != r.ebx)
		test_fail("cpuid-timing", "tsc %u kHz, apic timer %u kHz",
			  r.eax, r.ebx);
	else
		test_pass("cpuid-timing");
	rt_printf("virt: tsc %u kHz\n", r.eax);
}

static void check_vmx_hidden(void)
{
	struct cpuid_regs r = cpuid(1, 0);

	if (r.ecx & CPUID1_ECX_VMX)
		test_fail("vmx-hidden", "CPUID.1:ECX.VMX is set (ecx 0x%x)",
			  r.ecx);
	else if (!(r.ecx & CPUID1_ECX_HYPERVISOR))
		test_fail("vmx-hidden",
			  "CPUID.1:ECX.hypervisor is clear (ecx 0x%x)", r.ecx);
	else
		test_pass("vmx-hidden");
}

static void check_version(void)
{
	long v = hv_hypercall(HV_HC_VERSION, 0, 0, 0);

	if (v != HV_ABI_VERSION)
		test_fail("version", "HV_HC_VERSION returned 0x%lx, want 0x%x",
			  v, HV_ABI_VERSION);
	else
		test_pass("version");
}

static void check_unknown_call(void)
{
	long v = hv_hypercall(HC_UNASSIGNED, 0, 0, 0);

	if (v != HV_STATUS_UNKNOWN_CALL)
		test_fail("hc-unknown", "call 0x%x returned %ld, want %d",
			  HC_UNASSIGNED, v, HV_STATUS_UNKNOWN_CALL);
	else
		test_pass("hc-unknown");
}

/*
 * hv's own EFER keeps NXE (its page tables use XD), so a guest that clears
 * NXE must see its own value, while hv and the other partitions do not
 * notice. The guest's page tables (hv's entry identity map) set no XD bit,
 * so running on without NXE is legal (SDM Vol. 3A, "Paging Structures":
 * XD is reserved when NXE = 0).
 */
static void check_efer_nxe(void)
{
	const uint64_t want = EFER_LME | EFER_LMA | EFER_NXE;
	uint64_t before = rdmsr(IA32_EFER), cleared, restored;

	if ((before & want) != want) {
		test_fail("efer-nxe", "EFER at entry 0x%lx lacks LME|LMA|NXE",
			  (unsigned long)before);
		return;
	}
	wrmsr(IA32_EFER, before & ~EFER_NXE);
	cleared = rdmsr(IA32_EFER);
	/* Still running, with a call and a print, after the write. */
	rt_printf("virt: EFER 0x%lx after clearing NXE, still running\n",
		  (unsigned long)cleared);
	wrmsr(IA32_EFER, before);
	restored = rdmsr(IA32_EFER);

	if (cleared != (before & ~EFER_NXE))
		test_fail("efer-nxe", "wrote 0x%lx, read back 0x%lx",
			  (unsigned long)(before & ~EFER_NXE),
			  (unsigned long)cleared);
	else if (restored != before)
		test_fail("efer-nxe", "restored 0x%lx, read back 0x%lx",
			  (unsigned long)before, (unsigned long)restored);
	else
		test_pass("efer-nxe");
}

static void check_lstar(void)
{
	uint64_t before = rdmsr(IA32_LSTAR), got;

	wrmsr(IA32_LSTAR, LSTAR_PROBE);
	got = rdmsr(IA32_LSTAR);
	wrmsr(IA32_LSTAR, before);
	if (got != LSTAR_PROBE)
		test_fail("msr-lstar", "wrote 0x%lx, read back 0x%lx",
			  (unsigned long)LSTAR_PROBE, (unsigned long)got);
	else
		test_pass("msr-lstar");
}

static void read_pmc0(void *arg)
{
	uint32_t lo, hi;

	__asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(0));
	*(uint64_t *)arg = ((uint64_t)hi << 32) | lo;
}

/*
 * CPUID leaf 0AH shows no counter, so counter 0 is not valid: SDM
 * "RDPMC-Read Performance-Monitoring Counters" raises #GP(0) for that,
 * at CPL 0 too, and has no #UD but for LOCK.
 */
static void check_rdpmc(void)
{
	struct cpuid_regs r = cpuid(0xa, 0);
	uint64_t value = 0;
	int vector;

	if (r.eax & 0xff00) {
		test_fail("rdpmc-gp", "CPUID.0AH:EAX 0x%x shows counters", r.eax);
		return;
	}
	if (!expect_fault(read_pmc0, &value, &vector))
		test_fail("rdpmc-gp", "RDPMC of counter 0 returned 0x%lx",
			  (unsigned long)value);
	else if (vector != VEC_GP || rt_last_fault.error != 0)
		test_fail("rdpmc-gp", "%s error 0x%lx, want #GP(0)",
			  rt_vector_name(vector),
			  (unsigned long)rt_last_fault.error);
	else
		test_pass("rdpmc-gp");
}

void test_main(const struct hv_start_info *si)
{
	(void)si;
	check_signature();
	check_abi_leaf();
	check_timing_leaf();
	check_vmx_hidden();
	check_version();
	check_unknown_call();
	check_efer_nxe();
	check_lstar();
	check_rdpmc();
}
