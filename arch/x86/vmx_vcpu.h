/* SPDX-License-Identifier: MIT */
/*
 * Inside arch/x86: the VMX side of a vCPU that the contract (hv/arch.h)
 * does not name: the control values, the CR0/CR4 bits hv owns, and the
 * host-state area, all set up in vmx_vcpu.c.
 */
#ifndef ARCH_X86_VMX_VCPU_H
#define ARCH_X86_VMX_VCPU_H

#include "hv/arch.h"
#include "hv/upcall.h"

/* The control values hv uses, adjusted once to the capability MSRs. */
struct vmx_caps {
	uint32_t revision;
	uint32_t pin, proc, proc2, exit, entry;
	uint32_t preemption_shift;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	/* pc vCPUs (arch/x86/vmx_pc.c): their secondary controls, or why
	 * this CPU cannot run them. */
	uint32_t proc2_pc;
	/* pc vCPUs: pin controls with virtual NMIs where the CPU has them,
	 * and whether NMI-window exiting (which needs them) is there. */
	uint32_t pin_pc;
	bool nmi_window;
	const char *pc_missing;
	uint8_t maxphyaddr; /* CPUID.80000008H:EAX[7:0], for PAE PDPTEs */
	/* "virtualize APIC accesses" may be set: pc partitions get an
	 * APIC-access page (arch/x86/space.c, vmx_mmio.c). */
	bool apic_access;
	/* And with it "use TPR shadow", "APIC-register virtualization",
	 * "virtual-interrupt delivery" and external-interrupt exiting (which
	 * delivery needs): pc vCPUs in xAPIC mode run with their virtual-APIC
	 * page (arch/x86/vmx_apicv.c). */
	bool apicv;
};
extern struct vmx_caps vmx_caps;

#define VECTOR_DB 1
#define VECTOR_DF 8
#define VECTOR_GP 13
#define VECTOR_AC 17
#define VECTOR_MC 18
#define EXCEPTION_BITMAP_HV \
	((1u << VECTOR_DB) | (1u << VECTOR_AC) | (1u << VECTOR_MC))

uint64_t vmx_cr0_host_owned(void);
uint64_t vmx_cr4_host_owned(void);
/* The CR0/CR4 value the CPU runs with for a guest-visible shadow. */
uint64_t vmx_guest_cr0(uint64_t shadow);
uint64_t vmx_guest_cr4(uint64_t shadow);

/* arch/x86/vmx_state.c: the XSAVE mask and areas every vCPU's switch
 * uses. Init sets the host's CR4.OSXSAVE and sizes the area. */
void vmx_xsave_init(void);
uint32_t vmx_xsave_pages(void);
/* A new vCPU's area: every component in its initial state. */
void vmx_xsave_area_init(uint8_t *area);

/* arch/x86/vmx_pc.c: pc vCPUs. */
void vmx_pc_caps_init(void);
/* Writes the pc vCPU's controls and guest state over hv's defaults. */
void vmx_pc_setup(struct vcpu *v, const struct vcpu_pc_entry *e);
/* A pc partition's APIC-access page in its EPT, where the CPU allows. */
int vmx_pc_apic_page(struct partition *p);
void vmx_pc_apic_page_free(struct partition *p);

/* arch/x86/vmx_apicv.c: APIC virtualization for pc vCPUs. */
void vmx_apicv_caps_init(uint64_t cap2);
/* The controls for the vCPU's APIC mode, when they must change: with
 * force, written whatever its state. */
void vmx_apicv_update(struct vcpu *v, bool force);
/* Before an entry with APIC virtualization on: RVI/SVI and the EOI-exit
 * bitmap, where hv changed what they follow. */
void vmx_apicv_entry(struct vcpu *v);
/* At the start of a pc vCPU's run, with its VMCS current and before
 * its state is loaded: INIT and start-up IPIs, and its waits. */
enum pc_begin {
	PC_RUN, /* enter the guest */
	PC_WAIT, /* it waits (apic_wait): leave the CPU */
	PC_HALTED, /* its partition waits with nothing to wake it */
};
enum pc_begin vmx_pc_begin(struct vcpu *v, uint64_t now);
/* Rebuilds the VMCS current on this CPU as a fresh pc vCPU's
 * (arch/x86/vmx_vcpu.c): INIT. */
int vcpu_arch_reinit_pc_here(struct vcpu *v, const struct vcpu_pc_entry *e);

/* Writes the host-state area of v's VMCS for the CPU this runs on. */
void vmx_setup_host_state(const struct vcpu *v);

/* Where every VM exit lands (HOST_RIP): not to be called. */
void vmx_exit_stub(void);

/* Drops this CPU's cached translations of the vCPU (EPT and VPID). */
void vcpu_arch_flush_here(struct vcpu *v);

#endif
