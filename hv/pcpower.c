// SPDX-License-Identifier: MIT
/*
 * How a pc partition powers off and resets (docs/platform.md, "How a pc
 * partition ends"): the FADT's sleep-control write of S5 ends it as
 * powered off; its reset register and a triple fault reset it, and its
 * manifest's on_reboot says whether it then starts again from its
 * images, in the RAM and vCPUs it already holds, or stops.
 */
#include "hv/partition_table.h"

#include "hv/arch.h"
#include "hv/log.h"
#include "hv/pcdev.h"
#include "lib/spinlock.h"
#include "lib/string.h"

/* Under the lock: the partition leaves guest mode everywhere. */
static void end_locked(struct partition *p)
{
	if (p->state == PART_RUNNING || p->state == PART_CREATED)
		p->state = PART_STOPPED;
	offline_all(p);
}

bool partition_power_off(struct vcpu *v)
{
	struct partition *p = v->part;

	vuart_flush(p);
	plock();
	if (partition_ended_locked(p)) {
		spin_unlock(&partitions_lock);
		return false;
	}
	p->powered_off = true;
	end_locked(p);
	spin_unlock(&partitions_lock);
	kick_partition(p);
	pr_info("partition %s: powered off (ACPI S5 by vcpu %u)%s", p->name,
		v->id, p->parent ? ": the parent's end ends the run" : "");
	return p->parent;
}

bool partition_reset(struct vcpu *v, const char *why)
{
	struct partition *p = v->part;
	bool restart = p->platform == HV_PLATFORM_PC &&
		       p->on_reboot == HV_ON_REBOOT_RESTART;
	uint64_t n;

	vuart_flush(p);
	plock();
	if (partition_ended_locked(p)) {
		spin_unlock(&partitions_lock);
		return false;
	}
	/* A stop the parent asked for wins over the guest's restart. */
	if (p->stop_requested)
		restart = false;
	p->resets++;
	/*
	 * Not ended, so no restart is pending: partition_restart ends one
	 * under the lock together with setting the state it leaves. A second
	 * vCPU's reset meanwhile returned above, so the restart stays with
	 * the CPU of the vCPU that reset it first, which alone carries it out
	 * or gives it up to a stop of the parent's.
	 */
	sched_restarts += restart;
	p->restart_pending = restart;
	p->restart_by = v;
	n = ratelimit_hit(&p->warn, WARN_RESET);
	p->restart_quiet = !n;
	end_locked(p);
	spin_unlock(&partitions_lock);
	kick_partition(p);
	pr_counted(n, WARN_RESET, HV_LOG_INFO,
		   "partition %s: reset by %s (vcpu %u): %s", p->name, why,
		   v->id,
		   restart ? "restarting from its images" :
			     "on_reboot = stop: stopped");
	return !restart && p->parent;
}

/*
 * The restart's time is the partition's, as its slices are: charged to
 * the vCPU that reset it, on this CPU. Zeroing 128 MiB of RAM and loading
 * a Linux kernel again takes some 10^8 TSC, which partition_info and the
 * final report would otherwise count as no one's, while this CPU ran no
 * other vCPU. (Zeroing in bounded steps between slices would also keep
 * the CPU's other vCPUs waiting less; the restart is rare and a reset
 * partition's own wait, so one step it stays.)
 */
static void charge_restart(struct partition *p, uint64_t start)
{
	struct vcpu *v = p->restart_by;
	uint64_t took = rdtsc() - start;

	v->run_tsc += took;
	v->cpu_run_tsc[this_cpu()->index] += took;
}

/*
 * On the CPU that ran the vCPU which reset it, after letting that vCPU
 * go: once its other vCPUs have left their CPUs, its RAM is zeroed, its
 * devices reset (the RTC's CMOS RAM kept, as a PC's battery keeps it)
 * and its images loaded again, and vCPU 0 enters as at
 * the first boot. It keeps its RAM, EPT, vCPUs, console and counters;
 * it allocates nothing.
 */
void partition_restart(struct partition *p)
{
	struct vcpu_pc_entry entry;
	uint8_t cmos[sizeof(p->pc.rtc.ram)];
	uint64_t start = rdtsc();
	int r;

	for (uint32_t i = 0; i < p->vcpu_count; i++)
		while (__atomic_load_n(&p->vcpus[i].running_on,
				       __ATOMIC_ACQUIRE) != HV_CPU_NONE)
			cpu_pause();
	plock();
	/*
	 * The parent may have stopped it since: then it stays stopped. Only
	 * this CPU ends the pending restart (partition_reset), and until it
	 * does no destroy claims the partition (partition_destroy), so its
	 * slot is this CPU's to read up to the unlock that ends it; the
	 * name is printed from a copy. Busy, once claimed below, it is
	 * invisible to the parent meanwhile.
	 */
	if (p->busy || p->stop_requested || !p->restart_pending) {
		char name[HV_NAME_MAX];

		sched_restarts -= p->restart_pending;
		p->restart_pending = false;
		memcpy(name, p->name, sizeof(name));
		spin_unlock(&partitions_lock);
		pr_info("partition %s: not restarted: the parent stopped it",
			name);
		return;
	}
	p->busy = true;
	spin_unlock(&partitions_lock);
	memset(partition_gpa_to_hva(p, 0, p->ram_size), 0, p->ram_size);
	plock();
	/* A PC's CMOS RAM is battery-backed: a reset keeps it. */
	memcpy(cmos, p->pc.rtc.ram, sizeof(cmos));
	pcdev_reset(&p->pc);
	memcpy(p->pc.rtc.ram, cmos, sizeof(cmos));
	p->exit_status = 0;
	p->powered_off = false;
	spin_unlock(&partitions_lock);
	r = pc_load(p, &p->spec, &entry);
	/*
	 * The VMCSs are set up again outside the lock too: busy, the
	 * partition is the parent's to see no more than its RAM, and the
	 * other vCPUs that come online here wait for a start-up IPI, so the
	 * scheduler finds nothing to run before vCPU 0 goes online below.
	 * Under the lock, those VMWRITEs made the parent's exits wait.
	 */
	if (!r)
		r = pc_start_vcpus(p, &entry);
	plock();
	sched_restarts -= p->restart_pending;
	p->restart_pending = false;
	p->busy = false;
	charge_restart(p, start);
	if (r) {
		p->state = PART_FAULTED;
		spin_unlock(&partitions_lock);
		pr_err("partition %s: cannot restart: %d: stopped", p->name, r);
		return;
	}
	p->vcpus[0].online = true;
	p->vcpus[0].started = true;
	p->state = PART_RUNNING;
	sched_wake_partition_locked(p);
	spin_unlock(&partitions_lock);
	if (!p->restart_quiet)
		pr_info("partition %s: restarted (reset %u)", p->name, p->resets);
	sched_kick_idle();
}
