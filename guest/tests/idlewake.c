// SPDX-License-Identifier: MIT
/*
 * Lost idle wake-ups (issue 15, item 5). At revision 75fc0fb an idle CPU
 * halted with `sti; hlt` after its last look at the scheduler's state; an
 * NMI kick that came between the two was handled and forgotten, and the
 * CPU slept with work to do until its next interrupt.
 *
 * Two CPUs. The parent, pinned to CPU 0, creates children one after the
 * other from the template "kid": four vCPUs, vCPU 0 pinned to CPU 0 and
 * vCPUs 1 to 3 to CPU 1, where nothing else ever runs. In each child
 * vCPU 0, the "starter", starts vCPU 1 (vcpu_start), then plays two
 * rounds:
 *
 *  1. vCPU n (1, then 2) arms its virtual APIC timer days ahead, writes
 *     in memory that it is about to halt, spins `zd` turns and waits in
 *     HLT, as a tickless kernel idles. CPU 1 then has nothing to run
 *     before that timer: it goes idle, its own timer set for it.
 *  2. The starter sees the flag, spins a delay (md, md2) and starts vCPU
 *     n + 1 on CPU 1. hv makes it runnable and kicks CPU 1. The parent
 *     gives each round another delay, sweeping a range (md0 to md1 by
 *     step, round after round), so that some starts land while CPU 1 is
 *     between its last look and its HLT: Bochs interleaves its CPUs in
 *     small instruction quanta, and the same delay meets the same moment.
 *  3. The new vCPU writes the TSC as soon as it runs. The starter waits
 *     for that at most `stuck` TSC ticks: a kick that CPU 1 forgot leaves
 *     the vCPU runnable on a CPU that sleeps until vCPU n's timer, days
 *     later, and the round FAILs.
 *
 * Why a timer that never comes: at 75fc0fb, measured in Bochs, a CPU
 * whose last vCPU halted for good went from its look to its HLT faster
 * than any other CPU could make a vCPU runnable and kick it, so no kick
 * could be lost there; the blocked vCPU makes hv arm its idle timer
 * first and lets the kick land (tests/boot/scenarios/smp-idle-wake.scn).
 *
 * vCPU 3 only says it ran and halts. The parent waits for that, by
 * asking hv where vCPU 3 last ran, then stops and destroys the child; a
 * child whose vCPU 3 never ran is a stalled round as well. The starter
 * prints only a failure (it halts instead of returning, so the runtime
 * prints no summary for it); the parent prints progress every eighth of
 * the children, and its verdict.
 *
 * cmdline (parent): children, md0, md1, step, zd, stuck, verbose; the
 * parent passes each child its md, md2, zd, stuck and verbose. verbose=1
 * makes each child print its rounds' timings after the rounds.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

#include "lib/fmt.h"
#include "lib/string.h"

const char test_name[] = "idlewake";

#define TARGETS 3 /* vCPUs 1..3 */

/* SDM Vol. 3A, "x2APIC Register Address Space" and "APIC Timer". */
#define MSR_X2APIC_SVR 0x80fu
#define MSR_X2APIC_LVT_TIMER 0x832u
#define MSR_X2APIC_INITIAL_COUNT 0x838u
#define MSR_X2APIC_DIVIDE 0x83eu
#define SVR_ENABLE (1u << 8)
#define SPURIOUS_VECTOR 0xffu
#define DIVIDE_BY_128 0xau
/* 2^32 * 128 TSC ticks: days of Bochs time. No gate: it never fires. */
#define FAR_TIMER_VECTOR 0x41
/* Stalled children named one by one; the rest are counted. */
#define NAMED 8

/* Each flag has its own cache line: two CPUs poll them. */
struct flag {
	volatile uint64_t v;
} __attribute__((aligned(64)));

static struct flag halting, ran[TARGETS + 1], hlt_at[TARGETS + 1];
static uint64_t zd;
static uint8_t stacks[TARGETS][8192] __attribute__((aligned(16)));
static struct desc_ptr idtr;
static struct hv_partition_create req;
static struct hv_partition_info info;

static void spin(uint64_t turns)
{
	if (turns)
		asm volatile("1: dec %0\n\tjnz 1b" : "+r"(turns) : : "cc");
}

static uint64_t get(const struct flag *f)
{
	return __atomic_load_n(&f->v, __ATOMIC_ACQUIRE);
}

static void put(struct flag *f, uint64_t v)
{
	__atomic_store_n(&f->v, v, __ATOMIC_RELEASE);
}

/* Spins until *f >= want; false after limit TSC ticks. */
static bool wait_for(const struct flag *f, uint64_t want, uint64_t limit)
{
	uint64_t t0 = rdtsc();

	while (get(f) < want)
		if (rdtsc() - t0 > limit)
			return false;
	return true;
}

/*
 * vCPUs 1..3 of a child: say so, and (but the last) wait in HLT for a
 * timer that fires only hours later, so that hv keeps them as blocked
 * vCPUs and CPU 1 idles with its timer set for them.
 */
static void __attribute__((noreturn, used)) target(uint64_t n)
{
	asm volatile("lidt %0" : : "m"(idtr) : "memory");
	put(&ran[n], rdtsc());
	if (n < TARGETS) {
		wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
		wrmsr(MSR_X2APIC_DIVIDE, DIVIDE_BY_128);
		wrmsr(MSR_X2APIC_LVT_TIMER, FAR_TIMER_VECTOR);
		wrmsr(MSR_X2APIC_INITIAL_COUNT, UINT32_MAX);
		put(&halting, n);
		spin(zd);
		put(&hlt_at[n], rdtsc());
		for (;;)
			asm volatile("sti; hlt; cli");
	}
	for (;;)
		asm volatile("cli; hlt");
}

static long start_target(uint64_t n)
{
	uint64_t cr3, rsp = (uint64_t)(stacks[n - 1] + sizeof(stacks[0])) - 8;
	long ret;
	register uint64_t r10 asm("r10");
	register uint64_t r8 asm("r8") = n;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	r10 = cr3;
	asm volatile("vmcall"
		     : "=a"(ret)
		     : "a"(HV_HC_VCPU_START), "D"(n), "S"((uint64_t)target),
		       "d"(rsp), "r"(r10), "r"(r8)
		     : "memory");
	return ret;
}

/* A child's vCPU 0: steps 2 and 3, twice. Never returns. */
static void __attribute__((noreturn)) starter(const struct hv_start_info *si)
{
	uint64_t md[TARGETS] = { 0, rt_cmdline_u64(si, "md", 0),
				 rt_cmdline_u64(si, "md2", 0) };
	uint64_t stuck = rt_cmdline_u64(si, "stuck", 400000);
	bool verbose = rt_cmdline_u64(si, "verbose", 0) != 0;
	uint64_t took[TARGETS + 1] = { 0 };
	int64_t after[TARGETS + 1] = { 0 }, rel[TARGETS + 1] = { 0 };

	zd = rt_cmdline_u64(si, "zd", 1000);
	asm volatile("sidt %0" : "=m"(idtr));
	for (uint64_t n = 1; n <= TARGETS; n++) {
		uint64_t t0, back;
		long r;

		if (n > 1 && !wait_for(&halting, n - 1, stuck)) {
			test_fail("idlewake-kick",
				  "vcpu %lu never got to its HLT", n - 1);
			break;
		}
		spin(md[n - 1]);
		t0 = rdtsc();
		r = start_target(n);
		back = rdtsc();
		if (r) {
			test_fail("idlewake-kick", "vcpu_start %lu: status %ld",
				  n, r);
			break;
		}
		if (!wait_for(&ran[n], 1, stuck)) {
			test_fail("idlewake-kick",
				  "vcpu %lu (started %lu turns after vcpu %lu said it halts) has not run in %lu tsc: cpu 1 idles with it runnable, a lost wake-up",
				  n, md[n - 1], n - 1, stuck);
			break;
		}
		took[n] = back - t0;
		after[n] = (int64_t)(get(&ran[n]) - t0);
		rel[n] = (int64_t)(t0 - get(&hlt_at[n - 1]));
	}
	/* Only now: a line takes longer than a round. */
	for (uint64_t n = 2; verbose && n <= TARGETS && get(&ran[n]); n++)
		rt_printf("idlewake: vcpu %lu: spun %lu, started %ld after vcpu %lu halted, vcpu_start took %lu, ran %ld after\n",
			  n, md[n - 1], (long)rel[n], n - 1, took[n],
			  (long)after[n]);
	rt_halt();
}

/* The delay of round r (from 1): md0, md0 + step, ... md1, then again. */
static uint64_t delay_of(uint64_t r, uint64_t md0, uint64_t md1, uint64_t step)
{
	return md0 + ((r - 1) % ((md1 - md0) / step + 1)) * step;
}

static long create_kid(uint64_t c, uint64_t mda, uint64_t mdb, uint64_t zdv,
		       uint64_t stuck, uint64_t verbose)
{
	memset(&req, 0, sizeof(req));
	fmt_snprintf(req.name, sizeof(req.name), "k%lu", c);
	fmt_snprintf(req.template, sizeof(req.template), "kid");
	fmt_snprintf(req.cmdline, sizeof(req.cmdline),
		     "md=%lu md2=%lu zd=%lu stuck=%lu verbose=%lu", mda, mdb,
		     zdv, stuck, verbose);
	return hv_hypercall(HV_HC_PARTITION_CREATE, (uint64_t)&req,
			    sizeof(req), 0);
}

/*
 * The parent: one child after the other. A child whose vCPU 3 has not
 * run after twice its starter's patience lost a wake-up in one of its
 * two rounds.
 */
static void parent(const struct hv_start_info *si)
{
	uint64_t children = rt_cmdline_u64(si, "children", 40);
	uint64_t md0 = rt_cmdline_u64(si, "md0", 0);
	uint64_t md1 = rt_cmdline_u64(si, "md1", 2000);
	uint64_t step = rt_cmdline_u64(si, "step", 10);
	uint64_t zdv = rt_cmdline_u64(si, "zd", 1000);
	uint64_t stuck = rt_cmdline_u64(si, "stuck", 400000);
	uint64_t verbose = rt_cmdline_u64(si, "verbose", 0);
	uint64_t every = children / 8 ? children / 8 : 1, stalled = 0;

	if (!step || md1 < md0 || !children) {
		test_fail("idlewake-args", "bad cmdline");
		return;
	}
	rt_printf("idlewake: %lu children, 2 rounds each; vcpus spin %lu turns before they halt, the starter %lu to %lu by %lu\n",
		  children, zdv, md0, md1, step);
	for (uint64_t c = 1; c <= children; c++) {
		uint64_t mda = delay_of(2 * c - 1, md0, md1, step);
		uint64_t mdb = delay_of(2 * c, md0, md1, step), t0;
		long id = create_kid(c, mda, mdb, zdv, stuck, verbose), r;

		if (id <= 0) {
			test_fail("idlewake-create", "child %lu: status %ld", c,
				  id);
			return;
		}
		r = hv_hypercall(HV_HC_PARTITION_START, (uint64_t)id, 0, 0);
		if (r) {
			test_fail("idlewake-start", "child %lu: status %ld", c,
				  r);
			return;
		}
		/* CPU 0 to the child's starter, until it halts. */
		t0 = rdtsc();
		do {
			rt_yield();
			r = rt_partition_info(id, &info);
		} while (!r && info.state == HV_PART_RUNNING &&
			 info.vcpu_last_cpu[TARGETS] == HV_CPU_NONE &&
			 rdtsc() - t0 < 2 * stuck);
		if (r || info.vcpu_last_cpu[TARGETS] == HV_CPU_NONE) {
			if (++stalled <= NAMED)
				rt_printf("idlewake: child k%lu (delays %lu and %lu) stalled: one of its vcpus never ran\n",
					  c, mda, mdb);
		}
		r = rt_manage(HV_HC_PARTITION_STOP, id, NULL);
		if (r && r != HV_STATUS_BUSY) {
			test_fail("idlewake-stop", "child %lu: status %ld", c, r);
			return;
		}
		r = rt_manage(HV_HC_PARTITION_DESTROY, id, NULL);
		if (r) {
			test_fail("idlewake-destroy", "child %lu: status %ld",
				  c, r);
			return;
		}
		if (c % every == 0 || c == children)
			rt_printf("idlewake: %lu of %lu children, %lu stalled\n",
				  c, children, stalled);
	}
	if (stalled)
		test_fail("idlewake-no-lost-wakeup",
			  "%lu of %lu children stalled: a kick to an idle cpu was lost",
			  stalled, children);
	else
		test_pass("idlewake-no-lost-wakeup");
}

void test_main(const struct hv_start_info *si)
{
	if (si->flags & HV_START_PARENT)
		parent(si);
	else
		starter(si);
}
