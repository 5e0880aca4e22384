// SPDX-License-Identifier: MIT
#include "hv/policy.h"

#include "hv/arch.h"
#include "hv/apic.h"
#include "hv/hcargs.h"
#include "hv/hypercall.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/partition.h"
#include "hv/trace.h"
#include "lib/fmt.h"
#include "lib/string.h"

uint32_t policy_tsc_khz;

void policy_set_tsc_hz(uint64_t hz)
{
	policy_tsc_khz = (uint32_t)(hz / 1000);
}

uint64_t policy_tsc_hz(void)
{
	return (uint64_t)policy_tsc_khz * 1000;
}

static uint64_t wallclock, wallclock_tsc;

void policy_set_wallclock(uint64_t seconds, uint64_t tsc)
{
	wallclock = seconds;
	wallclock_tsc = tsc;
}

/* The firmware's clock at boot moved on by the TSC, or 0 without one. */
static uint64_t wallclock_now(void)
{
	uint64_t hz = policy_tsc_hz();

	if (!wallclock || !hz)
		return 0;
	return wallclock + (rdtsc() - wallclock_tsc) / hz;
}

void policy_host_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	uint32_t a, b, c, d;

	cpuid(leaf, subleaf, &a, &b, &c, &d);
	r->eax = a;
	r->ebx = b;
	r->ecx = c;
	r->edx = d;
}

/*
 * A pc partition's kernel writes a few MSRs at start-up whatever CPUID
 * says. The PMU's enable MSRs, where the PMU is hidden (leaf 0xA is
 * zeros), read 0, and a write of 0, which enables nothing, is a no-op;
 * any other value is #GP, as on a CPU without those counters.
 */
static bool pc_pmu_enable_msr(uint32_t msr)
{
	return (msr >= IA32_PERFEVTSEL0 && msr <= IA32_PERFEVTSEL7) ||
	       msr == IA32_FIXED_CTR_CTRL || msr == IA32_PERF_GLOBAL_CTRL ||
	       msr == IA32_PERF_GLOBAL_OVF_CTRL;
}

enum msr_kind policy_msr_kind(uint32_t msr)
{
	switch (msr) {
	/* Held in the VMCS guest state, or switched by hv with the vCPU;
	 * kernels write them once at boot, so their writes can afford an
	 * exit. */
	case IA32_SYSENTER_CS:
	case IA32_SYSENTER_ESP:
	case IA32_SYSENTER_EIP:
	case IA32_DEBUGCTL:
	case IA32_PAT:
	case IA32_EFER:
	case IA32_STAR:
	case IA32_LSTAR:
	case IA32_CSTAR:
	case IA32_FMASK:
		return MSR_GUEST_AUDITED;
	/* Written often (FS/GS bases at every thread switch): no exits. */
	case IA32_FS_BASE:
	case IA32_GS_BASE:
	case IA32_KERNEL_GS_BASE:
	case IA32_TSC_AUX:
		return MSR_GUEST_OWNED;
	case IA32_TIME_STAMP_COUNTER:
	case IA32_PLATFORM_ID:
	case IA32_APIC_BASE:
	case IA32_FEATURE_CONTROL:
	case IA32_BIOS_SIGN_ID:
	case IA32_MTRRCAP:
	case IA32_MISC_ENABLE:
	case IA32_MTRR_DEF_TYPE:
		return MSR_READ_ONLY;
	default:
		return MSR_DENIED;
	}
}

void policy_msr_audited(struct vcpu *v, uint32_t msr, uint64_t value)
{
	struct partition *p = v->part;

	__atomic_fetch_add(&p->msr_guest_writes, 1, __ATOMIC_RELAXED);
	p->msr_guest_last = msr;
	pr_limited(&p->warn, WARN_MSR_AUDITED, HV_LOG_DEBUG,
		   "%s: wrmsr 0x%x = 0x%lx kept in vcpu %u; host value unchanged",
		   p->name, msr, value, v->id);
}

static void count_msr_refusal(struct vcpu *v, uint32_t msr, bool write)
{
	stat_add_shared(&v->part->refused.msr, 1);
	pr_limited(&v->part->warn, WARN_MSR, HV_LOG_DEBUG,
		   "%s: %s of MSR 0x%x refused (#GP)", v->part->name,
		   write ? "write" : "read", msr);
}

int policy_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *value)
{
	if ((msr >= IA32_X2APIC_FIRST && msr <= IA32_X2APIC_LAST) ||
	    msr == IA32_APIC_BASE || msr == IA32_TSC_DEADLINE) {
		if (!apic_rdmsr(v, msr, rdtsc(), value))
			return 0;
		count_msr_refusal(v, msr, false);
		return -1;
	}
	switch (msr) {
	case IA32_TIME_STAMP_COUNTER:
		*value = rdtsc();
		return 0;
	case IA32_FEATURE_CONTROL:
		*value = FEATURE_CONTROL_LOCK; /* with VMX off: guests get no VMX */
		return 0;
	case IA32_MISC_ENABLE:
		*value = MISC_ENABLE_FAST_STRINGS;
		return 0;
	case IA32_MTRR_DEF_TYPE:
		*value = MTRR_DEF_TYPE_E | MTRR_TYPE_WB;
		return 0;
	case IA32_PLATFORM_ID:
	case IA32_BIOS_SIGN_ID:
	case IA32_MTRRCAP:
		*value = 0;
		return 0;
	default:
		if (v->part->platform == HV_PLATFORM_PC && pc_pmu_enable_msr(msr)) {
			*value = 0;
			return 0;
		}
		if (v->part->platform == HV_PLATFORM_PC &&
		    msr == MSR_PLATFORM_INFO) {
			/* Bits 15:8, the TSC's ratio to the 100 MHz bus, as
			 * CPUID 0x16 gives the same rate (hv/cpuid.c). */
			*value = (uint64_t)((policy_tsc_khz + 50000) / 100000 & 0xff)
				 << 8;
			return 0;
		}
		if (v->part->platform == HV_PLATFORM_PC &&
		    msr == MSR_MISC_FEATURES_ENABLES) {
			*value = 0; /* no CPUID faulting, no ring-3 MWAIT */
			return 0;
		}
		/* MSRs the manifest lets this partition read: the real value,
		 * or #GP when this CPU has no such MSR. */
		for (uint32_t i = 0; i < v->part->msr_count; i++)
			if (v->part->msrs[i] == msr &&
			    !rdmsr_safe(msr, value))
				return 0;
		count_msr_refusal(v, msr, false);
		return -1;
	}
}

int policy_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value)
{
	if ((msr >= IA32_X2APIC_FIRST && msr <= IA32_X2APIC_LAST) ||
	    msr == IA32_APIC_BASE || msr == IA32_TSC_DEADLINE) {
		/* hv partitions: APIC_BASE only rewritten as it reads. */
		if (!apic_wrmsr(v, msr, rdtsc(), value))
			return 0;
	} else if (v->part->platform == HV_PLATFORM_PC &&
		   ((msr == IA32_MISC_ENABLE && value == MISC_ENABLE_FAST_STRINGS) ||
		    (msr == IA32_FEATURE_CONTROL && value == FEATURE_CONTROL_LOCK) ||
		    ((msr == IA32_BIOS_SIGN_ID ||
		      msr == MSR_MISC_FEATURES_ENABLES) && !value) ||
		    (pc_pmu_enable_msr(msr) && !value))) {
		/* What a pc kernel writes at start-up: the value MISC_ENABLE
		 * reads (Linux writes back what it read), FEATURE_CONTROL's
		 * lock that is already set (Linux locks it when the BIOS did
		 * not), 0 to BIOS_SIGN_ID before reading the microcode
		 * revision through CPUID, no MISC_FEATURES, the PMU off. */
		return 0;
	}
	count_msr_refusal(v, msr, true);
	return -1;
}

/* The small devices of a pc partition (hv/pcdev.c), under its lock:
 * its vCPUs may reach them from several CPUs at once. */
static enum pcdev_answer pc_io(struct partition *p, uint16_t port,
			       unsigned size, bool in, uint32_t *value)
{
	const struct pc_board board = {
		.ram_size = p->ram_size,
		.cpus = p->vcpu_count,
		.now = port == PC_RTC_DATA ? wallclock_now() : 0,
	};
	enum pcdev_answer a;

	spin_lock(&p->lock);
	a = pcdev_io(&p->pc, &board, port, size, in, value);
	spin_unlock(&p->lock);
	return a;
}

enum policy_io_result policy_io(struct vcpu *v, uint16_t port, unsigned size,
				bool in, uint32_t *value)
{
	struct partition *p = v->part;
	uint8_t *logged = p->io_logged;
	bool pc = p->platform == HV_PLATFORM_PC;

	if (vuart_handles(port) && size == 1) {
		vuart_io(p, port, in, value);
		return IO_DONE;
	}
	if (pc) {
		switch (pc_io(p, port, size, in, value)) {
		case PCDEV_DONE:
			return IO_DONE;
		case PCDEV_DEBUG_EXIT:
			return partition_debug_exit(v, *value) ? IO_POWEROFF :
								 IO_ENDED;
		case PCDEV_POWER_OFF:
			return partition_power_off(v) ? IO_POWEROFF : IO_ENDED;
		case PCDEV_RESET:
			return partition_reset(v, "the ACPI reset register") ?
				       IO_POWEROFF :
				       IO_ENDED;
		case PCDEV_NONE:
			break;
		}
	}
	stat_add_shared(&p->refused.io, 1);
	if (in)
		*value = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	/*
	 * A guest probing ports must not flood the log: each port is logged
	 * once, and the first accesses of distinct ports are rate-limited, so
	 * a scan of all 65,536 prints 21 lines. A pc partition's probe of a
	 * port with no device is what a PC answers, not a refusal.
	 */
	if (!(logged[port / 8] & (1u << (port % 8)))) {
		logged[port / 8] |= (uint8_t)(1u << (port % 8));
		if (pc)
			pr_limited(&p->warn, WARN_PORT_ABSENT, HV_LOG_INFO,
				   "%s: %s of port 0x%x, which has no device: %s (logged once per port)",
				   p->name, in ? "read" : "write", port,
				   in ? "all ones" : "ignored");
		else
			pr_limited(&p->warn, WARN_PORT, HV_LOG_WARN,
				   "%s: denied %s of port 0x%x (logged once per port)",
				   p->name, in ? "read" : "write", port);
	}
	return IO_DONE;
}


void policy_cr8_written(struct vcpu *v, uint8_t value, uint8_t tpr_before,
			uint8_t tpr_after)
{
	/* The guest never runs with the real CR8, so this is hv's own bug. */
	if (tpr_before != tpr_after)
		panic("%s: the host TPR changed from %u to %u across a guest CR8 write",
		      v->part->name, tpr_before, tpr_after);
	v->cr8_written = true;
	v->cr8_cpu = this_cpu()->index;
	pr_limited(&v->part->warn, WARN_CR8, HV_LOG_DEBUG,
		   "%s: cr8 write of %u kept in the vCPU", v->part->name, value);
}
