// SPDX-License-Identifier: MIT
/*
 * Delivery between the local APICs of one partition's vCPUs, and the
 * waits of HLT and wait-for-SIPI (docs/platform.md, "Local APIC" and
 * "Start-up"; docs/architecture.md, "The virtual local APIC").
 *
 * A vCPU's model (struct vlapic) is touched only by the CPU that runs
 * the vCPU. An IPI to another vCPU goes into the target's inbox with
 * locked read-modify-writes, and its CPU is kicked out of guest mode, or
 * an idle CPU is kicked to pick it; the target's CPU drains the inbox
 * before its next VM entry. Destination decoding reads the targets' IDs,
 * LDR and DFR without a lock: each is one aligned word, and a guest that
 * changes a target's LDR while sending to it gets either value, as two
 * CPUs racing on a bus would.
 */
#include "hv/apic.h"

#include "hv/arch.h"
#include "hv/partition_table.h"
#include "hv/log.h"

static bool pc(const struct vcpu *v)
{
	return v->part->platform == HV_PLATFORM_PC;
}

/*
 * Its CPU leaves guest mode, or an idle CPU looks for it; halted in the
 * scheduler's heap, it goes to its run queue first. The caller posted
 * to its inbox with a locked write, before this reads where it is.
 */
static void kick(struct vcpu *u)
{
	uint32_t cpu;

	sched_ipi_wake(u);
	cpu = __atomic_load_n(&u->running_on, __ATOMIC_ACQUIRE);

	if (cpu != HV_CPU_NONE)
		smp_kick(cpu); /* a no-op for this CPU */
	else
		sched_kick_idle();
}

static void post(struct vcpu *src, struct vcpu *u, const struct vlapic_ipi *ipi)
{
	struct apic_inbox *in = &u->inbox;
	uint32_t flag;

	switch (ipi->mode) {
	case VLAPIC_DM_FIXED:
	case VLAPIC_DM_LOWEST:
		if (u == src) { /* this CPU owns the model: no inbox needed */
			vlapic_request(&u->apic, ipi->vector);
			return;
		}
		__atomic_fetch_or(&in->vec[ipi->vector / 32],
				  1u << (ipi->vector % 32), __ATOMIC_SEQ_CST);
		flag = APIC_INBOX_VECTORS;
		break;
	case VLAPIC_DM_NMI:
		flag = APIC_INBOX_NMI;
		break;
	case VLAPIC_DM_INIT:
		flag = APIC_INBOX_INIT;
		break;
	default: /* VLAPIC_DM_STARTUP */
		__atomic_store_n(&in->sipi_vector, ipi->vector, __ATOMIC_RELEASE);
		flag = APIC_INBOX_SIPI;
		break;
	}
	__atomic_fetch_or(&in->any, flag, __ATOMIC_SEQ_CST);
	stat_add_shared(&src->part->ipis_sent, 1);
	if (u != src)
		kick(u);
}

static bool targeted(const struct vcpu *src, const struct vcpu *u,
		     const struct vlapic_ipi *ipi)
{
	switch (ipi->shorthand) {
	case VLAPIC_SH_SELF:
		return u == src;
	case VLAPIC_SH_ALL:
		return true;
	case VLAPIC_SH_OTHERS:
		return u != src;
	default:
		return vlapic_match(&u->apic, ipi->dest, ipi->logical,
				    ipi->x2apic);
	}
}

/*
 * Every vCPU of the partition the IPI names gets it; lowest priority
 * goes to one of them: the lowest TPR priority class, and of equal ones
 * the lowest APIC ID (docs/platform.md). A destination that names none
 * is dropped and counted in the partition's record.
 */
static void send(struct vcpu *src, const struct vlapic_ipi *ipi)
{
	struct partition *p = src->part;
	struct vcpu *lowest = NULL;
	bool hit = false;

	if (ipi->deassert)
		return; /* INIT level de-assert: ignored, as by modern CPUs */
	for (uint32_t i = 0; i < p->vcpu_count; i++) {
		struct vcpu *u = &p->vcpus[i];

		if (!targeted(src, u, ipi))
			continue;
		hit = true;
		if (ipi->mode != VLAPIC_DM_LOWEST) {
			post(src, u, ipi);
			continue;
		}
		if (!lowest || vlapic_priority_class(&u->apic) <
				       vlapic_priority_class(&lowest->apic))
			lowest = u;
	}
	if (lowest)
		post(src, lowest, ipi);
	if (!hit)
		stat_add_shared(&p->ipis_dropped, 1);
}

/* An ICR write left an IPI in the model: it goes out now. */
static void flush_ipi(struct vcpu *v)
{
	struct vlapic_ipi ipi = v->apic.ipi;

	if (!ipi.pending)
		return;
	v->apic.ipi.pending = false;
	send(v, &ipi);
}

int vlapic_mmio_read(struct vcpu *v, uint32_t offset, uint64_t now,
		     uint32_t *val)
{
	return vlapic_xapic_read(&v->apic, offset, now, val);
}

int vlapic_mmio_write(struct vcpu *v, uint32_t offset, uint64_t now,
		      uint32_t val)
{
	int r = vlapic_xapic_write(&v->apic, offset, now, val);

	flush_ipi(v);
	return r;
}

uint64_t vlapic_xapic_base(const struct vcpu *v)
{
	return vlapic_mode(&v->apic) == VLAPIC_XAPIC ?
		       v->apic.base & ~0xfffull :
		       0;
}

int apic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t now, uint64_t *val)
{
	if (msr == IA32_APIC_BASE) {
		*val = v->apic.base;
		return 0;
	}
	if (msr == IA32_TSC_DEADLINE) {
		if (!pc(v))
			return -1;
		*val = vlapic_get_tsc_deadline(&v->apic, now);
		return 0;
	}
	return vlapic_rdmsr(&v->apic, msr, now, val);
}

int apic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t now, uint64_t val)
{
	int r;

	if (msr == IA32_APIC_BASE)
		return vlapic_set_base(&v->apic, val, vcpu_arch_maxphyaddr());
	if (msr == IA32_TSC_DEADLINE) {
		if (!pc(v))
			return -1;
		vlapic_set_tsc_deadline(&v->apic, now, val);
		return 0;
	}
	r = vlapic_wrmsr(&v->apic, msr, now, val);
	flush_ipi(v);
	return r;
}

bool apic_wakes(const struct vcpu *v)
{
	uint32_t any = __atomic_load_n(&v->inbox.any, __ATOMIC_ACQUIRE);

	switch (v->wait) {
	case VCPU_WAIT_HLT:
		return any & ~APIC_INBOX_SIPI;
	case VCPU_WAIT_HLT_NOIF:
		return any & (APIC_INBOX_NMI | APIC_INBOX_INIT);
	case VCPU_WAIT_SIPI:
		return any & (APIC_INBOX_INIT | APIC_INBOX_SIPI);
	default:
		return false; /* running, or hv's HLT: its timer alone */
	}
}

/*
 * The flag goes before the words: a vector posted after a word was read
 * sets the flag again, so it waits for the next drain and is not lost.
 * A disabled (or software-disabled) APIC does not accept fixed
 * interrupts: they are dropped, as a CPU's APIC ignores them then.
 */
bool apic_drain(struct vcpu *v)
{
	struct apic_inbox *in = &v->inbox;
	uint32_t any = __atomic_fetch_and(&in->any,
					  APIC_INBOX_INIT | APIC_INBOX_SIPI,
					  __ATOMIC_SEQ_CST);

	if (!(any & APIC_INBOX_VECTORS))
		return any & APIC_INBOX_NMI;
	for (int w = 0; w < 8; w++) {
		uint32_t bits = __atomic_exchange_n(&in->vec[w], 0,
						    __ATOMIC_SEQ_CST);

		if (!vlapic_enabled(&v->apic))
			continue;
		while (bits) {
			int b = __builtin_ctz(bits);

			bits &= bits - 1;
			vlapic_request(&v->apic, w * 32 + b);
		}
	}
	return any & APIC_INBOX_NMI;
}

uint32_t apic_take_startup(struct vcpu *v, uint8_t *sipi_vector)
{
	struct apic_inbox *in = &v->inbox;
	uint32_t any = __atomic_fetch_and(&in->any,
					  ~(APIC_INBOX_INIT | APIC_INBOX_SIPI),
					  __ATOMIC_SEQ_CST);

	*sipi_vector = (uint8_t)__atomic_load_n(&in->sipi_vector,
						__ATOMIC_ACQUIRE);
	return any & (APIC_INBOX_INIT | APIC_INBOX_SIPI);
}

/* Under partitions_lock: whether u, not the caller, may still run. */
static bool may_run(const struct vcpu *u)
{
	return u->running_on != HV_CPU_NONE || u->wait == VCPU_RUNNING ||
	       u->blocked_until != UINT64_MAX || apic_wakes(u);
}

bool apic_wait(struct vcpu *v, enum vcpu_wait how, uint64_t until)
{
	struct partition *p = v->part;
	bool stuck;

	plock();
	__atomic_store_n(&v->wait, how, __ATOMIC_RELEASE);
	v->blocked_until = until ? until : UINT64_MAX;
	stuck = !until && !apic_wakes(v);
	for (uint32_t i = 0; i < p->vcpu_count && stuck; i++) {
		struct vcpu *u = &p->vcpus[i];

		if (u != v && u->online && may_run(u))
			stuck = false;
	}
	if (stuck && p->state == PART_RUNNING) {
		p->state = PART_STOPPED;
		offline_all(p);
	}
	spin_unlock(&partitions_lock);
	if (!stuck)
		return true;
	vuart_flush(p);
	pr_info("partition %s: every vCPU waits with nothing to wake it: halted: stopped",
		p->name);
	return false;
}
