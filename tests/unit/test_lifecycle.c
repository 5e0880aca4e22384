// SPDX-License-Identifier: MIT
/*
 * Tests of a partition's life (hv/partition.c, hv/build.c) on the fake
 * arch, with the pool's accounting checked at each step: created by the
 * parent's request, started, stopped (PENDING while a CPU still runs it,
 * OK after), destroyed with every page back in the pool, a build that
 * fails part-way undone exactly, pool and table as they were, and faults.
 */
#include "tests/unit/hvhost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/errno.h"
#include "hv/load.h"
#include "hv/mem.h"
#include "hv/start_info.h"
#include "lib/load.h"

static const uint32_t on0[] = { 0 };

/* The pool as it is: counters and owner map, to compare whole. */
struct pool_snap {
	uint64_t free_pages;
	uint64_t owner_pages[PALLOC_MAX_OWNERS];
	uint16_t map[(size_t)HOST_POOL_MB << 8]; /* two bytes a page */
};

static struct pool_snap before, after;
static struct partition *table_before[HV_MAX_PARTITIONS + 1];

static void snap_pool(struct pool_snap *s)
{
	struct palloc *pa = mem_pool();

	assert_int_equal(pa->pages, sizeof(s->map) / sizeof(s->map[0]));
	s->free_pages = pa->free_pages;
	memcpy(s->owner_pages, pa->owner_pages, sizeof(s->owner_pages));
	for (uint64_t i = 0; i < pa->pages; i++)
		s->map[i] = (uint16_t)palloc_owner(pa, i);
}

static void assert_pool_is(const struct pool_snap *s)
{
	snap_pool(&after);
	assert_int_equal(after.free_pages, s->free_pages);
	for (uint32_t o = 0; o < PALLOC_MAX_OWNERS; o++)
		if (after.owner_pages[o] != s->owner_pages[o])
			fail_msg("owner %u holds %lu pages, %lu before", o,
				 (unsigned long)after.owner_pages[o],
				 (unsigned long)s->owner_pages[o]);
	assert_memory_equal(after.map, s->map, sizeof(s->map));
}

/* The parent, pinned to CPU 0, which never runs here: CPU 1 is left
 * to its children. */
static struct partition *boot_parent(uint32_t cpus)
{
	fake_reset(cpus);
	host_manifest_add("parent", true, 1, on0);
	host_boot();
	return host_part("parent");
}

static uint64_t elf_entry(void)
{
	const struct hv_boot_module *k = &host_bi.modules[0];
	uint64_t entry;

	/* e_entry, at the same offset in every ELF64 header. */
	memcpy(&entry, (const uint8_t *)(uintptr_t)k->phys + 24, sizeof(entry));
	return entry;
}

static void test_create(void **state)
{
	uint64_t free0;
	struct partition *c;
	struct hv_start_info *si;
	int64_t id;

	(void)state;
	boot_parent(1);
	free0 = host_free_pages();
	id = host_create("kid", HOST_CHILD, HOST_RAM_MB, 2);
	assert_true(id > 0);
	c = partition_by_id((uint32_t)id);
	assert_non_null(c);
	assert_string_equal(c->name, "kid");
	assert_int_equal(c->state, PART_CREATED);
	assert_false(c->autostart);
	assert_false(c->parent);
	assert_int_equal(c->vcpu_count, 2);
	/* What it holds is what the pool lost, RAM and all, but its slot,
	 * which is hv's. */
	assert_int_equal(free0 - host_free_pages(),
			 mem_pool()->owner_pages[c->id] + PARTITION_SLOT_PAGES);
	assert_true(mem_pool()->owner_pages[c->id] >
		    ((uint64_t)HOST_RAM_MB << 20) / 4096);
	/* vCPU 0 is set up to enter the kernel with start_info; vCPU 1
	 * waits for vcpu_start. */
	assert_true(c->vcpus[0].online && c->vcpus[0].started);
	assert_int_equal(c->vcpus[0].arch.rip, elf_entry());
	assert_int_equal(c->vcpus[0].arch.rdi, HV_GUEST_START_INFO);
	assert_int_equal(c->vcpus[0].arch.rsp, HV_GUEST_STACK_TOP);
	assert_int_equal(c->vcpus[0].arch.cr3, HV_GUEST_PAGE_TABLES);
	assert_false(c->vcpus[1].online || c->vcpus[1].started ||
		     c->vcpus[1].arch.initialized);
	si = partition_gpa_to_hva(c, HV_GUEST_START_INFO, sizeof(*si));
	assert_int_equal(si->magic, HV_START_INFO_MAGIC);
	assert_int_equal(si->partition_id, c->id);
	assert_string_equal(si->name, "kid");
	assert_int_equal(si->flags & HV_START_PARENT, 0);

	/* What a request cannot be. */
	assert_int_equal(host_create("kid", HOST_CHILD, HOST_RAM_MB, 1),
			 HV_EEXIST);
	assert_int_equal(host_create("k d", HOST_CHILD, HOST_RAM_MB, 1),
			 HV_EINVAL);
	assert_int_equal(host_create("kid2", "hv/none.elf", HOST_RAM_MB, 1),
			 HV_ENOENT);
	assert_int_equal(host_create("kid2", HOST_CHILD, HOST_RAM_MB, 0),
			 HV_EINVAL);
	assert_int_equal(host_create("kid2", HOST_CHILD, HOST_RAM_MB,
				     HV_MAX_VCPUS + 1),
			 HV_EINVAL);
}

static void test_start(void **state)
{
	struct partition *parent, *c;
	int64_t id;

	(void)state;
	parent = boot_parent(1);
	id = host_create("kid", HOST_CHILD, HOST_RAM_MB, 1);
	assert_true(id > 0);
	c = partition_by_id((uint32_t)id);
	assert_int_equal(partition_start((uint64_t)id), HV_OK);
	assert_int_equal(c->state, PART_RUNNING);
	assert_true(host_logged("partition kid: started"));
	assert_int_equal(partition_start((uint64_t)id), HV_EBUSY);
	/* A static partition runs without being started. */
	assert_int_equal(partition_start(parent->id), HV_EBUSY);
	assert_int_equal(partition_start(77), HV_ENOENT);
	assert_int_equal(partition_start((1ull << 32) | (uint64_t)id),
			 HV_ENOENT);
}

/*
 * The child runs on CPU 1; in its second slice the parent (on CPU 0)
 * stops or destroys it, which must answer PENDING and kick CPU 1, since
 * the child is still on it. Once CPU 1 has let it go and sleeps, the
 * parent asks again.
 */
struct scene {
	const struct partition *parent;
	uint64_t child;
	bool destroy;
	int64_t during, during_stop, again, after;
	uint32_t kicks_during;
	uint32_t steps; /* PENDING answers of a destroy under way */
	bool asked_after;
};

static int64_t ask(struct scene *s, bool destroy)
{
	uint32_t was = fake_be_cpu(0);
	int64_t r = destroy ? partition_destroy(s->child, s->parent) :
			      partition_stop(s->child, s->parent);

	fake_be_cpu(was);
	return r;
}

static enum vcpu_outcome asked_mid_slice(struct vcpu *v, uint64_t slice,
					 void *ctx)
{
	struct scene *s = ctx;

	if (v->arch.slices == 2) {
		uint32_t kicks = fake.cpu[1].kicks;

		s->during = ask(s, s->destroy);
		s->kicks_during = fake.cpu[1].kicks - kicks;
		/* A stop while the destroy waits is the same question. */
		s->during_stop = ask(s, false);
		assert_true(v->part->state == PART_STOPPED);
		assert_false(v->online);
	}
	return fake_run_for(v, slice);
}

static void ask_after(uint32_t cpu, uint64_t until, void *ctx)
{
	struct scene *s = ctx;

	(void)until;
	if (cpu != 1 || s->asked_after)
		return;
	s->asked_after = true;
	s->after = ask(s, s->destroy);
	while (s->destroy && s->after == HV_EAGAIN && s->steps < 1000) {
		s->steps++;
		s->after = ask(s, s->destroy);
	}
	s->again = ask(s, s->destroy);
}

static void play(struct scene *s)
{
	const struct fake_script child = { asked_mid_slice, s };
	struct partition *c = partition_by_id((uint32_t)s->child);

	host_script(&c->vcpus[0], &child);
	fake.on_idle = ask_after;
	fake.idle_ctx = s;
	assert_int_equal(partition_start(s->child), HV_OK);
	assert_false(fake_cpu_run(1, HOST_SLICE));
	assert_true(s->asked_after);
	assert_int_equal(s->kicks_during, 1);
}

static void test_stop_pending_while_running(void **state)
{
	struct scene s = { .parent = NULL };
	struct partition *c;

	(void)state;
	s.parent = boot_parent(2);
	s.child = (uint64_t)host_create("kid", HOST_CHILD, HOST_RAM_MB, 1);
	c = partition_by_id((uint32_t)s.child);
	play(&s);
	assert_int_equal(s.during, HV_EAGAIN);
	assert_int_equal(s.during_stop, HV_EAGAIN);
	assert_int_equal(s.after, HV_OK);
	/* A stop the parent asked for before is answered the same. */
	assert_int_equal(s.again, HV_OK);
	assert_int_equal(fake_slices(c->id, 0, 1), 2);
	assert_int_equal(c->state, PART_STOPPED);
	assert_int_equal(c->vcpus[0].running_on, HV_CPU_NONE);
	assert_int_equal(host_count_logged("partition kid: stopped by the parent"),
			 1);
	/* A partition cannot stop itself, nor a missing one be stopped. */
	assert_int_equal(partition_stop(s.parent->id, s.parent), HV_EINVAL);
	assert_int_equal(partition_stop(99, s.parent), HV_ENOENT);
}

static void test_destroy_returns_every_page(void **state)
{
	struct scene s = { .parent = NULL, .destroy = true };
	struct pool_snap *start = &before;
	char msg[96];
	uint32_t id;

	(void)state;
	s.parent = boot_parent(2);
	snap_pool(start);
	s.child = (uint64_t)host_create("kid", HOST_CHILD, HOST_RAM_MB, 2);
	id = (uint32_t)s.child;
	assert_true(host_free_pages() < start->free_pages);
	play(&s);
	assert_int_equal(s.during, HV_EAGAIN);
	assert_int_equal(s.after, HV_OK);
	/* Its RAM went back a step at a call, PENDING until the last. */
	assert_int_equal(s.steps, ((uint64_t)HOST_RAM_MB << 20) / HV_DESTROY_STEP - 1);
	/* Gone: its id names nothing, its slot is free and clean. */
	assert_int_equal(s.again, HV_ENOENT);
	assert_null(partition_by_id(id));
	assert_null(partition_slot[id]);
	/* Every page back: the counters and the map as before the create. */
	assert_int_equal(mem_pool()->owner_pages[id], 0);
	assert_pool_is(start);
	/* The cached translations were dropped on the CPU that ran it. */
	assert_int_equal(fake.flushed_on, 1u << 1);
	snprintf(msg, sizeof(msg), "partition kid: destroyed; pool: %lu pages free",
		 (unsigned long)start->free_pages);
	assert_true(host_logged(msg));
	assert_false(host_logged("not returned"));
	assert_true(host_logged("partition kid: record: stopped"));
	/* The slot is taken again, id and all, by the next create. */
	assert_int_equal(host_create("kid", HOST_CHILD, HOST_RAM_MB, 1), id);
}

/*
 * A large child's destroy frees its RAM HV_DESTROY_STEP at a call: each
 * PENDING answer gives back at most that much, the child stays invisible
 * by id and BUSY to a stop meanwhile, and the last answer is OK with
 * every page back.
 */
static void test_destroy_in_steps(void **state)
{
	const uint32_t mb = 40;
	const uint64_t step_pages = HV_DESTROY_STEP / 4096;
	struct partition *parent;
	uint64_t free0, last;
	uint32_t id, pending = 0;
	int64_t r;

	(void)state;
	parent = boot_parent(1);
	free0 = host_free_pages();
	id = (uint32_t)host_create("big", HOST_CHILD, mb, 1);
	assert_true(id > 0);
	last = host_free_pages();
	while ((r = partition_destroy(id, parent)) == HV_EAGAIN) {
		assert_true(host_free_pages() - last <= step_pages);
		assert_true(host_free_pages() > last);
		last = host_free_pages();
		assert_null(partition_by_id(id));
		assert_int_equal(partition_stop(id, parent), HV_EBUSY);
		assert_true(++pending < 100);
	}
	assert_int_equal(r, HV_OK);
	assert_int_equal(pending, ((uint64_t)mb << 20) / HV_DESTROY_STEP - 1);
	assert_int_equal(host_free_pages(), free0);
	assert_int_equal(partition_destroy(id, parent), HV_ENOENT);
	assert_false(host_logged("not returned"));
}

/* A 9 MiB program: PENDING, 4 MiB a call (hv/load.c), invisible till
 * the id comes; then the program is in its RAM and every page returns. */
static void test_create_in_steps(void **state)
{
	const uint64_t size = (9ull << 20) + 123;
	struct hv_partition_create req;
	struct hv_start_info *si;
	struct partition *parent, *p;
	uint64_t free0;
	uint8_t *prog = aligned_alloc(4096, (size + 4095) & ~4095ull);
	uint32_t pending = 0, id;
	int64_t r;

	(void)state;
	assert_non_null(prog);
	for (uint64_t i = 0; i < size; i++)
		prog[i] = (uint8_t)(i * 7 + i / 4096);
	host_bi.modules[host_bi.module_count++] = (struct hv_boot_module){
		(uint64_t)(uintptr_t)prog, size, HV_MANIFEST_MAX_PARTITIONS,
		HV_MODULE_PROGRAM, "hv/big.elf" };
	parent = boot_parent(1);
	free0 = host_free_pages();
	memset(&req, 0, sizeof(req));
	snprintf(req.name, sizeof(req.name), "stepped");
	snprintf(req.image, sizeof(req.image), "%s", HOST_CHILD);
	snprintf(req.programs[0], sizeof(req.programs[0]), "hv/big.elf");
	req.program_count = 1;
	req.ram_mb = 16;
	req.vcpus = 1;
	while ((r = partition_create_request(&req)) == HV_EAGAIN) {
		p = host_part("stepped");
		assert_true(p->busy && p->creating);
		assert_null(partition_by_id(p->id));
		assert_int_equal(partition_destroy(p->id, parent), HV_EBUSY);
		assert_true(++pending < 10);
	}
	/* The build, then 4, 4 and 1 MiB and the id. */
	assert_int_equal(pending, 3);
	assert_true(r > 0);
	p = partition_by_id((uint32_t)r);
	assert_true(p && !p->creating && !p->load);
	si = partition_gpa_to_hva(p, HV_GUEST_START_INFO, sizeof(*si));
	assert_int_equal(si->module_count, 1);
	assert_int_equal(si->modules[0].size, size);
	assert_memory_equal(partition_gpa_to_hva(p, si->modules[0].gpa, size),
			    prog, size);
	assert_true(host_logged("9216 KiB of its images copied in 3 step(s)"));
	id = (uint32_t)r;
	while ((r = partition_destroy(id, parent)) == HV_EAGAIN)
		;
	assert_int_equal(r, HV_OK);
	assert_int_equal(host_free_pages(), free0);
	host_bi.module_count--;
	free(prog);
}

/* A build that fails leaves the pool and the table as they were. */
static void attempt(const char *name, const char *image, uint32_t ram_mb,
		    uint32_t vcpus, int64_t expect)
{
	snap_pool(&before);
	memcpy(table_before, partition_slot, sizeof(partition_slot));
	assert_int_equal(host_create(name, image, ram_mb, vcpus), expect);
	assert_pool_is(&before);
	assert_memory_equal(table_before, partition_slot, sizeof(partition_slot));
}

static void test_failed_build_undone(void **state)
{
	(void)state;
	boot_parent(1);
	/* No ELF at all: found out after its RAM, I/O log and address
	 * space were taken. */
	attempt("bad", HOST_BAD, HOST_RAM_MB, 2, HV_EINVAL);
	assert_true(host_logged("partition bad: " HOST_BAD));
	/* More RAM than the pool has. */
	attempt("huge", HOST_CHILD, 2 * HOST_POOL_MB, 1, HV_ENOMEM);
	/* Its address space cannot be built. */
	fake.fail_partition_init = fake.partition_inits + 1;
	attempt("nospace", HOST_CHILD, HOST_RAM_MB, 1, HV_ENOMEM);
	/* vCPU 2 cannot be allocated, after vCPUs 0 and 1 were. */
	fake.fail_vcpu_alloc = fake.vcpu_allocs + 3;
	attempt("novcpu", HOST_CHILD, HOST_RAM_MB, 3, HV_ENOMEM);
	assert_true(host_logged("partition novcpu: cannot set up its vCPU"));
	/* After all that, the same request builds. */
	assert_true(host_create("novcpu", HOST_CHILD, HOST_RAM_MB, 3) > 0);
}

/*
 * The pool itself too small for the vCPU pages: everything is taken but
 * one RAM-sized run and a few pages, enough for the slot, the RAM, the
 * I/O log, the address space and vCPU 0's own page, not for its stats
 * page.
 */
static void test_pool_too_small_for_vcpus(void **state)
{
	struct palloc *pa = mem_pool();
	const uint64_t ram_pages = ((uint64_t)HOST_RAM_MB << 20) / 4096;
	uint64_t ram, run = 0;

	(void)state;
	boot_parent(1);
	ram = palloc_run(pa, ram_pages, 512, PALLOC_MAX_OWNERS - 1);
	assert_int_not_equal(ram, 0);
	while (palloc_page(pa, PALLOC_MAX_OWNERS - 2))
		;
	assert_int_equal(pa->free_pages, 0);
	for (uint64_t i = pa->map_pages, n = 0; i < pa->pages && !run; i++) {
		n = palloc_owner(pa, i) == PALLOC_MAX_OWNERS - 2 ? n + 1 : 0;
		if (n == 2 + FAKE_PARTITION_PAGES + 1 + PARTITION_SLOT_PAGES)
			run = pa->base + (i + 1 - n) * 4096;
	}
	assert_int_not_equal(run, 0);
	assert_int_equal(palloc_free(pa, run,
				     (2 + FAKE_PARTITION_PAGES + 1 +
				      PARTITION_SLOT_PAGES) * 4096,
				     PALLOC_MAX_OWNERS - 2),
			 0);
	assert_int_equal(palloc_free(pa, ram, ram_pages * 4096,
				     PALLOC_MAX_OWNERS - 1),
			 0);
	attempt("tight", HOST_CHILD, HOST_RAM_MB, 2, HV_ENOMEM);
	assert_true(host_logged("partition tight: cannot set up its vCPU"));
}

/* A partition that ended on its own is not the parent's to stop, but
 * it is to destroy. */
static enum vcpu_outcome halts(struct vcpu *v, uint64_t slice, void *ctx)
{
	(void)slice;
	(void)ctx;
	return fake_halt(v);
}

static void test_halted_child(void **state)
{
	const struct fake_script script = { halts, NULL };
	struct partition *parent, *c;
	uint64_t free0;
	int64_t id;

	(void)state;
	parent = boot_parent(2);
	free0 = host_free_pages();
	id = host_create("kid", HOST_CHILD, HOST_RAM_MB, 1);
	c = partition_by_id((uint32_t)id);
	host_script(&c->vcpus[0], &script);
	assert_int_equal(partition_start((uint64_t)id), HV_OK);
	assert_false(fake_cpu_run(1, HOST_SLICE));
	assert_int_equal(c->state, PART_STOPPED);
	assert_int_equal(partition_stop((uint64_t)id, parent), HV_EBUSY);
	/* 8 MiB of RAM: one step, then the last. */
	assert_int_equal(partition_destroy((uint64_t)id, parent), HV_EAGAIN);
	assert_int_equal(partition_destroy((uint64_t)id, parent), HV_OK);
	assert_int_equal(host_free_pages(), free0);
}

/*
 * A child that faults is stopped with its report, and runs no more; the
 * parent faulting stops everything, since nothing is left in charge.
 */
static enum vcpu_outcome faults_at(struct vcpu *v, uint64_t slice, void *ctx)
{
	const uint32_t *n = ctx;

	if (v->arch.slices == *n)
		return fake_fault(v, "a test fault");
	return fake_run_for(v, slice);
}

static void test_faults(void **state)
{
	uint32_t two = 2, four = 4;
	const struct fake_script kid_script = { faults_at, &two };
	const struct fake_script parent_script = { faults_at, &four };
	struct partition *parent, *kid;

	(void)state;
	host_manifest_add("parent", true, 1, NULL);
	host_manifest_add("kid", false, 1, NULL);
	host_boot();
	parent = host_part("parent");
	kid = host_part("kid");
	host_script(&parent->vcpus[0], &parent_script);
	host_script(&kid->vcpus[0], &kid_script);
	assert_true(fake_cpu_run(0, HOST_SLICE));
	assert_int_equal(kid->state, PART_FAULTED);
	assert_string_equal(kid->last_fault, "a test fault");
	assert_int_equal(kid->stats.faults, 1);
	assert_int_equal(fake_slices(kid->id, 0, HV_CPU_NONE), 2);
	assert_int_equal(parent->state, PART_FAULTED);
	assert_int_equal(fake_slices(parent->id, 0, HV_CPU_NONE), 4);
	/* Each fault's report comes with the vCPU's registers. */
	assert_int_equal(fake.dumps, 2);
	assert_true(host_logged("partition kid stopped: a test fault"));
	assert_true(host_logged("parent partition parent faulted: stopping every child and powering off"));
	assert_true(host_logged("scheduler: the parent faulted"));
}

/*
 * A pc partition's ends (hv/pcpower.c): S5 powers it off, with the flag
 * partition_info shows; a reset stops it under on_reboot = stop, and
 * leaves a restart pending under restart, which counts as something to
 * run until the restart, which here cannot load the image again (an hv
 * ELF is no pc kernel) and so leaves it faulted, holding what it had.
 */
static void test_pc_power_and_reset(void **state)
{
	struct partition *parent, *c;
	uint64_t free0, run0, cpu_run0;
	int64_t id;

	(void)state;
	parent = boot_parent(2);
	(void)parent;
	id = host_create("kid", HOST_CHILD, HOST_RAM_MB, 1);
	c = partition_by_id((uint32_t)id);
	assert_int_equal(partition_start((uint64_t)id), HV_OK);
	c->platform = HV_PLATFORM_PC;
	assert_false(partition_power_off(&c->vcpus[0]));
	assert_int_equal(c->state, PART_STOPPED);
	assert_true(c->powered_off);
	assert_false(c->vcpus[0].online);
	assert_true(host_logged("partition kid: powered off (ACPI S5 by vcpu 0)"));

	c->state = PART_RUNNING;
	c->vcpus[0].online = true;
	c->on_reboot = HV_ON_REBOOT_STOP;
	assert_false(partition_reset(&c->vcpus[0], "a triple fault"));
	assert_int_equal(c->state, PART_STOPPED);
	assert_false(c->restart_pending);
	assert_int_equal(c->resets, 1);
	assert_true(host_logged("partition kid: reset by a triple fault (vcpu 0): on_reboot = stop: stopped"));

	free0 = host_free_pages();
	c->state = PART_RUNNING;
	c->vcpus[0].online = true;
	c->on_reboot = HV_ON_REBOOT_RESTART;
	assert_false(partition_reset(&c->vcpus[0], "the ACPI reset register"));
	assert_true(c->restart_pending);
	assert_int_equal(c->resets, 2);
	/* The parent's stop between the reset and the restart wins. */
	c->stop_requested = true;
	partition_restart(c);
	assert_false(c->restart_pending);
	assert_false(c->busy);
	assert_int_equal(c->state, PART_STOPPED);
	assert_true(host_logged("partition kid: not restarted: the parent stopped it"));
	c->stop_requested = false;
	c->state = PART_RUNNING;
	c->vcpus[0].online = true;
	assert_false(partition_reset(&c->vcpus[0], "the ACPI reset register"));
	assert_true(c->restart_pending);
	/* The restart's time (the load's here) is the resetting vCPU's,
	 * on the CPU that carried it out. */
	run0 = c->vcpus[0].run_tsc;
	cpu_run0 = c->vcpus[0].cpu_run_tsc[this_cpu()->index];
	fake_pc_load_tsc = 5000;
	partition_restart(c);
	fake_pc_load_tsc = 0;
	assert_int_equal(c->vcpus[0].run_tsc - run0, 5000);
	assert_int_equal(c->vcpus[0].cpu_run_tsc[this_cpu()->index] - cpu_run0,
			 5000);
	assert_false(c->restart_pending);
	assert_false(c->busy);
	assert_int_equal(c->state, PART_FAULTED);
	assert_true(host_logged("partition kid: cannot restart"));
	assert_int_equal(host_free_pages(), free0);
}

/*
 * Two vCPUs of a pc partition end it at once (hv/pcpower.c): the first
 * end stands. A second reset while the first's restart is pending leaves
 * the restart with the first vCPU's CPU, which alone carries it out; had
 * the second taken it over, both CPUs would carry it out and the one
 * that gave way would clear restart_pending in the middle of the other's.
 * S5 or isa-debug-exit after a reset, and a reset after a fault, change
 * nothing either.
 */
static void test_pc_second_end_changes_nothing(void **state)
{
	struct partition *c;
	int64_t id;

	(void)state;
	boot_parent(2);
	id = host_create("kid", HOST_CHILD, HOST_RAM_MB, 2);
	c = partition_by_id((uint32_t)id);
	assert_int_equal(partition_start((uint64_t)id), HV_OK);
	c->platform = HV_PLATFORM_PC;
	c->on_reboot = HV_ON_REBOOT_RESTART;
	c->state = PART_RUNNING;
	c->vcpus[0].online = c->vcpus[1].online = true;
	assert_false(partition_reset(&c->vcpus[0], "a triple fault"));
	assert_true(c->restart_pending);
	assert_ptr_equal(c->restart_by, &c->vcpus[0]);
	/* vCPU 1 triple-faults before its kick brings it out. */
	assert_false(partition_reset(&c->vcpus[1], "a triple fault"));
	assert_ptr_equal(c->restart_by, &c->vcpus[0]);
	assert_true(c->restart_pending);
	assert_int_equal(c->resets, 1);
	assert_int_equal(sched_restarts, 1);
	/* ...or writes S5: the reset came first. */
	assert_false(partition_power_off(&c->vcpus[1]));
	assert_false(c->powered_off);
	assert_true(c->restart_pending);
	assert_false(host_logged("partition kid: powered off"));
	/* ...or isa-debug-exit. */
	assert_false(partition_debug_exit(&c->vcpus[1], 0x43));
	assert_int_equal(c->exit_status, 0);
	assert_true(c->restart_pending);
	c->restart_pending = false;
	sched_restarts--;

	/* A fault first: a reset after it restarts nothing. */
	c->state = PART_FAULTED;
	assert_false(partition_reset(&c->vcpus[1], "the ACPI reset register"));
	assert_false(c->restart_pending);
	assert_int_equal(c->state, PART_FAULTED);
	assert_int_equal(c->resets, 1);
	assert_int_equal(sched_restarts, 0);
}

/*
 * Two vCPUs of a pc partition reset it at once, on two CPUs (here one
 * after the other, with no CPU between the first reset and its
 * restart). The second is part of the first: it moves neither the
 * restart nor its flag, so the first vCPU's CPU alone restarts it, and
 * a stop of the parent's between the two resets still leaves the slot
 * to that CPU: a destroy answers PENDING until the restart is given up,
 * where the second reset used to clear the flag and let the destroy
 * free the slot under the CPU about to read it.
 */
static void test_pc_reset_twice(void **state)
{
	struct partition *parent, *c;
	uint64_t free0;
	int64_t id, r = HV_EAGAIN;

	(void)state;
	parent = boot_parent(2);
	free0 = host_free_pages();
	id = host_create("kid", HOST_CHILD, HOST_RAM_MB, 2);
	c = partition_by_id((uint32_t)id);
	assert_int_equal(partition_start((uint64_t)id), HV_OK);
	c->platform = HV_PLATFORM_PC;
	c->on_reboot = HV_ON_REBOOT_RESTART;
	c->vcpus[0].online = c->vcpus[1].online = true;
	assert_false(partition_reset(&c->vcpus[0], "a triple fault"));
	assert_false(partition_reset(&c->vcpus[1], "a triple fault"));
	assert_true(c->restart_pending);
	assert_ptr_equal(c->restart_by, &c->vcpus[0]);
	assert_int_equal(sched_restarts, 1);

	/* The first vCPU's CPU restarts it (the hv ELF is no pc kernel:
	 * the restart faults it). Then a stop of the parent's comes between
	 * two resets: the restart is given up, by the same CPU. */
	partition_restart(c);
	assert_true(host_logged("partition kid: cannot restart"));
	c->state = PART_RUNNING;
	c->vcpus[0].online = c->vcpus[1].online = true;
	assert_false(partition_reset(&c->vcpus[0], "a triple fault"));
	assert_int_equal(partition_stop((uint64_t)id, parent), HV_OK);
	assert_false(partition_reset(&c->vcpus[1], "a triple fault"));
	assert_true(c->restart_pending);
	assert_ptr_equal(c->restart_by, &c->vcpus[0]);
	assert_int_equal(partition_destroy((uint64_t)id, parent), HV_EAGAIN);
	assert_false(c->tearing);
	assert_ptr_equal(partition_slot[id], c);
	partition_restart(c);
	assert_false(c->restart_pending);
	assert_int_equal(sched_restarts, 0);
	assert_true(host_logged("partition kid: not restarted: the parent stopped it"));
	for (int i = 0; i < 100 && r == HV_EAGAIN; i++)
		r = partition_destroy((uint64_t)id, parent);
	assert_int_equal(r, HV_OK);
	assert_int_equal(host_free_pages(), free0);
}

/*
 * A loader's copy into a partition being built that would run past the
 * end of its RAM is not made, even among the first MiB of copies, which
 * are done at once: it fails the build (load_end) instead. The bytes
 * after the RAM (the parent's, or the pool's) stay as they were.
 */
static void test_load_copy_bounded(void **state)
{
	struct palloc *pa = mem_pool();
	uint8_t src[64], keep[64], *end;
	struct partition *c;
	int64_t id;

	(void)state;
	boot_parent(1);
	id = host_create("kid", HOST_CHILD, HOST_RAM_MB, 1);
	assert_true(id > 0);
	c = partition_by_id((uint32_t)id);
	end = (uint8_t *)partition_gpa_to_hva(c, 0, c->ram_size) + c->ram_size;
	assert_true((uint64_t)(uintptr_t)end + sizeof(keep) <=
		    pa->base + pa->pages * 4096);
	memcpy(keep, end, sizeof(keep));
	memset(src, 0x5a, sizeof(src));
	assert_int_equal(load_begin(c), 0);
	load_copy(end - 32, src, sizeof(src));
	assert_false(load_end(c));
	load_release(c);
	assert_memory_equal(end, keep, sizeof(keep));
	/* One that ends at the RAM's end is made. */
	assert_int_equal(load_begin(c), 0);
	load_copy(end - sizeof(src), src, sizeof(src));
	assert_true(load_end(c));
	load_release(c);
	assert_memory_equal(end - sizeof(src), src, sizeof(src));
	assert_memory_equal(end, keep, sizeof(keep));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_create, host_setup),
		cmocka_unit_test_setup(test_pc_second_end_changes_nothing,
				       host_setup),
		cmocka_unit_test_setup(test_start, host_setup),
		cmocka_unit_test_setup(test_create_in_steps, host_setup),
		cmocka_unit_test_setup(test_stop_pending_while_running, host_setup),
		cmocka_unit_test_setup(test_destroy_returns_every_page, host_setup),
		cmocka_unit_test_setup(test_destroy_in_steps, host_setup),
		cmocka_unit_test_setup(test_failed_build_undone, host_setup),
		cmocka_unit_test_setup(test_pool_too_small_for_vcpus, host_setup),
		cmocka_unit_test_setup(test_halted_child, host_setup),
		cmocka_unit_test_setup(test_faults, host_setup),
		cmocka_unit_test_setup(test_pc_power_and_reset, host_setup),
		cmocka_unit_test_setup(test_pc_reset_twice, host_setup),
		cmocka_unit_test_setup(test_load_copy_bounded, host_setup),
	};

	return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
