/* SPDX-License-Identifier: MIT */
/*
 * hv's use of the VM-entry checker (arch/x86/vmcheck.h): the check before
 * every VM entry under the manifest's `entry_check = yes` (the default),
 * the recording of entry images under `entry_record = yes`, and the
 * places where hv itself does what a CPU does so that the checks hold:
 * the RIP of an instruction it completed at the top of 4 GiB.
 * docs/vmcheck.md describes it.
 */
#ifndef ARCH_X86_VMCHECK_HV_H
#define ARCH_X86_VMCHECK_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/arch.h"
#include "hv/vcpu.h"

/*
 * What enter_guest (arch/x86/vmx_run.c) calls, by the vCPU's launch
 * state: vmx_launch_fn for a clear VMCS, vmx_resume_fn for a launched
 * one, which are vmx_launch and vmx_resume (arch/x86/vmx_entry.asm), or,
 * with the check on, both vmcheck_enter (arch/x86/vmcheck_entry.asm),
 * which checks the VMCS first. All keep vmx_resume's contract;
 * vmcheck_enter returns VMCHECK_REFUSED when the check stopped the
 * partition instead of entering it. An indirect call costs what a direct
 * one does, so hv with the check off runs its old path.
 */
extern void *vmx_launch_fn, *vmx_resume_fn;
#define VMCHECK_REFUSED 3

/* The VMCS is clear (VMCLEAR, or new): the next entry is a VMLAUNCH. */
static inline void vmx_entry_clear(struct vcpu *v)
{
	v->arch.launched = false;
	v->arch.enter = vmx_launch_fn;
}

/* vmcheck_setup and vmcheck_report are in the contract (hv/arch.h). */
bool vmcheck_enabled(void);

/* The vCPU's page for the check (the memo of its last check), with the
 * check on; 0 or HV_ENOMEM. */
int vmcheck_vcpu_alloc(struct vcpu *v);
void vmcheck_vcpu_release(struct vcpu *v, uint32_t owner);

/*
 * Outside 64-bit mode the CPU wraps EIP at 4 GiB, but hv completes an
 * instruction with RIP + its length: one that ends at the top of 4 GiB
 * leaves bits 63:32 set, a RIP that no VM entry accepts there (rule
 * GUEST_RIP_HIGH). Rather than test every RIP hv advances, on the path
 * every exit takes, hv repairs such a RIP when its entry is refused, by
 * the check or by the CPU: true when it did (a RIP of 4 GiB plus less
 * than an instruction's length, outside 64-bit mode), and the entry may
 * be tried again. In 64-bit mode a RIP past the canonical range needs
 * nothing: the entry takes it (bits 63:N identical) and the CPU raises
 * #GP(0) at its fetch, as without VMX. A 16-bit code segment's IP is not
 * wrapped at 64 KiB: that RIP is valid for an entry, only not what a CPU
 * would run next.
 */
bool vmcheck_rip_wrap(struct vcpu *v);

#endif
