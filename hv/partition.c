// SPDX-License-Identifier: MIT
/*
 * The partition table and each partition's life: created, started,
 * stopped, faulted, destroyed. Building one is hv/build.c's; running
 * them is the scheduler's (hv/sched.c); what is printed of them at the
 * end is hv/report.c's.
 */
#include "hv/partition_table.h"

#include "hv/arch.h"
#include "hv/errno.h"
#include "hv/load.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/policy.h"
#include "hv/trace.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* Id -> slot; a destroy gives the slot's pages back to the pool. */
struct partition *partition_slot[HV_MAX_PARTITIONS + 1];
struct spinlock partitions_lock;
uint32_t slots_used;

/* partitions_lock, with how long it made this CPU wait on record. */
void plock(void)
{
	uint64_t w = spin_lock_waited(&partitions_lock);

	if (w)
		stats_note_wait(w, "partitions_lock");
}

/* The slot of id, busy or not, or NULL. */
static struct partition *slot_of(uint64_t id)
{
	return id >= 1 && id <= HV_MAX_PARTITIONS ? partition_slot[id] : NULL;
}

struct partition *partition_by_id(uint32_t id)
{
	struct partition *p = slot_of(id);

	return p && !p->busy ? p : NULL;
}

uint32_t partition_ids(uint32_t *ids, uint32_t max)
{
	uint32_t n = 0;

	plock();
	for_each_partition(p) {
		if (p->busy)
			continue;
		if (n < max)
			ids[n] = p->id;
		n++;
	}
	spin_unlock(&partitions_lock);
	return n;
}

void *partition_gpa_to_hva(struct partition *p, uint64_t gpa, uint64_t len)
{
	if (gpa >= p->ram_size || len > p->ram_size - gpa)
		return NULL;
	return (void *)(uintptr_t)(p->ram_hpa + gpa);
}

/* Gives back everything a partition holds; its memory is zeroed on free. */
void partition_release(struct partition *p)
{
	for (uint32_t i = 0; i < p->vcpu_count; i++) {
		vcpu_arch_release(&p->vcpus[i]);
		stats_release(&p->vcpus[i]);
	}
	partition_arch_release(p);
	load_release(p);
#ifdef HV_MUTANT_POOL_LEAK
	/* Test-only mutant (tests/unit/unit.mk): gives back one page of the
	 * I/O log short, which test_lifecycle must catch. Never built into hv. */
	if (p->io_logged)
		palloc_free(mem_pool(), (uint64_t)(uintptr_t)p->io_logged,
			    4096, p->id);
#else
	if (p->io_logged)
		palloc_free(mem_pool(), (uint64_t)(uintptr_t)p->io_logged,
			    2 * 4096, p->id);
#endif
	if (p->ram_hpa && p->ram_freed < p->ram_size)
		palloc_free(mem_pool(), p->ram_hpa + p->ram_freed,
			    p->ram_size - p->ram_freed, p->id);
	/* The id is free again once the table forgets the slot; nothing
	 * finds the slot after that, so its pages go back unlocked. */
	plock();
	for (uint32_t i = 0; i < p->vcpu_count; i++)
		sched_unfile_locked(&p->vcpus[i]);
	if (p->restart_pending)
		sched_restarts--;
	p->in_use = false;
	if (partition_slot[p->id] == p)
		partition_slot[p->id] = NULL;
	spin_unlock(&partitions_lock);
	if (palloc_free(mem_pool(), (uint64_t)(uintptr_t)p,
			PARTITION_SLOT_PAGES * 4096, PALLOC_OWNER_HV))
		pr_err("partition slot at %p: not hv's pages: not freed", p);
}

/* Makes a partition built outside the lock visible to everyone. */
void publish(struct partition *p, bool autostart)
{
	plock();
	p->autostart = autostart;
	p->busy = false;
	sched_wake_partition_locked(p);
	spin_unlock(&partitions_lock);
	if (autostart)
		sched_kick_idle();
}

/*
 * Every change of a partition's state away from PART_RUNNING comes with
 * this, or follows its last vCPU going offline: a running vCPU checks
 * only its own online flag before each entry (arch/x86/vmx_exit.c).
 */
void offline_all(struct partition *p)
{
	for (uint32_t i = 0; i < p->vcpu_count; i++) {
		p->vcpus[i].online = false;
		sched_unfile_locked(&p->vcpus[i]);
	}
}

/*
 * Makes every CPU that runs one of p's vCPUs leave guest mode now: each
 * finds the partition no longer running at its next exit and lets the
 * vCPU go. The caller has changed p's state under partitions_lock.
 */
void kick_partition(struct partition *p)
{
	uint32_t me = this_cpu()->index;

	for (uint32_t i = 0; i < p->vcpu_count; i++) {
		uint32_t cpu = __atomic_load_n(&p->vcpus[i].running_on,
					       __ATOMIC_ACQUIRE);

		if (cpu != HV_CPU_NONE && cpu != me)
			smp_kick(cpu);
	}
}

/*
 * Whether no CPU runs any of p's vCPUs, so that their VMCSs are clear and
 * nothing of p is in use. Only a look: a management call never waits for
 * another CPU inside its own exit, since that CPU may be in the middle of
 * an exit that the guest made long, and the caller's exit would then be
 * as long (docs/architecture.md, "Stop and destroy").
 */
static bool off_cpus(const struct partition *p)
{
	for (uint32_t i = 0; i < p->vcpu_count; i++)
		if (__atomic_load_n(&p->vcpus[i].running_on,
				    __ATOMIC_ACQUIRE) != HV_CPU_NONE)
			return false;
	return true;
}

void vcpu_fault(struct vcpu *v, const char *fmt, ...)
{
	struct partition *p = v->part;
	char why[sizeof(p->last_fault)];
	bool first;
	va_list ap;

	if (v->stats)
		stats_final_exit(v->stats);
	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vuart_flush(p);
	/* Two vCPUs may fault at once on two CPUs: the first one's report
	 * is the partition's. */
	plock();
	first = p->state != PART_FAULTED;
	if (first) {
		memcpy(p->last_fault, why, sizeof(why));
		p->state = PART_FAULTED;
		stats_fault(p);
	}
	offline_all(p);
	spin_unlock(&partitions_lock);
	/* Its other vCPUs leave their CPUs on their own at their next exit. */
	kick_partition(p);
	if (p->vcpu_count > 1)
		pr_err("partition %s stopped: vcpu %u: %s", p->name, v->id, why);
	else
		pr_err("partition %s stopped: %s", p->name, why);
	vcpu_arch_dump(v);
}

/*
 * Ends every partition but keep, for a power-off or a parent fault.
 * Called with partitions_lock held.
 */
void stop_all_but_locked(struct partition *keep)
{
	for_each_partition(c) {
		if (c != keep && (c->state == PART_CREATED ||
				  c->state == PART_RUNNING)) {
			c->state = PART_STOPPED;
			offline_all(c);
			kick_partition(c);
			pr_info("partition %s: stopped", c->name);
		}
	}
}

/*
 * The parent's fault policy: the parent manages every child, so when it
 * faults nothing is left in charge. Its report is already out; every
 * child is stopped and hv powers off.
 */
void parent_faulted(struct partition *parent)
{
	pr_err("parent partition %s faulted: stopping every child and powering off",
	       parent->name);
	plock();
	stop_all_but_locked(parent);
	end_all_locked("the parent faulted");
	spin_unlock(&partitions_lock);
}

void vcpu_halted(struct vcpu *v, const char *why)
{
	struct partition *p = v->part;
	bool last = true;

	plock();
	v->online = false;
	sched_unfile_locked(v);
	for (uint32_t i = 0; i < p->vcpu_count; i++)
		if (p->vcpus[i].online)
			last = false;
	if (last && p->state == PART_RUNNING)
		p->state = PART_STOPPED;
	spin_unlock(&partitions_lock);
	if (!last) {
		pr_info("partition %s: vcpu %u %s", p->name, v->id, why);
		return;
	}
	vuart_flush(p);
	pr_info("partition %s: %s: stopped", p->name, why);
}

bool partition_debug_exit(struct vcpu *v, uint32_t status)
{
	struct partition *p = v->part;

	vuart_flush(p);
	plock();
	if (partition_ended_locked(p)) {
		spin_unlock(&partitions_lock);
		return false;
	}
	p->exit_status = status;
	p->state = PART_STOPPED;
	offline_all(p);
	spin_unlock(&partitions_lock);
	/* Its other vCPUs leave their CPUs at their next exit. */
	kick_partition(p);
	pr_info("partition %s: isa-debug-exit: status 0x%x (vcpu %u wrote 0x%x)%s",
		p->name, status, v->id, status >> 1,
		p->parent ? ": the parent's end ends the run" : "");
	return p->parent;
}

int64_t vcpu_start(struct vcpu *caller, uint64_t n, uint64_t rip,
		   uint64_t rsp, uint64_t cr3, uint64_t arg)
{
	struct partition *p = caller->part;
	struct vcpu *v;

	/* Building the vCPU's VMCS is part of creating the partition. */
	if (caller->stats)
		stats_mgmt_exit(caller->stats);
	/* A non-canonical RIP would be a VMCS hv wrote that no CPU enters
	 * (arch/x86/vmcheck.c, GUEST_RIP_LINEAR): refused here instead. */
	if (n >= p->vcpu_count || (cr3 & 0xfff) ||
	    (uint64_t)((int64_t)(rip << 16) >> 16) != rip ||
	    !partition_gpa_to_hva(p, cr3, 4096)) {
		stat_add_shared(&p->refused.hypercall, 1);
		return HV_EINVAL;
	}
	v = &p->vcpus[n];
	/* A vCPU starts once; its VMCS is set up only now. Claiming it
	 * under the lock keeps two callers from setting it up at once. */
	plock();
	if (v->started) {
		spin_unlock(&partitions_lock);
		return HV_EBUSY;
	}
	v->started = true;
	spin_unlock(&partitions_lock);
	if (vcpu_arch_init(v, rip, arg, rsp, cr3)) {
		__atomic_store_n(&v->started, false, __ATOMIC_RELEASE);
		return HV_ENOMEM;
	}
	plock();
	v->online = p->state == PART_RUNNING || p->state == PART_CREATED;
	sched_wake_locked(v);
	spin_unlock(&partitions_lock);
	pr_info("partition %s: vcpu %lu started at 0x%lx", p->name, n, rip);
	sched_kick_idle();
	return HV_OK;
}

int64_t partition_start(uint64_t id)
{
	struct partition *p;
	char name[HV_NAME_MAX];
	int64_t r = HV_OK;

	plock();
	p = id <= UINT32_MAX ? partition_by_id((uint32_t)id) : NULL;
	if (!p)
		r = HV_ENOENT;
	else if (p->state != PART_CREATED || p->autostart)
		r = HV_EBUSY;
	else
		p->state = PART_RUNNING;
	if (!r)
		sched_wake_partition_locked(p);
	/* A copy: once unlocked, another vCPU of the parent may destroy p. */
	if (!r)
		memcpy(name, p->name, sizeof(name));
	spin_unlock(&partitions_lock);
	if (r)
		return r;
	pr_info("partition %s: started", name);
	sched_kick_idle();
	return r;
}

/*
 * The slot of id for a stop or a destroy, with partitions_lock held: NULL
 * and the status to answer if there is none to act on. A slot being torn
 * down answers BUSY, never its contents: its memory is on its way back.
 * The id is the caller's whole 64-bit register, so that an id with high
 * bits set names no partition instead of another one.
 */
static struct partition *target_locked(uint64_t id,
				       const struct partition *caller,
				       int64_t *status)
{
	struct partition *p;

	p = slot_of(id);
	if (!p) {
		*status = HV_ENOENT;
		return NULL;
	}
	if (p->busy) {
		/* A pc partition's restart reloads it (hv/pcpower.c): the
		 * stop or destroy asks again once that is done, so a guest
		 * that resets without end cannot keep its parent out. */
		*status = p->restart_pending && !p->tearing ? HV_EAGAIN :
							      HV_EBUSY;
		return NULL;
	}
	if (p == caller) {
		*status = HV_EINVAL;
		return NULL;
	}
	return p;
}

/*
 * The first half of a stop, with partitions_lock held: the state change
 * stops the scheduler from picking p's vCPUs, and the kick makes the CPUs
 * running them leave guest mode. Each lets its vCPU go, VMCS cleared, at
 * its next exit; off_cpus() then says so. Doing it under the lock keeps p
 * from being torn down by another vCPU of the caller meanwhile.
 */
static void stop_locked(struct partition *p)
{
	if (p->state == PART_RUNNING || p->state == PART_CREATED) {
		p->state = PART_STOPPED;
		p->stop_tsc = rdtsc();
	}
	p->stop_requested = true;
	offline_all(p);
	kick_partition(p);
}

/*
 * Stop answers OK once p is off every CPU and PENDING before: the caller
 * asks again (guest/kernel/syscall.c yields between the tries). A stop of
 * a partition the parent stopped before is the same question again, so
 * it is answered the same way; a partition that ended on its own terms
 * (halt, fault, power-off, a reset with on_reboot = stop) was never the
 * parent's to stop: BUSY, as before.
 */
int64_t partition_stop(uint64_t id, const struct partition *caller)
{
	struct partition *p;
	char name[HV_NAME_MAX] = "";
	int64_t r = HV_OK;

	plock();
	p = target_locked(id, caller, &r);
	/* A reset that restarts it has not ended it: that stays the
	 * parent's to stop, and the restart then gives way. */
	if (p && !p->stop_requested && p->state != PART_RUNNING &&
	    p->state != PART_CREATED && !p->restart_pending) {
		r = HV_EBUSY;
		p = NULL;
	}
	if (p) {
		stop_locked(p);
		if (!off_cpus(p)) {
			r = HV_EAGAIN;
		} else if (!p->stop_reported) {
			/* Its last line may still be in its virtual UART. */
			vuart_flush(p);
			p->stop_reported = true;
			memcpy(name, p->name, sizeof(name));
		}
	}
	spin_unlock(&partitions_lock);
	/* Printed from a copy, outside the lock: p may be destroyed now. */
	if (name[0])
		pr_info("partition %s: stopped by the parent", name);
	return r;
}

/*
 * SDM "Invalidation of TLBs and Paging-Structure Caches": translations
 * tagged with the partition's EPTP and VPIDs may stay cached on every CPU
 * that ran it. They are dropped on each of those CPUs before its memory
 * can hold anything else.
 */
static void flush_partition(void *arg)
{
	struct partition *p = arg;

	for (uint32_t i = 0; i < p->vcpu_count; i++)
		vcpu_arch_flush(&p->vcpus[i]);
}

/* This exit's time counts apart from the bounded ones (hv/stats.h). */
void mgmt_exit(void)
{
	struct vcpu *me = this_cpu()->current;

	if (me && me->stats)
		stats_mgmt_exit(me->stats);
}

/*
 * One step of a destroy's RAM: zeroed and freed, the pool lock dropped
 * for the zeroing (hv/palloc.c). True once none is left.
 */
static bool free_ram_step(struct partition *p)
{
	uint64_t left = p->ram_size - p->ram_freed;
	uint64_t n = left < HV_DESTROY_STEP ? left : HV_DESTROY_STEP;

	if (n && !palloc_free(mem_pool(), p->ram_hpa + p->ram_freed, n, p->id))
		p->ram_freed += n;
	else if (n)
		return true; /* not the partition's: partition_release reports it */
	return p->ram_freed == p->ram_size;
}

/*
 * A destroy already under way, with partitions_lock held: the slot of id
 * if a call may take its next step now (it is marked stepping), NULL if
 * there is none under way. PENDING while another vCPU of the parent takes
 * a step.
 */
static struct partition *tearing_locked(uint64_t id, int64_t *status)
{
	struct partition *p;

	p = slot_of(id);
	if (!p || !p->tearing)
		return NULL;
	if (p->stepping) {
		*status = HV_EAGAIN;
		return NULL;
	}
	p->stepping = true;
	return p;
}

/* The end of a destroy, once its RAM is back: the rest, and the slot. */
static void destroy_finish(struct partition *p)
{
	char name[HV_NAME_MAX];
	uint64_t held;
	uint32_t owner;

	memcpy(name, p->name, sizeof(name));
	owner = p->id;
	held = p->destroy_held;
	partition_release(p);
	if (mem_pool()->owner_pages[owner])
		pr_err("partition %s: %lu pages not returned", name,
		       mem_pool()->owner_pages[owner]);
	pr_info("partition %s: destroyed; pool: %lu pages free (%lu returned)",
		name, mem_pool()->free_pages, held);
}

/* One step of a claimed teardown: OK once it is whole, PENDING before. */
static int64_t destroy_step(struct partition *p)
{
	if (free_ram_step(p)) {
		destroy_finish(p);
		return HV_OK;
	}
	plock();
	p->stepping = false;
	spin_unlock(&partitions_lock);
	return HV_EAGAIN;
}

/*
 * Destroy stops p first and answers PENDING while any CPU still runs one
 * of its vCPUs. The call that finds it off every CPU claims the teardown
 * (busy, under the lock): from then on a stop of p answers BUSY or, once
 * the slot is free, NOT_FOUND. Its RAM then goes back HV_DESTROY_STEP per
 * call: each further destroy of it claims the next step (stepping, under
 * the lock) and answers PENDING until the last, which frees the slot and
 * answers OK; a destroy while another vCPU of the parent takes a step
 * answers PENDING. So only one call at a time touches a partition that is
 * being freed.
 */
int64_t partition_destroy(uint64_t id, const struct partition *caller)
{
	struct partition *p;
	int64_t r = HV_OK;

	mgmt_exit();
	plock();
	p = tearing_locked(id, &r);
	if (p || r) {
		spin_unlock(&partitions_lock);
		return r ? r : destroy_step(p);
	}
	p = target_locked(id, caller, &r);
	if (p) {
		stop_locked(p);
		/* A restart pending is carried out, or given up, by the CPU
		 * of the vCPU that reset it first, which still uses the slot
		 * (hv/pcpower.c: a later reset leaves it pending). */
		if (off_cpus(p) && !p->restart_pending &&
		    !__atomic_load_n(&p->readers, __ATOMIC_ACQUIRE)) {
			vuart_flush(p);
			p->busy = true;
			p->tearing = p->stepping = true;
		} else {
			r = HV_EAGAIN;
		}
	}
	spin_unlock(&partitions_lock);
	if (r)
		return r;
	/*
	 * The one wait left is smp_call's, for each CPU's INVEPT/INVVPID. A
	 * CPU that has left VMX operation (a shutdown under way) kept no
	 * translation to flush, and INVEPT there is #UD: it is skipped.
	 */
	for (uint32_t n = 0; n < smp_cpu_count(); n++)
		if ((p->cpus_used & (1u << n)) &&
		    !smp_call_vmx(n, flush_partition, p))
			pr_info("partition %s: cpu %u has left VMX operation: nothing to flush there",
				p->name, n);
	partition_record(p);
	partition_audit(p);
	stats_keep_longest(p);
	p->destroy_held = mem_pool()->owner_pages[p->id];
	return destroy_step(p);
}
