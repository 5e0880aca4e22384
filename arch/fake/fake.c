// SPDX-License-Identifier: MIT
/*
 * The fake arch: every function of hv/arch.h, on the host. It keeps the
 * invariants arch/x86 keeps and fails the test when hv breaks one: a
 * vCPU's VMCS is active on at most one CPU, it runs only on the CPU the
 * scheduler gave it, it is let go where it ran, and nothing of a
 * partition is given back while one of its vCPUs is active anywhere.
 */
#include "arch/fake/fake.h"

#include <setjmp.h>
#include <string.h>

#include "hv/errno.h"
#include "hv/mem.h"
#include "hv/partition.h"

struct fake_machine fake;
uint64_t fake_tsc;
struct percpu *fake_cpu_now;

/* Where a CPU that would sleep for ever goes: out of fake_cpu_run. */
static jmp_buf *escape;

void fake_reset(uint32_t cpus)
{
	if (!cpus || cpus > FAKE_MAX_CPUS)
		fake_fatal("fake_reset: %u cpus", cpus);
	memset(&fake, 0, sizeof(fake));
	fake.cpus = cpus;
	for (uint32_t n = 0; n < FAKE_MAX_CPUS; n++) {
		fake.cpu[n].self = &fake.cpu[n];
		fake.cpu[n].index = n;
	}
	/* Not 0: hv takes a TSC of 0 for "not yet". */
	fake_tsc = 1000;
	fake_cpu_now = &fake.cpu[0];
	escape = NULL;
}

uint32_t fake_be_cpu(uint32_t cpu)
{
	uint32_t was = fake_cpu_now->index;

	if (cpu >= fake.cpus)
		fake_fatal("no cpu %u: the machine has %u", cpu, fake.cpus);
	fake_cpu_now = &fake.cpu[cpu];
	return was;
}

bool fake_cpu_run(uint32_t cpu, uint64_t slice)
{
	jmp_buf here, *outer = escape;
	uint32_t was = fake_be_cpu(cpu);
	int slept;

	escape = &here;
	slept = setjmp(here);
	if (!slept)
		partitions_run(slice);
	escape = outer;
	fake_be_cpu(was);
	return !slept;
}

uint32_t fake_slices(uint32_t part, uint32_t vcpu, uint32_t cpu)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < fake.run_count; i++)
		if (fake.runs[i].part == part && fake.runs[i].vcpu == vcpu &&
		    (cpu == HV_CPU_NONE || fake.runs[i].cpu == cpu))
			n++;
	return n;
}

/* ------------------------------------------------------------ guests */

enum vcpu_outcome fake_run_for(struct vcpu *v, uint64_t ticks)
{
	uint64_t end = fake_tsc + ticks;

	fake_tsc = end < v->slice_end ? end : v->slice_end;
	return VCPU_PREEMPTED;
}

/* As handle_hlt in arch/x86/vmx_exit.c: the vCPU sleeps until its
 * virtual timer, and gives up the rest of its slice. */
enum vcpu_outcome fake_hlt_until(struct vcpu *v, uint64_t ticks,
				 uint64_t deadline)
{
	fake_run_for(v, ticks);
	v->blocked_until = deadline;
	return VCPU_PREEMPTED;
}

enum vcpu_outcome fake_halt(struct vcpu *v)
{
	vcpu_halted(v, "halted with interrupts off");
	return VCPU_STOPPED;
}

enum vcpu_outcome fake_fault(struct vcpu *v, const char *why)
{
	vcpu_fault(v, "%s", why);
	return VCPU_STOPPED;
}

/* ------------------------------------------------------ start-up */

void cpu_init_descriptors(struct percpu *pc)
{
	pc->self = pc;
}

void lapic_init(uint64_t tsc_hz)
{
	(void)tsc_hz;
}

int vmx_on(struct percpu *pc)
{
	pc->vmx_off = false;
	return 0;
}

void vmx_caps_init(void)
{
}

/* The fake enters no guest, so there is no VM entry to check. */
void vmcheck_setup(const struct hv_manifest *m)
{
	(void)m;
}

void vmcheck_report(void)
{
}

uint32_t smp_start(struct percpu *boot, const struct hv_boot_info *bi,
		   uint32_t max_cpus)
{
	(void)boot;
	(void)bi;
	return fake.cpus < max_cpus ? fake.cpus : max_cpus;
}

void smp_release(uint64_t slice)
{
	(void)slice;
}

void smp_wait_done(void)
{
}

int smp_vmx_off(struct percpu *pc)
{
	pc->vmx_off = true;
	return 0;
}

/* ------------------------------------------------------------- CPUs */

uint32_t smp_cpu_count(void)
{
	return fake.cpus;
}

struct percpu *smp_cpu(uint32_t n)
{
	if (n >= fake.cpus)
		fake_fatal("smp_cpu(%u) on a machine of %u cpus", n, fake.cpus);
	return &fake.cpu[n];
}

void smp_kick(uint32_t n)
{
	struct percpu *pc = smp_cpu(n);

	pc->kicks++;
	pc->wake_seq++;
}

/* The request runs on CPU n: the thread is CPU n while it does. */
void smp_call(uint32_t n, void (*fn)(void *arg), void *arg)
{
	uint32_t was = fake_be_cpu(n);

	fake.calls++;
	fn(arg);
	fake_be_cpu(was);
}

bool smp_call_vmx(uint32_t n, void (*fn)(void *arg), void *arg)
{
	if (smp_cpu(n)->vmx_off)
		return false;
	smp_call(n, fn, arg);
	return true;
}

/*
 * As arch/x86/lapic.c: a kick since seen was read ends the wait at once.
 * Otherwise the other CPUs have their turn (the idle hook), and then the
 * CPU wakes at its deadline, or at a kick they sent; with neither, it
 * would sleep for ever, and its loop is left (fake_cpu_run).
 */
void cpu_idle_until(uint64_t tsc, uint32_t seen)
{
	struct percpu *pc = this_cpu();

	if (++fake.idle_calls > FAKE_MAX_IDLES)
		fake_fatal("cpu %u: more than %u idle waits: the scheduler never ends",
			   pc->index, FAKE_MAX_IDLES);
	if (pc->wake_seq != seen) {
		pc->woken++;
		return;
	}
	pc->idles++;
	if (fake.on_idle) {
		fake.on_idle(pc->index, tsc, fake.idle_ctx);
		if (fake_cpu_now != pc)
			fake_fatal("the idle hook of cpu %u left the thread on cpu %u",
				   pc->index, fake_cpu_now->index);
	}
	if (pc->wake_seq != seen) {
		pc->woken++;
		return;
	}
	if (tsc == UINT64_MAX) {
		if (!escape)
			fake_fatal("cpu %u sleeps for ever", pc->index);
		longjmp(*escape, 1);
	}
	if (tsc > fake_tsc)
		fake_tsc = tsc;
}

uint32_t cpu_wake_seq(void)
{
	return this_cpu()->wake_seq;
}

uint8_t lapic_tpr(void)
{
	return 0;
}

uint8_t lapic_boot_tpr(void)
{
	return 0;
}

void power_off(const struct hv_poweroff *p)
{
	(void)p;
	fake_fatal("power_off: a host test never powers the machine off");
}

/* --------------------------------------------------- hv's memory */

void paging_init_host(uint64_t image_base, uint64_t image_size,
		      uint64_t pool_base, uint64_t pool_size,
		      struct palloc *pool)
{
	(void)image_base;
	(void)image_size;
	(void)pool_base;
	(void)pool_size;
	(void)pool;
}

void paging_map_readonly(uint64_t start, uint64_t size, const char *what)
{
	(void)start;
	(void)size;
	(void)what;
}

/* ------------------------------------------------------------ panic */

void smp_panic_stop_others(void)
{
}

bool smp_panic_claim(void)
{
	return true;
}

void backtrace_from(uint64_t rbp)
{
	(void)rbp;
}

int rdmsr_safe(uint32_t msr, uint64_t *value)
{
	(void)msr;
	*value = 0;
	return -1;
}

/* ----------------------------------------- a partition's address space */

/* A vCPU never allocated (a build that failed before it) is clear. */
static bool active(const struct vcpu *v)
{
	return v->arch.page && v->arch.active_on != HV_CPU_NONE;
}

int partition_arch_init(struct partition *p, const struct hv_port_range *ports,
			uint32_t count)
{
	(void)ports;
	if (++fake.partition_inits == fake.fail_partition_init)
		return HV_ENOMEM;
	p->arch.pages = palloc_run(mem_pool(), FAKE_PARTITION_PAGES, 1, p->id);
	if (!p->arch.pages)
		return HV_ENOMEM;
	p->arch.port_ranges = count;
	return 0;
}

void partition_arch_release(struct partition *p)
{
	for (uint32_t i = 0; i < p->vcpu_count; i++)
		if (active(&p->vcpus[i]))
			fake_fatal("%s: released while vcpu %u is active on cpu %u",
				   p->name, i, p->vcpus[i].arch.active_on);
	if (p->arch.pages &&
	    palloc_free(mem_pool(), p->arch.pages, FAKE_PARTITION_PAGES * 4096,
			p->id))
		fake_fatal("%s: its address space's pages are not its own",
			   p->name);
	p->arch.pages = 0;
}

/* ------------------------------------------------------------ vCPUs */

uint64_t vcpu_arch_xfeatures(void)
{
	return 3; /* x87 and SSE */
}

int vcpu_arch_alloc(struct vcpu *v)
{
	v->arch.active_on = HV_CPU_NONE;
	if (++fake.vcpu_allocs == fake.fail_vcpu_alloc)
		return HV_ENOMEM;
	v->arch.page = palloc_page(mem_pool(), v->part->id);
	return v->arch.page ? 0 : HV_ENOMEM;
}

int vcpu_arch_init(struct vcpu *v, uint64_t rip, uint64_t rdi, uint64_t rsp,
		   uint64_t cr3)
{
	if (!v->arch.page)
		fake_fatal("%s: vcpu %u set up before it was allocated",
			   v->part->name, v->id);
	v->arch.initialized = true;
	v->arch.rip = rip;
	v->arch.rdi = rdi;
	v->arch.rsp = rsp;
	v->arch.cr3 = cr3;
	return 0;
}

/* A pc entry as the fake records it: where it starts, and EBX (the
 * multiboot information) where hv's entry keeps RDI. */
int vcpu_arch_init_pc(struct vcpu *v, const struct vcpu_pc_entry *e)
{
	int r = vcpu_arch_init(v, e->eip, e->ebx, e->esp, 0);

	v->arch.pc = true;
	return r;
}

/* The fake CPU has unrestricted guest; RDTSCP it does not offer. Asked
 * at each pc load, it moves the TSC by fake_pc_load_tsc: the load's cost,
 * which a test can then find charged. */
uint64_t fake_pc_load_tsc;

const char *vcpu_arch_pc_missing(void)
{
	fake_tsc += fake_pc_load_tsc;
	return NULL;
}

uint8_t vcpu_arch_maxphyaddr(void)
{
	return 36;
}

bool vcpu_arch_rdtscp(const struct vcpu *v)
{
	(void)v;
	return false;
}

void vcpu_arch_leave(struct vcpu *v)
{
	if (v->arch.active_on != this_cpu()->index)
		fake_fatal("%s: vcpu %u let go on cpu %u, but it is active on %u",
			   v->part->name, v->id, this_cpu()->index,
			   v->arch.active_on);
	v->arch.active_on = HV_CPU_NONE;
}

void vcpu_arch_flush(struct vcpu *v)
{
	v->arch.flushed |= 1u << this_cpu()->index;
	fake.flushed_on |= 1u << this_cpu()->index;
}

void vcpu_arch_release(struct vcpu *v)
{
	if (!v->arch.page)
		return;
	if (active(v))
		fake_fatal("%s: vcpu %u freed while active on cpu %u",
			   v->part->name, v->id, v->arch.active_on);
	if (palloc_free(mem_pool(), v->arch.page, 4096, v->part->id))
		fake_fatal("%s: vcpu %u's page is not its partition's",
			   v->part->name, v->id);
	v->arch.page = 0;
}

/*
 * One slice: the checks arch/x86 makes on arrival, the script's slice,
 * and the check before every entry (must_leave in arch/x86/vmx_run.c):
 * an offline vCPU, or the end of scheduling, stops it.
 */
enum vcpu_outcome vcpu_arch_run(struct vcpu *v, uint64_t slice)
{
	struct percpu *pc = this_cpu();
	const struct fake_script *s =
		v->arch.script ? v->arch.script : fake.default_script;
	struct fake_run *r;
	enum vcpu_outcome out = VCPU_STOPPED;

	if (v->running_on != pc->index)
		fake_fatal("%s: vcpu %u runs on cpu %u, but the scheduler gave it cpu %u",
			   v->part->name, v->id, pc->index, v->running_on);
	if (v->arch.active_on != HV_CPU_NONE && v->arch.active_on != pc->index)
		fake_fatal("%s: vcpu %u arrives on cpu %u while active on cpu %u",
			   v->part->name, v->id, pc->index, v->arch.active_on);
	if (!v->arch.initialized)
		fake_fatal("%s: vcpu %u runs before it was set up",
			   v->part->name, v->id);
	if (fake.run_count == FAKE_MAX_RUNS)
		fake_fatal("more than %u slices: the scheduler never ends",
			   FAKE_MAX_RUNS);
	v->arch.active_on = pc->index;
	v->arch.slices++;
	r = &fake.runs[fake.run_count++];
	r->cpu = pc->index;
	r->part = v->part->id;
	r->vcpu = v->id;
	r->start = fake_tsc;
	v->slice_end = fake_tsc + slice;
	if (__atomic_load_n(&v->online, __ATOMIC_ACQUIRE) && !sched_ending()) {
		out = s ? s->slice(v, slice, s->ctx) : fake_run_for(v, slice);
		if (fake_cpu_now != pc)
			fake_fatal("%s: vcpu %u's script left the thread on cpu %u",
				   v->part->name, v->id, fake_cpu_now->index);
		if (out == VCPU_PREEMPTED &&
		    (!__atomic_load_n(&v->online, __ATOMIC_ACQUIRE) ||
		     sched_ending()))
			out = VCPU_STOPPED;
	}
	r->end = fake_tsc;
	r->outcome = out;
	return out;
}

uint64_t vcpu_arch_max_slice(void)
{
	return UINT32_MAX;
}

void vcpu_arch_kicked(void)
{
}

void vcpu_arch_dump(struct vcpu *v)
{
	(void)v;
	fake.dumps++;
}

uint64_t vcpu_arch_guest_cr4(const struct vcpu *v)
{
	return v->arch.cr4;
}

uint64_t vcpu_arch_xcr0(const struct vcpu *v)
{
	return v->arch.xcr0;
}
