/* SPDX-License-Identifier: MIT */
/*
 * A virtual CPU: everything of a guest CPU that the VMCS does not hold.
 * The VMCS keeps RIP, RSP, RFLAGS, CR0/3/4, segments, EFER, PAT, DEBUGCTL
 * and SYSENTER_*; this struct keeps the rest, so that switching vCPUs on
 * one CPU can save and restore all of it.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hypercall.h"
#include "hv/stats.h"
#include "hv/vlapic.h"

struct partition;

/* arch/x86/vmx_entry.asm uses offsets generated from this struct and
 * from struct vcpu, never literals. */
/* What CPUID answers in: the guest's own RAX-RDX, which the CPUID exit
 * fills and hv/cpuid.c filters in place, with no copy in between. */
struct cpuid_regs {
	uint64_t eax, ebx, ecx, edx;
};

struct guest_regs {
	union {
		struct {
			uint64_t rax, rbx, rcx, rdx;
		};
		struct cpuid_regs cpuid;
	};
	uint64_t rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

struct vcpu {
	struct guest_regs regs;
	uint64_t cr2;
	uint64_t xcr0;
	uint64_t kernel_gs_base;
	uint64_t star, lstar, cstar, sfmask;
	uint64_t tsc_aux;
	uint64_t dr[4]; /* DR0-DR3 */
	uint64_t dr6;
	/* x87/SSE/AVX/AVX-512/PKRU state, standard form, sized by CPUID
	 * (arch/x86/vmx_vcpu.c) */
	uint8_t *xsave_area;

	uint64_t vmcs_pa;
	/* The HOST_RSP its VMCS holds; 0 when the host state was rewritten
	 * and it must be written again (arch/x86/vmx_entry.asm). */
	uint64_t host_rsp;
	bool launched; /* VMLAUNCH done on this VMCS since its VMCLEAR */
	bool window_exiting; /* interrupt-window exiting is on in its VMCS */
	/*
	 * SDM "Software Use of Virtual-Machine Control Structures": a VMCS
	 * is active on at most one CPU. vmcs_cpu is that CPU, or HV_CPU_NONE
	 * when the VMCS is clear; only that CPU changes it. running_on is
	 * the CPU the scheduler gave the vCPU to, set under partitions_lock
	 * and cleared by that CPU once its VMCS is clear again.
	 */
	uint32_t vmcs_cpu;
	uint32_t running_on;
	uint32_t last_cpu; /* where it last ran; its host state is that CPU's */
	uint32_t pin; /* the only CPU it may run on, or HV_CPU_NONE */
	uint32_t migrations; /* arrivals on a CPU other than the last one */
	uint32_t id; /* index in the partition */
	bool started; /* set up to run, once: vCPU 0 at creation, others by vcpu_start */
	bool online; /* started and not yet halted for good */
	uint16_t vpid;
	bool cr8_written; /* reported with the host TPR in the final report */
	uint32_t cr8_cpu; /* the CPU of its last CR8 write */
	struct partition *part;
	struct vlapic apic;
	/* Set by HLT with interrupts on: runs again at this TSC or earlier
	 * when an interrupt is pending. 0 when runnable. */
	uint64_t blocked_until;
	uint64_t slice_end; /* TSC at which the current time slice ends */
	/* An event whose delivery a VM exit interrupted, to deliver again. */
	uint32_t reinject_info, reinject_error, reinject_len;
	uint64_t run_tsc; /* TSC ticks it ran, time in hv for its exits included */
	uint64_t cpu_run_tsc[HV_INFO_MAX_CPUS]; /* run_tsc, by CPU */
	struct vcpu_stats *stats; /* a pool page of its partition's */
	/* With the VM-entry check on, a pool page of its partition's: the
	 * memo of its last check (arch/x86/vmcheck_hv.c). */
	void *vmcheck;
};

#endif
