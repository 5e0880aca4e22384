// SPDX-License-Identifier: MIT
/* The guest-state switch: what of a guest CPU the VMCS does not hold. */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx_exit_ctx.h"
#include "arch/x86/vmx_vcpu.h"

/*
 * Everything of the guest CPU that the VMCS does not switch (hv/vcpu.h)
 * goes onto the real CPU before the vCPU runs, and back into the vCPU
 * after: the SYSCALL MSRs, KERNEL_GS_BASE, TSC_AUX, DR0-DR3, DR6, XCR0
 * and the x87/SSE/AVX state. hv itself uses none of them, so they stay
 * the guest's until the next vCPU's are loaded over them.
 */

void guest_state_load(const struct vcpu *v)
{
	wrmsr(IA32_STAR, v->arch.star);
	wrmsr(IA32_LSTAR, v->arch.lstar);
	wrmsr(IA32_CSTAR, v->arch.cstar);
	wrmsr(IA32_FMASK, v->arch.sfmask);
	wrmsr(IA32_KERNEL_GS_BASE, v->arch.kernel_gs_base);
	wrmsr(IA32_TSC_AUX, v->arch.tsc_aux);
	__asm__ volatile("mov %0, %%dr0" : : "r"(v->arch.dr[0]));
	__asm__ volatile("mov %0, %%dr1" : : "r"(v->arch.dr[1]));
	__asm__ volatile("mov %0, %%dr2" : : "r"(v->arch.dr[2]));
	__asm__ volatile("mov %0, %%dr3" : : "r"(v->arch.dr[3]));
	__asm__ volatile("mov %0, %%dr6" : : "r"(v->arch.dr6));
	/* CR2 is not in the VMCS; hv itself never takes a page fault, so the
	 * guest's CR2 stays in place from here until the vCPU leaves. */
	write_cr2(v->arch.cr2);
	/*
	 * Every component hv switches is loaded, whatever the guest's own
	 * XCR0: XRSTOR acts on XCR0 & RFBM, so XCR0 is widened to the mask
	 * first and set to the guest's value after.
	 */
	xsetbv(vcpu_arch_xfeatures());
	xrstor(v->arch.xsave_area, vcpu_arch_xfeatures());
	xsetbv(v->arch.xcr0);
}

void guest_state_save(struct vcpu *v)
{
	/* The same mask as the load: the guest's SSE state, its AVX state
	 * while its XCR0 has AVX off, and its PKRU are its own too. */
	xsetbv(vcpu_arch_xfeatures());
	xsave(v->arch.xsave_area, vcpu_arch_xfeatures());
	v->arch.star = rdmsr(IA32_STAR);
	v->arch.lstar = rdmsr(IA32_LSTAR);
	v->arch.cstar = rdmsr(IA32_CSTAR);
	v->arch.sfmask = rdmsr(IA32_FMASK);
	v->arch.kernel_gs_base = rdmsr(IA32_KERNEL_GS_BASE);
	v->arch.tsc_aux = rdmsr(IA32_TSC_AUX);
	__asm__ volatile("mov %%dr0, %0" : "=r"(v->arch.dr[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(v->arch.dr[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(v->arch.dr[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(v->arch.dr[3]));
	__asm__ volatile("mov %%dr6, %0" : "=r"(v->arch.dr6));
	v->arch.cr2 = read_cr2();
}
