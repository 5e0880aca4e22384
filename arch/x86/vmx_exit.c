// SPDX-License-Identifier: MIT
/*
 * Running a vCPU and handling its VM exits. Each exit is decoded here into
 * a neutral question for hv/policy.c (a port, an MSR, a CPUID leaf, a
 * hypercall); the answer is applied here.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/crcheck.h"
#include "arch/x86/lapic.h"
#include "arch/x86/mce.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/vmcheck_hv.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmx.h"
#include "arch/x86/vmx_decode.h"
#include "arch/x86/vmx_events.h"
#include "arch/x86/vmx_exit.h"
#include "arch/x86/vmx_names.h"
#include "arch/x86/vmx_vcpu.h"
#include "hv/log.h"
#include "hv/partition.h"
#include "hv/policy.h"
#include "hv/stats.h"
#include "hv/trace.h"
#include "hv/vlapic.h"
#include "lib/compiler.h"

/*
 * What a handler asks for. The contract: a handler that completed the
 * instruction returns NEXT (or YIELD, or POWEROFF, which also complete
 * it), and RIP is advanced in exactly one place, the loop in
 * vcpu_arch_run(); one that injected an event, or must see the
 * instruction again, returns RETRY; PREEMPTED ends the time slice without
 * completing anything; one that stopped the partition has already filed
 * the report and returns STOP.
 */
enum exit_action {
	EXIT_NEXT,
	EXIT_RETRY,
	EXIT_STOP,
	EXIT_POWEROFF,
	EXIT_PREEMPTED, /* the time slice is over: another vCPU's turn */
	EXIT_YIELD, /* completed, and the vCPU gives up the rest of its slice */
};

struct exit_ctx {
	uint32_t reason; /* basic exit reason */
	uint64_t qual; /* 0 for CPUID and VMCALL, which vcpu_arch_run handles */
};

typedef enum exit_action (*exit_handler)(struct vcpu *v, struct exit_ctx *e);

#define VECTOR_UD 6

/* Out of the common path: a guest single-stepping over an instruction
 * hv completed gets the trap a CPU would raise after it. */
static void __attribute__((noinline, cold)) step_trap_pending(uint64_t rflags)
{
	uint64_t dbg = vmcs_read_nat(VMCS_GUEST_PENDING_DBG_EXCEPTIONS);

	dbg = vmx_pending_dbg_after_step(dbg, rflags,
					 vmcs_read64(VMCS_GUEST_IA32_DEBUGCTL));
	if (!vmcs_write_nat(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, dbg))
		panic("VMWRITE of the pending debug exceptions failed");
}

/*
 * Completes the instruction that exited: the one place RIP advances. A
 * guest single-stepping with RFLAGS.TF expects the #DB trap after it, as
 * a CPU raises after an instruction it runs itself: it is left pending
 * in the pending-debug-exceptions field, for the entry to deliver.
 */
static inline __attribute__((always_inline)) void advance_rip(void)
{
	uint64_t rip = vmcs_read_nat(VMCS_GUEST_RIP);
	/* VMREAD zero-extends a 32-bit field: no cast needed. */
	uint64_t len = vmcs_read_width(VMCS_EXIT_INSTR_LEN, VMCS_WIDTH_32);
	uint64_t rflags = vmcs_read_nat(VMCS_GUEST_RFLAGS);

	/*
	 * An emulated instruction ends any STI or MOV SS shadow, and no other
	 * interruptibility bit is ever set in a guest of hv's: blocking by
	 * SMI needs the dual-monitor treatment, by an enclave interruption
	 * SGX, both hidden, and hv gives no guest an NMI (the NMI exit clears
	 * the blocking Bochs saves). So the field is written 0, without a
	 * VMREAD to see whether it needs it.
	 */
	if (!vmcs_write_nat(VMCS_GUEST_RIP, rip + len) ||
	    !vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0))
		panic("VMWRITE of guest RIP or interruptibility failed");
	if (unlikely(rflags & RFLAGS_TF))
		step_trap_pending(rflags);
}

/*
 * Everything of the guest CPU that the VMCS does not switch (hv/vcpu.h)
 * goes onto the real CPU before the vCPU runs, and back into the vCPU
 * after: the SYSCALL MSRs, KERNEL_GS_BASE, TSC_AUX, DR0-DR3, DR6, XCR0
 * and the x87/SSE/AVX state. hv itself uses none of them, so they stay
 * the guest's until the next vCPU's are loaded over them.
 */
/* Queues a hardware exception for the next VM entry. */
static enum exit_action inject(struct vcpu *v, uint8_t vector, bool has_error,
			       uint32_t error)
{
	uint32_t info = vector | INTR_TYPE_HW_EXCEPTION |
			(has_error ? INTR_INFO_DELIVER_ERROR_CODE : 0) |
			INTR_INFO_VALID;
	bool ok = vmcs_write32(VMCS_ENTRY_INTR_INFO, info);

	if (has_error)
		ok &= vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR_CODE, error);
	if (!ok)
		panic("VMWRITE of an event injection failed");
	stats_injected(v->stats, vector);
	return EXIT_RETRY;
}

static enum exit_action inject_ud(struct vcpu *v, struct exit_ctx *e)
{
	(void)e;
	return inject(v, VECTOR_UD, false, 0);
}

static enum exit_action inject_gp(struct vcpu *v)
{
	return inject(v, VECTOR_GP, true, 0);
}

/* The register an exit qualification names: 0 RAX ... 15 R15 (SDM order). */
static uint64_t *gpr(struct vcpu *v, unsigned n)
{
	uint64_t *const regs[16] = {
		&v->regs.rax, &v->regs.rcx, &v->regs.rdx, &v->regs.rbx,
		NULL /* RSP lives in the VMCS */, &v->regs.rbp, &v->regs.rsi,
		&v->regs.rdi, &v->regs.r8, &v->regs.r9, &v->regs.r10,
		&v->regs.r11, &v->regs.r12, &v->regs.r13, &v->regs.r14,
		&v->regs.r15,
	};

	return regs[n & 15];
}

static uint64_t gpr_read(struct vcpu *v, unsigned n)
{
	uint64_t *r = gpr(v, n);

	return r ? *r : vmcs_read_nat(VMCS_GUEST_RSP);
}

static void gpr_write(struct vcpu *v, unsigned n, uint64_t val)
{
	uint64_t *r = gpr(v, n);

	if (r)
		*r = val;
	else if (!vmcs_write_nat(VMCS_GUEST_RSP, val))
		panic("VMWRITE of guest RSP failed");
}

static unsigned guest_cpl(void)
{
	/* SS.DPL is the CPL (SDM "Checks on Guest Segment Registers"). */
	return (vmcs_read32(VMCS_GUEST_SS_AR) >> 5) & 3;
}

/*
 * SDM "Relative Priority of Faults and VM Exits": a fault based on the
 * privilege level comes before the exit of RDMSR, WRMSR, MOV CR, HLT,
 * INVD, WBINVD and XSETBV on a CPU. Bochs 2.7 takes some of those exits
 * first, so hv checks the CPL itself and raises the #GP(0) a CPU would.
 */
static inline bool user_mode(void)
{
	/* SS.DPL, bits 6:5 of its access rights, tested in place. */
	return unlikely(vmcs_read32(VMCS_GUEST_SS_AR) & (3u << 5));
}

static enum exit_action stop(struct vcpu *v, struct exit_ctx *e,
			     const char *what)
{
	vcpu_fault(v, "%s (exit %s, qualification 0x%lx) at rip 0x%lx",
			what, vmx_exit_reason_name(e->reason), e->qual,
			vmcs_read_nat(VMCS_GUEST_RIP));
	return EXIT_STOP;
}

/*
 * A #DB that exited instead of reaching the guest: hv makes the guest's
 * DR6 what the CPU would have made it, clears DR7.GD for a general
 * detect as delivery does, and delivers it. The guest's DR6 is the live
 * one while its vCPU is loaded (guest_state_load). ICEBP (INT1) is a
 * privileged software exception and is delivered as one, with its
 * length, and leaves DR6 alone.
 */
static enum exit_action reflect_db(struct vcpu *v, struct exit_ctx *e,
				   uint32_t info)
{
	uint64_t dr6, dr7, pending;
	bool ok = true;

	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_PRIV_SW_EXCEPTION) {
		ok &= vmcs_write32(VMCS_ENTRY_INTR_INFO,
				   VECTOR_DB | INTR_TYPE_PRIV_SW_EXCEPTION |
					   INTR_INFO_VALID);
		ok &= vmcs_write32(VMCS_ENTRY_INSTR_LEN,
				   vmcs_read32(VMCS_EXIT_INSTR_LEN));
		if (!ok)
			panic("VMWRITE of an ICEBP reflection failed");
		stats_injected(v->stats, VECTOR_DB);
		return EXIT_RETRY;
	}
	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	dr6 = vmx_db_dr6(dr6, e->qual);
	__asm__ volatile("mov %0, %%dr6" : : "r"(dr6));
	if (e->qual & (1ull << 13)) { /* BD: general detect */
		dr7 = vmcs_read_nat(VMCS_GUEST_DR7);
		if (!vmcs_write_nat(VMCS_GUEST_DR7, dr7 & ~(1ull << 13)))
			panic("VMWRITE of guest DR7 failed");
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
	if (!vmcs_write_nat(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, pending))
		panic("VMWRITE of the pending debug exceptions failed");
	return inject(v, VECTOR_DB, false, 0);
}

/*
 * A machine check while the guest ran, or during its VM entry (exit
 * reason 41). SDM "Machine-Check Events" in VMX non-root: the guest
 * state saved may be suspect; IA32_MCG_STATUS says whether the guest's
 * context survived (arch/x86/mce.h).
 */
static enum exit_action machine_check(struct vcpu *v, struct exit_ctx *e)
{
	switch (mce_handle(true)) {
	case MCE_RESUME:
		return EXIT_RETRY;
	case MCE_STOP_GUEST:
		return stop(v, e, "machine check in its context");
	case MCE_PANIC:
		break;
	}
	panic("machine check on cpu %u while %s ran: processor context corrupt",
	      this_cpu()->index, v->part->name);
}

static enum exit_action handle_exception_nmi(struct vcpu *v,
					     struct exit_ctx *e)
{
	uint32_t info = vmcs_read32(VMCS_EXIT_INTR_INFO);

	/*
	 * An NMI arrived while the guest ran: it is hv's IPI, never the
	 * guest's. The exit left NMIs blocked on this CPU, which may idle
	 * next: an IRET ends that. Bochs also saves the guest's state as
	 * blocked by NMI, which the next entry would load into the guest,
	 * and a guest that never executes IRET would then keep hv's NMIs out
	 * of this CPU for good; hv never gives a guest an NMI, so the guest
	 * is never blocked by one.
	 */
	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI) {
		uint32_t state = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);

		smp_nmi(vmcs_read_nat(VMCS_GUEST_RIP), true);
		if ((state & INTERRUPTIBILITY_NMI) &&
		    !vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY,
				  state & ~INTERRUPTIBILITY_NMI))
			panic("VMWRITE of the guest interruptibility failed");
		cpu_unblock_nmi();
		return EXIT_RETRY;
	}
	switch (info & INTR_INFO_VECTOR_MASK) {
	case VECTOR_DB:
		return reflect_db(v, e, info);
	case VECTOR_AC:
		/* Only a CPL-3 access can raise it; its error code is 0. */
		return inject(v, VECTOR_AC, true,
			      vmcs_read32(VMCS_EXIT_INTR_ERROR_CODE));
	case VECTOR_MC:
		return machine_check(v, e);
	}
	/* Nothing else is in the exception bitmap (EXCEPTION_BITMAP_HV). */
	return stop(v, e, "unexpected exception exit");
}

static enum exit_action handle_external_interrupt(struct vcpu *v,
						  struct exit_ctx *e)
{
	uint32_t info = vmcs_read32(VMCS_EXIT_INTR_INFO);

	(void)v;
	(void)e;
	/* Acknowledged on exit, so it is hv's to end: none is expected yet. */
	host_interrupt(info & 0xff);
	return EXIT_RETRY;
}

static enum exit_action handle_triple_fault(struct vcpu *v, struct exit_ctx *e)
{
	return stop(v, e, "triple fault");
}

static enum exit_action handle_init(struct vcpu *v, struct exit_ctx *e)
{
	return stop(v, e, "INIT signal");
}

static enum exit_action handle_sipi(struct vcpu *v, struct exit_ctx *e)
{
	(void)v;
	(void)e;
	return EXIT_RETRY; /* only meaningful in wait-for-SIPI */
}

/*
 * SDM "Guest/Host Masks and Read Shadows for CR0 and CR4": the guest owns
 * the bits clear in the mask, which live in GUEST_CR4; for the bits hv
 * owns, the guest's own value is the read shadow.
 */
uint64_t vcpu_arch_guest_cr4(const struct vcpu *v)
{
	uint64_t mask = vmcs_read_nat(VMCS_CR4_GUEST_HOST_MASK);

	(void)v; /* its VMCS is the current one */
	return (vmcs_read_nat(VMCS_GUEST_CR4) & ~mask) |
	       (vmcs_read_nat(VMCS_CR4_READ_SHADOW) & mask);
}

static enum exit_action handle_cpuid(struct vcpu *v, struct exit_ctx *e)
{
	struct cpuid_regs *r = &v->regs.cpuid;
	uint32_t leaf = (uint32_t)r->eax, sub = (uint32_t)r->ecx;

	(void)e;
	/* In 64-bit mode CPUID clears bits 63:32 of all four registers. */
	__asm__ volatile("cpuid"
			 : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			 : "a"(leaf), "c"(sub));
	policy_cpuid(v, leaf, sub, r);
	return EXIT_NEXT;
}

static enum exit_action handle_hlt(struct vcpu *v, struct exit_ctx *e)
{
	uint64_t now = rdtsc(), wake;

	(void)e;
	if (user_mode())
		return inject_gp(v);
	/*
	 * HLT completes now and the vCPU sleeps until its virtual timer
	 * fires; the interrupt is then delivered after the HLT, as on a
	 * real CPU. With interrupts off, or no timer armed, nothing can ever
	 * wake it: the partition has ended on its own terms, not faulted.
	 */
	if (!(vmcs_read_nat(VMCS_GUEST_RFLAGS) & RFLAGS_IF)) {
		vcpu_halted(v, "halted with interrupts off");
		return EXIT_STOP;
	}
	vlapic_tick(&v->apic, now);
	if (vlapic_pending(&v->apic) >= 0)
		return EXIT_NEXT;
	wake = vlapic_next_deadline(&v->apic);
	if (!wake) {
		vcpu_halted(v, "halted with nothing to wake it");
		return EXIT_STOP;
	}
	v->blocked_until = wake;
	return EXIT_YIELD;
}

static enum exit_action handle_vmcall(struct vcpu *v, struct exit_ctx *e)
{
	enum hypercall_effect effect;

	(void)e;
	/* VMCALL exits from any ring: only the guest kernel may call. */
	if (user_mode())
		return inject(v, VECTOR_UD, false, 0);
	effect = hypercall(v);
	if (effect == HC_CONTINUE)
		return EXIT_NEXT;
	return effect == HC_YIELD ? EXIT_YIELD : EXIT_POWEROFF;
}

/*
 * A MOV to CR0 or CR4 (or an LMSW) that changes a bit hv owns. The
 * checks are the instruction's own (arch/x86/crcheck.h); the guest's
 * value goes to the read shadow and the CPU's is derived from it. The
 * VMWRITE does not flush what the TLB holds for the vCPU as the MOV
 * would when paging bits change, so hv drops the vCPU's translations
 * itself (SDM "Invalidation of TLBs and Paging-Structure Caches").
 */
static enum exit_action cr_write(struct vcpu *v, unsigned cr, uint64_t val)
{
	uint32_t field = cr == 0 ? VMCS_GUEST_CR0 : VMCS_GUEST_CR4;
	uint64_t real, old;

	if (cr == 0) {
		if (cr0_write_faults(val, vcpu_arch_guest_cr4(v)))
			return inject_gp(v);
		val = cr0_written(val);
		real = vmx_guest_cr0(val);
		if (!vmcs_write_nat(VMCS_CR0_READ_SHADOW, val))
			panic("VMWRITE of the CR0 read shadow failed");
	} else {
		old = vcpu_arch_guest_cr4(v);
		if (cr4_write_faults(val, old, vmcs_read_nat(VMCS_GUEST_CR3),
				     vmx_caps.cr4_fixed1))
			return inject_gp(v);
		real = vmx_guest_cr4(val);
		if (!vmcs_write_nat(VMCS_CR4_READ_SHADOW, val))
			panic("VMWRITE of the CR4 read shadow failed");
	}
	if (real != vmcs_read_nat(field)) {
		if (!vmcs_write_nat(field, real))
			panic("VMWRITE of guest CR%u failed", cr);
		if (vmx_invvpid(INVVPID_SINGLE_CONTEXT, v->vpid, 0) != VMX_OK)
			panic("INVVPID after a guest CR%u write failed", cr);
	}
	return EXIT_NEXT;
}

static enum exit_action handle_cr_access(struct vcpu *v, struct exit_ctx *e)
{
	struct cr_exit c;
	uint8_t before, after;

	if (!vmx_decode_cr(e->qual, &c))
		return stop(v, e, "undecodable control-register access");
	if (user_mode())
		return inject_gp(v);
	if (c.cr == 8 && c.type == CR_ACCESS_MOV_TO) {
		uint64_t val = gpr_read(v, c.gpr);

		/* SDM "MOV-Move to/from Control Registers": bits 63:4 are
		 * reserved and setting one is #GP(0). */
		if (val & ~15ull)
			return inject_gp(v);
		before = (uint8_t)read_cr8();
		vlapic_set_cr8(&v->apic, val);
		after = (uint8_t)read_cr8();
		policy_cr8_written(v, (uint8_t)val, before, after);
		return EXIT_NEXT;
	}
	if (c.cr == 8 && c.type == CR_ACCESS_MOV_FROM) {
		gpr_write(v, c.gpr, vlapic_get_cr8(&v->apic));
		return EXIT_NEXT;
	}
	if ((c.cr == 0 || c.cr == 4) && c.type == CR_ACCESS_MOV_TO)
		return cr_write(v, c.cr, gpr_read(v, c.gpr));
	if (c.type == CR_ACCESS_LMSW) {
		/* LMSW: only its low four bits, and it cannot clear PE. */
		uint64_t shadow = vmcs_read_nat(VMCS_CR0_READ_SHADOW);

		return cr_write(v, 0, (shadow & ~0xeull) | (c.lmsw_src & 0xf) |
					      (shadow & 1));
	}
	return stop(v, e, "unexpected control-register access");
}

static enum exit_action handle_io(struct vcpu *v, struct exit_ctx *e)
{
	struct io_exit io;
	uint32_t value;

	if (!vmx_decode_io(e->qual, &io))
		return stop(v, e, "undecodable I/O instruction");
	/*
	 * String I/O would need the guest's page tables walked for its
	 * buffer; hv refuses it with #GP(0), as docs/architecture.md says.
	 */
	if (io.string) {
		stat_add_shared(&v->part->refused.io, 1);
		return inject_gp(v);
	}
	value = io.in ? 0 : (uint32_t)v->regs.rax;
	policy_io(v, io.port, io.size, io.in, &value);
	if (io.in) {
		if (io.size == 4)
			v->regs.rax = value; /* a 32-bit write zero-extends */
		else if (io.size == 2)
			v->regs.rax = (v->regs.rax & ~0xffffull) | (value & 0xffff);
		else
			v->regs.rax = (v->regs.rax & ~0xffull) | (value & 0xff);
	}
	return EXIT_NEXT;
}

static enum exit_action handle_rdmsr(struct vcpu *v, struct exit_ctx *e)
{
	uint64_t value;

	(void)e;
	if (user_mode() || policy_rdmsr(v, (uint32_t)v->regs.rcx, &value))
		return inject_gp(v);
	v->regs.rax = (uint32_t)value;
	v->regs.rdx = value >> 32;
	return EXIT_NEXT;
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* SDM "IA32_PAT MSR": each entry is UC, WC, WT, WP, WB or UC-. */
static bool valid_pat(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (8 * i));

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/*
 * A write to an MSR the guest owns. The value goes to the vCPU's own copy
 * (its VMCS guest-state field, or hv's copy that is loaded while it runs);
 * values the CPU would refuse, and changes to the 64-bit mode hv gives
 * every guest, are #GP. Then the host's own value, which the VM exit
 * loaded from the host-state area, is read back: were it the guest's, hv
 * itself would now run with it.
 */
static enum exit_action guest_msr_write(struct vcpu *v, uint32_t msr,
					uint64_t value)
{
	uint32_t field = 0;
	uint64_t host = 0;
	bool ok = true;

	switch (msr) {
	case 0xc0000080: /* EFER: only SCE and NXE are the guest's to change */
		if ((value & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) ||
		    !(value & EFER_LME))
			return inject_gp(v);
		value |= EFER_LMA;
		field = VMCS_GUEST_IA32_EFER;
		host = vmcs_read64(VMCS_HOST_IA32_EFER);
		break;
	case 0x277: /* PAT */
		if (!valid_pat(value))
			return inject_gp(v);
		field = VMCS_GUEST_IA32_PAT;
		host = vmcs_read64(VMCS_HOST_IA32_PAT);
		break;
	case 0x1d9: /* DEBUGCTL: LBR and BTF only; a VM exit clears it */
		if (value & ~3ull)
			return inject_gp(v);
		field = VMCS_GUEST_IA32_DEBUGCTL;
		break;
	case 0x174: /* SYSENTER_CS; the host's three are 0 */
		field = VMCS_GUEST_SYSENTER_CS;
		break;
	case 0x175:
	case 0x176:
		if (!canonical(value))
			return inject_gp(v);
		field = msr == 0x175 ? VMCS_GUEST_SYSENTER_ESP :
				       VMCS_GUEST_SYSENTER_EIP;
		break;
	case 0xc0000081: /* STAR */
		v->star = value;
		break;
	case 0xc0000082: /* LSTAR */
	case 0xc0000083: /* CSTAR */
		if (!canonical(value))
			return inject_gp(v);
		*(msr == 0xc0000082 ? &v->lstar : &v->cstar) = value;
		break;
	case 0xc0000084: /* SFMASK: bits 63:32 are reserved */
		if (value >> 32)
			return inject_gp(v);
		v->sfmask = value;
		break;
	default:
		panic("%s: no emulation of a write to audited MSR 0x%x",
		      v->part->name, msr);
	}
	if (field == VMCS_GUEST_SYSENTER_CS)
		ok = vmcs_write32(field, (uint32_t)value);
	else if (field == VMCS_GUEST_SYSENTER_ESP ||
		 field == VMCS_GUEST_SYSENTER_EIP)
		ok = vmcs_write_nat(field, value);
	else if (field)
		ok = vmcs_write64(field, value);
	else
		wrmsr(msr, value); /* hv's switched copy: live while it runs */
	if (!ok)
		panic("VMWRITE of guest MSR 0x%x failed", msr);
	if (field && rdmsr(msr) != host)
		panic("%s: the host's MSR 0x%x is 0x%lx, not its own 0x%lx, after a guest write",
		      v->part->name, msr, rdmsr(msr), host);
	policy_msr_audited(v, msr, value);
	return EXIT_NEXT;
}

static enum exit_action handle_wrmsr(struct vcpu *v, struct exit_ctx *e)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;

	(void)e;
	if (user_mode())
		return inject_gp(v);
	if (policy_msr_kind(msr) == MSR_GUEST_AUDITED)
		return guest_msr_write(v, msr, value);
	if (policy_wrmsr(v, msr, value))
		return inject_gp(v);
	return EXIT_NEXT;
}

static void print_vmcs_line(const char *line, void *ctx)
{
	(void)ctx;
	pr_err("  vmcs: %s", line);
}

/* Everything the VMCS holds, for failures the short dump cannot explain. */
static void dump_whole_vmcs(void)
{
	vmcs_dump(print_vmcs_line, NULL);
}

static enum exit_action handle_entry_failure(struct vcpu *v, struct exit_ctx *e)
{
	/* SDM "VM-Entry Failures During or After Loading Guest State": a
	 * machine check during the entry is not the guest state's fault. */
	if (e->reason == EXIT_REASON_ENTRY_FAIL_MACHINE_CHECK)
		return machine_check(v, e);
	/* An EIP that ran past 4 GiB: the CPU wraps it (vmcheck_hv.h). */
	if (e->reason == EXIT_REASON_ENTRY_FAIL_GUEST_STATE && vmcheck_rip_wrap(v))
		return EXIT_RETRY;
	stop(v, e,
	     e->reason == EXIT_REASON_ENTRY_FAIL_MSR_LOADING ?
		     "VM entry failed while loading MSRs" :
		     "VM entry failed: invalid guest state");
	dump_whole_vmcs();
	return EXIT_STOP;
}

static enum exit_action handle_ept_violation(struct vcpu *v,
					     struct exit_ctx *e)
{
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS);
	struct ept_exit ept;
	const char *access;

	vmx_decode_ept(e->qual, &ept);
	access = ept.fetch ? "execute" : ept.write ? "write" : "read";

	stat_add_shared(&v->part->refused.ept, 1);
	vcpu_fault(v,
			"EPT violation: %s of guest-physical 0x%lx, outside its RAM [0, 0x%lx) (qualification 0x%lx) at rip 0x%lx",
			access, gpa, v->part->ram_size, e->qual,
			vmcs_read_nat(VMCS_GUEST_RIP));
	return EXIT_STOP;
}

static enum exit_action handle_ept_misconfig(struct vcpu *v,
					     struct exit_ctx *e)
{
	(void)e;
	/* hv wrote every EPT entry: a misconfiguration is hv's bug. */
	panic("EPT misconfiguration in %s at guest-physical 0x%lx",
	      v->part->name, vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS));
}

static enum exit_action handle_preemption_timer(struct vcpu *v,
						struct exit_ctx *e)
{
	(void)e;
	/* It also fires for the virtual APIC timer inside the slice. */
	return rdtsc() < v->slice_end ? EXIT_RETRY : EXIT_PREEMPTED;
}

static enum exit_action handle_interrupt_window(struct vcpu *v,
						struct exit_ctx *e)
{
	(void)v;
	(void)e;
	return EXIT_RETRY; /* deliver_events() injects on the way back in */
}

static enum exit_action handle_xsetbv(struct vcpu *v, struct exit_ctx *e)
{
	uint64_t value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;

	(void)e;
	/*
	 * The SDM's XSETBV #GP conditions, all checked here so that hv's own
	 * XSETBV can never fault: CPL 0 only (a CPU checks it before the
	 * exit, Bochs after); only XCR0; x87 always on; nothing outside the
	 * components hv switches; AVX only with SSE; the AVX-512 trio (bits
	 * 7:5) all or none and only with AVX.
	 */
	if (user_mode() || (uint32_t)v->regs.rcx != 0 ||
	    !(value & XCR0_X87) || (value & ~vcpu_arch_xfeatures()) ||
	    ((value & XCR0_AVX) && !(value & XCR0_SSE)) ||
	    ((value & 0xe0) && ((value & 0xe0) != 0xe0 || !(value & XCR0_AVX))))
		return inject_gp(v);
	/* Every component's state is already the vCPU's own: it was loaded
	 * with hv's whole mask (guest_state_load). */
	v->xcr0 = value;
	xsetbv(value);
	return EXIT_NEXT;
}

static enum exit_action handle_cache_flush(struct vcpu *v, struct exit_ctx *e)
{
	/*
	 * INVD would discard other partitions' dirty lines and WBINVD lets a
	 * guest stall the machine; with write-back RAM neither is needed
	 * for correctness, so both complete as no-ops, at CPL 0.
	 */
	(void)e;
	return user_mode() ? inject_gp(v) : EXIT_NEXT;
}

/* RDPMC: no counters are offered; at CPL > 0 without CR4.PCE the
 * privilege #GP comes first, as on a CPU. */
static enum exit_action handle_rdpmc(struct vcpu *v, struct exit_ctx *e)
{
	(void)e;
	if (user_mode() && !(vcpu_arch_guest_cr4(v) & CR4_PCE))
		return inject_gp(v);
	return inject(v, VECTOR_UD, false, 0);
}

static enum exit_action handle_unexpected(struct vcpu *v, struct exit_ctx *e)
{
	return stop(v, e, "unhandled VM exit");
}

/* One handler per basic exit reason (SDM Vol. 3D, "Basic Exit Reasons"),
 * but CPUID and VMCALL: vcpu_arch_run calls those directly. */
static const exit_handler handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI] = handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW] = handle_interrupt_window,
	[EXIT_REASON_INIT] = handle_init,
	[EXIT_REASON_SIPI] = handle_sipi,
	[EXIT_REASON_HLT] = handle_hlt,
	[EXIT_REASON_INVD] = handle_cache_flush,
	[EXIT_REASON_RDPMC] = handle_rdpmc,
	/* GETSEC exits only with the guest's CR4.SMXE set, which hv
	 * refuses; with SMXE clear a CPU raises #UD itself. */
	[EXIT_REASON_GETSEC] = inject_ud,
	[EXIT_REASON_VMCLEAR] = inject_ud,
	[EXIT_REASON_VMLAUNCH] = inject_ud,
	[EXIT_REASON_VMPTRLD] = inject_ud,
	[EXIT_REASON_VMPTRST] = inject_ud,
	[EXIT_REASON_VMREAD] = inject_ud,
	[EXIT_REASON_VMRESUME] = inject_ud,
	[EXIT_REASON_VMWRITE] = inject_ud,
	[EXIT_REASON_VMXOFF] = inject_ud,
	[EXIT_REASON_VMXON] = inject_ud,
	[EXIT_REASON_CR_ACCESS] = handle_cr_access,
	[EXIT_REASON_IO_INSTRUCTION] = handle_io,
	[EXIT_REASON_RDMSR] = handle_rdmsr,
	[EXIT_REASON_WRMSR] = handle_wrmsr,
	[EXIT_REASON_ENTRY_FAIL_GUEST_STATE] = handle_entry_failure,
	[EXIT_REASON_ENTRY_FAIL_MSR_LOADING] = handle_entry_failure,
	[EXIT_REASON_ENTRY_FAIL_MACHINE_CHECK] = handle_entry_failure,
	[EXIT_REASON_MWAIT] = inject_ud,
	[EXIT_REASON_MONITOR] = inject_ud,
	[EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG] = handle_ept_misconfig,
	[EXIT_REASON_INVEPT] = inject_ud,
	[EXIT_REASON_PREEMPTION_TIMER] = handle_preemption_timer,
	[EXIT_REASON_INVVPID] = inject_ud,
	[EXIT_REASON_WBINVD] = handle_cache_flush,
	[EXIT_REASON_XSETBV] = handle_xsetbv,
	[EXIT_REASON_VMFUNC] = inject_ud,
};

/*
 * The exit cut off an event's delivery, and its handler injected another:
 * SDM Vol. 3C, "Reflecting Exceptions to Guest Software". Two faults
 * that make a double fault become #DF; one during a #DF's delivery is
 * the guest's triple fault. Otherwise the new event goes first, and the
 * original is not lost: an exception comes back when its instruction
 * runs again, an interrupt from the virtual APIC goes back to requested,
 * and anything else stays queued for a later entry (deliver_events).
 */
static enum exit_action merge_events(struct vcpu *v, struct exit_ctx *e)
{
	uint32_t orig = v->reinject_info;
	uint32_t intr = vmcs_read32(VMCS_ENTRY_INTR_INFO);

	if (!(intr & INTR_INFO_VALID))
		return EXIT_RETRY; /* deliver_events delivers it again */
	switch (vmx_merge_events(orig, intr)) {
	case MERGE_TRIPLE_FAULT:
		v->reinject_info = 0;
		return stop(v, e, "triple fault (an exception while delivering #DF)");
	case MERGE_DOUBLE_FAULT:
		v->reinject_info = 0;
		return inject(v, VECTOR_DF, true, 0);
	case MERGE_SERIAL:
		break;
	}
	if ((orig & INTR_INFO_TYPE_MASK) == INTR_TYPE_EXTERNAL_INTERRUPT) {
		vlapic_unaccept(&v->apic, (int)(orig & INTR_INFO_VECTOR_MASK));
		v->reinject_info = 0;
	} else if (!vmx_event_kept(orig)) {
		v->reinject_info = 0;
	}
	return EXIT_RETRY;
}

/*
 * Every exit but the two vcpu_arch_run handles itself. SDM "Information
 * for VM Exits That Occur During Event Delivery": an exit in the middle
 * of delivering an event loses it unless hv delivers it again on the next
 * entry. Only exits that are not caused by an instruction can be such an
 * exit, so CPUID and VMCALL never need the field read.
 */
static enum exit_action __attribute__((noinline))
dispatch(struct vcpu *v, uint32_t raw)
{
	struct exit_ctx e = {
		.reason = raw & EXIT_REASON_BASIC_MASK,
		.qual = vmcs_read_nat(VMCS_EXIT_QUALIFICATION),
	};
	exit_handler h = NULL;
	uint32_t idt = vmcs_read32(VMCS_IDT_VECTORING_INFO);
	enum exit_action a;

	if (idt & INTR_INFO_VALID) {
		v->reinject_info = idt;
		v->reinject_error = vmcs_read32(VMCS_IDT_VECTORING_ERROR_CODE);
		v->reinject_len = vmcs_read32(VMCS_EXIT_INSTR_LEN);
	}
	/*
	 * SDM "VM-Entry Failures During or After Loading Guest State": bit 31
	 * set means the entry failed; the guest never ran, so nothing of the
	 * table applies.
	 */
	if (raw & EXIT_REASON_ENTRY_FAILURE)
		return handle_entry_failure(v, &e);
	if (e.reason < sizeof(handlers) / sizeof(handlers[0]))
		h = handlers[e.reason];
	a = (h ? h : handle_unexpected)(v, &e);
	if (unlikely(v->reinject_info & INTR_INFO_VALID) && a == EXIT_RETRY)
		a = merge_events(v, &e);
	return a;
}

static void guest_state_load(const struct vcpu *v)
{
	wrmsr(0xc0000081, v->star);
	wrmsr(0xc0000082, v->lstar);
	wrmsr(0xc0000083, v->cstar);
	wrmsr(0xc0000084, v->sfmask);
	wrmsr(0xc0000102, v->kernel_gs_base);
	wrmsr(0xc0000103, v->tsc_aux);
	__asm__ volatile("mov %0, %%dr0" : : "r"(v->dr[0]));
	__asm__ volatile("mov %0, %%dr1" : : "r"(v->dr[1]));
	__asm__ volatile("mov %0, %%dr2" : : "r"(v->dr[2]));
	__asm__ volatile("mov %0, %%dr3" : : "r"(v->dr[3]));
	__asm__ volatile("mov %0, %%dr6" : : "r"(v->dr6));
	/* CR2 is not in the VMCS; hv itself never takes a page fault, so the
	 * guest's CR2 stays in place from here until the vCPU leaves. */
	write_cr2(v->cr2);
	/*
	 * Every component hv switches is loaded, whatever the guest's own
	 * XCR0: XRSTOR acts on XCR0 & RFBM, so XCR0 is widened to the mask
	 * first and set to the guest's value after.
	 */
	xsetbv(vcpu_arch_xfeatures());
	xrstor(v->xsave_area, vcpu_arch_xfeatures());
	xsetbv(v->xcr0);
}

static void guest_state_save(struct vcpu *v)
{
	/* The same mask as the load: the guest's SSE state, its AVX state
	 * while its XCR0 has AVX off, and its PKRU are its own too. */
	xsetbv(vcpu_arch_xfeatures());
	xsave(v->xsave_area, vcpu_arch_xfeatures());
	v->star = rdmsr(0xc0000081);
	v->lstar = rdmsr(0xc0000082);
	v->cstar = rdmsr(0xc0000083);
	v->sfmask = rdmsr(0xc0000084);
	v->kernel_gs_base = rdmsr(0xc0000102);
	v->tsc_aux = rdmsr(0xc0000103);
	__asm__ volatile("mov %%dr0, %0" : "=r"(v->dr[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(v->dr[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(v->dr[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(v->dr[3]));
	__asm__ volatile("mov %%dr6, %0" : "=r"(v->dr6));
	v->cr2 = read_cr2();
}

static void report_entry_error(struct vcpu *v, int fail)
{
	uint32_t err;

	if (fail == VMCHECK_REFUSED)
		return; /* the check refused the entry and reported why */
	err = fail == 2 ? vmcs_read32(VMCS_VM_INSTRUCTION_ERROR) : 0;

	vcpu_fault(v, "%s failed: %s, VM-instruction error %u (%s)",
			v->launched ? "VMRESUME" : "VMLAUNCH",
			fail == 2 ? "VMfailValid" : "VMfailInvalid", err,
			fail == 2 ? vmx_instruction_error_text(err) :
				    "no current VMCS");
	if (fail == 2)
		dump_whole_vmcs();
}

/* The vCPU remembers the control's state, which saves a VMREAD on the
 * path every exit takes. */
static void set_interrupt_window_exiting(struct vcpu *v, bool on)
{
	if (on == v->window_exiting)
		return;
	if (!vmcs_write32(VMCS_PROC_BASED_CTLS,
			  on ? vmx_caps.proc | PROC_INTERRUPT_WINDOW_EXITING :
			       vmx_caps.proc))
		panic("VMWRITE of the processor-based controls failed");
	v->window_exiting = on;
}

/*
 * Chooses the event for the next entry: first an event an exit cut off,
 * then anything a handler injected, then the virtual APIC's highest
 * pending vector if the guest can take an interrupt now (RFLAGS.IF and no
 * STI or MOV-SS shadow). Otherwise interrupt-window exiting brings the
 * vCPU back as soon as it can.
 */
static void deliver_events(struct vcpu *v, uint64_t now)
{
	uint32_t intr;
	int vector;
	bool ok = true;

	/*
	 * Most exits have nothing to deliver: no event to deliver again, no
	 * vector requested in the virtual APIC, its timer not yet due, and
	 * interrupt-window exiting already off. Then everything below would
	 * leave the VMCS as it is, and the VMREADs are skipped.
	 */
	if (!(v->reinject_info & INTR_INFO_VALID) && !v->window_exiting &&
	    vlapic_quiet(&v->apic, now))
		return;
	intr = vmcs_read32(VMCS_ENTRY_INTR_INFO);
	if (v->reinject_info & INTR_INFO_VALID) {
		uint32_t type = v->reinject_info & INTR_INFO_TYPE_MASK;

		if (!(intr & INTR_INFO_VALID)) {
			/* Bits 30:12 of the exit format are not entry bits. */
			intr = v->reinject_info & ~0x7ffff000u;
			intr |= INTR_INFO_VALID;
			ok &= vmcs_write32(VMCS_ENTRY_INTR_INFO, intr);
			ok &= vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR_CODE,
					   v->reinject_error);
			if (type == INTR_TYPE_SW_INTERRUPT ||
			    type == INTR_TYPE_PRIV_SW_EXCEPTION ||
			    type == INTR_TYPE_SW_EXCEPTION)
				ok &= vmcs_write32(VMCS_ENTRY_INSTR_LEN,
						   v->reinject_len);
			v->reinject_info = 0;
		}
		/* Else merge_events() kept it for an entry after this one. */
	}
	vlapic_tick(&v->apic, now);
	vector = vlapic_pending(&v->apic);
	if (vector >= 0 && !(intr & INTR_INFO_VALID) &&
	    (vmcs_read_nat(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	    !(vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) &
	      (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))) {
		ok &= vmcs_write32(VMCS_ENTRY_INTR_INFO,
				   (uint32_t)vector |
					   INTR_TYPE_EXTERNAL_INTERRUPT |
					   INTR_INFO_VALID);
		vlapic_accept(&v->apic, vector);
		vector = vlapic_pending(&v->apic);
		intr = INTR_INFO_VALID;
	}
	if (!ok)
		panic("VMWRITE of an event for entry failed");
	set_interrupt_window_exiting(v, vector >= 0);
}

/*
 * Makes v's VMCS current on this CPU. If it arrives from elsewhere (or
 * for the first time), its VMCS is clear, so the next entry is a
 * VMLAUNCH; the host-state area is rewritten for this CPU, and this
 * CPU's cached translations for the vCPU's VPID and EPTP are dropped,
 * since the guest may have changed its page tables while it ran
 * elsewhere and this CPU may still hold entries from before.
 */
static void arrive(struct vcpu *v, struct percpu *pc)
{
	if (v->vmcs_cpu != pc->index) {
		HV_ASSERT(v->vmcs_cpu == HV_CPU_NONE && !v->launched);
		if (vmx_vmptrld(v->vmcs_pa) != VMX_OK)
			panic("VMPTRLD of %s's VMCS failed", v->part->name);
		v->vmcs_cpu = pc->index;
	}
	if (v->last_cpu == pc->index)
		return;
	HV_ASSERT(!v->launched);
	if (!vmx_setup_host_state())
		panic("VMWRITE of the host state failed");
	v->host_rsp = 0;
	vcpu_arch_flush_here(v);
	if (v->last_cpu != HV_CPU_NONE)
		v->migrations++;
	v->last_cpu = pc->index;
	__atomic_fetch_or(&v->part->cpus_used, 1u << pc->index,
			  __ATOMIC_RELAXED);
}

/*
 * The vCPU went offline (its partition stopped, faulted or halted), or
 * hv is ending: it leaves this CPU. A partition never leaves
 * PART_RUNNING without taking its vCPUs offline first (hv/partition.c),
 * so its state needs no look of its own.
 */
static bool must_leave(const struct vcpu *v)
{
	return unlikely(!__atomic_load_n(&v->online, __ATOMIC_ACQUIRE)) ||
	       unlikely(sched_ending());
}

/*
 * SDM "VMX-Preemption Timer": it counts only in non-root mode, so it is
 * reloaded from the slice's deadline at every entry and time spent in hv
 * counts against the guest. It also ends at the virtual APIC timer's
 * deadline, to deliver that on time. The count never exceeds the slice's,
 * which vcpu_arch_max_slice() keeps within the field's 32 bits.
 */
static void load_preemption_timer(struct vcpu *v, uint64_t now)
{
	uint64_t deadline = v->slice_end;
	uint64_t apic = vlapic_next_deadline(&v->apic);
	uint32_t ticks = 0;

	/* 0 means the APIC timer is not armed: 0 - 1 is never below. */
	if (apic - 1 < deadline)
		deadline = apic;
	if (likely(deadline > now))
		ticks = (uint32_t)((deadline - now) >> vmx_caps.preemption_shift);
	if (unlikely(!vmcs_write32(VMCS_PREEMPTION_TIMER, ticks)))
		panic("VMWRITE of the preemption timer failed");
}

uint64_t vcpu_arch_max_slice(void)
{
	return (uint64_t)UINT32_MAX << vmx_caps.preemption_shift;
}

void vcpu_arch_kicked(void)
{
	bool written;

	if (!this_cpu()->current)
		return; /* VMX operation may be over, and VMWRITE would #UD */
	/*
	 * Its result needs no check: between vCPUs no VMCS may be current,
	 * and then the VMWRITE fails with nothing to undo; a VMCS current
	 * without its vCPU running gets its timer written again before its
	 * next entry.
	 */
	written = vmcs_write32(VMCS_PREEMPTION_TIMER, 0);
	(void)written;
}

/*
 * Completes an exit: RIP past the instruction if it completed, and the
 * exit's count and hv's time on it. Returns the TSC it read, which the
 * next entry starts from. Inline, so that where the reason is a constant
 * its counters' place is too.
 */
static inline __attribute__((always_inline)) uint64_t
finish_exit(struct vcpu *v, uint32_t reason,
				   enum exit_action a, uint64_t exit_tsc)
{
	uint64_t now;

	if (a == EXIT_NEXT || a == EXIT_YIELD || a == EXIT_POWEROFF)
		advance_rip();
	now = rdtsc();
	stats_exit(v->stats, reason, now - exit_tsc);
	return now;
}

/*
 * Enters the guest: 0 after a VM exit, 1 for VMfailInvalid, 2 for
 * VMfailValid. vmx_enter (arch/x86/vmx_entry.asm) keeps only RBP, RSP and
 * RDI of the host's registers; the compiler is told that the call loses
 * all the others, so it keeps nothing in them that the loop needs.
 */
static inline int enter_guest(struct vcpu *v)
{
	int r;

	__asm__ volatile("call *%[fn]"
			 : "=a"(r), "+D"(v)
			 : [fn] "m"(vmx_enter_fn)
			 : "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11",
			   "r12", "r13", "r14", "r15", "cc", "memory");
	return r;
}

/*
 * The loop every exit goes round. CPUID and VMCALL, the exits guests make
 * most often and the ones a path length is quoted for
 * (docs/benchmarks.md), are handled here without dispatch(): no exit
 * qualification, no IDT-vectoring information, no indirect call.
 */
enum vcpu_outcome vcpu_arch_run(struct vcpu *v, uint64_t slice)
{
	struct percpu *pc = this_cpu();
	enum vcpu_outcome outcome = VCPU_STOPPED;
	uint64_t start = rdtsc(), now, stop_tsc, left;

	arrive(v, pc);
	guest_state_load(v);
	v->slice_end = start + slice;
	v->blocked_until = 0;
	now = rdtsc();
	for (bool fast = false;;) {
		struct exit_ctx e = { 0, 0 };
		enum exit_action a;
		uint64_t exit_tsc;
		uint32_t raw;
		int r;

		/*
		 * A CPUID or VMCALL exit leaves the vCPU's events as the last
		 * entry found them: an instruction exit cuts no event off, and
		 * neither changes the virtual APIC or interrupt-window exiting.
		 * Only the virtual timer may have come due since, and then the
		 * preemption timer is loaded with 0: the guest exits before its
		 * first instruction and the next round delivers the interrupt.
		 */
		if (unlikely(!fast))
			deliver_events(v, now);
		load_preemption_timer(v, now);
		/*
		 * Last, after the timer: a kick that reaches this CPU from here
		 * to the entry is taken in hv, and vcpu_arch_kicked() then
		 * zeroes the timer, so the guest exits at once. One that came
		 * before is seen here.
		 */
		if (unlikely(must_leave(v)))
			break;
		r = enter_guest(v);
		if (unlikely(r)) {
			report_entry_error(v, r);
			break;
		}
		exit_tsc = rdtsc();
		raw = vmcs_read32(VMCS_EXIT_REASON);
		e.reason = raw & EXIT_REASON_BASIC_MASK;
		if (unlikely(__atomic_load_n(&v->part->trace, __ATOMIC_RELAXED)))
			trace_exit(v, raw, vmcs_read_nat(VMCS_EXIT_QUALIFICATION),
				   vmcs_read_nat(VMCS_GUEST_RIP), exit_tsc);
		fast = true;
		if (likely(e.reason == EXIT_REASON_CPUID)) {
			a = handle_cpuid(v, &e);
			now = finish_exit(v, EXIT_REASON_CPUID, a, exit_tsc);
		} else if (likely(e.reason == EXIT_REASON_VMCALL)) {
			a = handle_vmcall(v, &e);
			now = finish_exit(v, EXIT_REASON_VMCALL, a, exit_tsc);
		} else {
			a = dispatch(v, raw);
			now = finish_exit(v, e.reason, a, exit_tsc);
			fast = false;
			/*
			 * Exits that reflect an event (#DB, #AC) can follow one
			 * another without end, each before the preemption timer
			 * fires: the slice still ends on time. An event queued
			 * for entry stays in the VMCS for the next one.
			 */
			if (unlikely(a == EXIT_RETRY) && now >= v->slice_end)
				a = EXIT_PREEMPTED;
		}
		if (likely(a == EXIT_NEXT || a == EXIT_RETRY))
			continue;
		if (a == EXIT_PREEMPTED || a == EXIT_YIELD)
			outcome = VCPU_PREEMPTED;
		else if (a == EXIT_POWEROFF)
			outcome = VCPU_POWEROFF;
		break;
	}
	left = rdtsc();
	guest_state_save(v);
	/*
	 * Neither entry nor exit loads CR0.CD or NW: had a guest set them on
	 * the CPU, hv and the next partition here would run with them. hv
	 * owns both (vmx_cr0_host_owned), so finding one set is hv's bug.
	 */
	if (unlikely(read_cr0() & (CR0_CD | CR0_NW)))
		panic("cpu %u: CR0 is 0x%lx after %s ran: CD/NW reached the CPU",
		      pc->index, read_cr0(), v->part->name);
	v->run_tsc += left - start;
	v->cpu_run_tsc[pc->index] += left - start;
	/* Stopped from another CPU: how long the IPI took to bring it out. */
	stop_tsc = __atomic_load_n(&v->part->stop_tsc, __ATOMIC_ACQUIRE);
	if (stop_tsc && outcome == VCPU_STOPPED) {
		uint64_t took = left - stop_tsc;

		pr_info("partition %s: vcpu %u left cpu %u %lu tsc after the stop request: %lu ppm of its %lu-tsc slice",
			v->part->name, v->id, pc->index, took,
			slice ? took * 1000000 / slice : 0, slice);
	}
	return outcome;
}

void vcpu_arch_dump(struct vcpu *v)
{
	const struct guest_regs *r = &v->regs;

	pr_err("  rip %016lx rsp %016lx rflags %016lx cpl %u",
	       vmcs_read_nat(VMCS_GUEST_RIP), vmcs_read_nat(VMCS_GUEST_RSP),
	       vmcs_read_nat(VMCS_GUEST_RFLAGS), guest_cpl());
	pr_err("  rax %016lx rbx %016lx rcx %016lx rdx %016lx", r->rax,
	       r->rbx, r->rcx, r->rdx);
	pr_err("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx", r->rsi,
	       r->rdi, r->rbp, r->r8);
	pr_err("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx", r->r9,
	       r->r10, r->r11, r->r12);
	/* Called from an exit handler on the vCPU's CPU: the guest's CR2 is
	 * still the live one. */
	pr_err("  r13 %016lx r14 %016lx r15 %016lx cr2 %016lx", r->r13,
	       r->r14, r->r15, read_cr2());
	pr_err("  cr0 %016lx cr3 %016lx cr4 %016lx efer %016lx",
	       vmcs_read_nat(VMCS_CR0_READ_SHADOW),
	       vmcs_read_nat(VMCS_GUEST_CR3),
	       vmcs_read_nat(VMCS_CR4_READ_SHADOW),
	       vmcs_read64(VMCS_GUEST_IA32_EFER));
	pr_err("  exit reason %u (%s) qualification 0x%lx gpa 0x%lx",
	       vmcs_read32(VMCS_EXIT_REASON) & 0xffff,
	       vmx_exit_reason_name(vmcs_read32(VMCS_EXIT_REASON) & 0xffff),
	       vmcs_read_nat(VMCS_EXIT_QUALIFICATION),
	       vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS));
}
