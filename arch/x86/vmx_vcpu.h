/* SPDX-License-Identifier: MIT */
/* The VMX side of a vCPU: its VMCS, entering it, and its exits. */
#ifndef ARCH_X86_VMX_VCPU_H
#define ARCH_X86_VMX_VCPU_H

#include <stdint.h>

#include "hv/vcpu.h"

enum vcpu_outcome {
	VCPU_PREEMPTED, /* its time slice ended; it can run again */
	VCPU_STOPPED, /* the partition stopped; hv/ has the report */
	VCPU_POWEROFF, /* the parent asked to power off */
};

/*
 * Reads the VMX capability MSRs once, checks every capability hv needs
 * and works out the control values. Panics naming what is missing: the
 * loader checked already, so a miss here is a broken invariant.
 */
void vmx_caps_init(void);
/* Allocates the vCPU's VMCS and other pages. */
int vcpu_arch_alloc(struct vcpu *v);
/*
 * Fills the vCPU's VMCS for a 64-bit entry at rip with the given RSP, CR3
 * and RDI, leaving it clear (so any CPU may launch it) and the VMCS that
 * was current before current again.
 */
int vcpu_arch_init(struct vcpu *v, uint64_t eptp, uint64_t rip, uint64_t rdi,
		   uint64_t rsp, uint64_t cr3);
/* On the CPU where the vCPU's VMCS is active: VMCLEARs it, so that it
 * is active nowhere and may next be launched on any CPU. */
void vcpu_arch_leave(struct vcpu *v);
/* Drops this CPU's cached translations of the vCPU (EPT and VPID);
 * vcpu_arch_flush only if the vCPU has ever run. */
void vcpu_arch_flush_here(struct vcpu *v);
void vcpu_arch_flush(struct vcpu *v);
/* Frees the VMCS, which must be clear, and the vCPU's other pages. */
void vcpu_arch_release(struct vcpu *v);
/*
 * Runs the vCPU, handling its exits, for at most slice TSC ticks (time
 * spent in hv counts too), or until its partition stops.
 */
enum vcpu_outcome vcpu_arch_run(struct vcpu *v, uint64_t slice);
/* The longest slice in TSC ticks: what the VMX-preemption timer's 32 bits
 * can count at once. */
uint64_t vcpu_arch_max_slice(void);
/*
 * This CPU took a kick (an NMI) in hv: the vCPU it runs, if any, exits
 * right after its next entry, so that vcpu_arch_run looks again at why
 * it was kicked.
 */
void vcpu_arch_kicked(void);
/* The XSAVE components hv switches for every vCPU: the host's among x87,
 * SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM and PKRU. */
uint64_t vcpu_arch_xfeatures(void);
/* Prints the guest's registers and the exit information. */
void vcpu_arch_dump(struct vcpu *v);

#endif
