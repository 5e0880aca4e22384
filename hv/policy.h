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

#include "hv/hypercall.h"
#include "hv/partition.h"
#include "hv/stats.h"
#include "hv/vcpu.h"
#include "lib/compiler.h"

/* CPUID's answer as the 64-bit registers hold it: CPUID clears their
 * upper halves, so nothing needs widening on the way to the guest. */
struct cpuid_regs {
	uint64_t eax, ebx, ecx, edx;
};

/* The TSC frequency the guests are told (CPUID leaf 0x40000010). */
void policy_set_tsc_hz(uint64_t hz);
uint64_t policy_tsc_hz(void);

/* CPUID feature bits (SDM Vol. 2A, CPUID). */
#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_SMX (1u << 6)
#define CPUID1_ECX_PDCM (1u << 15)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID7_EBX_SGX (1u << 2)
#define CPUID7_EBX_INVPCID (1u << 10)
#define CPUID7_EBX_PT (1u << 25)
#define CPUID7_ECX_WAITPKG (1u << 5)
#define CPUIDD1_EAX_XSAVES (1u << 3)
#define CPUID_EXT1_EDX_RDTSCP (1u << 27)

/* Four bytes of a string as CPUID returns them, the first lowest. A
 * constant, unlike a memcpy, so the answer can stay in registers. */
static inline uint32_t cpuid_word(const char *s, unsigned at)
{
	return (uint32_t)(uint8_t)s[at] | (uint32_t)(uint8_t)s[at + 1] << 8 |
	       (uint32_t)(uint8_t)s[at + 2] << 16 |
	       (uint32_t)(uint8_t)s[at + 3] << 24;
}

/* The kHz policy_set_tsc_hz was given. */
extern uint32_t policy_tsc_khz;

/* From arch/x86: the guest's CR4.OSXSAVE, which CPUID.1:ECX.OSXSAVE must
 * mirror. */
bool vcpu_arch_osxsave(const struct vcpu *v);
/* From arch/x86: the guest's architectural CR4 (its view, not the CPU's). */
uint64_t vcpu_arch_guest_cr4(const struct vcpu *v);

/*
 * Filters the host's answer for (leaf, subleaf) in place. Inline: every
 * CPUID exit asks, and the call would cost more than the answer
 * (docs/benchmarks.md).
 */
static inline void policy_cpuid(const struct vcpu *v, uint32_t leaf,
				uint32_t subleaf, struct cpuid_regs *r)
{
	switch (leaf) {
	case 1:
		/*
		 * No VMX or SMX for guests; no MONITOR/MWAIT (they exit and
		 * raise #UD); no performance or APIC features hv does not
		 * virtualize. The hypervisor bit says a guest runs under one.
		 */
		r->ecx &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VMX |
			    CPUID1_ECX_SMX | CPUID1_ECX_PDCM |
			    CPUID1_ECX_TSC_DEADLINE | CPUID1_ECX_OSXSAVE);
		/* The virtual local APIC is an x2APIC (hv/vlapic.c). */
		r->ecx |= CPUID1_ECX_X2APIC;
		if (vcpu_arch_osxsave(v))
			r->ecx |= CPUID1_ECX_OSXSAVE;
		r->ecx |= CPUID1_ECX_HYPERVISOR;
		/* One logical CPU per package, APIC id = vCPU number. */
		r->ebx = (r->ebx & 0xffff) | (1u << 16) | (v->id << 24);
		break;
	case 7:
		if (subleaf == 0) {
			/* Their VMX enable controls stay off: #UD in a guest. */
			r->ebx &= ~(CPUID7_EBX_SGX | CPUID7_EBX_INVPCID |
				    CPUID7_EBX_PT);
			r->ecx &= ~CPUID7_ECX_WAITPKG;
		}
		break;
	case 0xd:
		if (subleaf == 1)
			r->eax &= ~CPUIDD1_EAX_XSAVES;
		break;
	case 5: /* MONITOR/MWAIT */
	case 6: /* thermal and power */
	case 0xa: /* performance monitoring */
	case 0xb: /* topology: the host's would be wrong */
	case 0x12: /* SGX */
	case 0x14: /* processor trace */
	case 0x1f:
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	case 0x80000001:
		r->edx &= ~CPUID_EXT1_EDX_RDTSCP;
		break;
	case HV_CPUID_LEAF_SIGNATURE:
		r->eax = HV_CPUID_LEAF_TIMING;
		r->ebx = cpuid_word(HV_CPUID_SIGNATURE, 0);
		r->ecx = cpuid_word(HV_CPUID_SIGNATURE, 4);
		r->edx = cpuid_word(HV_CPUID_SIGNATURE, 8);
		break;
	case HV_CPUID_LEAF_ABI:
		r->eax = HV_ABI_VERSION;
		r->ebx = r->ecx = r->edx = 0;
		break;
	case HV_CPUID_LEAF_TIMING:
		/* A guest cannot measure the TSC against anything else. */
		r->eax = r->ebx = policy_tsc_khz;
		r->ecx = r->edx = 0;
		break;
	default:
		/* The rest of hv's range reads as zeros, as on bare metal. */
		if (leaf >= 0x40000000 && leaf <= 0x4fffffff)
			r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	}
}

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

struct hypercall_entry {
	int64_t (*fn)(struct vcpu *v); /* the status for RAX */
	bool parent_only; /* a management call: the parent's alone */
	uint8_t effect; /* enum hypercall_effect, when fn returns OK */
};

/* Indexed by number; the numbers no call has are all zeros. */
extern const struct hypercall_entry hypercall_table[HV_INFO_HYPERCALLS];

/* A call that has no function, or that the caller may not make: counted,
 * logged, and the status for RAX. */
int64_t hypercall_refused(struct vcpu *v, uint64_t nr);

/*
 * A hypercall from guest ring 0: sets RAX to its status and says what
 * else is to be done. Inline: the exit path calls it for every VMCALL
 * (docs/benchmarks.md).
 */
static inline enum hypercall_effect hypercall(struct vcpu *v)
{
	uint64_t nr = v->regs.rax;
	const struct hypercall_entry *h = &hypercall_table[0];
	int64_t status;

	stats_hypercall(v->stats, nr);
	if (likely(nr < HV_INFO_HYPERCALLS))
		h = &hypercall_table[nr];
	if (unlikely(!h->fn || (h->parent_only && !v->part->parent))) {
		v->regs.rax = (uint64_t)hypercall_refused(v, nr);
		return HC_CONTINUE;
	}
	status = h->fn(v);
	v->regs.rax = (uint64_t)status;
	return status == HV_STATUS_OK ? (enum hypercall_effect)h->effect :
					HC_CONTINUE;
}

/*
 * The guest wrote CR8. tpr_before and tpr_after are the host's TPR read
 * before the guest ran and after the exit: they must be equal. Reported
 * once per vCPU.
 */
void policy_cr8_written(struct vcpu *v, uint8_t value, uint8_t tpr_before,
			uint8_t tpr_after);

#endif
