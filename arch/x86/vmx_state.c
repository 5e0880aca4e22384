// SPDX-License-Identifier: MIT
/* The guest-state switch: what of a guest CPU the VMCS does not hold,
 * and the XSAVE mask and area sizes it switches the vector state with. */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx_exit_ctx.h"
#include "arch/x86/vmx_vcpu.h"
#include "hv/log.h"
#include "lib/string.h"

/*
 * The XSAVE components hv switches for every vCPU, and the size of the
 * standard-form area that holds them. One mask for all: every vCPU's
 * state is saved and restored with it as the requested-feature bitmap,
 * whatever the vCPU's own XCR0, because SSE state needs no XCR0 bit (SDM
 * Vol. 1, "Enabling the XSAVE Feature Set and XSAVE-Enabled Features")
 * and a component a guest turns on later must already hold its own
 * values, not the last partition's.
 */
static uint64_t xfeatures;
static uint32_t xsave_pages;

/*
 * x87, SSE, AVX, the AVX-512 trio (opmask, ZMM_Hi256, Hi16_ZMM) and PKRU.
 * Left out: MPX (its BNDCFGS lives in the VMCS and hv does not switch
 * it), AMX (its tile data is 8 KiB and needs XFD), and every supervisor
 * component (IA32_XSS is refused).
 */
#define XFEATURES_HV 0x2e7ull
#define XCR0_AVX512 0xe0ull

uint64_t vcpu_arch_xfeatures(void)
{
	return xfeatures;
}

uint32_t vmx_xsave_pages(void)
{
	return xsave_pages;
}

/*
 * A new vCPU starts from every component's initial state: XSTATE_BV 0
 * makes XRSTOR initialise each one (SDM Vol. 1, "Operation of XRSTOR"),
 * but MXCSR is read from the legacy region whenever SSE or AVX is
 * requested, so it holds its reset value 1F80H. The pool's pages come
 * zeroed; the area is cleared again so that nothing rests on that.
 */
void vmx_xsave_area_init(uint8_t *area)
{
	memset(area, 0, (size_t)xsave_pages * 4096);
	*(uint32_t *)(area + 24) = 0x1f80;
}

/*
 * Every vCPU's x87/SSE/AVX/AVX-512/PKRU state is switched with XSAVE and
 * XRSTOR, which need CR4.OSXSAVE on the host. The area's size is what
 * CPUID.(EAX=0DH,ECX=0):EBX reports with XCR0 set to the mask (SDM Vol.
 * 1, "XSAVE-Supported Features and State-Component Bitmaps"), never a
 * fixed guess.
 */
void vmx_xsave_init(void)
{
	uint32_t a, b, c, d;
	uint64_t host;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 26)))
		panic("the CPU has no XSAVE (CPUID.1:ECX.XSAVE=0): vCPU FPU state cannot be switched");
	write_cr4(read_cr4() | CR4_OSXSAVE);
	cpuid(0xd, 0, &a, &b, &c, &d);
	host = ((uint64_t)d << 32) | a;
	xfeatures = host & XFEATURES_HV;
	/* XSETBV takes the AVX-512 components all together or none. */
	if ((xfeatures & XCR0_AVX512) != XCR0_AVX512 || !(xfeatures & XCR0_AVX))
		xfeatures &= ~XCR0_AVX512;
	if ((xfeatures & (XCR0_X87 | XCR0_SSE)) != (XCR0_X87 | XCR0_SSE))
		panic("XSAVE does not manage x87 and SSE state (CPUID.(EAX=0DH,ECX=0) = 0x%lx)",
		      host);
	xsetbv(xfeatures);
	cpuid(0xd, 0, &a, &b, &c, &d);
	/* The legacy region and the header are 576 bytes; four pages hold
	 * every component in the mask on any CPU so far. */
	if (b < 576 || b > 4 * 4096)
		panic("CPUID reports an XSAVE area of %u bytes for components 0x%lx: hv cannot size it",
		      b, xfeatures);
	xsave_pages = (b + 4095) / 4096;
	pr_info("xsave: components 0x%lx of 0x%lx switched, %u bytes a vCPU",
		xfeatures, host, b);
}

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
