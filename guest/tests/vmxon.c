// SPDX-License-Identifier: MIT
/*
 * A partition must not see VMX: every VMX instruction exits to hv
 * unconditionally in VMX non-root operation (SDM Vol. 3C, "Instructions
 * That Cause VM Exits Unconditionally"), and hv answers with #UD, as a CPU
 * without VMX would. The #UD must be a fault at the instruction itself.
 * The VMX capability MSRs must be as absent: RDMSR of IA32_VMX_BASIC #GPs.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

const char test_name[] = "vmxon";

/* vmxon-insns.asm */
void ud_vmxon(void *arg);
void ud_vmxoff(void *arg);
void ud_vmclear(void *arg);
void ud_vmptrld(void *arg);
void ud_vmptrst(void *arg);
void ud_vmread(void *arg);
void ud_vmwrite(void *arg);
void ud_vmlaunch(void *arg);
void ud_vmresume(void *arg);
void ud_invept(void *arg);
void ud_invvpid(void *arg);

static const struct {
	const char *check;
	void (*fn)(void *arg);
} insns[] = {
	/* VMXON and VMREAD first: the ones a guest probing for VMX tries. */
	{ "vmxon-ud", ud_vmxon },
	{ "vmread-ud", ud_vmread },
	{ "vmwrite-ud", ud_vmwrite },
	{ "vmxoff-ud", ud_vmxoff },
	{ "vmclear-ud", ud_vmclear },
	{ "vmptrld-ud", ud_vmptrld },
	{ "vmptrst-ud", ud_vmptrst },
	{ "vmlaunch-ud", ud_vmlaunch },
	{ "vmresume-ud", ud_vmresume },
	{ "invept-ud", ud_invept },
	{ "invvpid-ud", ud_invvpid },
};

static void expect_ud(const char *check, void (*fn)(void *))
{
	uint64_t at = (uint64_t)(uintptr_t)fn;
	int vector;

	if (!expect_fault(fn, NULL, &vector))
		test_fail(check, "no fault: the instruction at 0x%lx completed",
			  (unsigned long)at);
	else if (vector != VEC_UD)
		test_fail(check, "%s (vector %d) at rip 0x%lx, want #UD",
			  rt_vector_name(vector), vector,
			  (unsigned long)rt_last_fault.rip);
	else if (rt_last_fault.rip != at)
		test_fail(check,
			  "#UD at rip 0x%lx, want 0x%lx (the instruction)",
			  (unsigned long)rt_last_fault.rip, (unsigned long)at);
	else
		test_pass(check);
}

static void read_vmx_basic(void *arg)
{
	*(uint64_t *)arg = rdmsr(IA32_VMX_BASIC);
}

static void check_vmx_basic(void)
{
	uint64_t value = 0;
	int vector;

	if (!expect_fault(read_vmx_basic, &value, &vector))
		test_fail("vmx-basic-gp", "RDMSR 0x%x returned 0x%lx",
			  IA32_VMX_BASIC, (unsigned long)value);
	else if (vector != VEC_GP || rt_last_fault.error != 0)
		test_fail("vmx-basic-gp", "%s error 0x%lx, want #GP(0)",
			  rt_vector_name(vector),
			  (unsigned long)rt_last_fault.error);
	else
		test_pass("vmx-basic-gp");
}

void test_main(const struct hv_start_info *si)
{
	(void)si;
	for (unsigned int i = 0; i < sizeof(insns) / sizeof(insns[0]); i++)
		expect_ud(insns[i].check, insns[i].fn);
	check_vmx_basic();
}
