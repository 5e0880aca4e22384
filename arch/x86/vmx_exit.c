// SPDX-License-Identifier: MIT
/*
 * Exit dispatch: one handler per basic exit reason, and the handlers of
 * the exits that are neither an emulated instruction (vmx_emulate.c) nor
 * the two the run loop takes itself (vmx_run.c). Each exit is decoded
 * here into a neutral question for hv/policy.c (a port, an EPT access)
 * and the answer applied here.
 */
#include <stddef.h>

#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/mce.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/vmcheck_hv.h"
#include "arch/x86/vmx_decode.h"
#include "arch/x86/vmx_exit_ctx.h"
#include "arch/x86/vmx_names.h"
#include "arch/x86/vmx_vcpu.h"
#include "hv/log.h"
#include "hv/upcall.h"

/*
 * The register an exit qualification or an instruction names: 0 RAX ...
 * 15 R15 (SDM order), as offsets into struct guest_regs, so that no
 * table is built on each call; RSP lives in the VMCS.
 */
#define REG(r) offsetof(struct guest_regs, r)
#define NO_REG ((uint16_t)~0u)
static const uint16_t gpr_offsets[16] = {
	REG(rax), REG(rcx), REG(rdx), REG(rbx), NO_REG, REG(rbp), REG(rsi), REG(rdi),
	REG(r8), REG(r9), REG(r10), REG(r11), REG(r12), REG(r13), REG(r14), REG(r15),
};
#undef REG

static uint64_t *gpr(struct vcpu *v, unsigned n)
{
	uint16_t off = gpr_offsets[n & 15];

	return off == NO_REG ? NULL : (uint64_t *)((char *)&v->arch.regs + off);
}

uint64_t gpr_read(struct vcpu *v, unsigned n)
{
	uint64_t *r = gpr(v, n);

	return r ? *r : vmcs_read_nat(VMCS_GUEST_RSP);
}

void gpr_write(struct vcpu *v, unsigned n, uint64_t val)
{
	uint64_t *r = gpr(v, n);

	if (r)
		*r = val;
	else
		vmcs_write_nat(VMCS_GUEST_RSP, val);
}

enum exit_action stop(struct vcpu *v, struct exit_ctx *e,
			     const char *what)
{
	vcpu_fault(v, "%s (exit %s, qualification 0x%lx) at rip 0x%lx",
			what, vmx_exit_reason_name(e->reason), e->qual,
			vmcs_read_nat(VMCS_GUEST_RIP));
	return EXIT_STOP;
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
	 * is never blocked by one. A pc vCPU's NMI IPIs are its own: while
	 * one's handler may run (VCPU_NMI_GUEST, with virtual NMIs), the blocking
	 * is the guest's and stays.
	 */
	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI) {
		uint32_t state = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);

		smp_nmi(vmcs_read_nat(VMCS_GUEST_RIP), true);
		if ((state & INTERRUPTIBILITY_NMI) && !(v->arch.nmi & VCPU_NMI_GUEST))
			vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY,
				     state & ~INTERRUPTIBILITY_NMI);
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

/* A PC resets on a triple fault (SDM "Double Fault Exception (#DF)":
 * the processor enters shutdown, which a PC's chipset turns into a
 * reset); hv's own partitions stop with a report. */
static enum exit_action handle_triple_fault(struct vcpu *v, struct exit_ctx *e)
{
	if (v->part->platform == HV_PLATFORM_PC)
		return partition_reset(v, "a triple fault") ? EXIT_POWEROFF :
							      EXIT_STOP;
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
 * HLT of a pc vCPU (docs/platform.md, "HLT"): it completes and the vCPU
 * waits, with IF=1 for any interrupt, NMI or INIT, with IF=0 for an NMI
 * or INIT only; vmx_pc_begin decides at its next run whether it may go
 * on. An interrupt that can be taken now, or an NMI, ends it at once.
 */
static enum exit_action pc_hlt(struct vcpu *v, uint64_t now)
{
	bool intr_on = vmcs_read_nat(VMCS_GUEST_RFLAGS) & RFLAGS_IF;

	if (v->arch.nmi & VCPU_NMI_PENDING)
		return EXIT_NEXT;
	if (intr_on) {
		/* With virtual-interrupt delivery the CPU itself requests a
		 * self IPI (SDM "APIC-Write Emulation"): its IRR bit is in the
		 * page, not yet in the model's summary. */
		if (v->arch.apicv)
			vlapic_rescan(&v->apic);
		vlapic_tick(&v->apic, now);
		if (vlapic_pending(&v->apic) >= 0)
			return EXIT_NEXT;
	}
	__atomic_store_n(&v->wait, intr_on ? VCPU_WAIT_HLT : VCPU_WAIT_HLT_NOIF,
			 __ATOMIC_RELEASE);
	return EXIT_YIELD;
}

static enum exit_action handle_hlt(struct vcpu *v, struct exit_ctx *e)
{
	uint64_t now = rdtsc(), wake;

	(void)e;
	if (user_mode())
		return inject_gp(v);
	if (v->arch.pc)
		return pc_hlt(v, now);
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
	value = io.in ? 0 : (uint32_t)v->arch.regs.rax;
	switch (policy_io(v, io.port, io.size, io.in, &value)) {
	case IO_DONE:
		break;
	case IO_ENDED:
		return EXIT_STOP; /* hv/ has said why */
	case IO_POWEROFF:
		return EXIT_POWEROFF;
	}
	if (io.in) {
		if (io.size == 4)
			v->arch.regs.rax = value; /* a 32-bit write zero-extends */
		else if (io.size == 2)
			v->arch.regs.rax = (v->arch.regs.rax & ~0xffffull) | (value & 0xffff);
		else
			v->arch.regs.rax = (v->arch.regs.rax & ~0xffull) | (value & 0xff);
	}
	return EXIT_NEXT;
}

static void print_vmcs_line(const char *line, void *ctx)
{
	(void)ctx;
	pr_err("  vmcs: %s", line);
}

/* Everything the VMCS holds, for failures the short dump cannot explain. */
void dump_whole_vmcs(void)
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
	enum exit_action a;

	vmx_decode_ept(e->qual, &ept);
	access = ept.fetch ? "execute" : ept.write ? "write" : "read";
	/* A guest paging-structure entry in the APIC page (the walk's own
	 * access, qualification bit 8 clear) has no instruction to
	 * complete: it stops the partition below, as the APIC-access exit's
	 * type 15 does. */
	if (!ept.fetch && ept.gla_valid && ept.gla_translation &&
	    vmx_mmio_ept(v, e, gpa, ept.write, &a))
		return a;

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
	/* deliver_events() injects on the way back in; the NMI window's
	 * exit comes here too, for its NMI. */
	return EXIT_RETRY;
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
	[EXIT_REASON_NMI_WINDOW] = handle_interrupt_window,
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
	[EXIT_REASON_APIC_ACCESS] = handle_apic_access,
	[EXIT_REASON_VIRTUALIZED_EOI] = handle_virtual_eoi,
	[EXIT_REASON_APIC_WRITE] = handle_apic_write,
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
 * Every exit but the two vcpu_arch_run handles itself. SDM "Information
 * for VM Exits That Occur During Event Delivery": an exit in the middle
 * of delivering an event loses it unless hv delivers it again on the next
 * entry. Only exits that are not caused by an instruction can be such an
 * exit, so CPUID and VMCALL never need the field read.
 */
enum exit_action __attribute__((noinline))
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
		v->arch.reinject_info = idt;
		v->arch.reinject_error = vmcs_read32(VMCS_IDT_VECTORING_ERROR_CODE);
		v->arch.reinject_len = vmcs_read32(VMCS_EXIT_INSTR_LEN);
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
	if (unlikely(v->arch.reinject_info & INTR_INFO_VALID) && a == EXIT_RETRY)
		a = merge_events(v, &e);
	return a;
}

void vcpu_arch_dump(struct vcpu *v)
{
	const struct guest_regs *r = &v->arch.regs;

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
