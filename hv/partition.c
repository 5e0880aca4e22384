// SPDX-License-Identifier: MIT
#include "hv/partition.h"

#include "arch/x86/ept.h"
#include "arch/x86/io.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/vmx_vcpu.h"
#include "hv/errno.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/policy.h"
#include "hv/start_info.h"
#include "hv/trace.h"
#include "lib/elf.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define MIB ((uint64_t)1 << 20)
#define CHUNK (2 * MIB)

/* Slot i holds partition id i + 1 while in use; destroy frees the slot. */
static struct partition partitions[HV_MAX_PARTITIONS];
struct spinlock partitions_lock;
/* One past the highest slot ever used: the scheduler scans no further. */
static uint32_t slots_used;
/* Set once, under partitions_lock: every CPU leaves its scheduler loop. */
bool sched_over;
/* When scheduling began and ended, for the report's CPU use figure. */
static uint64_t sched_start_tsc, sched_end_tsc;
/* The loader's images, for partitions created at run time. */
static const struct hv_boot_info *boot;

/* partitions_lock, with how long it made this CPU wait on record. */
static void plock(void)
{
	uint64_t w = spin_lock_waited(&partitions_lock);

	if (w)
		stats_note_wait(w, "partitions_lock");
}

#define for_each_partition(p)                                               \
	for (struct partition *p = partitions;                              \
	     p < partitions + HV_MAX_PARTITIONS; p++)                       \
		if (p->in_use)

struct partition *partition_by_id(uint32_t id)
{
	if (id < 1 || id > HV_MAX_PARTITIONS || !partitions[id - 1].in_use ||
	    partitions[id - 1].busy)
		return NULL;
	return &partitions[id - 1];
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

/*
 * The entry state of docs/guest.md: a GDT, identity page tables for the
 * first 4 GiB with 2 MiB pages, and start_info. The guest replaces all of
 * it with its own once it runs.
 */
static void build_start_state(struct partition *p, const char *cmdline)
{
	uint64_t *gdt = partition_gpa_to_hva(p, HV_GUEST_GDT, 24);
	uint64_t *pml4 = partition_gpa_to_hva(p, HV_GUEST_PAGE_TABLES, 4096);
	uint64_t *pdpt = pml4 + 512;
	uint64_t *pd = pdpt + 512;
	struct hv_start_info *si =
		partition_gpa_to_hva(p, HV_GUEST_START_INFO, sizeof(*si));

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* data, DPL 0 */

	/* Present, writable, user: the guest kernel decides what to narrow. */
	pml4[0] = (HV_GUEST_PAGE_TABLES + 0x1000) | 0x7;
	for (int i = 0; i < 4; i++) {
		pdpt[i] = (HV_GUEST_PAGE_TABLES + 0x2000 + i * 0x1000ull) | 0x7;
		for (int j = 0; j < 512; j++)
			pd[i * 512 + j] =
				((uint64_t)(i * 512 + j) << 21) | 0x87; /* PS */
	}

	si->magic = HV_START_INFO_MAGIC;
	si->version = HV_START_INFO_VERSION;
	si->partition_id = p->id;
	fmt_snprintf(si->name, sizeof(si->name), "%s", p->name);
	si->ram_size = p->ram_size;
	si->flags = p->parent ? HV_START_PARENT : 0;
	/* Console input is the parent's, so only it hears of a person. */
	if (p->parent && boot && boot->manifest.interactive)
		si->flags |= HV_START_INTERACTIVE;
	si->module_count = 0;
	fmt_snprintf(si->cmdline, sizeof(si->cmdline), "%s", cmdline);
}

/* Gives back everything a partition holds; its memory is zeroed on free. */
static void partition_release(struct partition *p)
{
	for (uint32_t i = 0; i < p->vcpu_count; i++) {
		vcpu_arch_release(&p->vcpus[i]);
		stats_release(&p->vcpus[i]);
	}
	if (p->ept.root)
		pt_destroy(&p->ept);
	if (p->io_logged)
		palloc_free(mem_pool(), (uint64_t)(uintptr_t)p->io_logged,
			    2 * 4096, p->id);
	if (p->io_bitmap_pa)
		palloc_free(mem_pool(), p->io_bitmap_pa, 2 * 4096, p->id);
	if (p->ram_hpa)
		palloc_free(mem_pool(), p->ram_hpa, p->ram_size, p->id);
	/* Zeroing clears in_use: the slot and its id are free again. */
	plock();
	memset(p, 0, sizeof(*p));
	spin_unlock(&partitions_lock);
}

static bool name_taken(const char *name)
{
	for_each_partition(q)
		if (!strncmp(q->name, name, HV_NAME_MAX))
			return true;
	return false;
}

/*
 * Claims a free slot for sp, under partitions_lock, so that two vCPUs of
 * the parent creating at once can neither share a slot nor a name, nor
 * both hold a template's ports. The slot stays busy until published.
 */
static int reserve_slot(const struct partition_spec *sp, struct partition **out)
{
	struct partition *p = NULL;

	if (name_taken(sp->name))
		return HV_EEXIST;
	/* One partition at a time may hold a template's ports. */
	if (sp->template_index && sp->port_range_count) {
		for_each_partition(q)
			if (q->template_index == sp->template_index)
				return HV_EBUSY;
	}
	for (uint32_t i = 0; i < HV_MAX_PARTITIONS && !p; i++)
		if (!partitions[i].in_use)
			p = &partitions[i];
	if (!p) {
		pr_err("partition %s: all %u partition slots are in use",
		       sp->name, HV_MAX_PARTITIONS);
		return HV_ENOSPC;
	}
	memset(p, 0, sizeof(*p));
	p->in_use = true;
	p->busy = true;
	p->id = (uint32_t)(p - partitions) + 1;
	trace_partition_new(p->id);
	if (p->id > slots_used)
		slots_used = p->id;
	fmt_snprintf(p->name, sizeof(p->name), "%s", sp->name);
	p->template_index = sp->template_index;
	*out = p;
	return 0;
}

static int load_image(struct partition *p, const struct hv_boot_module *img,
		      uint64_t *entry, uint64_t *end)
{
	const void *file = (const void *)(uintptr_t)img->phys;
	struct elf_info elf;
	char why[120];

	if (elf_check(file, img->size, &elf, why, sizeof(why))) {
		pr_err("partition %s: %s: %s", p->name, img->path, why);
		return HV_EINVAL;
	}
	if (elf.type != ELF_ET_EXEC || elf.min_vaddr < HV_GUEST_IMAGE_MIN ||
	    elf.max_vaddr > p->ram_size) {
		pr_err("partition %s: %s: segments [0x%lx, 0x%lx) must be a fixed-address image inside [0x%lx, 0x%lx)",
		       p->name, img->path, elf.min_vaddr, elf.max_vaddr,
		       HV_GUEST_IMAGE_MIN, p->ram_size);
		return HV_EINVAL;
	}
	elf_load(file, img->size, &elf,
		 partition_gpa_to_hva(p, elf.min_vaddr,
				      elf.max_vaddr - elf.min_vaddr));
	*entry = elf.entry;
	*end = elf.max_vaddr;
	return 0;
}

/* "hv/programs/init.elf" -> "init": what the guest kernel calls it. */
static void module_name(char *out, size_t n, const char *path)
{
	const char *base = path;
	size_t len;

	for (const char *c = path; *c; c++)
		if (*c == '/')
			base = c + 1;
	len = strlen(base);
	if (len > 4 && !strncmp(base + len - 4, ".elf", 4))
		len -= 4;
	if (len >= n)
		len = n - 1;
	memcpy(out, base, len);
	out[len] = '\0';
}

/*
 * Copies the partition's programs, unmodified, into its RAM from `from`
 * up, page aligned, and lists them in start_info for its kernel.
 */
static int load_programs(struct partition *p, const struct partition_spec *sp,
			 uint64_t from)
{
	struct hv_start_info *si =
		partition_gpa_to_hva(p, HV_GUEST_START_INFO, sizeof(*si));
	uint64_t gpa = (from + 4095) & ~4095ull;

	for (uint32_t i = 0; i < sp->program_count; i++) {
		const struct hv_boot_module *m = sp->programs[i];
		struct hv_start_module *sm;
		void *dst;

		dst = partition_gpa_to_hva(p, gpa, m->size);
		if (!dst || si->module_count == HV_START_MAX_MODULES) {
			pr_err("partition %s: program %s does not fit in its RAM (%lu MiB)",
			       p->name, m->path, p->ram_size >> 20);
			return HV_ENOSPC;
		}
		memcpy(dst, (const void *)(uintptr_t)m->phys, m->size);
		sm = &si->modules[si->module_count++];
		sm->gpa = gpa;
		sm->size = m->size;
		module_name(sm->name, sizeof(sm->name), m->path);
		gpa = (gpa + m->size + 4095) & ~4095ull;
	}
	return 0;
}

/*
 * Every port exits but the ones the manifest grants, which the partition
 * then drives directly. The manifest and the loader have already refused
 * grants of hv's own devices and of another partition's ports.
 */
static int build_io_bitmap(struct partition *p, const struct partition_spec *sp)
{
	uint8_t *bits;

	p->io_bitmap_pa = palloc_run(mem_pool(), 2, 1, p->id);
	if (!p->io_bitmap_pa) {
		pr_err("partition %s: no memory for its I/O bitmaps", p->name);
		return HV_ENOMEM;
	}
	bits = (uint8_t *)(uintptr_t)p->io_bitmap_pa;
	memset(bits, 0xff, 2 * 4096);
	for (uint32_t r = 0; r < sp->port_range_count; r++) {
		for (uint32_t port = sp->ports[r].first;
		     port <= sp->ports[r].last; port++)
			bits[port / 8] &= (uint8_t)~(1u << (port % 8));
		pr_info("partition %s: ports 0x%x-0x%x granted", p->name,
			sp->ports[r].first, sp->ports[r].last);
	}
	return 0;
}

/* Builds a partition from its spec into a free slot. */
static int partition_build(const struct partition_spec *sp,
			   struct partition **out)
{
	struct partition *p;
	uint64_t entry, end, t0 = rdtsc(), t1;
	int r;

	for (uint32_t n = 0; sp->cpus && n < sp->vcpus; n++) {
		if (sp->cpus[n] >= smp_cpu_count()) {
			pr_err("partition %s: vcpu %u is pinned to cpu %u, but hv runs %u cpu(s)",
			       sp->name, n, sp->cpus[n], smp_cpu_count());
			return HV_EINVAL;
		}
	}
	plock();
	r = reserve_slot(sp, &p);
	spin_unlock(&partitions_lock);
	if (r)
		return r;
	_Static_assert(HV_MAX_PARTITIONS < PALLOC_MAX_OWNERS,
		       "partition ids are pool owners");
	p->parent = sp->parent;
	p->msr_count = sp->msr_count;
	for (uint32_t i = 0; i < sp->msr_count; i++)
		p->msrs[i] = sp->msrs[i];
	p->ram_size = ((uint64_t)sp->ram_mb * MIB + CHUNK - 1) & ~(CHUNK - 1);
	p->trace = sp->trace;

	t1 = rdtsc();
	p->ram_hpa = palloc_run(mem_pool(), p->ram_size / 4096, CHUNK / 4096,
				p->id);
	p->stats.ram_tsc = rdtsc() - t1;
	if (!p->ram_hpa) {
		pr_err("partition %s: %lu MiB of RAM do not fit in the pool (%lu MiB free in one piece at most)",
		       p->name, p->ram_size / MIB,
		       palloc_largest_free_run(mem_pool()) * 4096 / MIB);
		r = HV_ENOMEM;
		goto fail;
	}
	r = HV_ENOMEM;
	/* One bit for each of the 65536 ports: two pages. */
	p->io_logged = (uint8_t *)(uintptr_t)palloc_run(mem_pool(), 2, 1, p->id);
	if (!p->io_logged) {
		pr_err("partition %s: no memory for its I/O log", p->name);
		goto fail;
	}
	r = build_io_bitmap(p, sp);
	if (r)
		goto fail;

	r = ept_build(&p->ept, p->ram_hpa, p->ram_size, mem_pool(), p->id);
	if (r) {
		pr_err("partition %s: cannot build its EPT: %d", p->name, r);
		goto fail;
	}
	r = load_image(p, sp->kernel, &entry, &end);
	if (r)
		goto fail;
	build_start_state(p, sp->cmdline);
	r = load_programs(p, sp, end);
	if (r)
		goto fail;

	/*
	 * Every vCPU has its own VPID: entries and exits flush nothing, so a
	 * shared one would let vCPUs use each other's translations.
	 */
	p->vcpu_count = sp->vcpus;
	for (uint32_t i = 0; i < p->vcpu_count && !r; i++) {
		struct vcpu *v = &p->vcpus[i];

		v->part = p;
		v->id = i;
		v->vmcs_cpu = HV_CPU_NONE;
		v->running_on = HV_CPU_NONE;
		v->last_cpu = HV_CPU_NONE;
		v->pin = sp->cpus ? sp->cpus[i] : HV_CPU_NONE;
		v->vpid = (uint16_t)((p->id - 1) * HV_MAX_VCPUS + i + 1);
		r = vcpu_arch_alloc(v);
		if (!r)
			r = stats_alloc(v);
	}
	if (!r)
		r = vcpu_arch_init(&p->vcpus[0], ept_pointer(&p->ept), entry,
				   HV_GUEST_START_INFO, HV_GUEST_STACK_TOP,
				   HV_GUEST_PAGE_TABLES);
	if (r) {
		pr_err("partition %s: cannot set up its vCPU: %d", p->name, r);
		goto fail;
	}
	p->vcpus[0].online = true;
	p->vcpus[0].started = true;
	p->state = PART_CREATED;
	p->stats.build_tsc = rdtsc() - t0;
	pr_info("partition %s: id %u, %lu MiB RAM at 0x%lx, entry 0x%lx, %u vCPU(s), %u program(s)%s",
		p->name, p->id, p->ram_size / MIB, p->ram_hpa, entry,
		p->vcpu_count, sp->program_count, p->parent ? ", parent" : "");
	for (uint32_t i = 0; i < p->vcpu_count; i++)
		if (p->vcpus[i].pin != HV_CPU_NONE)
			pr_info("partition %s: vcpu %u pinned to cpu %u", p->name,
				i, p->vcpus[i].pin);
	*out = p;
	return 0;
fail:
	partition_release(p);
	return r;
}

/* Makes a partition built outside the lock visible to everyone. */
static void publish(struct partition *p, bool autostart)
{
	plock();
	p->autostart = autostart;
	p->busy = false;
	spin_unlock(&partitions_lock);
	if (autostart)
		sched_kick_idle();
}

/* The spec of manifest partition index, with the images the loader read. */
static int spec_from_manifest(const struct hv_boot_info *bi, uint32_t index,
			      struct partition_spec *sp)
{
	const struct hv_manifest_partition *mp = &bi->manifest.partitions[index];

	memset(sp, 0, sizeof(*sp));
	sp->name = mp->name;
	sp->ram_mb = mp->ram_mb;
	sp->cmdline = mp->cmdline;
	sp->parent = mp->parent;
	sp->vcpus = mp->vcpus;
	sp->ports = mp->ports;
	sp->port_range_count = mp->port_range_count;
	sp->msrs = mp->msrs;
	sp->msr_count = mp->msr_count;
	sp->cpus = mp->cpu_count ? mp->cpus : NULL;
	sp->trace = mp->trace;
	for (uint32_t i = 0; i < bi->module_count; i++) {
		const struct hv_boot_module *m = &bi->modules[i];

		if (m->partition != index)
			continue;
		if (m->kind == HV_MODULE_KERNEL && !sp->kernel)
			sp->kernel = m;
		else if (m->kind == HV_MODULE_PROGRAM &&
			 sp->program_count < HV_START_MAX_MODULES)
			sp->programs[sp->program_count++] = m;
	}
	if (!sp->kernel) {
		pr_err("partition %s: the loader passed no kernel image",
		       mp->name);
		return HV_ENOENT;
	}
	return 0;
}

int partition_create(const struct hv_boot_info *bi, uint32_t index,
		     struct partition **out)
{
	struct partition_spec sp;
	int r;

	boot = bi;
	r = spec_from_manifest(bi, index, &sp);
	if (!r)
		r = partition_build(&sp, out);
	/* Manifest partitions are static: they start at boot. */
	if (!r)
		publish(*out, true);
	return r;
}

uint32_t partition_templates(struct hv_template *t, uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; boot && i < boot->manifest.partition_count; i++) {
		const struct hv_manifest_partition *mp =
			&boot->manifest.partitions[i];

		if (mp->start == HV_MANIFEST_START_BOOT)
			continue;
		if (n < max) {
			memset(&t[n], 0, sizeof(t[n]));
			fmt_snprintf(t[n].name, sizeof(t[n].name), "%s",
				     mp->name);
			fmt_snprintf(t[n].image, sizeof(t[n].image), "%s",
				     mp->image);
			t[n].start = mp->start == HV_MANIFEST_START_PARENT ?
					     HV_START_BY_PARENT :
					     HV_START_MANUAL;
			t[n].ram_mb = mp->ram_mb;
			t[n].vcpus = mp->vcpus;
			t[n].program_count = mp->program_count;
		}
		n++;
	}
	return n;
}

/*
 * Every change of a partition's state away from PART_RUNNING comes with
 * this, or follows its last vCPU going offline: a running vCPU checks
 * only its own online flag before each entry (arch/x86/vmx_exit.c).
 */
static void offline_all(struct partition *p)
{
	for (uint32_t i = 0; i < p->vcpu_count; i++)
		p->vcpus[i].online = false;
}

/*
 * Makes every CPU that runs one of p's vCPUs leave guest mode now: each
 * finds the partition no longer running at its next exit and lets the
 * vCPU go. The caller has changed p's state under partitions_lock.
 */
static void kick_partition(struct partition *p)
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

uint64_t partition_run_tsc(const struct partition *p)
{
	uint64_t t = 0;

	for (uint32_t i = 0; i < p->vcpu_count; i++)
		t += p->vcpus[i].run_tsc;
	return t;
}

uint64_t partition_exits(const struct partition *p)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < p->vcpu_count; i++) {
		const struct vcpu_stats *s = p->vcpus[i].stats;

		for (uint32_t r = 0; s && r < HV_INFO_EXIT_REASONS; r++)
			n += stat_read(&s->exits[r]);
	}
	return n;
}

struct tpr_reading {
	uint8_t now, at_start;
};

static void read_tpr(void *arg)
{
	struct tpr_reading *r = arg;

	r->now = lapic_tpr();
	r->at_start = lapic_boot_tpr();
}

/*
 * What hv checked on the partition's behalf: its writes to MSRs it owns
 * stayed in its vCPUs, and its CR8 writes left the real TPR of the CPU
 * they ran on as hv found it (read there).
 */
static void partition_audit(struct partition *p)
{
	if (p->msr_guest_writes)
		pr_info("  %s: %lu write(s) to MSRs it owns kept in its vCPUs (last 0x%x); the host's values unchanged",
			p->name, p->msr_guest_writes, p->msr_guest_last);
	for (uint32_t i = 0; i < p->vcpu_count; i++) {
		const struct vcpu *v = &p->vcpus[i];
		struct tpr_reading r;

		if (!v->cr8_written)
			continue;
		smp_call(v->cr8_cpu, read_tpr, &r);
		pr_info("  %s: vcpu %u: guest cr8 %u; host tpr of cpu %u %s (%u, %u at start)",
			p->name, i, vlapic_get_cr8(&v->apic), v->cr8_cpu,
			r.now == r.at_start ? "unchanged" : "CHANGED", r.now,
			r.at_start);
	}
}

static const char *const state_names[] = { "created", "running", "stopped",
					   "faulted" };

/*
 * hv's record of a partition, on one line, as it is destroyed: what it
 * was refused, the exceptions hv raised in it, and how it ended. The
 * attack battery judges each attacker by this line.
 */
static void partition_record(const struct partition *p)
{
	uint64_t gp = 0, ud = 0;

	for (uint32_t i = 0; i < p->vcpu_count; i++) {
		const struct vcpu_stats *s = p->vcpus[i].stats;

		if (s) {
			gp += s->injected[13];
			ud += s->injected[6];
		}
	}
	pr_info("partition %s: record: %s, refused io %lu msr %lu ept %lu hypercall %lu, injected #GP %lu #UD %lu, faults %lu",
		p->name, state_names[p->state], p->refused.io, p->refused.msr,
		p->refused.ept, p->refused.hypercall, gp, ud,
		stat_read(&p->stats.faults));
}

/* "cpu1 123 cpu3 456": where a vCPU's run time went, CPUs it never ran on
 * left out, so a pinned vCPU shows exactly one CPU. */
static void format_cpu_times(const struct vcpu *v, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (uint32_t c = 0; c < HV_INFO_MAX_CPUS && len < n; c++)
		if (v->cpu_run_tsc[c])
			len += (size_t)fmt_snprintf(out + len, n - len,
						    "%scpu%u %lu",
						    len ? " " : "", c,
						    v->cpu_run_tsc[c]);
}

void partitions_report(uint64_t tsc_hz)
{
	struct palloc *pool = mem_pool();


	uint64_t elapsed = sched_start_tsc && sched_end_tsc > sched_start_tsc ?
				   sched_end_tsc - sched_start_tsc :
				   0,
		 ran = 0;

	pr_info("final report: %u partition(s); pool: %lu pages free, %lu used by hv",
		partition_ids(NULL, 0), pool->free_pages,
		pool->owner_pages[PALLOC_OWNER_HV]);
	for_each_partition(p)
		ran += partition_run_tsc(p);
	/* Above 100% only if partitions ran on several CPUs at once. */
	pr_info("final report: %u cpu(s); partitions ran %lu tsc in %lu tsc of scheduling: %lu%% of one cpu",
		smp_cpu_count(), ran, elapsed,
		elapsed ? ran / (elapsed / 100 ?: 1) : 0);
	for_each_partition(p) {
		pr_info("  %s: %s, run time %lu us (%lu tsc), %lu exits, %lu pages; refused io %lu, msr %lu, ept %lu, hypercall %lu",
			p->name, state_names[p->state],
			tsc_hz ? partition_run_tsc(p) / (tsc_hz / 1000000 ?: 1) :
				 0,
			partition_run_tsc(p), partition_exits(p),
			pool->owner_pages[p->id], p->refused.io, p->refused.msr,
			p->refused.ept, p->refused.hypercall);
		for (uint32_t i = 0; i < p->vcpu_count; i++) {
			const struct vcpu *v = &p->vcpus[i];
			char times[160];

			if (v->last_cpu == HV_CPU_NONE)
				continue;
			format_cpu_times(v, times, sizeof(times));
			pr_info("  %s: vcpu %u: last cpu %u, %u migration(s), pinned %s; run tsc by cpu: %s",
				p->name, i, v->last_cpu, v->migrations,
				v->pin == HV_CPU_NONE ? "no" : "yes", times);
		}
		if (p->state == PART_FAULTED)
			pr_info("  %s: last fault: %s", p->name, p->last_fault);
		stats_report(p);
		partition_audit(p);
	}
	stats_report_longest(tsc_hz);
	trace_dump();
}

/*
 * Ends every partition but keep, for a power-off or a parent fault.
 * Called with partitions_lock held.
 */
static void stop_all_but_locked(struct partition *keep)
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

/* The end of scheduling on every CPU; with partitions_lock held. */
static void end_all_locked(const char *why)
{
	if (sched_over)
		return;
	__atomic_store_n(&sched_over, true, __ATOMIC_RELEASE);
	sched_end_tsc = rdtsc();
	pr_info("scheduler: %s", why);
	for (uint32_t n = 0; n < smp_cpu_count(); n++)
		smp_kick(n);
}

void sched_end(const char *why)
{
	plock();
	end_all_locked(why);
	spin_unlock(&partitions_lock);
}

/*
 * The parent's fault policy: the parent manages every child, so when it
 * faults nothing is left in charge. Its report is already out; every
 * child is stopped and hv powers off.
 */
static void parent_faulted(struct partition *parent)
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

int64_t vcpu_start(struct vcpu *caller, uint64_t n, uint64_t rip,
		   uint64_t rsp, uint64_t cr3, uint64_t arg)
{
	struct partition *p = caller->part;
	struct vcpu *v;

	/* Building the vCPU's VMCS is part of creating the partition. */
	if (caller->stats)
		stats_mgmt_exit(caller->stats);
	if (n >= p->vcpu_count || (cr3 & 0xfff) ||
	    !partition_gpa_to_hva(p, cr3, 4096)) {
		stat_add_shared(&p->refused.hypercall, 1);
		return HV_STATUS_INVALID;
	}
	v = &p->vcpus[n];
	/* A vCPU starts once; its VMCS is set up only now. Claiming it
	 * under the lock keeps two callers from setting it up at once. */
	plock();
	if (v->started) {
		spin_unlock(&partitions_lock);
		return HV_STATUS_BUSY;
	}
	v->started = true;
	spin_unlock(&partitions_lock);
	if (vcpu_arch_init(v, ept_pointer(&p->ept), rip, arg, rsp, cr3)) {
		__atomic_store_n(&v->started, false, __ATOMIC_RELEASE);
		return HV_STATUS_NO_MEMORY;
	}
	plock();
	v->online = p->state == PART_RUNNING || p->state == PART_CREATED;
	spin_unlock(&partitions_lock);
	pr_info("partition %s: vcpu %lu started at 0x%lx", p->name, n, rip);
	sched_kick_idle();
	return HV_STATUS_OK;
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

		if (!p->in_use || p->busy || i % HV_MAX_VCPUS >= p->vcpu_count)
			continue;
		if (p->state == PART_CREATED && p->autostart) {
			p->state = PART_RUNNING;
			pr_info("partition %s: running", p->name);
		}
		if (p->state != PART_RUNNING || !v->online)
			continue;
		*live = true;
		if ((v->pin != HV_CPU_NONE && v->pin != cpu) ||
		    (v->running_on != HV_CPU_NONE && v != prev))
			continue;
		/* Halted until its virtual timer fires. */
		if (v->blocked_until > now) {
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
		outcome = vcpu_arch_run(next, slice);
		pc->current = NULL;
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

/* A preloaded file by its ESP path, of any partition in the manifest. */
static const struct hv_boot_module *find_module(const char *path)
{
	for (uint32_t i = 0; boot && i < boot->module_count; i++)
		if (!strncmp(boot->modules[i].path, path, HV_PATH_MAX))
			return &boot->modules[i];
	return NULL;
}

static bool terminated(const char *s, size_t n)
{
	return strnlen(s, n) < n;
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static int64_t build_status(const struct partition_spec *sp)
{
	struct partition *p;
	int r = partition_build(sp, &p);

	if (r == HV_ENOMEM || r == HV_ENOSPC)
		return HV_STATUS_NO_MEMORY;
	if (r == HV_EEXIST || r == HV_EBUSY)
		return HV_STATUS_BUSY; /* the name, or the template's ports */
	if (r)
		return HV_STATUS_INVALID; /* e.g. an image that is no kernel */
	publish(p, false);
	return p->id;
}

/*
 * A copy of a manifest partition that hv did not start at boot, grants
 * included: the manifest, not the parent, decides what a child may touch.
 */
static int64_t create_from_template(const struct hv_partition_create *req)
{
	struct partition_spec sp;

	if (!valid_name(req->name))
		return HV_STATUS_INVALID;
	for (uint32_t i = 0; boot && i < boot->manifest.partition_count; i++) {
		const struct hv_manifest_partition *mp =
			&boot->manifest.partitions[i];

		if (mp->start == HV_MANIFEST_START_BOOT ||
		    strncmp(mp->name, req->template, HV_NAME_MAX))
			continue;
		if (spec_from_manifest(boot, i, &sp))
			return HV_STATUS_NOT_FOUND;
		sp.name = req->name;
		/* The parent may pass its own command line: an argument,
		 * never a grant. */
		if (req->cmdline[0])
			sp.cmdline = req->cmdline;
		sp.template_index = i + 1;
		return build_status(&sp);
	}
	return HV_STATUS_NOT_FOUND;
}

/* This exit's time counts apart from the bounded ones (hv/stats.h). */
static void mgmt_exit(void)
{
	struct vcpu *me = this_cpu()->current;

	if (me && me->stats)
		stats_mgmt_exit(me->stats);
}

int64_t partition_create_request(const struct hv_partition_create *req)
{
	struct partition_spec sp = {
		.name = req->name,
		.ram_mb = req->ram_mb,
		.cmdline = req->cmdline,
		.vcpus = req->vcpus,
	};

	mgmt_exit();
	if (!terminated(req->name, sizeof(req->name)) ||
	    !terminated(req->template, sizeof(req->template)) ||
	    !terminated(req->cmdline, sizeof(req->cmdline)))
		return HV_STATUS_INVALID;
	if (req->template[0])
		return create_from_template(req);
	if (!terminated(req->image, sizeof(req->image)) ||
	    !terminated(req->cmdline, sizeof(req->cmdline)) ||
	    !valid_name(req->name) || req->reserved || !req->vcpus ||
	    req->vcpus > HV_MAX_VCPUS ||
	    !req->ram_mb || req->ram_mb > HV_CREATE_RAM_MB_MAX ||
	    req->program_count > HV_CREATE_MAX_PROGRAMS)
		return HV_STATUS_INVALID;
	sp.kernel = find_module(req->image);
	if (!sp.kernel)
		return HV_STATUS_NOT_FOUND;
	for (uint32_t i = 0; i < req->program_count; i++) {
		if (!terminated(req->programs[i], sizeof(req->programs[i])))
			return HV_STATUS_INVALID;
		sp.programs[i] = find_module(req->programs[i]);
		if (!sp.programs[i])
			return HV_STATUS_NOT_FOUND;
	}
	sp.program_count = req->program_count;
	return build_status(&sp);
}

int64_t partition_start(uint64_t id)
{
	struct partition *p;
	char name[HV_NAME_MAX];
	int64_t r = HV_STATUS_OK;

	plock();
	p = id <= UINT32_MAX ? partition_by_id((uint32_t)id) : NULL;
	if (!p)
		r = HV_STATUS_NOT_FOUND;
	else if (p->state != PART_CREATED || p->autostart)
		r = HV_STATUS_BUSY;
	else
		p->state = PART_RUNNING;
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

	if (id < 1 || id > HV_MAX_PARTITIONS || !partitions[id - 1].in_use) {
		*status = HV_STATUS_NOT_FOUND;
		return NULL;
	}
	p = &partitions[id - 1];
	if (p->busy) {
		*status = HV_STATUS_BUSY;
		return NULL;
	}
	if (p == caller) {
		*status = HV_STATUS_INVALID;
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
 * (halt, fault) was never the parent's to stop: BUSY, as before.
 */
int64_t partition_stop(uint64_t id, const struct partition *caller)
{
	struct partition *p;
	char name[HV_NAME_MAX] = "";
	int64_t r = HV_STATUS_OK;

	plock();
	p = target_locked(id, caller, &r);
	if (p && !p->stop_requested && p->state != PART_RUNNING &&
	    p->state != PART_CREATED) {
		r = HV_STATUS_BUSY;
		p = NULL;
	}
	if (p) {
		stop_locked(p);
		if (!off_cpus(p)) {
			r = HV_STATUS_PENDING;
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

/*
 * Destroy stops p first and answers PENDING while any CPU still runs one
 * of its vCPUs. The call that finds it off every CPU claims the teardown
 * (busy, under the lock): from then on every other call about p answers
 * BUSY or, once the slot is free, NOT_FOUND, and only the claimant touches
 * it. So a stop and a destroy, or two destroys, from two vCPUs of the
 * parent never use a partition that is being freed.
 */
int64_t partition_destroy(uint64_t id, const struct partition *caller)
{
	struct partition *p;
	char name[HV_NAME_MAX];
	uint64_t held;
	uint32_t owner;
	int64_t r = HV_STATUS_OK;

	mgmt_exit();
	plock();
	p = target_locked(id, caller, &r);
	if (p) {
		stop_locked(p);
		if (off_cpus(p) &&
		    !__atomic_load_n(&p->readers, __ATOMIC_ACQUIRE)) {
			vuart_flush(p);
			p->busy = true;
		} else {
			r = HV_STATUS_PENDING;
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
	memcpy(name, p->name, sizeof(name));
	owner = p->id;
	held = mem_pool()->owner_pages[owner];
	partition_release(p);
	if (mem_pool()->owner_pages[owner])
		pr_err("partition %s: %lu pages not returned", name,
		       mem_pool()->owner_pages[owner]);
	pr_info("partition %s: destroyed; pool: %lu pages free (%lu returned)",
		name, mem_pool()->free_pages, held);
	return HV_STATUS_OK;
}
