// SPDX-License-Identifier: MIT
/*
 * Event delivery: exceptions hv raises in a guest, exceptions it
 * reflects, the virtual APIC's interrupts, and the event an exit cut off
 * in the middle of its delivery, merged with a new one as a CPU would.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx_decode.h"
#include "arch/x86/vmx_events.h"
#include "arch/x86/vmx_exit_ctx.h"
#include "hv/log.h"
#include "hv/upcall.h"

/* Out of the common path: a guest single-stepping over an instruction
 * hv completed gets the trap a CPU would raise after it. */
void __attribute__((noinline, cold)) step_trap_pending(uint64_t rflags)
{
	uint64_t dbg = vmcs_read_nat(VMCS_GUEST_PENDING_DBG_EXCEPTIONS);

	dbg = vmx_pending_dbg_after_step(dbg, rflags,
					 vmcs_read64(VMCS_GUEST_IA32_DEBUGCTL));
	vmcs_write_nat(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, dbg);
}

/*
 * SDM "Checks on VM-Entry Control Fields": with unrestricted guest and
 * CR0.PE 0, an injected event must not deliver an error code; real mode
 * pushes none. Only a pc vCPU (unrestricted guest) is ever in real mode.
 */
static bool real_mode(const struct vcpu *v)
{
	return v->arch.pc && !(vmcs_read_nat(VMCS_GUEST_CR0) & CR0_PE);
}

/* Queues a hardware exception for the next VM entry. */
enum exit_action inject(struct vcpu *v, uint8_t vector, bool has_error,
			       uint32_t error)
{
	uint32_t info;

	if (unlikely(has_error) && real_mode(v))
		has_error = false;
	info = vector | INTR_TYPE_HW_EXCEPTION |
			(has_error ? INTR_INFO_DELIVER_ERROR_CODE : 0) |
			INTR_INFO_VALID;

	vmcs_write32(VMCS_ENTRY_INTR_INFO, info);
	if (has_error)
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR_CODE, error);
	stats_injected(v->stats, vector);
	return EXIT_RETRY;
}

enum exit_action inject_ud(struct vcpu *v, struct exit_ctx *e)
{
	(void)e;
	return inject(v, VECTOR_UD, false, 0);
}

enum exit_action inject_gp(struct vcpu *v)
{
	return inject(v, VECTOR_GP, true, 0);
}

/*
 * A #DB that exited instead of reaching the guest: hv makes the guest's
 * DR6 what the CPU would have made it, clears DR7.GD for a general
 * detect as delivery does, and delivers it. The guest's DR6 is the live
 * one while its vCPU is loaded (guest_state_load). ICEBP (INT1) is a
 * privileged software exception and is delivered as one, with its
 * length, and leaves DR6 alone.
 */
enum exit_action reflect_db(struct vcpu *v, struct exit_ctx *e,
				   uint32_t info)
{
	uint64_t dr6, dr7, pending;

	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_PRIV_SW_EXCEPTION) {
		vmcs_write32(VMCS_ENTRY_INTR_INFO,
			     VECTOR_DB | INTR_TYPE_PRIV_SW_EXCEPTION |
				     INTR_INFO_VALID);
		vmcs_write32(VMCS_ENTRY_INSTR_LEN,
			     vmcs_read32(VMCS_EXIT_INSTR_LEN));
		stats_injected(v->stats, VECTOR_DB);
		return EXIT_RETRY;
	}
	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	dr6 = vmx_db_dr6(dr6, e->qual);
	__asm__ volatile("mov %0, %%dr6" : : "r"(dr6));
	if (e->qual & (1ull << 13)) { /* BD: general detect */
		dr7 = vmcs_read_nat(VMCS_GUEST_DR7);
		vmcs_write_nat(VMCS_GUEST_DR7, dr7 & ~(1ull << 13));
	}
	/*
	 * The exception now carries what was pending. But a #DB in an STI
	 * or MOV-SS shadow (TF set before STI) leaves the blocking in the
	 * guest's state on a real CPU, and the entry then checks the BS
	 * rule all the same: BS must stay set while TF is (SDM "Checks on
	 * Guest Non-Register State"). Bochs saves no blocking there.
	 */
	pending = 0;
	if (unlikely(vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) &
		     (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)))
		pending = vmx_pending_dbg_after_step(
			0, vmcs_read_nat(VMCS_GUEST_RFLAGS),
			vmcs_read64(VMCS_GUEST_IA32_DEBUGCTL));
	vmcs_write_nat(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, pending);
	return inject(v, VECTOR_DB, false, 0);
}

/*
 * The exit cut off an event's delivery, and its handler injected another:
 * SDM Vol. 3C, "Reflecting Exceptions to Guest Software". Two faults
 * that make a double fault become #DF; one during a #DF's delivery is
 * the guest's triple fault. Otherwise the new event goes first, and the
 * original is not lost: an exception comes back when its instruction
 * runs again, an interrupt from the virtual APIC goes back to requested
 * and an NMI to pending, for deliver_events to inject when the guest
 * can take it.
 */
enum exit_action merge_events(struct vcpu *v, struct exit_ctx *e)
{
	uint32_t orig = v->arch.reinject_info;
	uint32_t intr = vmcs_read32(VMCS_ENTRY_INTR_INFO);

	if (!(intr & INTR_INFO_VALID))
		return EXIT_RETRY; /* deliver_events delivers it again */
	switch (vmx_merge_events(orig, intr)) {
	case MERGE_TRIPLE_FAULT:
		v->arch.reinject_info = 0;
		if (v->part->platform == HV_PLATFORM_PC)
			return partition_reset(v, "a triple fault (an exception while delivering #DF)") ?
				       EXIT_POWEROFF :
				       EXIT_STOP;
		return stop(v, e, "triple fault (an exception while delivering #DF)");
	case MERGE_DOUBLE_FAULT:
		v->arch.reinject_info = 0;
		return inject(v, VECTOR_DF, true, 0);
	case MERGE_SERIAL:
		break;
	}
	/*
	 * A kept event goes back to pending rather than staying for a later
	 * entry: by then the guest has run the new event's handler, and may
	 * sit in an STI or MOV-SS shadow or with IF clear, which forbid or
	 * hold off its injection (SDM "Checks on Guest Non-Register State").
	 * deliver_events injects it again when those allow. An NMI whose
	 * delivery was cut off has no handler running: the vCPU is not in
	 * the guest's NMI handler.
	 */
	if (vmx_event_kept(orig)) {
		if ((orig & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI)
			v->arch.nmi = (uint8_t)((v->arch.nmi & ~VCPU_NMI_GUEST) |
						VCPU_NMI_PENDING);
		else
			vlapic_unaccept(&v->apic,
					(int)(orig & INTR_INFO_VECTOR_MASK));
	}
	v->arch.reinject_info = 0;
	return EXIT_RETRY;
}

/* The vCPU remembers the controls' state, which saves a VMREAD on the
 * path every exit takes. */
static void set_window_exiting(struct vcpu *v, bool irq, bool nmi)
{
	if (irq == v->arch.window_exiting &&
	    nmi == !!(v->arch.nmi & VCPU_NMI_WINDOW))
		return;
	vmcs_write32(VMCS_PROC_BASED_CTLS,
		     v->arch.proc | (irq ? PROC_INTERRUPT_WINDOW_EXITING : 0) |
			     (nmi ? PROC_NMI_WINDOW_EXITING : 0));
	v->arch.window_exiting = irq;
	v->arch.nmi = (uint8_t)((v->arch.nmi & ~VCPU_NMI_WINDOW) |
				(nmi ? VCPU_NMI_WINDOW : 0));
}

/*
 * An NMI IPI for a pc vCPU: injected when nothing blocks it (SDM
 * "Interruptibility State": blocking by NMI, which with virtual NMIs is
 * the guest's own handler not yet returned by IRET, by MOV SS and, as
 * VM entry demands for an NMI, by STI). Else it waits for the NMI window.
 * True when it went into the entry field.
 */
static bool deliver_nmi(struct vcpu *v)
{
	uint32_t state = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);

	if (state & (INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_MOV_SS |
		     INTERRUPTIBILITY_STI))
		return false;
	vmcs_write32(VMCS_ENTRY_INTR_INFO,
		     2 | INTR_TYPE_NMI | INTR_INFO_VALID);
	v->arch.nmi = (uint8_t)((v->arch.nmi & ~VCPU_NMI_PENDING) |
				VCPU_NMI_GUEST);
	stats_injected(v->stats, 2);
	return true;
}

/*
 * Chooses the event for the next entry: first an event an exit cut off,
 * then anything a handler injected, then an NMI IPI, then the virtual
 * APIC's highest pending vector if the guest can take an interrupt now
 * (RFLAGS.IF and no STI or MOV-SS shadow). Otherwise interrupt-window
 * (or NMI-window) exiting brings the vCPU back as soon as it can. IPIs
 * posted from other CPUs are drained into the model first.
 */
void deliver_events(struct vcpu *v, uint64_t now)
{
	uint32_t intr;
	int vector;

	/* The APIC's mode decides who delivers: a pc vCPU's last exit may
	 * have moved it in or out of xAPIC mode. With APIC virtualization the
	 * CPU may have delivered requested vectors itself. */
	if (unlikely(v->arch.pc)) {
		vmx_apicv_update(v, false);
		if (v->arch.apicv)
			vlapic_rescan(&v->apic);
	}
	/*
	 * Most exits have nothing to deliver: no event to deliver again, no
	 * vector requested in the virtual APIC, its timer not yet due, no
	 * IPI posted, and the window exits already off. Then everything
	 * below would leave the VMCS as it is, and the VMREADs are skipped.
	 */
	if (!(v->arch.reinject_info & INTR_INFO_VALID) && !v->arch.window_exiting &&
	    !v->arch.nmi && !__atomic_load_n(&v->inbox.any, __ATOMIC_RELAXED) &&
	    vlapic_quiet(&v->apic, now) &&
	    !(v->arch.apicv && v->apic.vid_dirty))
		return;
	if (apic_drain(v))
		v->arch.nmi |= VCPU_NMI_PENDING;
	intr = vmcs_read32(VMCS_ENTRY_INTR_INFO);
	if (v->arch.reinject_info & INTR_INFO_VALID) {
		uint32_t type = v->arch.reinject_info & INTR_INFO_TYPE_MASK;

		if (!(intr & INTR_INFO_VALID)) {
			/* Bits 30:12 of the exit format are not entry bits. */
			intr = v->arch.reinject_info & ~0x7ffff000u;
			intr |= INTR_INFO_VALID;
			/* The mode cannot have changed since the event began,
			 * but the entry check is the field's, so keep it. */
			if (real_mode(v))
				intr &= ~INTR_INFO_DELIVER_ERROR_CODE;
			vmcs_write32(VMCS_ENTRY_INTR_INFO, intr);
			vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR_CODE,
				     v->arch.reinject_error);
			if (type == INTR_TYPE_SW_INTERRUPT ||
			    type == INTR_TYPE_PRIV_SW_EXCEPTION ||
			    type == INTR_TYPE_SW_EXCEPTION)
				vmcs_write32(VMCS_ENTRY_INSTR_LEN,
					     v->arch.reinject_len);
			v->arch.reinject_info = 0;
		}
		/* Else the entry field already holds an event: this one
		 * waits for the entry after it. */
	}
	/* The guest's NMI handler has returned (IRET ended the virtual-NMI
	 * blocking): the NMI window's exit brings the vCPU here for it. */
	if (unlikely(v->arch.nmi & VCPU_NMI_GUEST) &&
	    !(vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) & INTERRUPTIBILITY_NMI))
		v->arch.nmi &= (uint8_t)~VCPU_NMI_GUEST;
	if (unlikely(v->arch.nmi & VCPU_NMI_PENDING) && !(intr & INTR_INFO_VALID) &&
	    deliver_nmi(v))
		intr = INTR_INFO_VALID;
	vlapic_tick(&v->apic, now);
	if (v->arch.apicv) {
		/* The CPU delivers through RVI as soon as the guest can take
		 * it (SDM "Evaluation of Pending Virtual Interrupts"), so no
		 * interrupt-window exit is needed. */
		vmx_apicv_entry(v);
		set_window_exiting(v, false,
				   (v->arch.nmi & (VCPU_NMI_PENDING | VCPU_NMI_GUEST)) &&
					   vmx_caps.nmi_window);
		return;
	}
	vector = vlapic_pending(&v->apic);
	if (vector >= 0 && !(intr & INTR_INFO_VALID) &&
	    (vmcs_read_nat(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	    !(vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) &
	      (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))) {
		vmcs_write32(VMCS_ENTRY_INTR_INFO,
			     (uint32_t)vector | INTR_TYPE_EXTERNAL_INTERRUPT |
				     INTR_INFO_VALID);
		vlapic_accept(&v->apic, vector);
		vector = vlapic_pending(&v->apic);
		intr = INTR_INFO_VALID;
	}
	/* NMI-window exiting also while a guest NMI's handler runs: its
	 * exit says when the handler's IRET ended the blocking. */
	set_window_exiting(v, vector >= 0,
			   (v->arch.nmi & (VCPU_NMI_PENDING | VCPU_NMI_GUEST)) &&
				   vmx_caps.nmi_window);
}
