/* SPDX-License-Identifier: MIT */
/*
 * What of x86 and VT-x hv/ may see: the types the contract in hv/arch.h
 * names (a vCPU's and a partition's arch state, the guest's registers, a
 * CPU's per-CPU block) and the primitives hv/ uses inline (the TSC, port
 * I/O, MSRs, CPUID). Reached from hv/ only through hv/arch.h.
 */
#ifndef ARCH_X86_ARCH_H
#define ARCH_X86_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/msr.h" /* the MSR numbers hv's MSR policy names */
#include "arch/x86/percpu.h"
#include "arch/x86/pt.h"

/* What CPUID answers in: the guest's own RAX-RDX, which the CPUID exit
 * fills and hv/cpuid.c filters in place, with no copy in between. */
struct cpuid_regs {
	uint64_t eax, ebx, ecx, edx;
};

/* arch/x86/vmx_entry.asm uses offsets generated from this struct and
 * from struct vcpu (arch/x86/asm-offsets.c), never literals. */
struct guest_regs {
	union {
		struct {
			uint64_t rax, rbx, rcx, rdx;
		};
		struct cpuid_regs cpuid;
	};
	uint64_t rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
/* The exit stub pushes R15 first and RAX last, from HOST_RSP down
 * (arch/x86/vmx_entry.asm): the order above, with nothing between. */
_Static_assert(sizeof(struct guest_regs) == 15 * 8, "guest_regs is packed");

/*
 * A vCPU's arch state, embedded in hv's struct vcpu as its first member:
 * the guest's registers, everything of a guest CPU that the VMCS does not
 * switch (the VMCS keeps RIP, RSP, RFLAGS, CR0/3/4, segments, EFER, PAT,
 * DEBUGCTL and SYSENTER_*), and the VMCS's own bookkeeping. Only
 * arch/x86 reads or writes it; hv/ asks through the contract.
 */
#define VCPU_NMI_PENDING 1u
#define VCPU_NMI_GUEST 2u
#define VCPU_NMI_WINDOW 4u

struct vcpu_arch {
	struct guest_regs regs;
	uint64_t cr2;
	uint64_t xcr0;
	uint64_t kernel_gs_base;
	uint64_t star, lstar, cstar, sfmask;
	uint64_t tsc_aux;
	uint64_t dr[4]; /* DR0-DR3 */
	uint64_t dr6;
	/* x87/SSE/AVX/AVX-512/PKRU state, standard form, sized by CPUID
	 * (arch/x86/vmx_vcpu.c) */
	uint8_t *xsave_area;

	uint64_t vmcs_pa;
	/* hv's stack pointer in vmx_resume or vmx_launch while the guest
	 * runs, where the
	 * exit stub finds it (arch/x86/vmx_entry.asm). */
	uint64_t host_stack;
	bool launched; /* VMLAUNCH done on this VMCS since its VMCLEAR */
	/* What enters it: vmx_launch_fn while it is clear, vmx_resume_fn
	 * once launched (arch/x86/vmx_entry.asm). */
	void *enter;
	/* A pc partition's vCPU (arch/x86/vmx_pc.c): unrestricted guest,
	 * any mode, its CR0/CR4 masks and EFER rules of its own. */
	bool pc;
	/*
	 * Until when the preemption timer its VMCS holds may stand without
	 * a reload (arch/x86/vmx_run.c): the deadline it was loaded for, or
	 * 0 when it must be reloaded at every entry.
	 */
	uint64_t timer_until;
	/*
	 * What a hypercall asked of the run loop besides going on (an
	 * enum exit_action: YIELD or POWEROFF), 0 when nothing: taken where
	 * the timer is reloaded, which timer_until 0 makes the next round
	 * do (arch/x86/vmx_run.c), so that VMCALL's path tests nothing more.
	 */
	uint8_t leave;
	/* Its primary controls but the window exits: hv's, or with "use
	 * TPR shadow" while APIC virtualization is on. */
	uint32_t proc;
	/* Its virtual-APIC page, allocated and freed with it: the store of
	 * its APIC's TPR, PPR, ISR, TMR and IRR (hv/vlapic.h). */
	uint64_t vapic_pa;
	/* APIC-register virtualization and virtual-interrupt delivery are
	 * on in its VMCS (arch/x86/vmx_apicv.c). */
	bool apicv;
	bool window_exiting; /* interrupt-window exiting is on in its VMCS */
	/*
	 * pc vCPUs (arch/x86/vmx_inject.c), one byte that deliver_events'
	 * quick exit tests at once: VCPU_NMI_PENDING, an NMI IPI to inject;
	 * VCPU_NMI_GUEST, one injected whose handler may still run
	 * (virtual-NMI blocking); VCPU_NMI_WINDOW, NMI-window exiting on.
	 */
	uint8_t nmi;
	/*
	 * SDM "Software Use of Virtual-Machine Control Structures": a VMCS
	 * is active on at most one CPU. vmcs_cpu is that CPU, or HV_CPU_NONE
	 * when the VMCS is clear; only that CPU changes it.
	 */
	uint32_t vmcs_cpu;
	/* The CPU whose host state its VMCS holds, or HV_CPU_NONE. */
	uint32_t host_cpu;
	uint16_t vpid;
	/* An event whose delivery a VM exit interrupted, to deliver again. */
	uint32_t reinject_info, reinject_error, reinject_len;
	/* With the VM-entry check on, a pool page of its partition's: the
	 * memo of its last check (arch/x86/vmcheck_hv.c). */
	void *vmcheck;
};

/* A partition's arch state: its EPT and its VMX I/O bitmaps. */
struct partition_arch {
	struct pt ept;
	uint64_t io_bitmap_pa; /* bitmaps A and B: set bits exit */
	/* pc partitions: the APIC-access page its EPT maps at the xAPIC
	 * base, or 0 (arch/x86/vmx_pc.c) */
	uint64_t apic_access_pa;
};

/*
 * The hypercall record (docs/hypercalls.md): the number in RAX, the
 * arguments in RDI, RSI, RDX, R10 and R8, the status back in RAX. A view
 * on the registers the exit saved, not a copy: reading an argument is
 * one load.
 */
static inline uint64_t hcall_nr(const struct vcpu_arch *a)
{
	return a->regs.rax;
}

static inline uint64_t hcall_arg(const struct vcpu_arch *a, unsigned n)
{
	switch (n) {
	case 0:
		return a->regs.rdi;
	case 1:
		return a->regs.rsi;
	case 2:
		return a->regs.rdx;
	case 3:
		return a->regs.r10;
	default:
		return a->regs.r8;
	}
}

static inline void hcall_set_status(struct vcpu_arch *a, int64_t status)
{
	a->regs.rax = (uint64_t)status;
}

#endif
