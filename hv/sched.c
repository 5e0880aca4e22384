// SPDX-License-Identifier: MIT
/*
 * The scheduler: every CPU's loop, which runs partitions' vCPUs in time
 * slices on whichever CPU is free and allowed, and idles when none can
 * run.
 */
#include "hv/partition_table.h"

#include "hv/arch.h"
#include "hv/log.h"
#include "hv/policy.h"
#include "hv/trace.h"

/* Set once, under partitions_lock: every CPU leaves its scheduler loop. */
bool sched_over;
/* When scheduling began and ended, for the report's CPU use figure. */
static uint64_t sched_start_tsc, sched_end_tsc;

/* CPUs halted in the scheduler look again: something became runnable. */
void sched_kick_idle(void)
{
	/* Whatever the caller changed is visible before the idle flags are
	 * read; partitions_run sets its flag before it looks (Dekker). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (uint32_t n = 0; n < smp_cpu_count(); n++)
		if (__atomic_load_n(&smp_cpu(n)->idle, __ATOMIC_ACQUIRE))
			smp_kick(n);
}

/* The end of scheduling on every CPU; with partitions_lock held. */
void end_all_locked(const char *why)
{
	if (sched_over)
		return;
	__atomic_store_n(&sched_over, true, __ATOMIC_RELEASE);
	sched_end_tsc = rdtsc();
	pr_info("scheduler: %s", why);
	for (uint32_t n = 0; n < smp_cpu_count(); n++)
		smp_kick(n);
}

uint64_t sched_elapsed(void)
{
	return sched_start_tsc && sched_end_tsc > sched_start_tsc ?
		       sched_end_tsc - sched_start_tsc :
		       0;
}

void sched_end(const char *why)
{
	plock();
	end_all_locked(why);
	spin_unlock(&partitions_lock);
}

/*
 * The next vCPU for CPU cpu, round-robin over every partition's vCPUs
 * from the one after prev (or after the last one picked anywhere), so
 * prev runs again only if nothing else can. Called with partitions_lock
 * held. *wake is the earliest time a vCPU blocked in HLT wants this CPU;
 * *live says whether any vCPU anywhere can still run.
 */
static uint32_t cursor = UINT32_MAX; /* none yet: the first search starts at slot 0 */

static struct vcpu *pick(uint32_t cpu, struct vcpu *prev, uint64_t now,
			 uint64_t *wake, bool *live)
{
	const uint32_t slots = slots_used * HV_MAX_VCPUS;
	uint32_t start;

	if (!slots)
		return NULL;
	start = cursor < slots ? cursor : slots - 1;
	if (prev)
		start = (uint32_t)(prev->part - partitions) * HV_MAX_VCPUS +
			prev->id;
	for (uint32_t k = 1; k <= slots; k++) {
		uint32_t i = (start + k) % slots;
		struct partition *p = &partitions[i / HV_MAX_VCPUS];
		struct vcpu *v = &p->vcpus[i % HV_MAX_VCPUS];

		/* A reset under way (busy while it is carried out): it runs
		 * again once restarted. */
		if (p->in_use && p->restart_pending)
			*live = true;
		if (!p->in_use || p->busy || i % HV_MAX_VCPUS >= p->vcpu_count)
			continue;
		if (p->state == PART_CREATED && p->autostart) {
			p->state = PART_RUNNING;
			pr_info("partition %s: running", p->name);
		}
		if (p->state != PART_RUNNING || !v->online)
			continue;
		*live = true;
#ifdef HV_MUTANT_PINNING
		/* Test-only mutant (tests/unit/unit.mk): ignores the pin, which
		 * test_sched's test_pinning must catch. Never built into hv. */
		(void)cpu;
		if (v->running_on != HV_CPU_NONE && v != prev)
			continue;
#else
		if ((v->pin != HV_CPU_NONE && v->pin != cpu) ||
		    (v->running_on != HV_CPU_NONE && v != prev))
			continue;
#endif
		/* Halted until its virtual timer fires, or waiting (a pc
		 * vCPU) for an IPI that has not come (hv/apic.c). */
		if (v->blocked_until > now && !apic_wakes(v)) {
			if (v->blocked_until < *wake)
				*wake = v->blocked_until;
			continue;
		}
		cursor = i;
		return v;
	}
	return NULL;
}

/*
 * A vCPU leaves this CPU: its VMCS is cleared here, where it is active,
 * before any other CPU may pick it; then an idle CPU is told, since the
 * vCPU may be runnable.
 */
static void let_go(struct vcpu *v)
{
	vcpu_arch_leave(v);
	__atomic_store_n(&v->running_on, HV_CPU_NONE, __ATOMIC_RELEASE);
	if (v->online && smp_cpu_count() > 1)
		sched_kick_idle();
}

/*
 * One slice of v on this CPU, with the accounting that is the
 * scheduler's: where it ran, how often it moved, how long it ran there.
 */
static enum vcpu_outcome run_slice(struct vcpu *v, uint32_t cpu,
				   uint64_t slice)
{
	uint64_t start = rdtsc(), took, stop_tsc;
	enum vcpu_outcome outcome;

	if (v->last_cpu != cpu) {
		if (v->last_cpu != HV_CPU_NONE)
			v->migrations++;
		v->last_cpu = cpu;
		__atomic_fetch_or(&v->part->cpus_used, 1u << cpu,
				  __ATOMIC_RELAXED);
	}
	v->blocked_until = 0;
	outcome = vcpu_arch_run(v, slice);
	took = rdtsc() - start;
	if (unlikely(__atomic_load_n(&v->part->trace, __ATOMIC_RELAXED)))
		trace_slice(v, start, start + took);
	v->run_tsc += took;
	v->cpu_run_tsc[cpu] += took;
	/* Stopped from another CPU: how long the kick took to bring it out. */
	stop_tsc = __atomic_load_n(&v->part->stop_tsc, __ATOMIC_ACQUIRE);
	if (stop_tsc && outcome == VCPU_STOPPED) {
		took = rdtsc() - stop_tsc;
		pr_info("partition %s: vcpu %u left cpu %u %lu tsc after the stop request: %lu ppm of its %lu-tsc slice",
			v->part->name, v->id, cpu, took,
			slice ? took * 1000000 / slice : 0, slice);
	}
	return outcome;
}

/*
 * Every CPU runs this loop: partitions take turns, one time slice each,
 * on whichever CPU is free and allowed, until none is left to run. A
 * shutdown from the parent, or a fault of the parent, ends everything.
 */
void partitions_run(uint64_t slice)
{
	struct percpu *pc = this_cpu();
	struct vcpu *prev = NULL;
	uint64_t unset = 0;

	__atomic_compare_exchange_n(&sched_start_tsc, &unset, rdtsc(), false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	for (;;) {
		uint64_t wake = UINT64_MAX;
		bool live = false;
		struct vcpu *next = NULL;
		enum vcpu_outcome outcome;
		struct partition *p;
		uint32_t seen;

		plock();
		/*
		 * Idle while looking, and the kick count read before: a CPU
		 * that makes something runnable without the lock (let_go)
		 * either is seen by pick or sees this flag and kicks, and the
		 * kick then cannot be lost before the HLT (docs/architecture.md,
		 * "Idle CPUs and kicks").
		 */
		__atomic_store_n(&pc->idle, true, __ATOMIC_SEQ_CST);
		seen = cpu_wake_seq();
		if (!sched_over) {
			next = pick(pc->index, prev, rdtsc(), &wake, &live);
			if (next)
				next->running_on = pc->index;
			else if (!live)
				end_all_locked("no partition can run");
		}
		__atomic_store_n(&pc->idle, !next && !sched_over,
				 __ATOMIC_RELEASE);
		spin_unlock(&partitions_lock);
		if (prev && prev != next)
			let_go(prev);
		prev = next;
		/* Between slices, and while idle, this CPU feeds the UART. */
		console_pump();
		if (!next) {
			if (sched_ending())
				return;
			/* Output waiting: back when the UART's FIFO has
			 * emptied (16 bytes at 115200 baud: 1/720 s). */
			if (console_pending()) {
				uint64_t soon = rdtsc() + policy_tsc_hz() / 720;

				if (soon < wake)
					wake = soon;
			}
			/* Nothing for this CPU: it sleeps until a vCPU's timer
			 * or another CPU's kick, not in a busy loop. */
			cpu_idle_until(wake, seen);
			continue;
		}
		p = next->part;
		pc->current = next;
		outcome = run_slice(next, pc->index, slice);
		pc->current = NULL;
		/* Only the CPU of the vCPU that reset it restarts it; the
		 * partition's other vCPUs just leave theirs. */
		if (__atomic_load_n(&p->restart_pending, __ATOMIC_ACQUIRE) &&
		    p->restart_by == next && !next->online) {
			let_go(next);
			prev = NULL;
			partition_restart(p);
			continue;
		}
		if (outcome == VCPU_POWEROFF) {
			vuart_flush(p);
			plock();
			p->state = PART_STOPPED;
			offline_all(p);
			stop_all_but_locked(p);
			end_all_locked("the parent powers off");
			spin_unlock(&partitions_lock);
		} else if (p->parent && p->state == PART_FAULTED) {
			parent_faulted(p);
		}
	}
}
