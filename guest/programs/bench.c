// SPDX-License-Identifier: MIT
/*
 * bench, the benchmark's user program (docs/benchmarks.md). Every figure
 * is one line "bench: NAME VALUE", which tools/bench.py collects; VALUE
 * is in TSC ticks (instructions under Bochs), bytes or a count. The
 * cmdline word bench= says what this copy does:
 *
 *   (none)        in the parent: the whole benchmark. It times what a
 *                 program pays for hv from ring 3, with its trace off
 *                 and on, checks that hv counts CPUID exits exactly,
 *                 reads hv's footprint, and creates the children below.
 *   bench=first   in a child: prints the TSC ticks since t=, which the
 *                 parent read just before its partition_create call.
 *   bench=switch  in a child and in the parent at once: spins across the
 *                 TSC window [from=, from= + len=) and prints how long,
 *                 and how many times, it did not run in it.
 *   bench=sched   in the parent, alone on one CPU with slices of
 *                 slice_ms=: hv's own figure for the preemption switch
 *                 with 2, 100 and 500 runnable partitions (itself and
 *                 spinning 2 MiB children).
 *   bench=density in the parent: as many 2 MiB children running at once
 *                 as the pool holds, and the pool's free bytes before
 *                 and after they are all destroyed.
 *   bench=linux   in the parent of bench-linux.scn, instead of the whole
 *                 benchmark: boots a Linux child from each of the
 *                 templates "linux" and "linux2" in turn (see
 *                 linux_figures), for tools/bench_linux.py.
 *
 * Every partition involved should run its kernel with tick=0, so that no
 * timer of its own takes time from a timed loop.
 */
#include "arch/x86/vmx_names.h"
#include "guest/include/bench.h"
#include "guest/include/x86.h"
#include "guest/lib/ulib.h"
#include "lib/fmt.h"
#include "guest/programs/bench_prog.h"

#define EXIT_REASON_CPUID 10 /* SDM Vol. 3D, "Basic Exit Reasons" */
#define STATS_CPUIDS 1000 /* CPUIDs whose count hv must get exactly */
#define STOS_BYTES 65536
#define STOS_ROUNDS 3 /* the least of a few: see bench_batch */
#define CHILD_2M_MAX 1000 /* more than any pool the bench boots with */
/* Yields the parent waits for a child at most: far more than it needs. */
#define WAIT_YIELDS 1000000
/* A gap longer than this in a spinning loop is the CPU gone elsewhere;
 * one turn of the loop is about ten ticks. */
#define GAP_MIN 200
/* The switch window: slices of the default 10 ms, in TSC time. */
#define SWITCH_SLICES 100
#define SLICE_MS 10

/* Runnable partitions bench=sched measures the switch with; rounds of
 * all of them it measures over, after as many to let them boot, and
 * slices at least. */
static const uint32_t sched_counts[] = { 2, 100, 500 };
#define SCHED_ROUNDS 2
#define SCHED_MIN_SLICES 200

static uint8_t stos_buf[STOS_BYTES] __attribute__((aligned(4096)));
static uint32_t ids[CHILD_2M_MAX];

static bool get_hv_info(struct hv_info *hi)
{
	return !hypercall(HV_HC_HV_INFO, (unsigned long)(uintptr_t)hi,
			  sizeof(*hi), 0);
}

static void figure(const char *name, uint64_t value)
{
	printf("bench: %s %lu\n", name, (unsigned long)value);
}

static __attribute__((noinline)) void nothing(void)
{
	asm volatile("" : : : "memory");
}

static __attribute__((noinline)) void op_syscall(void)
{
	getpid();
}

static __attribute__((noinline)) void op_hypercall(void)
{
	hypercall(HV_HC_VERSION, 0, 0, 0);
}

static __attribute__((noinline)) void op_cpuid(void)
{
	(void)cpuid(0, 0);
}

/*
 * One REP STOS of `bytes` in units of `width` (1 or 8), less an empty
 * pair of TSC reads: under Bochs, whether the count is per iteration or
 * per instruction, which tells how to read hv's figures for zeroing.
 */
static uint64_t stos_ticks(size_t bytes, unsigned width)
{
	uint64_t best = UINT64_MAX, empty = UINT64_MAX;

	for (unsigned r = 0; r < STOS_ROUNDS; r++) {
		void *d = stos_buf;
		size_t n = bytes / width;
		uint64_t t0, t;

		t0 = bench_tsc();
		if (width == 8)
			asm volatile("rep stosq"
				     : "+D"(d), "+c"(n)
				     : "a"(0ul)
				     : "memory");
		else
			asm volatile("rep stosb"
				     : "+D"(d), "+c"(n)
				     : "a"(0)
				     : "memory");
		t = bench_tsc() - t0;
		if (t < best)
			best = t;
		t0 = bench_tsc();
		t = bench_tsc() - t0;
		if (t < empty)
			empty = t;
	}
	return best - empty;
}

long part_info(uint32_t id, struct hv_partition_info *pi)
{
	return hypercall(HV_HC_PARTITION_INFO, id, (unsigned long)(uintptr_t)pi,
			 sizeof(*pi));
}

/* A status that stops the benchmark: said once, as a failed test. */
bool ok(const char *what, long r)
{
	if (r >= 0)
		return true;
	printf("TEST bench: FAIL %s: status %ld\n", what, r);
	return false;
}

static long create(const char *name, const char *image, uint32_t ram_mb,
		   const char *program, const char *cmdline)
{
	struct hv_partition_create req;

	memset(&req, 0, sizeof(req));
	memcpy(req.name, name, strlen(name) + 1);
	memcpy(req.image, image, strlen(image) + 1);
	memcpy(req.cmdline, cmdline, strlen(cmdline) + 1);
	req.ram_mb = ram_mb;
	req.vcpus = 1;
	if (program) {
		req.program_count = 1;
		memcpy(req.programs[0], program, strlen(program) + 1);
	}
	return hypercall(HV_HC_PARTITION_CREATE, (unsigned long)(uintptr_t)&req,
			 sizeof(req), 0);
}

/* Gives the CPU to the other partitions until child id has ended. */
static bool wait_ended(uint32_t id, struct hv_partition_info *pi)
{
	for (long i = 0; i < WAIT_YIELDS; i++) {
		hypercall(HV_HC_YIELD, 0, 0, 0);
		if (part_info(id, pi) || (pi->state != HV_PART_CREATED &&
					  pi->state != HV_PART_RUNNING))
			return true;
	}
	printf("TEST bench: FAIL child %u did not end\n", id);
	return false;
}

/* hv's own share of a CPUID exit: the time in its handler (hv/stats.h). */
static void handler_figure(const char *name, const struct hv_partition_info *pi)
{
	uint64_t n = pi->exit_counts[EXIT_REASON_CPUID];

	figure(name, n ? pi->exit_tsc[EXIT_REASON_CPUID] / n : 0);
}

/*
 * The acceptance check of the statistics: a stretch of work with a known
 * number of CPUIDs must add exactly that many to the partition's count,
 * and one partition_info call exactly one to its hypercall count.
 */
static void check_stats(uint32_t self)
{
	static struct hv_partition_info before, after;
	uint64_t cpuids, infos;

	if (!ok("partition_info", part_info(self, &before)))
		return;
	for (int i = 0; i < STATS_CPUIDS; i++)
		op_cpuid();
	if (!ok("partition_info", part_info(self, &after)))
		return;
	cpuids = after.exit_counts[EXIT_REASON_CPUID] -
		 before.exit_counts[EXIT_REASON_CPUID];
	infos = after.hypercall_counts[HV_HC_PARTITION_INFO] -
		before.hypercall_counts[HV_HC_PARTITION_INFO];
	handler_figure("user_cpuid_handler", &after);
	if (cpuids == STATS_CPUIDS && infos == 1)
		printf("TEST stats-count: PASS\n");
	else
		printf("TEST stats-count: FAIL %lu CPUID exits and %lu partition_info calls counted for %d and 1\n",
		       (unsigned long)cpuids, (unsigned long)infos,
		       STATS_CPUIDS);
}

static void user_figures(void)
{
	figure("user_syscall", bench_per_op(op_syscall, nothing));
	figure("user_hypercall",
	       bench_per_op(op_hypercall, nothing));
	figure("user_cpuid", bench_per_op(op_cpuid, nothing));
	figure("rep_stosb_4096", stos_ticks(4096, 1));
	figure("rep_stosb_65536", stos_ticks(STOS_BYTES, 1));
	figure("rep_stosq_65536", stos_ticks(STOS_BYTES, 8));
}

/*
 * What the trace costs an exit: CPUID from ring 3 again, with this
 * partition's trace on. The ring wraps many times; what is left of it is
 * taken out, so that the rest of the run sees only the trace of others.
 */
static void trace_figures(uint32_t self)
{
	static struct hv_trace_record rec[HV_TRACE_READ_MAX];

	if (!ok("trace on", hypercall(HV_HC_TRACE_CONTROL, self, 1, 0)))
		return;
	figure("user_cpuid_traced", bench_per_op(op_cpuid, nothing));
	ok("trace off", hypercall(HV_HC_TRACE_CONTROL, self, 0, 0));
	for (uint32_t cpu = 0; cpu < HV_INFO_MAX_CPUS; cpu++) {
		while (hypercall(HV_HC_TRACE_READ, cpu,
				 (unsigned long)(uintptr_t)rec,
				 HV_TRACE_READ_MAX) > 0)
			;
		while (hypercall(HV_HC_TRACE_READ, cpu | HV_TRACE_READ_SLICES,
				 (unsigned long)(uintptr_t)rec,
				 HV_TRACE_READ_MAX) > 0)
			;
	}
}

static void hv_figures(void)
{
	struct hv_info hi;

	if (!ok("hv_info", hypercall(HV_HC_HV_INFO, (unsigned long)(uintptr_t)&hi,
				     sizeof(hi), 0)))
		return;
	figure("hv_image_bytes", hi.image_bytes);
	figure("hv_pool_own_bytes", hi.pool_hv_bytes);
	figure("hv_resident_bytes", hi.image_bytes + hi.pool_hv_bytes);
	figure("hv_partition_slots", hi.max_partitions);
	figure("tsc_khz", hi.tsc_khz);
}

/* The kernel's own figures, from a child whose kernel times them. */
static void kernel_figures(void)
{
	struct hv_partition_info pi;
	long id = create("kbench", "hv/kernel.elf", 4, NULL,
			 "tick=0 bench=kernel");

	if (!ok("create kbench", id) ||
	    !ok("start kbench", hypercall(HV_HC_PARTITION_START,
					  (unsigned long)id, 0, 0)))
		return;
	if (wait_ended((uint32_t)id, &pi))
		handler_figure("kernel_cpuid_handler", &pi);
	ok("destroy kbench",
	   hypercall(HV_HC_PARTITION_DESTROY, (unsigned long)id, 0, 0));
}

/* Writes v as exactly 20 decimal digits at out. */
static void put_u64_20(char *out, uint64_t v)
{
	for (int i = 19; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/*
 * From the parent's partition_create to the first instructions of the
 * child's program, for a 16 MiB child: the t= of its cmdline is written
 * after the TSC is read, so the few instructions that write it count.
 * Returns the TSC ticks from the create to the child's end, 0 on failure.
 */
static uint64_t start_figures(void)
{
	static char cmdline[] = "tick=0 bench=first t=00000000000000000000";
	struct hv_partition_info pi;
	uint64_t t0, t1, end;
	long id;

	t0 = bench_tsc();
	put_u64_20(cmdline + sizeof(cmdline) - 21, t0);
	id = create("first", "hv/kernel.elf", 16, "hv/programs/bench.elf",
		    cmdline);
	if (!ok("create first", id) ||
	    !ok("start first",
		hypercall(HV_HC_PARTITION_START, (unsigned long)id, 0, 0)))
		return 0;
	hypercall(HV_HC_YIELD, 0, 0, 0);
	if (!wait_ended((uint32_t)id, &pi))
		return 0;
	end = bench_tsc();
	figure("create_hv_build", pi.build_tsc);
	figure("create_hv_ram", pi.ram_tsc);
	figure("child_16m_overhead_bytes", pi.pool_bytes - pi.ram_bytes);
	/* The kernel asks again at each PENDING step, yielding between. */
	t1 = bench_tsc();
	if (ok("destroy first",
	       hypercall(HV_HC_PARTITION_DESTROY, (unsigned long)id, 0, 0)))
		figure("destroy_16m", bench_tsc() - t1);
	return end - t0;
}

/*
 * Spins across [from, to): the TSC ticks in it during which this loop did
 * not run, and how many times it stopped running.
 */
static void spin_window(uint64_t from, uint64_t to, uint64_t *gap_ticks,
			uint64_t *gaps, uint64_t *first)
{
	uint64_t prev = rdtsc(), now;

	*gap_ticks = *gaps = 0;
	*first = prev;
	while (prev < to) {
		now = rdtsc();
		if (now - prev > GAP_MIN && now > from) {
			uint64_t lo = prev > from ? prev : from;
			uint64_t hi = now < to ? now : to;

			*gap_ticks += hi - lo;
			++*gaps;
		}
		prev = now;
	}
}

static void switch_side(const char *side, uint64_t from, uint64_t len)
{
	uint64_t gap_ticks, gaps, first;
	char name[48];

	spin_window(from, from + len, &gap_ticks, &gaps, &first);
	fmt_snprintf(name, sizeof(name), "switch_%s_gap_ticks", side);
	figure(name, gap_ticks);
	fmt_snprintf(name, sizeof(name), "switch_%s_gaps", side);
	figure(name, gaps);
	/* After from, the loop came too late to see the whole window. */
	fmt_snprintf(name, sizeof(name), "switch_%s_late", side);
	figure(name, first > from);
}

/*
 * Two partitions, this one and a child, spin across the same window.
 * Every tick of it is one of them running or hv switching, so the
 * switching is the sum of both gaps less the window; tools/bench.py
 * divides it by the number of gaps. margin is how long a child's kernel
 * may take to reach its program.
 */
static void switch_figures(uint64_t margin)
{
	struct hv_partition_info pi;
	char cmdline[sizeof(((struct hv_partition_create *)0)->cmdline)];
	uint64_t from, len = (uint64_t)SWITCH_SLICES * SLICE_MS * hv_tsc_khz();
	struct hv_info h0, h1;
	long id;

	from = rdtsc() + margin;
	fmt_snprintf(cmdline, sizeof(cmdline),
		     "tick=0 bench=switch from=%lu len=%lu",
		     (unsigned long)from, (unsigned long)len);
	id = create("switch", "hv/kernel.elf", 4, "hv/programs/bench.elf",
		    cmdline);
	if (!ok("create switch", id) ||
	    !ok("start switch",
		hypercall(HV_HC_PARTITION_START, (unsigned long)id, 0, 0)))
		return;
	figure("switch_window_ticks", len);
	if (!get_hv_info(&h0))
		return;
	switch_side("parent", from, len);
	/* hv's own figure over the same window, to set beside the gaps. */
	if (get_hv_info(&h1) && h1.switches > h0.switches) {
		figure("switch_hv_count", h1.switches - h0.switches);
		figure("switch_hv_ticks", (h1.switch_tsc - h0.switch_tsc) /
						  (h1.switches - h0.switches));
	}
	wait_ended((uint32_t)id, &pi);
	ok("destroy switch",
	   hypercall(HV_HC_PARTITION_DESTROY, (unsigned long)id, 0, 0));
}

/*
 * 2 MiB children, each started as soon as it exists, until hv refuses
 * one; then every one must have run and still be running.
 */
static void density_figures(const char *prefix)
{
	struct hv_partition_info pi;
	struct hv_info hi;
	uint64_t running = 0;
	long n = 0, r = 0;
	char name[48];

	while (n < CHILD_2M_MAX) {
		fmt_snprintf(name, sizeof(name), "m%ld", n);
		r = create(name, "hv/tests/spin-low.elf", 2, NULL, "");
		if (r < 0)
			break;
		ids[n++] = (uint32_t)r;
		if (!ok("start", hypercall(HV_HC_PARTITION_START,
					   (unsigned long)r, 0, 0)))
			break;
	}
	/* A turn each, so that every child has run, on whichever CPU: the
	 * second yield comes after every child's first slice has ended. */
	hypercall(HV_HC_YIELD, 0, 0, 0);
	hypercall(HV_HC_YIELD, 0, 0, 0);
	for (long i = 0; i < n; i++)
		if (!part_info(ids[i], &pi) && pi.state == HV_PART_RUNNING &&
		    pi.run_tsc)
			running++;
	if (n && !part_info(ids[0], &pi)) {
		uint64_t each = pi.pool_bytes;

		fmt_snprintf(name, sizeof(name), "%schild_2m_overhead_bytes",
			     prefix);
		figure(name, each - pi.ram_bytes);
		/* When the slots ran out first: how many the pool had room for. */
		if (!hypercall(HV_HC_HV_INFO, (unsigned long)(uintptr_t)&hi,
			       sizeof(hi), 0))
		{
			fmt_snprintf(name, sizeof(name), "%schildren_2m_pool_room",
				     prefix);
			figure(name, (uint64_t)n + hi.pool_free_bytes / each);
		}
	}
	fmt_snprintf(name, sizeof(name), "%schildren_2m", prefix);
	figure(name, (uint64_t)n);
	fmt_snprintf(name, sizeof(name), "%schildren_2m_running", prefix);
	figure(name, running);
	printf("bench: %schildren_2m_refused_with %ld\n", prefix, r);
	for (long i = 0; i < n; i++)
		ok("destroy", hypercall(HV_HC_PARTITION_DESTROY,
					(unsigned long)ids[i], 0, 0));
}

static void spin_for(uint64_t ticks)
{
	uint64_t end = rdtsc() + ticks;

	while (rdtsc() < end)
		asm volatile("" : : : "memory");
}

/*
 * The preemption switch by hv's own TSC with n runnable partitions: this
 * one and n - 1 spinning children, which it makes as it goes. It spins
 * itself, so it is preempted as they are.
 */
static void sched_figures(uint64_t slice_ms)
{
	uint64_t slice = slice_ms * hv_tsc_khz();
	uint32_t have = 0;
	char name[48];

	for (uint32_t c = 0; c < sizeof(sched_counts) / sizeof(sched_counts[0]);
	     c++) {
		uint32_t n = sched_counts[c];
		uint64_t window = SCHED_ROUNDS * n < SCHED_MIN_SLICES ?
					  SCHED_MIN_SLICES :
					  SCHED_ROUNDS * n;
		struct hv_info h0, h1;

		while (have + 1 < n) {
			long r;

			fmt_snprintf(name, sizeof(name), "r%u", have);
			r = create(name, "hv/tests/spin-low.elf", 2, NULL, "");
			if (!ok("create", r))
				return;
			ids[have++] = (uint32_t)r;
			if (!ok("start", hypercall(HV_HC_PARTITION_START,
						   (unsigned long)r, 0, 0)))
				return;
		}
		spin_for(window * slice);
		if (!get_hv_info(&h0))
			return;
		spin_for(window * slice);
		if (!get_hv_info(&h1) || h1.switches <= h0.switches) {
			printf("TEST bench: FAIL no switch with %u partitions\n",
			       n);
			return;
		}
		fmt_snprintf(name, sizeof(name), "sched_%u_switches", n);
		figure(name, h1.switches - h0.switches);
		fmt_snprintf(name, sizeof(name), "sched_%u_switch_ticks", n);
		figure(name, (h1.switch_tsc - h0.switch_tsc) /
				     (h1.switches - h0.switches));
	}
	for (uint32_t i = 0; i < have; i++)
		ok("destroy", hypercall(HV_HC_PARTITION_DESTROY,
					(unsigned long)ids[i], 0, 0));
}

static int parent(const struct sys_info *si)
{
	uint64_t child_span;

	printf("bench: start\n");
	hv_figures();
	user_figures();
	check_stats(si->partition_id);
	trace_figures(si->partition_id);
	kernel_figures();
	child_span = start_figures();
	if (child_span)
		switch_figures(4 * child_span);
	density_figures("");
	printf("bench: done\n");
	return 0;
}

int main(void)
{
	uint64_t entry = rdtsc(); /* first: the end of bench=first's span */
	struct sys_info si;
	uint64_t t, from, len;

	if (info(&si))
		return 1;
	if (cmdline_is(si.cmdline, "bench", "first") &&
	    cmdline_u64(si.cmdline, "t", &t)) {
		/* bench-create.scn's children say their size (benchcreate). */
		const char *size = cmdline_value(si.cmdline, "size");
		char name[32] = "create_to_user";
		size_t n = 14;

		if (size)
			name[n++] = '_';
		while (size && *size && *size != ' ' && n < sizeof(name) - 1)
			name[n++] = *size++;
		name[n] = '\0';
		figure(name, entry - t);
		return 0;
	}
	if (cmdline_is(si.cmdline, "bench", "switch") &&
	    cmdline_u64(si.cmdline, "from", &from) &&
	    cmdline_u64(si.cmdline, "len", &len)) {
		switch_side("child", from, len);
		return 0;
	}
	if (!(si.flags & SYS_INFO_PARENT)) {
		printf("TEST bench: FAIL no bench= word for a child\n");
		return 1;
	}
	if (cmdline_is(si.cmdline, "bench", "sched") &&
	    cmdline_u64(si.cmdline, "slice_ms", &t)) {
		printf("bench: start\n");
		sched_figures(t);
		printf("bench: done\n");
		return 0;
	}
	if (cmdline_is(si.cmdline, "bench", "density")) {
		struct hv_info h0, h1;

		printf("bench: start\n");
		if (!get_hv_info(&h0))
			return 1;
		density_figures("smp_");
		if (!get_hv_info(&h1))
			return 1;
		figure("smp_pool_free_before", h0.pool_free_bytes);
		figure("smp_pool_free_after", h1.pool_free_bytes);
		printf("bench: done\n");
		return 0;
	}
	if (cmdline_is(si.cmdline, "bench", "linux")) {
		linux_figure("linux", "linux_pvh_marker");
		linux_figure("linux2", "linux_pvh_marker_2cpu");
		printf("bench-linux: done\n");
		return 0;
	}
	return parent(&si);
}
