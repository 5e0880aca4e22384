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

/* The TSC frequency the guests are told (CPUID leaf 0x40000010). */
void policy_set_tsc_hz(uint64_t hz);
uint64_t policy_tsc_hz(void);
/* The firmware's clock at boot (seconds since 1970) and the TSC then,
 * for pc partitions' RTCs; seconds 0: no clock. */
void policy_set_wallclock(uint64_t seconds, uint64_t tsc);

/* CPUID feature bits hv sets or tests by name (SDM Vol. 2A, CPUID). */
#define CPUID1_EDX_HTT (1u << 28)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID7_ECX_PKU (1u << 3)
#define CPUID7_ECX_OSPKE (1u << 4)

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

/* The host's CPUID answer for (leaf, subleaf). */
void policy_host_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);

/*
 * Filters the host's answer for (leaf, subleaf) in place, as an
 * allow-list (hv/cpuid.c): a bit the guest sees is a feature hv
 * virtualizes completely; every other bit and leaf is 0.
 */
void policy_cpuid_leaf(const struct vcpu *v, uint32_t leaf, uint32_t subleaf,
		       struct cpuid_regs *r);

/* The highest basic leaf the allow-list has, and the lowest a pc
 * partition is shown (its TSC rate is in 0x15 and 0x16). */
#define CPUID_MAX_LEAF 0x1fu
#define CPUID_MIN_LEAF_PC 0x16u

/*
 * The same, inline for the one leaf with nothing to filter: leaf 0, the
 * highest basic leaf and the vendor, when the host's highest leaf needs
 * no cap. It is the leaf guests ask first, and the null CPUID whose exit
 * path is timed (docs/benchmarks.md); every other leaf takes the call.
 * maybe_pc false says that v is not a pc partition's, which the exit
 * path knows, and saves the look at its platform.
 */
static inline __attribute__((always_inline)) void
policy_cpuid_hint(const struct vcpu *v, uint32_t leaf, uint32_t subleaf,
		  struct cpuid_regs *r, bool maybe_pc)
{
	if (likely(leaf == 0) && likely(r->eax <= CPUID_MAX_LEAF) &&
	    (!maybe_pc || r->eax >= CPUID_MIN_LEAF_PC ||
	     v->part->platform != HV_PLATFORM_PC))
		return;
	policy_cpuid_leaf(v, leaf, subleaf, r);
}

static inline __attribute__((always_inline)) void
policy_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf,
	     struct cpuid_regs *r)
{
	policy_cpuid_hint(v, leaf, subleaf, r, true);
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

/* What became of a port access. */
enum policy_io_result {
	IO_DONE, /* completed; a denied or unknown read gets all ones */
	IO_ENDED, /* the partition ended (a pc partition's isa-debug-exit) */
	IO_POWEROFF, /* ... and it was the parent: the run ends */
};

/*
 * A port access of size bytes. An hv partition reaches its virtual COM1
 * and nothing else; a pc partition its COM1 and the small devices of
 * hv/pcdev.h, and a port with no device reads as all ones and ignores
 * writes. Both are counted and logged once per port.
 */
enum policy_io_result policy_io(struct vcpu *v, uint16_t port, unsigned size,
				bool in, uint32_t *value);

/*
 * The guest wrote CR8. tpr_before and tpr_after are the host's TPR read
 * before the guest ran and after the exit: they must be equal. Reported
 * once per vCPU.
 */
void policy_cr8_written(struct vcpu *v, uint8_t value, uint8_t tpr_before,
			uint8_t tpr_after);

#endif
