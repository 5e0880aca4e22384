// SPDX-License-Identifier: MIT
/*
 * Building a partition: from the manifest at boot, or from a parent's
 * request, into a free slot of the partition table. Everything a build
 * took is given back when any step of it fails.
 */
#include "hv/partition_table.h"

#include "hv/arch.h"
#include "hv/errno.h"
#include "hv/load.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/start_info.h"
#include "hv/trace.h"
#include "lib/elf.h"
#include "lib/fmt.h"
#include "lib/load.h"
#include "lib/name.h"
#include "lib/string.h"

#define MIB ((uint64_t)1 << 20)
#define GIB (1ull << 30)
#define CHUNK (2 * MIB)

/* The loader's images, for partitions created at run time. */
static const struct hv_boot_info *boot;

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

static bool name_taken(const char *name)
{
	for_each_partition(q)
		if (!strncmp(q->name, name, HV_NAME_MAX))
			return true;
	return false;
}

/*
 * Claims a free id and a slot for sp, under partitions_lock, so that two
 * vCPUs of the parent creating at once can neither share an id nor a
 * name, nor both hold a template's ports. The slot's pages come from the
 * pool, zero as every free page is; it stays busy until published.
 */
static int reserve_slot(const struct partition_spec *sp, struct partition **out)
{
	struct partition *p;
	uint32_t id = 1;

	if (name_taken(sp->name))
		return HV_EEXIST;
	/* One partition at a time may hold a template's ports. */
	if (sp->template_index && sp->port_range_count) {
		for_each_partition(q)
			if (q->template_index == sp->template_index)
				return HV_EBUSY;
	}
	while (id <= HV_MAX_PARTITIONS && partition_slot[id])
		id++;
	if (id > HV_MAX_PARTITIONS) {
		pr_err("partition %s: all %u partition ids are in use",
		       sp->name, HV_MAX_PARTITIONS);
		return HV_ENOSPC;
	}
	p = (struct partition *)(uintptr_t)palloc_run(
		mem_pool(), PARTITION_SLOT_PAGES, 1, PALLOC_OWNER_HV);
	if (!p) {
		pr_err("partition %s: no memory for its slot (%lu pages)",
		       sp->name, (uint64_t)PARTITION_SLOT_PAGES);
		return HV_ENOMEM;
	}
	partition_slot[id] = p;
	p->in_use = true;
	p->busy = true;
	p->id = id;
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
		load_copy(dst, (const void *)(uintptr_t)m->phys, m->size);
		sm = &si->modules[si->module_count++];
		sm->gpa = gpa;
		sm->size = m->size;
		module_name(sm->name, sizeof(sm->name), m->path);
		gpa = (gpa + m->size + 4095) & ~4095ull;
	}
	return 0;
}

int pc_start_vcpus(struct partition *p, const struct vcpu_pc_entry *entry)
{
	const struct vcpu_pc_entry wait = {
		.mode = VCPU_PC_REAL, .cs_selector = 0xf000, .eip = 0xfff0,
	};
	int r;

	/* Nothing the last boot sent is delivered to the next (a restart):
	 * no CPU posts to a partition none of whose vCPUs runs. */
	for (uint32_t i = 0; i < p->vcpu_count; i++)
		memset(&p->vcpus[i].inbox, 0, sizeof(p->vcpus[i].inbox));
	r = vcpu_arch_init_pc(&p->vcpus[0], entry);
	p->vcpus[0].wait = VCPU_RUNNING;
	p->vcpus[0].blocked_until = 0;
	for (uint32_t i = 1; i < p->vcpu_count && !r; i++) {
		struct vcpu *v = &p->vcpus[i];

		r = vcpu_arch_init_pc(v, &wait);
		v->wait = VCPU_WAIT_SIPI;
		v->blocked_until = UINT64_MAX;
		v->online = v->started = true;
	}
	return r;
}

/* Builds a partition from its spec into a free slot. */
static int partition_build(const struct partition_spec *sp,
			   struct partition **out)
{
	struct partition *p;
	struct vcpu_pc_entry pc_entry;
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
	partition_trace_set(p, sp->trace);
	p->platform = sp->platform;
	p->on_reboot = sp->on_reboot;
	p->spec = *sp;
	p->spec.name = p->name;
	fmt_snprintf(p->spec_cmdline, sizeof(p->spec_cmdline), "%s",
		     sp->cmdline ? sp->cmdline : "");
	p->spec.cmdline = p->spec_cmdline;
	p->emulate_apic_access = sp->emulate_apic_access;
	p->emulate_apic_registers = sp->emulate_apic_registers;
	p->watch_eoi = sp->watch_eoi;
	pcdev_reset(&p->pc);

	t1 = rdtsc();
	/*
	 * 1 GiB aligned first when it is that large, so that EPT can map it
	 * with 1 GiB pages where the CPU has them (arch/x86/ept.c); the pool
	 * hands it out zeroed without zeroing it now (hv/palloc.c).
	 */
	if (p->ram_size >= GIB)
		p->ram_hpa = palloc_run(mem_pool(), p->ram_size / 4096,
					GIB / 4096, p->id);
	if (!p->ram_hpa)
		p->ram_hpa = palloc_run(mem_pool(), p->ram_size / 4096,
					CHUNK / 4096, p->id);
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
	r = partition_arch_init(p, sp->ports, sp->port_range_count);
	if (!r)
		r = load_begin(p);
	if (r)
		goto fail;
	if (sp->platform == HV_PLATFORM_PC) {
		r = pc_load(p, sp, &pc_entry);
		entry = pc_entry.eip;
	} else {
		r = load_image(p, sp->kernel, &entry, &end);
		if (!r) {
			build_start_state(p, sp->cmdline);
			r = load_programs(p, sp, end);
		}
	}
	if (!load_end(p) && !r) {
		pr_err("partition %s: its images come in more large pieces than a create's one page of copies holds, or run past its RAM",
		       p->name);
		r = HV_E2BIG;
	}
	if (r)
		goto fail;

	p->vcpu_count = sp->vcpus;
	for (uint32_t i = 0; i < p->vcpu_count && !r; i++) {
		struct vcpu *v = &p->vcpus[i];

		v->part = p;
		v->id = i;
		v->running_on = HV_CPU_NONE;
		v->last_cpu = HV_CPU_NONE;
		v->pin = sp->cpus ? sp->cpus[i] : HV_CPU_NONE;
		r = vcpu_arch_alloc(v);
		if (!r)
			r = stats_alloc(v);
	}
	/* A pc partition's other vCPUs wait for INIT and start-up IPIs
	 * from its own (docs/platform.md, "Start-up"): online, but not
	 * runnable until one comes (hv/apic.c). */
	if (!r && sp->platform == HV_PLATFORM_PC)
		r = pc_start_vcpus(p, &pc_entry);
	else if (!r)
		r = vcpu_arch_init(&p->vcpus[0], entry, HV_GUEST_START_INFO,
				   HV_GUEST_STACK_TOP, HV_GUEST_PAGE_TABLES);
	if (r) {
		pr_err("partition %s: cannot set up its vCPU: %d", p->name, r);
		goto fail;
	}
	p->vcpus[0].online = true;
	p->vcpus[0].started = true;
	p->state = PART_CREATED;
	p->stats.build_tsc = rdtsc() - t0;
	pr_info("partition %s: id %u, %lu MiB RAM at 0x%lx, entry 0x%lx, %u vCPU(s), %u %s%s%s",
		p->name, p->id, p->ram_size / MIB, p->ram_hpa, entry,
		p->vcpu_count, sp->program_count,
		p->platform == HV_PLATFORM_PC ? "module(s)" : "program(s)",
		p->parent ? ", parent" : "",
		p->platform == HV_PLATFORM_PC ? ", platform pc" : "");
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
	sp->platform = mp->platform;
	sp->on_reboot = mp->on_reboot;
	sp->emulate_apic_access = mp->emulate_apic_access;
	sp->emulate_apic_registers = mp->emulate_apic_registers;
	sp->watch_eoi = mp->watch_eoi;
	for (uint32_t i = 0; i < bi->module_count; i++) {
		const struct hv_boot_module *m = &bi->modules[i];

		if (m->partition != index)
			continue;
		if (m->kind == HV_MODULE_KERNEL && !sp->kernel)
			sp->kernel = m;
		else if (m->kind == HV_MODULE_INITRD && !sp->initrd)
			sp->initrd = m;
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
	/* At boot no exit waits on it: the images' copies in one go. */
	if (!r) {
		load_step(*out, UINT64_MAX);
		load_release(*out);
	}
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

/* A child built at the parent's request: its id, or why not (a name
 * taken and a template's ports held answer BUSY, hv/hcall.c). */
static int64_t build_child(const struct partition_spec *sp)
{
	struct partition *p;
	int r = partition_build(sp, &p);

	if (r)
		return r;
	if (load_left(p)) {
		/* Stays busy: the same create, called again, copies on. */
		plock();
		p->creating = true;
		spin_unlock(&partitions_lock);
		return HV_EAGAIN;
	}
	load_release(p);
	publish(p, false);
	return p->id;
}

/*
 * A create that answered PENDING, called again: the next HV_CREATE_STEP
 * bytes of its images, then its id once they are all in its RAM. The
 * partition is found by its name, which stays taken meanwhile; 1 when no
 * create of that name is under way. PENDING too while another vCPU of
 * the parent copies a step of it.
 */
static int64_t create_continue(const char *name)
{
	struct partition *p = NULL;
	bool done;

	plock();
	for_each_partition(q)
		if (q->creating && !strncmp(q->name, name, HV_NAME_MAX))
			p = q;
	if (p && p->create_stepping) {
		spin_unlock(&partitions_lock);
		return HV_EAGAIN;
	}
	if (p)
		p->create_stepping = true;
	spin_unlock(&partitions_lock);
	if (!p)
		return 1;
	done = load_step(p, HV_CREATE_STEP);
	plock();
	p->create_stepping = false;
	if (done)
		p->creating = false;
	spin_unlock(&partitions_lock);
	if (!done)
		return HV_EAGAIN;
	load_release(p);
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

	if (!hv_name_valid(req->name))
		return HV_EINVAL;
	for (uint32_t i = 0; boot && i < boot->manifest.partition_count; i++) {
		const struct hv_manifest_partition *mp =
			&boot->manifest.partitions[i];

		if (mp->start == HV_MANIFEST_START_BOOT ||
		    strncmp(mp->name, req->template, HV_NAME_MAX))
			continue;
		if (spec_from_manifest(boot, i, &sp))
			return HV_ENOENT;
		sp.name = req->name;
		/* The parent may pass its own command line: an argument,
		 * never a grant. */
		if (req->cmdline[0])
			sp.cmdline = req->cmdline;
		sp.template_index = i + 1;
		return build_child(&sp);
	}
	return HV_ENOENT;
}

/* A request's programs all fit the spec's list and start_info's. */
_Static_assert(HV_CREATE_MAX_PROGRAMS <= HV_START_MAX_MODULES,
	       "partition_create's programs fit a spec");

int64_t partition_create_request(const struct hv_partition_create *req)
{
	struct partition_spec sp = {
		.name = req->name,
		.ram_mb = req->ram_mb,
		.cmdline = req->cmdline,
		.vcpus = req->vcpus,
	};
	int64_t r;

	mgmt_exit();
	if (!terminated(req->name, sizeof(req->name)) ||
	    !terminated(req->template, sizeof(req->template)) ||
	    !terminated(req->cmdline, sizeof(req->cmdline)))
		return HV_EINVAL;
	r = create_continue(req->name);
	if (r != 1)
		return r;
	if (req->template[0])
		return create_from_template(req);
	if (!terminated(req->image, sizeof(req->image)) ||
	    !terminated(req->cmdline, sizeof(req->cmdline)) ||
	    !hv_name_valid(req->name) || req->reserved || !req->vcpus ||
	    req->vcpus > HV_MAX_VCPUS ||
	    !req->ram_mb || req->ram_mb > HV_CREATE_RAM_MB_MAX ||
	    req->program_count > HV_CREATE_MAX_PROGRAMS)
		return HV_EINVAL;
	sp.kernel = find_module(req->image);
	if (!sp.kernel)
		return HV_ENOENT;
	for (uint32_t i = 0; i < req->program_count; i++) {
		if (!terminated(req->programs[i], sizeof(req->programs[i])))
			return HV_EINVAL;
		sp.programs[i] = find_module(req->programs[i]);
		if (!sp.programs[i])
			return HV_ENOENT;
	}
	sp.program_count = req->program_count;
	return build_child(&sp);
}
