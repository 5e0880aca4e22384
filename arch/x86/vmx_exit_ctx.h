/* SPDX-License-Identifier: MIT */
/*
 * Inside arch/x86's VMX code: what an exit handler gets and answers, and
 * the helpers the handlers of every file share (vmx_exit.c dispatches,
 * vmx_emulate.c emulates guest CR and MSR accesses, vmx_inject.c delivers
 * events, vmx_run.c runs the loop). The ones on the common path are
 * inline, so that splitting the files costs the exit path nothing.
 */
#ifndef ARCH_X86_VMX_EXIT_CTX_H
#define ARCH_X86_VMX_EXIT_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/vmcs.h"
#include "arch/x86/vmx_vcpu.h"
#include "hv/log.h"
#include "hv/upcall.h"
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

/* Out of the common path (vmx_inject.c): a guest single-stepping over
 * an instruction hv completed gets the trap a CPU would raise after it. */
void step_trap_pending(uint64_t rflags) __attribute__((cold));

/*
 * Completes the instruction that exited, RIP now next. The run loop does
 * it for every NEXT (advance_rip); only the xAPIC page's accesses, whose
 * exits give no instruction length, call it themselves and return RETRY
 * (vmx_mmio.c). A guest single-stepping with RFLAGS.TF expects the #DB trap after it, as
 * a CPU raises after an instruction it runs itself: it is left pending
 * in the pending-debug-exceptions field, for the entry to deliver.
 */
static inline __attribute__((always_inline)) void
set_rip_after_nmi(const struct vcpu *v, uint64_t next, bool may_nmi)
{
	uint64_t rflags = vmcs_read_nat(VMCS_GUEST_RFLAGS);
	uint32_t keep = 0;

	/*
	 * An emulated instruction ends any STI or MOV SS shadow. Blocking by
	 * SMI needs the dual-monitor treatment, by an enclave interruption
	 * SGX, both hidden; blocking by NMI is set only while the handler of
	 * an NMI hv gave a pc vCPU runs (VCPU_NMI_GUEST; the NMI exit clears
	 * the blocking Bochs saves for the host's NMIs), and an instruction
	 * in that handler must not end it: only its IRET does (SDM "Virtual
	 * NMIs"). So the field is written 0 without a VMREAD, except then.
	 * may_nmi false: v is not a pc vCPU, which hv gives no NMI (only a pc
	 * vCPU's inbox is written, hv/apic.c), so the flag is not looked at.
	 */
	if (may_nmi && unlikely(v->arch.nmi & VCPU_NMI_GUEST))
		keep = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) &
		       INTERRUPTIBILITY_NMI;
	vmcs_write_nat(VMCS_GUEST_RIP, next);
	if (may_nmi)
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, keep);
	else
		vmcs_write_zero(VMCS_GUEST_INTERRUPTIBILITY);
	if (unlikely(rflags & RFLAGS_TF))
		step_trap_pending(rflags);
}

static inline __attribute__((always_inline)) void
set_rip_after(const struct vcpu *v, uint64_t next)
{
	set_rip_after_nmi(v, next, true);
}

/* The exit's own instruction length: exits caused by an instruction. */
static inline __attribute__((always_inline)) void
advance_rip_nmi(const struct vcpu *v, bool may_nmi)
{
	/* VMREAD zero-extends a 32-bit field: no cast needed. */
	set_rip_after_nmi(v, vmcs_read_nat(VMCS_GUEST_RIP) +
			  vmcs_read_width(VMCS_EXIT_INSTR_LEN, VMCS_WIDTH_32),
			  may_nmi);
}

static inline unsigned guest_cpl(void)
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

/* vmx_inject.c */
enum exit_action inject(struct vcpu *v, uint8_t vector, bool has_error,
			uint32_t error);
enum exit_action inject_ud(struct vcpu *v, struct exit_ctx *e);
enum exit_action inject_gp(struct vcpu *v);
enum exit_action reflect_db(struct vcpu *v, struct exit_ctx *e, uint32_t info);
enum exit_action merge_events(struct vcpu *v, struct exit_ctx *e);
void deliver_events(struct vcpu *v, uint64_t now);

/* vmx_exit.c */
uint64_t gpr_read(struct vcpu *v, unsigned n);
void gpr_write(struct vcpu *v, unsigned n, uint64_t val);
enum exit_action stop(struct vcpu *v, struct exit_ctx *e, const char *what);
enum exit_action dispatch(struct vcpu *v, uint32_t raw)
	__attribute__((noinline));
/* Prints every VMCS field, after a failed entry. */
void dump_whole_vmcs(void);

/* vmx_emulate.c */
enum exit_action handle_cr_access(struct vcpu *v, struct exit_ctx *e);
enum exit_action handle_rdmsr(struct vcpu *v, struct exit_ctx *e);
enum exit_action handle_wrmsr(struct vcpu *v, struct exit_ctx *e);
enum exit_action handle_xsetbv(struct vcpu *v, struct exit_ctx *e);
enum exit_action handle_cache_flush(struct vcpu *v, struct exit_ctx *e);
enum exit_action handle_rdpmc(struct vcpu *v, struct exit_ctx *e);

/*
 * SDM "Guest/Host Masks and Read Shadows for CR0 and CR4": the guest's
 * own CR0 is GUEST_CR0 in the bits it owns and the read shadow in hv's.
 */
static inline uint64_t vmx_guest_cr0_view(void)
{
	uint64_t mask = vmcs_read_nat(VMCS_CR0_GUEST_HOST_MASK);

	return (vmcs_read_nat(VMCS_GUEST_CR0) & ~mask) |
	       (vmcs_read_nat(VMCS_CR0_READ_SHADOW) & mask);
}

/* vmx_pc.c: a pc vCPU's CR0/CR4 writes that exit, and its EFER writes. */
enum exit_action vmx_pc_cr_write(struct vcpu *v, unsigned cr, uint64_t val);
bool vmx_pc_efer_write(uint64_t *val);

/* vmx_mmio.c: accesses to a pc vCPU's xAPIC page. */
enum exit_action handle_apic_access(struct vcpu *v, struct exit_ctx *e);
/* arch/x86/vmx_apicv.c: the exits of APIC virtualization. */
enum exit_action handle_apic_write(struct vcpu *v, struct exit_ctx *e);
enum exit_action handle_virtual_eoi(struct vcpu *v, struct exit_ctx *e);
/* An EPT violation at the xAPIC's page: completed, or EXIT_STOP with
 * the report; false when the address is not the xAPIC's. */
bool vmx_mmio_ept(struct vcpu *v, struct exit_ctx *e, uint64_t gpa, bool write,
		  enum exit_action *a);

/* vmx_state.c */
void guest_state_load(const struct vcpu *v);
void guest_state_save(struct vcpu *v);

#endif
