/* SPDX-License-Identifier: MIT */
/*
 * What a partition may see and touch: CPUID, MSRs, I/O ports and
 * hypercalls. arch/x86 decodes an exit into one of these calls; the
 * decisions are made here, deny by default.
 */
#ifndef HV_POLICY_H
#define HV_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/vcpu.h"

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/* The TSC frequency the guests are told (CPUID leaf 0x40000010). */
void policy_set_tsc_hz(uint64_t hz);
uint64_t policy_tsc_hz(void);

/*
 * Filters the host's answer for (leaf, subleaf) in place. guest_osxsave
 * is the guest's CR4.OSXSAVE, which CPUID.1:ECX.OSXSAVE must mirror.
 */
void policy_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf,
		   bool guest_osxsave, struct cpuid_regs *r);

/* How an MSR is treated. */
enum msr_kind {
	MSR_DENIED, /* #GP */
	MSR_GUEST_OWNED, /* passed through; the host's value is restored */
	/* The guest's own too, but writes exit: hv checks and counts them
	 * and proves the host's value untouched. */
	MSR_GUEST_AUDITED,
	MSR_READ_ONLY, /* reads see a fixed view; writes #GP */
};

enum msr_kind policy_msr_kind(uint32_t msr);
/* A write to an audited MSR went to the vCPU's own copy, the host's value
 * checked unchanged: counted for the partition's report. */
void policy_msr_audited(struct vcpu *v, uint32_t msr, uint64_t value);
/* RDMSR of an intercepted MSR: 0 and the value, or -1 for #GP. */
int policy_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *value);
/* WRMSR of an intercepted MSR: 0, or -1 for #GP. */
int policy_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value);

/* A port access. For a denied read, *value is set to all ones. */
void policy_io(struct vcpu *v, uint16_t port, unsigned size, bool in,
	       uint32_t *value);

/* What a hypercall asks of the scheduler besides its status. */
enum hypercall_effect {
	HC_CONTINUE,
	HC_YIELD, /* give the CPU up for the rest of the slice */
	HC_POWEROFF, /* power the machine off */
};

/* A hypercall from guest ring 0: returns the status for RAX. */
int64_t hypercall(struct vcpu *v, enum hypercall_effect *effect);

/*
 * The guest wrote CR8. tpr_before and tpr_after are the host's TPR read
 * before the guest ran and after the exit: they must be equal. Reported
 * once per vCPU.
 */
void policy_cr8_written(struct vcpu *v, uint8_t value, uint8_t tpr_before,
			uint8_t tpr_after);

#endif
