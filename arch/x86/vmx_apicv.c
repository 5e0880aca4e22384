// SPDX-License-Identifier: MIT
/*
 * APIC virtualization for pc vCPUs in xAPIC mode (docs/architecture.md,
 * "The virtual local APIC"; SDM Vol. 3C, "APIC Virtualization and
 * Virtual Interrupts"). With "use TPR shadow", "APIC-register
 * virtualization" and "virtual-interrupt delivery" over the partition's
 * APIC-access page, the CPU serves the guest's reads of most registers
 * from the vCPU's virtual-APIC page, takes TPR and CR8 writes and EOIs
 * itself, and delivers the interrupts hv requests through RVI. hv sees:
 *
 * - APIC-write exits (reason 56), trap-like, after a write to a register
 *   the model must act on (ICR, LVTs, the timer, SVR, LDR, DFR, ESR);
 * - EOI-induced exits (reason 45), for the vectors of the EOI-exit
 *   bitmap alone (hv/vlapic_page.c);
 * - APIC-access exits for the rest (the current count, APR, reserved
 *   offsets, odd sizes), completed by arch/x86/vmx_mmio.c as before.
 *
 * Outside xAPIC mode (x2APIC or disabled), with the manifest's
 * emulate_apic_registers or emulate_apic_access, or on a CPU without
 * the controls, every access exits and hv injects (vmx_inject.c).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx_exit_ctx.h"
#include "arch/x86/vmx_vcpu.h"
#include "hv/apic.h"
#include "hv/log.h"
#include "hv/upcall.h"

#define APICV_PROC2 \
	(PROC2_APIC_REGISTER_VIRT | PROC2_VIRTUAL_INTR_DELIVERY)

void vmx_apicv_caps_init(uint64_t cap2)
{
	uint64_t proc1 = rdmsr(IA32_VMX_PROCBASED_CTLS) >> 32;
	uint64_t pin1 = rdmsr(IA32_VMX_PINBASED_CTLS) >> 32;

	/* SDM "Checks on VMX Controls": both controls need "use TPR
	 * shadow", and virtual-interrupt delivery needs external-interrupt
	 * exiting, which hv sets for every vCPU. */
	vmx_caps.apicv = vmx_caps.apic_access && (proc1 & PROC_USE_TPR_SHADOW) &&
			 (cap2 & APICV_PROC2) == APICV_PROC2 &&
			 (pin1 & PIN_EXTERNAL_INTERRUPT_EXITING) &&
			 (vmx_caps.pin & PIN_EXTERNAL_INTERRUPT_EXITING);
}

static bool wanted(const struct vcpu *v)
{
	return vmx_caps.apicv && v->arch.pc && v->part->arch.apic_access_pa &&
	       !v->part->emulate_apic_registers &&
	       vlapic_mode(&v->apic) == VLAPIC_XAPIC;
}

static void write_eoi_exit_bitmap(struct vcpu *v)
{
	uint64_t bm[4];

	vlapic_eoi_exit_bitmap(&v->apic, bm);
	for (unsigned i = 0; i < 4; i++)
		vmcs_write64(VMCS_EOI_EXIT_BITMAP0 + 2 * i, bm[i]);
}

void vmx_apicv_entry(struct vcpu *v)
{
	if (!v->apic.vid_dirty)
		return;
	vmcs_write16(VMCS_GUEST_INTR_STATUS, vlapic_intr_status(&v->apic));
	write_eoi_exit_bitmap(v);
	v->apic.vid_dirty = false;
}

/*
 * On: CR8 goes to the virtual TPR without an exit, and the TPR
 * threshold is unused (SDM "TPR Virtualization": with virtual-interrupt
 * delivery no TPR-below-threshold exit occurs). Off: hv's own controls,
 * CR8 exiting, and the APIC-access page still makes every access exit.
 */
void vmx_apicv_update(struct vcpu *v, bool force)
{
	bool on = wanted(v);
	uint32_t proc2 = vmx_caps.proc2_pc |
			 (v->part->arch.apic_access_pa ?
				  PROC2_VIRTUALIZE_APIC_ACCESSES : 0);

	if (!force && on == v->arch.apicv)
		return;
	v->arch.proc = vmx_caps.proc;
	if (on) {
		v->arch.proc = (vmx_caps.proc | PROC_USE_TPR_SHADOW) &
			       ~(PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING);
		proc2 |= APICV_PROC2;
		vmcs_write64(VMCS_VIRTUAL_APIC_ADDR, v->arch.vapic_pa);
		vmcs_write32(VMCS_TPR_THRESHOLD, 0);
		v->apic.vid_dirty = true;
	}
	vmcs_write32(VMCS_PROC_BASED_CTLS,
		     v->arch.proc |
			     (v->arch.window_exiting ? PROC_INTERRUPT_WINDOW_EXITING : 0) |
			     (v->arch.nmi & VCPU_NMI_WINDOW ? PROC_NMI_WINDOW_EXITING : 0));
	vmcs_write32(VMCS_PROC_BASED_CTLS2, proc2);
	v->arch.apicv = on;
	if (on)
		vmx_apicv_entry(v);
}

/*
 * SDM "APIC-Write VM Exits": trap-like, the instruction done and the
 * data in the virtual-APIC page at the offset the qualification gives;
 * the model takes it from there as the write it is (an ICR write sends,
 * an LVT write is masked), and writes its registers back into the page.
 */
enum exit_action handle_apic_write(struct vcpu *v, struct exit_ctx *e)
{
	uint32_t offset = (uint32_t)(e->qual & 0xff0);

	if (!v->arch.apicv)
		return stop(v, e, "APIC-write exit without APIC virtualization");
	if (vlapic_mmio_write(v, offset, rdtsc(), VLAPIC_REG(&v->apic, offset)))
		return stop(v, e, "APIC-write exit outside xAPIC mode");
	return EXIT_RETRY;
}

/* SDM "EOI Virtualization": the CPU has ended the vector's service and
 * exits after it, trap-like, for a vector of the EOI-exit bitmap. */
enum exit_action handle_virtual_eoi(struct vcpu *v, struct exit_ctx *e)
{
	if (!v->arch.apicv)
		return stop(v, e, "EOI-induced exit without APIC virtualization");
	vlapic_virtual_eoi(&v->apic, (int)(e->qual & 0xff));
	return EXIT_RETRY;
}
