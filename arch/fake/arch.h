/* SPDX-License-Identifier: MIT */
/*
 * A second implementation of the contract in hv/arch.h, for the host: hv/
 * built with -DHV_FAKE_ARCH gets these types and primitives instead of
 * arch/x86's, and arch/fake/fake.c implements every function the contract
 * declares. It runs no guest: a vCPU's time slice is whatever the test's
 * script for it says (run, halt until a deadline, halt for good, fault,
 * power off), the TSC is a counter the fake and the test advance, and
 * "CPUs" are per-CPU blocks that the test switches between on one host
 * thread. So the scheduler, the partition lifecycle and hypercall dispatch
 * run for real, deterministically, under the sanitizers.
 *
 * Only the primitives hv/ uses are here: a new use fails the host build,
 * which is the point.
 */
#ifndef ARCH_FAKE_ARCH_H
#define ARCH_FAKE_ARCH_H

#include <stdbool.h>
#include <stdint.h>

/* MSR numbers are facts of x86, not of the arch code: the MSR policy
 * names them on the host too. */
#include "arch/x86/msr.h"

struct vcpu;

/* What CPUID answers in; hv/cpuid.c filters it in place. */
struct cpuid_regs {
	uint64_t eax, ebx, ecx, edx;
};

/*
 * The fake's hypercall record: the number, five arguments and the status,
 * apart, so that a test sees whether the status was written at all
 * (status_set) and that the number is not taken for an argument.
 */
struct fake_hcall {
	uint64_t nr;
	uint64_t arg[5];
	int64_t status;
	bool status_set;
};

/* What a fake vCPU does in its slices (arch/fake/fake.h). */
struct fake_script;

struct vcpu_arch {
	struct fake_hcall hc;
	uint64_t xcr0, cr4;
	/* A pool page standing for the VMCS and the vCPU's other pages, so
	 * that their accounting is tested; 0 until vcpu_arch_alloc. */
	uint64_t page;
	/* What vcpu_arch_init (or vcpu_arch_init_pc) was last given. */
	bool initialized, pc;
	uint64_t rip, rdi, rsp, cr3;
	/* Where its "VMCS" is active, as in arch/x86: set on the CPU that
	 * runs it, cleared by vcpu_arch_leave there; HV_CPU_NONE when clear,
	 * from vcpu_arch_alloc on. */
	uint32_t active_on;
	uint32_t flushed; /* a bit per CPU that vcpu_arch_flush ran on */
	/* NULL: fake.default_script, or else it runs whole slices. */
	const struct fake_script *script;
	uint32_t slices; /* slices it was given */
};

/* A partition's "address space": pool pages standing for its EPT and
 * I/O bitmaps, taken under its owner id by partition_arch_init. */
#define FAKE_PARTITION_PAGES 3
struct partition_arch {
	uint64_t pages; /* the first of FAKE_PARTITION_PAGES, or 0 */
	uint32_t port_ranges;
};

static inline uint64_t hcall_nr(const struct vcpu_arch *a)
{
	return a->hc.nr;
}

static inline uint64_t hcall_arg(const struct vcpu_arch *a, unsigned n)
{
	return a->hc.arg[n < 5 ? n : 4];
}

static inline void hcall_set_status(struct vcpu_arch *a, int64_t status)
{
	a->hc.status = status;
	a->hc.status_set = true;
}

/* A per-CPU block: the members hv/ reads, and the fake's own. */
struct percpu {
	struct percpu *self;
	uint32_t index;
	bool idle; /* set by hv's scheduler while it looks and while idle */
	struct vcpu *current;
	uint32_t wake_seq; /* bumped by every kick, as in arch/x86 */
	uint32_t kicks; /* smp_kick()s received */
	uint32_t idles; /* cpu_idle_until() calls that waited */
	uint32_t woken; /* ... of which a kick ended */
	bool vmx_off; /* smp_call_vmx refuses it (a shutdown under way) */
};

/* The fake clock, in TSC ticks. Only the fake and the test move it. */
extern uint64_t fake_tsc;
extern uint64_t fake_pc_load_tsc; /* what a pc load costs (vcpu_arch_pc_missing) */
/* The CPU the host thread is being now: what this_cpu() returns. */
extern struct percpu *fake_cpu_now;

static inline uint64_t rdtsc(void)
{
	return fake_tsc;
}

static inline struct percpu *this_cpu(void)
{
	return fake_cpu_now;
}

/* A CPU that answers 0 to every leaf: tests of CPUID policy fake
 * policy_host_cpuid themselves (tests/unit/test_cpuid.c). */
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			 uint32_t *c, uint32_t *d)
{
	(void)leaf;
	(void)sub;
	*a = *b = *c = *d = 0;
}

/* Every MSR read faults: a host test never reads the host's. */
int rdmsr_safe(uint32_t msr, uint64_t *value);

#endif
