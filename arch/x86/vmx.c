// SPDX-License-Identifier: MIT
#include "hv/arch.h"
#include "arch/x86/vmx.h"

#include "arch/x86/cpu.h"
#include "arch/x86/mce.h"
#include "hv/errno.h"
#include "hv/log.h"

/*
 * The outcome of a VMX instruction is in RFLAGS (SDM "Conventions" in the
 * VMX instruction reference): CF=1 is VMfailInvalid, ZF=1 VMfailValid.
 */
static const char *vmx_fail_kind(uint64_t rflags)
{
	if (rflags & RFLAGS_CF)
		return "VMfailInvalid";
	if (rflags & RFLAGS_ZF)
		return "VMfailValid";
	return NULL;
}

int vmx_on(struct percpu *pc)
{
	uint64_t fc, cr0, cr4, rflags, pa;
	uint32_t a, b, c, d;
	const char *fail;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 5))) {
		pr_err("cpu %u: no VMX (CPUID.1:ECX.VMX=0)", pc->index);
		return HV_ENOSYS;
	}

	/* An unlocked FEATURE_CONTROL is ours to set; a locked one decides. */
	fc = rdmsr(IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK)) {
		fc |= FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
		wrmsr(IA32_FEATURE_CONTROL, fc);
	} else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		pr_err("cpu %u: VMX is disabled and locked in IA32_FEATURE_CONTROL (0x%lx)",
		       pc->index, fc);
		return HV_EPERM;
	}

	/* SDM "VMX-Fixed Bits in CR0" and "VMX-Fixed Bits in CR4". */
	cr0 = (read_cr0() | rdmsr(IA32_VMX_CR0_FIXED0)) &
	      rdmsr(IA32_VMX_CR0_FIXED1);
	write_cr0(cr0);
	cr4 = ((read_cr4() | CR4_VMXE) | rdmsr(IA32_VMX_CR4_FIXED0)) &
	      rdmsr(IA32_VMX_CR4_FIXED1);
	write_cr4(cr4);
	mce_cpu_init();
	if (!(read_cr4() & CR4_VMXE)) {
		pr_err("cpu %u: CR4.VMXE cannot be set", pc->index);
		return HV_EIO;
	}

	/* The VMXON region starts with the VMCS revision identifier. */
	*(volatile uint32_t *)pc->vmxon_region =
		(uint32_t)(rdmsr(IA32_VMX_BASIC) & VMX_BASIC_REVISION_MASK);
	pa = (uint64_t)(uintptr_t)pc->vmxon_region;
	__asm__ volatile("vmxon %1\n\t"
			 "pushfq\n\t"
			 "pop %0"
			 : "=r"(rflags)
			 : "m"(pa)
			 : "cc", "memory");
	fail = vmx_fail_kind(rflags);
	if (fail) {
		pr_err("cpu %u: VMXON failed (%s), region 0x%lx", pc->index,
		       fail, pa);
		write_cr4(read_cr4() & ~CR4_VMXE);
		return HV_EIO;
	}
	pc->vmxon_pa = pa;
	__atomic_store_n(&pc->vmx_requests, true, __ATOMIC_RELEASE);
	return 0;
}

int vmx_off(struct percpu *pc)
{
	uint64_t rflags;
	const char *fail;

	HV_ASSERT(pc->vmxon_pa);
	__asm__ volatile("vmxoff\n\t"
			 "pushfq\n\t"
			 "pop %0"
			 : "=r"(rflags)
			 :
			 : "cc", "memory");
	fail = vmx_fail_kind(rflags);
	if (fail) {
		pr_err("cpu %u: VMXOFF failed (%s)", pc->index, fail);
		return HV_EIO;
	}
	pc->vmxon_pa = 0;
	write_cr4(read_cr4() & ~CR4_VMXE);
	return 0;
}
