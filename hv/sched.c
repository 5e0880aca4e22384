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
#include "lib/string.h"

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
 * The run queues. Every vCPU that may run is filed in one place, under
 * partitions_lock: the FIFO of runnable vCPUs of its class, or its
 * class's heap of vCPUs halted until a deadline (blocked_until); or it is
 * picked, on a CPU. The classes are the unpinned vCPUs (queues[0]) and
 * those pinned to CPU n (queues[1 + n]), so a CPU looks at two FIFOs and
 * two heaps, however many partitions there are: the pick costs the same
 * at 2 vCPUs as at 1,000 (test_sched_scale counts its steps).
 */
struct runq {
	struct vcpu *head, *tail; /* runnable, oldest first */
	struct vcpu *heap; /* a pairing heap: the earliest deadline first */
};

static struct runq queues[1 + HV_MAX_RUN_CPUS];
static uint64_t queue_seq; /* stamps each arrival in a FIFO */
static uint32_t filed; /* vCPUs in a FIFO or a heap */
static uint32_t picked; /* vCPUs picked and not filed again since */
/* Partitions with a restart pending (hv/pcpower.c): they run again. */
uint32_t sched_restarts;
/* For the host tests: run queue heads and expired deadlines pick has
 * looked at so far. */
uint64_t sched_pick_steps;
/*
 * A vCPU another CPU wants, still held by the CPU in handoff's index
 * while it lets it go: that CPU files it once it has (let_go).
 */
static struct vcpu *handoff[HV_MAX_RUN_CPUS];

void sched_reset(void)
{
	memset(queues, 0, sizeof(queues));
	memset(handoff, 0, sizeof(handoff));
	queue_seq = sched_pick_steps = 0;
	filed = picked = sched_restarts = 0;
	sched_over = false;
	sched_start_tsc = sched_end_tsc = 0;
}

static struct runq *queue_of(const struct vcpu *v)
{
#ifdef HV_MUTANT_PINNING
	/* Test-only mutant (tests/unit/unit.mk): ignores the pin, which
	 * test_sched's test_pinning must catch. Never built into hv. */
	(void)v;
	return &queues[0];
#else
	return v->pin == HV_CPU_NONE ? &queues[0] : &queues[1 + v->pin];
#endif
}

/* The smaller deadline's root becomes the other's parent. */
static struct vcpu *meld(struct vcpu *a, struct vcpu *b)
{
	struct vcpu *t;

	if (!a || !b)
		return a ? a : b;
	if (b->blocked_until < a->blocked_until) {
		t = a;
		a = b;
		b = t;
	}
	b->h_prev = a;
	b->h_sib = a->h_child;
	if (a->h_child)
		a->h_child->h_prev = b;
	a->h_child = b;
	return a;
}

/* The pairing heap's two passes over a list of siblings: one heap. */
static struct vcpu *merge_siblings(struct vcpu *first)
{
	struct vcpu *pairs = NULL, *root = NULL;

	while (first) {
		struct vcpu *a = first, *b = first->h_sib;

		first = b ? b->h_sib : NULL;
		a->h_sib = a->h_prev = NULL;
		if (b)
			b->h_sib = b->h_prev = NULL;
		a = meld(a, b);
		a->h_sib = pairs;
		pairs = a;
	}
	while (pairs) {
		struct vcpu *next = pairs->h_sib;

		pairs->h_sib = NULL;
		root = meld(root, pairs);
		pairs = next;
	}
	return root;
}

static void heap_remove(struct runq *q, struct vcpu *v)
{
	struct vcpu *rest = merge_siblings(v->h_child);

	if (q->heap == v) {
		q->heap = rest;
	} else {
		if (v->h_prev->h_child == v)
			v->h_prev->h_child = v->h_sib;
		else
			v->h_prev->h_sib = v->h_sib;
		if (v->h_sib)
			v->h_sib->h_prev = v->h_prev;
		q->heap = meld(q->heap, rest);
	}
	v->h_child = v->h_sib = v->h_prev = NULL;
}

static void fifo_push(struct runq *q, struct vcpu *v)
{
	v->sched_at = SCHED_QUEUED;
	v->sched_seq = ++queue_seq;
	v->q_next = NULL;
	v->q_prev = q->tail;
	if (q->tail)
		q->tail->q_next = v;
	else
		q->head = v;
	q->tail = v;
}

static void fifo_remove(struct runq *q, struct vcpu *v)
{
	if (v->q_prev)
		v->q_prev->q_next = v->q_next;
	else
		q->head = v->q_next;
	if (v->q_next)
		v->q_next->q_prev = v->q_prev;
	else
		q->tail = v->q_prev;
	v->q_next = v->q_prev = NULL;
}

/* What pick will not skip for good: the conditions of its checks. */
static bool may_queue(const struct vcpu *v)
{
	const struct partition *p = v->part;

	return p->in_use && !p->busy && v->id < p->vcpu_count && v->online &&
	       (p->state == PART_RUNNING ||
		(p->state == PART_CREATED && p->autostart));
}

/*
 * Files v, which is nowhere: the tail of its FIFO if it may run now, its
 * heap if it is halted until a deadline, and nowhere if it cannot run.
 * Halted, it is marked so before its inbox is looked at, and an IPI's
 * sender posts before it reads the mark (sched_ipi_wake): one of the two
 * sees the other (Dekker), so no IPI leaves it asleep.
 */
static void file(struct vcpu *v, uint64_t now)
{
	struct runq *q = queue_of(v);

	if (!may_queue(v)) {
		v->sched_at = SCHED_NOWHERE;
		return;
	}
	filed++;
	if (v->blocked_until > now) {
		__atomic_store_n(&v->sched_at, SCHED_HALTED, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!apic_wakes(v)) {
			v->h_child = v->h_sib = v->h_prev = NULL;
			q->heap = meld(q->heap, v);
			return;
		}
	}
	fifo_push(q, v);
}

void sched_unfile_locked(struct vcpu *v)
{
	struct runq *q = queue_of(v);
	uint32_t cpu = v->running_on;

	if (v->sched_at == SCHED_QUEUED)
		fifo_remove(q, v);
	else if (v->sched_at == SCHED_HALTED)
		heap_remove(q, v);
	if (v->sched_at == SCHED_QUEUED || v->sched_at == SCHED_HALTED) {
		filed--;
		__atomic_store_n(&v->sched_at, SCHED_NOWHERE, __ATOMIC_RELAXED);
	}
	/* Nothing is to be filed for it once it is let go. */
	if (cpu != HV_CPU_NONE && handoff[cpu] == v)
		handoff[cpu] = NULL;
}

/*
 * v, popped from a FIFO, is still on the CPU that ran it, which files
 * the vCPUs it held only until it lets them go. True if it has let v go
 * meanwhile: v is the caller's. Otherwise that CPU files v once it has
 * (let_go): it stores running_on before it reads handoff, this CPU
 * handoff before it reads running_on.
 */
static bool claim(struct vcpu *v)
{
	uint32_t cpu = __atomic_load_n(&v->running_on, __ATOMIC_ACQUIRE);

	if (cpu == HV_CPU_NONE)
		return true;
	__atomic_store_n(&handoff[cpu], v, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&v->running_on, __ATOMIC_SEQ_CST) != HV_CPU_NONE)
		return false;
	__atomic_store_n(&handoff[cpu], NULL, __ATOMIC_RELAXED);
	return true;
}

void sched_wake_locked(struct vcpu *v)
{
	if (v->sched_at == SCHED_NOWHERE && claim(v))
		file(v, rdtsc());
}

void sched_wake_partition_locked(struct partition *p)
{
	for (uint32_t i = 0; i < p->vcpu_count; i++)
		sched_wake_locked(&p->vcpus[i]);
}

void sched_ipi_wake(struct vcpu *v)
{
	if (__atomic_load_n(&v->sched_at, __ATOMIC_SEQ_CST) != SCHED_HALTED)
		return;
	plock();
	if (v->sched_at == SCHED_HALTED && apic_wakes(v)) {
		heap_remove(queue_of(v), v);
		fifo_push(queue_of(v), v);
	}
	spin_unlock(&partitions_lock);
}

/* The vCPUs of q whose deadline has come go to the tail of its FIFO. */
static void expire(struct runq *q, uint64_t now)
{
	while (q->heap && q->heap->blocked_until <= now) {
		struct vcpu *v = q->heap;

		sched_pick_steps++;
		heap_remove(q, v);
		fifo_push(q, v);
	}
}

static uint64_t earliest(const struct runq *q, uint64_t wake)
{
	return q->heap && q->heap->blocked_until < wake ? q->heap->blocked_until :
							  wake;
}

/*
 * The next vCPU for CPU cpu: the one that has waited longest of those it
 * may run, unpinned or pinned to it, so the vCPUs take turns round-robin
 * and prev, filed at the tail first, runs again only if nothing else can.
 * Called with partitions_lock held. *wake is the earliest time a vCPU
 * halted until a deadline wants this CPU; *live says whether any vCPU
 * anywhere can still run.
 */
static struct vcpu *pick(uint32_t cpu, struct vcpu *prev, uint64_t now,
			 uint64_t *wake, bool *live)
{
	struct runq *any = &queues[0], *mine = &queues[1 + cpu];

	/* Those whose deadline came while prev ran go before it. */
	expire(any, now);
	expire(mine, now);
	if (prev) {
		picked--;
		file(prev, now);
	}
	for (;;) {
		struct vcpu *a = any->head, *b = mine->head, *v;
		struct runq *q;

		if (!a && !b)
			break;
		q = !b || (a && a->sched_seq < b->sched_seq) ? any : mine;
		v = q->head;
		sched_pick_steps++;
		fifo_remove(q, v);
		filed--;
		v->sched_at = SCHED_NOWHERE;
		if (v != prev && !claim(v))
			continue;
		if (!may_queue(v))
			continue;
		if (v->part->state == PART_CREATED) {
			v->part->state = PART_RUNNING;
			pr_info("partition %s: running", v->part->name);
		}
		v->sched_at = SCHED_PICKED;
		picked++;
		*live = true;
		return v;
	}
	*wake = earliest(mine, earliest(any, *wake));
	*live = filed || picked || sched_restarts;
	return NULL;
}

/*
 * A vCPU leaves this CPU: its VMCS is cleared here, where it is active,
 * before any other CPU may pick it; then an idle CPU is told, since the
 * vCPU may be runnable. Read before running_on is cleared, since a
 * destroy may free the vCPU's slot once no CPU runs it; after, only a
 * handoff (claim) brings this CPU back to it, under the lock.
 */
static void let_go(struct vcpu *v)
{
	uint32_t cpu = this_cpu()->index;
	bool online = v->online;

	vcpu_arch_leave(v);
	__atomic_store_n(&v->running_on, HV_CPU_NONE, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (unlikely(__atomic_load_n(&handoff[cpu], __ATOMIC_SEQ_CST))) {
		plock();
		if (handoff[cpu] == v) {
			handoff[cpu] = NULL;
			file(v, rdtsc());
		}
		spin_unlock(&partitions_lock);
	}
	if (online && smp_cpu_count() > 1)
		sched_kick_idle();
}

/*
 * The preemption switch as hv sees it, by CPU: from the scheduler's look
 * after a vCPU's slice ended to the next vCPU's entry call, when that is
 * another vCPU. Pick, lock, VMCLEAR and the console's pump are in it;
 * the VM exit and entry are not (docs/benchmarks.md, "The switch").
 */
static uint64_t switch_tsc[HV_MAX_RUN_CPUS], switches[HV_MAX_RUN_CPUS];

void sched_switch_figures(uint64_t *count, uint64_t *tsc)
{
	*count = *tsc = 0;
	for (uint32_t n = 0; n < smp_cpu_count() && n < HV_MAX_RUN_CPUS; n++) {
		*count += __atomic_load_n(&switches[n], __ATOMIC_RELAXED);
		*tsc += __atomic_load_n(&switch_tsc[n], __ATOMIC_RELAXED);
	}
}

/*
 * One slice of v on this CPU, with the accounting that is the
 * scheduler's: where it ran, how often it moved, how long it ran there;
 * and the switch to it, if one began at switch_from.
 */
static enum vcpu_outcome run_slice(struct vcpu *v, uint32_t cpu,
				   uint64_t slice, uint64_t switch_from)
{
	uint64_t start = rdtsc(), took, stop_tsc;
	enum vcpu_outcome outcome;

	if (switch_from && cpu < HV_MAX_RUN_CPUS) {
		__atomic_store_n(&switch_tsc[cpu],
				 switch_tsc[cpu] + (start - switch_from),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&switches[cpu], switches[cpu] + 1,
				 __ATOMIC_RELAXED);
	}

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
	bool preempted = false; /* prev's slice ended on the timer */
	struct vcpu *prev_ran = NULL; /* what ran last, if nothing idled since */

	__atomic_compare_exchange_n(&sched_start_tsc, &unset, rdtsc(), false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	for (;;) {
		uint64_t wake = UINT64_MAX;
		bool live = false;
		struct vcpu *next = NULL;
		enum vcpu_outcome outcome;
		struct partition *p;
		uint32_t seen;
		uint64_t look = preempted ? rdtsc() : 0;

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
		if (!next) {
			prev_ran = NULL;
			preempted = false;
		}
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
		outcome = run_slice(next, pc->index, slice,
				    next != prev_ran ? look : 0);
		pc->current = NULL;
		preempted = outcome == VCPU_PREEMPTED;
		prev_ran = next;
		/* Only the CPU of the vCPU that reset it first restarts it; the
		 * partition's other vCPUs just leave theirs. */
		if (__atomic_load_n(&p->restart_pending, __ATOMIC_ACQUIRE) &&
		    p->restart_by == next && !next->online) {
			/* Offline, it is filed nowhere: the restart files
			 * the partition's vCPUs again. */
			plock();
			picked--;
			next->sched_at = SCHED_NOWHERE;
			spin_unlock(&partitions_lock);
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
