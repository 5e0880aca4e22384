// SPDX-License-Identifier: MIT
/*
 * Running a vCPU: the loop every VM exit goes round, with the two exits
 * guests make most often (CPUID and VMCALL) handled in it, and the rest
 * handed to dispatch() (vmx_exit.c).
 */
#include <stddef.h>

#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcheck_hv.h"
#include "arch/x86/vmx.h"
#include "arch/x86/vmx_exit_ctx.h"
#include "arch/x86/vmx_names.h"
#include "arch/x86/vmx_vcpu.h"
#include "hv/log.h"
#include "hv/upcall.h"

/* The host's CPUID into the guest's registers. */
static inline __attribute__((always_inline)) void
host_cpuid(struct cpuid_regs *r, uint32_t leaf, uint32_t sub)
{
	uint64_t b;

	/*
	 * In 64-bit mode CPUID clears bits 63:32 of all four registers. RBX
	 * is kept around it: the run loop holds v there (enter_guest).
	 */
	__asm__ volatile("mov %%rbx, %[b]\n\t"
			 "cpuid\n\t"
			 "xchg %%rbx, %[b]"
			 : "=a"(r->eax), [b] "=&r"(b), "=c"(r->ecx), "=d"(r->edx)
			 : "a"(leaf), "c"(sub));
	r->ebx = b;
}

/*
 * Leaf 0 apart: with the leaf a constant, policy_cpuid_hint's inline
 * answer is one compare, and nothing of the guest's EAX need be kept
 * for the call the other leaves make.
 */
static inline __attribute__((always_inline)) enum exit_action
handle_cpuid(struct vcpu *v, bool pc)
{
	struct cpuid_regs *r = &v->arch.regs.cpuid;
	uint32_t leaf = (uint32_t)r->eax, sub = (uint32_t)r->ecx;

	if (likely(leaf == 0)) {
		/* Leaf 0 has no subleaf: nothing to keep for the call. */
		host_cpuid(r, 0, sub);
		policy_cpuid_hint(v, 0, 0, r, pc);
	} else {
		host_cpuid(r, leaf, sub);
		policy_cpuid_hint(v, leaf, sub, r, pc);
	}
	return EXIT_NEXT;
}

/*
 * VMCALL exits from any ring: only the guest kernel may call, and the
 * exit path gives the others #UD. A pc partition has no hypercalls
 * (docs/platform.md): VMX is hidden from it, and VMCALL outside VMX
 * operation is #UD. Every hypercall completes the instruction; one that
 * yields or powers off leaves the loop at its next round (arch.leave).
 */
static inline __attribute__((always_inline)) void
handle_hypercall(struct vcpu *v)
{
	enum hypercall_effect effect = hypercall(v);

	if (unlikely(effect != HC_CONTINUE)) {
		v->arch.leave = effect == HC_YIELD ? EXIT_YIELD : EXIT_POWEROFF;
		v->arch.timer_until = 0;
	}
}

static void report_entry_error(struct vcpu *v, int fail)
{
	const char *insn = v->arch.launched ? "VMRESUME" : "VMLAUNCH";
	uint32_t err;

	if (fail == VMCHECK_REFUSED)
		return; /* the check refused the entry and reported why */
	/*
	 * No current VMCS, or a host-state field the SDM's checks reject
	 * ("Checks on Host Control Registers, MSRs, and SSP", "Checks on Host
	 * Segment and Descriptor-Table Registers"): hv wrote both, and no
	 * guest reaches either, so they are hv's faults, not the guest's.
	 * The controls' errors (7) stay the guest's to pay for: the TPR
	 * threshold check reads the virtual TPR the guest writes.
	 */
	if (fail != 2)
		panic("%s of %s vcpu %u: VMfailInvalid: no current VMCS", insn,
		      v->part->name, v->id);
	err = vmcs_read32(VMCS_VM_INSTRUCTION_ERROR);
	if (err == VMXERR_ENTRY_INVALID_HOST_STATE) {
		dump_whole_vmcs();
		panic("%s of %s vcpu %u: VM-instruction error %u (%s)", insn,
		      v->part->name, v->id, err,
		      vmx_instruction_error_text(err));
	}
	vcpu_fault(v, "%s failed: VMfailValid, VM-instruction error %u (%s)",
		   insn, err, vmx_instruction_error_text(err));
	dump_whole_vmcs();
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
	if (v->arch.vmcs_cpu != pc->index) {
		HV_ASSERT(v->arch.vmcs_cpu == HV_CPU_NONE && !v->arch.launched);
		if (vmx_vmptrld(v->arch.vmcs_pa) != VMX_OK)
			panic("VMPTRLD of %s's VMCS failed", v->part->name);
		v->arch.vmcs_cpu = pc->index;
	}
	if (v->arch.host_cpu == pc->index)
		return;
	HV_ASSERT(!v->arch.launched);
	vmx_setup_host_state(v);
	vcpu_arch_flush_here(v);
	v->arch.host_cpu = pc->index;
}

/*
 * SDM "VMX-Preemption Timer": it counts only in non-root mode. It is
 * loaded from the slice's deadline, or the virtual APIC timer's when that
 * comes first, to deliver it on time. The count never exceeds the slice's,
 * which vcpu_arch_max_slice() keeps within the field's 32 bits.
 *
 * With the "save VMX-preemption timer value" exit control (SDM "VM-Exit
 * Controls"), the field holds what was left of the count at each exit and
 * the next entry goes on from there, so after CPUID and VMCALL, which
 * change neither deadline, it is not reloaded while that deadline has not
 * passed (timer_until). Between reloads the count is guest time only: the
 * timer may end up to the hv time of those exits after the deadline, and
 * the exit that finds the deadline passed reloads it (with 0, so the
 * guest exits at once). Without the control, each entry reloads it and
 * hv's time counts against the guest.
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
	vmcs_write32(VMCS_PREEMPTION_TIMER, ticks);
	v->arch.timer_until =
		vmx_caps.exit & EXIT_SAVE_PREEMPTION_TIMER ? deadline : 0;
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
	 * The raw VMWRITE, whose failure the accessors would report: here it
	 * needs no check. Between vCPUs no VMCS may be current, and then the
	 * VMWRITE fails with nothing to undo; a VMCS current without its
	 * vCPU running gets its timer written again before its next entry.
	 */
	written = vmcs_vmwrite(VMCS_PREEMPTION_TIMER, 0);
	(void)written;
}

/*
 * Completes an exit: RIP past the instruction if it completed, and the
 * exit's count and hv's time on it. Returns the TSC it read, which the
 * next entry starts from. Inline, so that where the reason is a constant
 * its counters' place is too. Only a pc vCPU may be inside the handler
 * of an NMI hv gave it (advance_rip).
 */
static inline __attribute__((always_inline)) uint64_t
finish_exit(struct vcpu *v, uint32_t reason, enum exit_action a,
	    uint64_t exit_tsc, bool pc)
{
	uint64_t now;

	if (a == EXIT_NEXT || a == EXIT_YIELD || a == EXIT_POWEROFF)
		advance_rip_nmi(v, pc);
	now = rdtsc();
	stats_exit(v->stats, reason, now - exit_tsc);
	return now;
}

/*
 * Enters the guest: false after a VM exit; true if it failed, with code
 * 1 for VMfailInvalid, 2 for VMfailValid, or VMCHECK_REFUSED. The entry
 * (arch/x86/vmx_entry.asm, the vCPU's arch.enter) keeps only RBP, RSP
 * and RBX, the vCPU, of the host's registers; the compiler is told that
 * the call loses all the others, so it keeps nothing in them that the
 * loop needs. The outcome is in CF and ZF, which a VM exit clears: one
 * branch. A macro, so that v is the caller's own variable: the compiler
 * keeps it in RBX, where the call leaves it.
 */
#define enter_guest(v, code)                                                \
	({                                                                  \
		bool failed_;                                               \
		__asm__ volatile("call *%c[fn](%%rbx)"                      \
				 : "=@ccbe"(failed_), "=a"(code), "+b"(v)   \
				 : [fn] "i"(offsetof(struct vcpu, arch.enter)) \
				 : "rcx", "rdx", "rsi", "rdi", "r8", "r9",  \
				   "r10", "r11", "r12", "r13", "r14",       \
				   "r15", "memory");                        \
		failed_;                                                    \
	})

/*
 * One exit, from its reason to its statistics, built for a partition
 * whose trace is off and for one whose trace is on, so that the common
 * case tests the trace once. Returns what the handler asked for, *now
 * the TSC the exit ended at, and *fast whether the next entry may skip
 * event delivery (run_loop).
 */
static inline __attribute__((always_inline)) enum exit_action
handle_exit(struct vcpu *v, uint32_t raw, uint64_t exit_tsc, uint64_t *now,
	    bool *fast, bool pc, bool traced)
{
	enum exit_action a;

	if (traced)
		/* raw last: in no register that dispatch() takes it in, so
		 * that the compiler prepares neither call on the common path. */
		trace_exit(v, exit_tsc, vmcs_read_nat(VMCS_EXIT_QUALIFICATION),
			   vmcs_read_nat(VMCS_GUEST_RIP), raw);
	/* CPUID and VMCALL exits have no other bit of the exit reason set
	 * (SDM "Basic VM-Exit Information"); one with a bit set goes to
	 * dispatch, which looks at every bit. */
	if (likely(raw == EXIT_REASON_CPUID)) {
		a = handle_cpuid(v, pc);
		*now = finish_exit(v, EXIT_REASON_CPUID, a, exit_tsc, pc);
		*fast = true;
	} else if (likely(raw == EXIT_REASON_VMCALL)) {
		if (unlikely(pc || user_mode())) {
			a = inject(v, VECTOR_UD, false, 0);
			*now = finish_exit(v, EXIT_REASON_VMCALL, a, exit_tsc,
					   pc);
		} else {
			handle_hypercall(v);
			a = EXIT_NEXT;
			*now = finish_exit(v, EXIT_REASON_VMCALL, a, exit_tsc,
					   pc);
		}
		/*
		 * No hypercall takes its caller's vCPU offline: a partition
		 * may not stop or destroy itself (target_locked), and the
		 * calls that end scheduling power off, which leaves. What a
		 * call does to another partition kicks the CPUs that run it.
		 */
		*fast = true;
	} else {
		a = dispatch(v, raw);
		*now = finish_exit(v, raw & EXIT_REASON_BASIC_MASK, a, exit_tsc,
				   pc);
		*fast = false;
		/*
		 * Exits that reflect an event (#DB, #AC) can follow one
		 * another without end, each before the preemption timer
		 * fires: the slice still ends on time. An event queued for
		 * entry stays in the VMCS for the next one.
		 */
		if (unlikely(a == EXIT_RETRY) && *now >= v->slice_end)
			a = EXIT_PREEMPTED;
	}
	/* The record goes in with the exit's end: what the trace's pictures
	 * need to show hv's time on each exit. */
	if (traced)
		trace_exit_end(*now);
	return a;
}

/*
 * The round before an entry that is not the straight CPUID or VMCALL one:
 * events delivered (unless only the timer's deadline passed), the timer
 * loaded, and the looks that say the vCPU must leave. Returns ENTER, or
 * how the run ends (an enum vcpu_outcome). Out of line: inlined in both
 * loops, it made the slow exits' code longer (COM1 write 435 against 398,
 * the pc IPI 3,027 against 2,928, make bench on 2026-12-02).
 */
#define ENTER (-1)

static __attribute__((noinline)) int
prepare_entry(struct vcpu *v, uint64_t now, bool deliver, bool pc)
{
	enum exit_action a;

	for (;;) {
		if (deliver)
			deliver_events(v, now);
		if (unlikely(v->arch.leave)) {
			a = v->arch.leave;
			v->arch.leave = 0;
			return a == EXIT_YIELD ? VCPU_PREEMPTED : VCPU_POWEROFF;
		}
		load_preemption_timer(v, now);
		/*
		 * An IPI posted since deliver_events drained the inbox: its
		 * kick may have come before load_preemption_timer, which undid
		 * it. Vectors and NMIs go round once more; INIT and start-up
		 * IPIs are taken outside guest mode, at the start of the next
		 * run (vmx_pc_begin). Where the timer stands, a kick zeroes it
		 * and the guest exits at once, into this path. Only a pc
		 * vCPU's inbox is ever written.
		 */
		if (pc && unlikely(__atomic_load_n(&v->inbox.any,
						   __ATOMIC_ACQUIRE))) {
			if (apic_startup_pending(&v->inbox))
				return VCPU_PREEMPTED;
			/*
			 * The partition's other vCPUs, on other CPUs, may post
			 * (and kick) faster than one round here takes: no entry
			 * and no preemption-timer exit would then ever end the
			 * slice, and the CPU would stay this partition's. Past
			 * the slice, or stopped, it leaves; what was posted
			 * waits in the inbox for its next run.
			 */
			now = rdtsc();
			if (unlikely(now >= v->slice_end) || vcpu_must_leave(v))
				return vcpu_must_leave(v) ? VCPU_STOPPED :
							    VCPU_PREEMPTED;
			deliver = true;
			continue;
		}
		/*
		 * Last, after the timer: a kick (an NMI, arch/x86/smp.c) that
		 * reaches this CPU from here to the entry is taken in hv, and
		 * vcpu_arch_kicked() then zeroes the timer, so the guest exits
		 * at once. One that came before is seen here. Where the timer
		 * stands, after CPUID or VMCALL, this look is not needed:
		 * whoever takes a vCPU offline or ends scheduling from another
		 * CPU kicks it (kick_partition, end_all_locked), and its kick
		 * zeroed the timer that stands; on this CPU, no CPUID or
		 * hypercall does (handle_exit). Were one ever to, the vCPU
		 * would still leave here at the end of its slice.
		 */
		return vcpu_must_leave(v) ? VCPU_STOPPED : ENTER;
	}
}

/*
 * The loop every exit goes round, built twice: for pc vCPUs and for hv's
 * own (pc false), which have no local APIC inbox, no NMI of hv's, and no
 * hypercall #UD for being pc, so that none of that is tested on their
 * exits. CPUID and VMCALL, the exits guests make most often and the ones
 * a path length is quoted for (docs/benchmarks.md), are handled without
 * dispatch(): no exit qualification, no IDT-vectoring information, no
 * indirect call.
 */
static inline __attribute__((always_inline)) enum vcpu_outcome
run_loop(struct vcpu *v, uint64_t now, bool pc)
{
	enum exit_action a;
	uint64_t exit_tsc;
	uint32_t raw;
	bool fast = false;
	int r;

prepare:
	r = prepare_entry(v, now, !fast, pc);
	if (r != ENTER)
		return (enum vcpu_outcome)r;
enter:
	if (unlikely(enter_guest(v, r))) {
		report_entry_error(v, r);
		return VCPU_STOPPED;
	}
	exit_tsc = rdtsc();
	raw = vmcs_read32(VMCS_EXIT_REASON);
	/* A byte another CPU may write (partition_trace_set): read once,
	 * as a volatile, which the compiler tests in place. */
	if (unlikely(*(const volatile bool *)&v->trace))
		a = handle_exit(v, raw, exit_tsc, &now, &fast, pc, true);
	else
		a = handle_exit(v, raw, exit_tsc, &now, &fast, pc, false);
	if (likely(a == EXIT_NEXT || a == EXIT_RETRY)) {
		/*
		 * A CPUID or VMCALL exit (fast) leaves the vCPU's events as
		 * the last entry found them: an instruction exit cuts no event
		 * off, and neither changes the virtual APIC or interrupt-window
		 * exiting. Only the virtual timer may have come due since, and
		 * then the preemption timer is loaded with 0: the guest exits
		 * before its first instruction and the next round delivers the
		 * interrupt. The timer itself stands while its deadline has not
		 * passed (load_preemption_timer).
		 */
		if (likely(fast) && likely(now < v->arch.timer_until))
			goto enter;
		goto prepare;
	}
	if (a == EXIT_PREEMPTED || a == EXIT_YIELD)
		return VCPU_PREEMPTED;
	return a == EXIT_POWEROFF ? VCPU_POWEROFF : VCPU_STOPPED;
}

enum vcpu_outcome vcpu_arch_run(struct vcpu *v, uint64_t slice)
{
	struct percpu *pc = this_cpu();
	enum vcpu_outcome outcome;
	uint64_t start = rdtsc(), now;

	arrive(v, pc);
	/* A pc vCPU that waits, or has an INIT or start-up IPI to take,
	 * deals with them before any of its state is loaded. */
	if (unlikely(v->arch.pc) &&
	    (v->wait != VCPU_RUNNING || apic_startup_pending(&v->inbox))) {
		switch (vmx_pc_begin(v, rdtsc())) {
		case PC_RUN:
			break;
		case PC_WAIT:
			return VCPU_PREEMPTED;
		case PC_HALTED:
			return VCPU_STOPPED;
		}
	}
	guest_state_load(v);
	v->slice_end = start + slice;
	now = rdtsc();
	if (unlikely(v->arch.pc))
		outcome = run_loop(v, now, true);
	else
		outcome = run_loop(v, now, false);
	guest_state_save(v);
	/*
	 * Neither entry nor exit loads CR0.CD or NW: had a guest set them on
	 * the CPU, hv and the next partition here would run with them. hv
	 * owns both (vmx_cr0_host_owned), so finding one set is hv's bug.
	 */
	if (unlikely(read_cr0() & (CR0_CD | CR0_NW)))
		panic("cpu %u: CR0 is 0x%lx after %s ran: CD/NW reached the CPU",
		      pc->index, read_cr0(), v->part->name);
	return outcome;
}
