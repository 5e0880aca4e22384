// SPDX-License-Identifier: MIT
/*
 * pm's views of hv's partitions: the table, one partition's info and
 * statistics, and the trace. The commands that change things are in
 * pm.c; pm.h is what the two share.
 */
#include "guest/programs/pm.h"

#include "arch/x86/vmx_names.h"
#include "lib/fmt.h"
#include "lib/hvnames.h"

const char *status_name(long r)
{
	switch (r) {
	case HV_STATUS_UNKNOWN_CALL:
		return "unknown call";
	case HV_STATUS_DENIED:
		return "denied";
	case HV_STATUS_INVALID:
		return "invalid";
	case HV_STATUS_BAD_ADDRESS:
		return "bad address";
	case HV_STATUS_TOO_BIG:
		return "too big";
	case HV_STATUS_NOT_FOUND:
		return "not found";
	case HV_STATUS_NO_MEMORY:
		return "no memory";
	case HV_STATUS_BUSY:
		return "busy";
	case -SYS_EFAULT:
		return "bad user pointer";
	case -SYS_EINVAL:
		return "rejected by the kernel";
	case -SYS_ENOSYS:
		return "withheld by the kernel";
	default:
		return "error";
	}
}

void report(const char *what, const char *name, long r)
{
	printf("pm: %s %s: %s (%ld)\n", what, name, status_name(r), r);
}

const char *state_name(uint32_t state)
{
	switch (state) {
	case HV_PART_CREATED:
		return "created";
	case HV_PART_RUNNING:
		return "running";
	case HV_PART_STOPPED:
		return "stopped";
	case HV_PART_FAULTED:
		return "faulted";
	default:
		return "?";
	}
}

/* "off" for a partition that powered itself off, else its state. */
const char *info_state(const struct hv_partition_info *pi)
{
	if (pi->state == HV_PART_STOPPED && (pi->flags & HV_PART_FLAG_POWERED_OFF))
		return "off";
	return state_name(pi->state);
}

long part_info(uint32_t id, struct hv_partition_info *pi)
{
	return hypercall(HV_HC_PARTITION_INFO, id, (unsigned long)(uintptr_t)pi,
			 sizeof(*pi));
}

/* The ids of all partitions; how many, or a negative status. */
long part_ids(uint32_t *ids)
{
	long n = hypercall(HV_HC_PARTITION_LIST, (unsigned long)(uintptr_t)ids,
			   HV_PARTITION_LIST_MAX, 0);

	return n > HV_PARTITION_LIST_MAX ? HV_PARTITION_LIST_MAX : n;
}

/* Names are what a person types, ids what hv takes. */
long find(const char *name, struct hv_partition_info *pi)
{
	uint32_t ids[HV_PARTITION_LIST_MAX];
	long n = part_ids(ids);

	if (n < 0) {
		report("list for", name, n);
		return n;
	}
	for (long i = 0; i < n; i++)
		if (!part_info(ids[i], pi) && !strcmp(pi->name, name))
			return ids[i];
	printf("pm: no partition is named %s\n", name);
	return HV_STATUS_NOT_FOUND;
}

/*
 * Run time is in TSC ticks, hv's own unit: in Bochs the TSC runs at a few
 * MHz, so milliseconds would round most partitions down to nothing.
 */
void table(void)
{
	uint32_t ids[HV_PARTITION_LIST_MAX];
	struct hv_partition_info pi;
	long n = part_ids(ids);
	char holder[sizeof(pi.name)];
	char cpu[12];

	if (n < 0) {
		report("list", "partitions", n);
		return;
	}
	printf("pm: %3s %-16s %-8s %7s %5s %14s %10s %4s\n", "ID", "NAME",
	       "STATE", "RAM", "VCPUS", "RUN-TSC", "EXITS", "CPU");
	holder[0] = '\0';
	for (long i = 0; i < n; i++) {
		long r = part_info(ids[i], &pi);

		if (r) {
			printf("pm: %3u (gone: %s)\n", ids[i], status_name(r));
			continue;
		}
		if (pi.flags & HV_PART_FLAG_CONSOLE)
			memcpy(holder, pi.name, sizeof(holder));
		/* CPU: where vCPU 0 last ran, as hv numbers the CPUs. */
		if (pi.vcpu_last_cpu[0] == HV_CPU_NONE)
			fmt_snprintf(cpu, sizeof(cpu), "-");
		else
			fmt_snprintf(cpu, sizeof(cpu), "%u", pi.vcpu_last_cpu[0]);
		printf("pm: %3u %-16s %-8s %3lu MiB %5u %14lu %10lu %4s\n",
		       pi.id, pi.name, info_state(&pi),
		       (unsigned long)(pi.ram_bytes >> 20), pi.vcpus,
		       (unsigned long)pi.run_tsc, (unsigned long)pi.exits, cpu);
	}
	/* A line of its own, not a column: scripts read the rows above. */
	if (holder[0])
		printf("pm: the console's input goes to %s\n", holder);
}

void info_cmd(const char *name)
{
	struct hv_partition_info pi;
	long id = find(name, &pi);
	int k = 0;

	if (id < 0)
		return;
	printf("pm: %s: id %u, %s%s, %lu MiB, %u vCPU(s)\n", pi.name, pi.id,
	       info_state(&pi),
	       pi.flags & HV_PART_FLAG_PARENT ? ", parent" : "",
	       (unsigned long)(pi.ram_bytes >> 20), pi.vcpus);
	printf("pm: %s: run time %lu TSC ticks, %lu exits\n", pi.name,
	       (unsigned long)pi.run_tsc, (unsigned long)pi.exits);
	for (uint32_t v = 0; v < pi.vcpus && v < HV_INFO_MAX_VCPUS; v++) {
		if (pi.vcpu_last_cpu[v] == HV_CPU_NONE)
			printf("pm: %s: vcpu %u: not run yet\n", pi.name, v);
		else
			printf("pm: %s: vcpu %u: last cpu %u, %u migration(s)\n",
			       pi.name, v, pi.vcpu_last_cpu[v],
			       pi.vcpu_migrations[v]);
	}
	k = 0;
	for (int c = 0; c < HV_INFO_MAX_CPUS; c++) {
		if (!pi.cpu_run_tsc[c])
			continue;
		if (!k++)
			printf("pm: %s: run tsc by cpu:", pi.name);
		printf(" cpu%d %lu", c, (unsigned long)pi.cpu_run_tsc[c]);
	}
	if (k)
		printf("\n");
	k = 0;
	printf("pm: %s: refused io %lu, msr %lu, ept %lu, hypercall %lu\n",
	       pi.name, (unsigned long)pi.refused_io,
	       (unsigned long)pi.refused_msr, (unsigned long)pi.refused_ept,
	       (unsigned long)pi.refused_hypercall);
	printf("pm: %s: console input dropped %lu (typed while its buffer was full)\n",
	       pi.name, (unsigned long)pi.console_rx_dropped);
	/* A few reasons a line: hv cuts a console line that runs long. */
	for (int i = 0; i < HV_INFO_EXIT_REASONS; i++) {
		if (!pi.exit_counts[i])
			continue;
		if (k % PM_INFO_REASONS_PER_LINE == 0)
			printf("pm: %s: exits by reason:", pi.name);
		printf(" %d=%lu", i, (unsigned long)pi.exit_counts[i]);
		if (++k % PM_INFO_REASONS_PER_LINE == 0)
			printf("\n");
	}
	if (k % PM_INFO_REASONS_PER_LINE)
		printf("\n");
	/* hv terminates it, but a struct from elsewhere might not be. */
	pi.last_fault[sizeof(pi.last_fault) - 1] = '\0';
	printf("pm: %s: last fault: %s\n", pi.name,
	       pi.last_fault[0] ? pi.last_fault : "none");
}

static uint64_t total(const uint64_t *v, int n)
{
	uint64_t t = 0;

	for (int i = 0; i < n; i++)
		t += v[i];
	return t;
}

/* One row per partition: its exits, hv's time on them, and the rest. */
void stats_table(void)
{
	uint32_t ids[HV_PARTITION_LIST_MAX];
	struct hv_partition_info pi;
	long n = part_ids(ids);

	if (n < 0) {
		report("list", "partitions", n);
		return;
	}
	printf("pm: %3s %-16s %10s %14s %10s %8s %6s %5s\n", "ID", "NAME",
	       "EXITS", "HV-TSC", "HYPERCALLS", "REFUSED", "FAULTS", "TRACE");
	for (long i = 0; i < n; i++) {
		if (part_info(ids[i], &pi))
			continue;
		printf("pm: %3u %-16s %10lu %14lu %10lu %8lu %6lu %5s\n", pi.id,
		       pi.name, (unsigned long)pi.exits,
		       (unsigned long)total(pi.exit_tsc, HV_INFO_EXIT_REASONS),
		       (unsigned long)total(pi.hypercall_counts,
					    HV_INFO_HYPERCALLS),
		       (unsigned long)(pi.refused_io + pi.refused_msr +
				       pi.refused_ept + pi.refused_hypercall),
		       (unsigned long)pi.faults, pi.trace ? "on" : "off");
	}
}

/* "pm: NAME: what: name count name count ...", wrapped. */
static void stats_items(const char *pname, const char *what,
			const uint64_t *counts, int n,
			const char *(*name)(uint32_t))
{
	char line[PM_ITEMS_LINE + 48];
	int len = 0;

	for (int i = 0; i < n; i++) {
		if (!counts[i])
			continue;
		if (len > PM_ITEMS_LINE) {
			printf("%s\n", line);
			len = 0;
		}
		if (!len)
			len = fmt_snprintf(line, sizeof(line), "pm: %s: %s:",
					   pname, what);
		len += fmt_snprintf(line + len, sizeof(line) - (size_t)len,
				    " %s %lu", name((uint32_t)i),
				    (unsigned long)counts[i]);
	}
	if (len)
		printf("%s\n", line);
}

static const char *hypercall_name32(uint32_t nr)
{
	return hv_hypercall_name(nr);
}

/* Everything hv counts about one partition, as tables. */
void stats_cmd(const char *name)
{
	struct hv_partition_info pi;
	long id = find(name, &pi);

	if (id < 0)
		return;
	printf("pm: %s: %-24s %12s %14s %10s\n", pi.name, "exit", "count",
	       "hv tsc", "tsc/exit");
	for (int r = 0; r < HV_INFO_EXIT_REASONS; r++) {
		if (!pi.exit_counts[r])
			continue;
		printf("pm: %s:   %-22s %12lu %14lu %10lu\n", pi.name,
		       vmx_exit_reason_name((uint32_t)r),
		       (unsigned long)pi.exit_counts[r],
		       (unsigned long)pi.exit_tsc[r],
		       (unsigned long)(pi.exit_tsc[r] / pi.exit_counts[r]));
	}
	stats_items(pi.name, "hypercalls", pi.hypercall_counts,
		    HV_INFO_HYPERCALLS, hypercall_name32);
	stats_items(pi.name, "injected", pi.injected, HV_INFO_VECTORS,
		    hv_vector_name);
	printf("pm: %s: refused io %lu, msr %lu, ept %lu, hypercall %lu; faults %lu\n",
	       pi.name, (unsigned long)pi.refused_io,
	       (unsigned long)pi.refused_msr, (unsigned long)pi.refused_ept,
	       (unsigned long)pi.refused_hypercall, (unsigned long)pi.faults);
	printf("pm: %s: run %lu tsc; built in %lu tsc (%lu taking its RAM); %lu bytes of pool beyond its RAM; trace %s\n",
	       pi.name, (unsigned long)pi.run_tsc,
	       (unsigned long)pi.build_tsc, (unsigned long)pi.ram_tsc,
	       (unsigned long)(pi.pool_bytes - pi.ram_bytes),
	       pi.trace ? "on" : "off");
}

void trace_switch(const char *name, const char *onoff)
{
	struct hv_partition_info pi;
	long id = find(name, &pi);
	long r;

	if (id < 0)
		return;
	if (strcmp(onoff, "on") && strcmp(onoff, "off")) {
		printf("pm: trace %s: say on or off, not %s\n", name, onoff);
		return;
	}
	r = hypercall(HV_HC_TRACE_CONTROL, (unsigned long)id,
		      !strcmp(onoff, "on"), 0);
	if (r < 0)
		report("trace", name, r);
	else
		printf("pm: trace of %s %s (was %s)\n", name, onoff,
		       r ? "on" : "off");
}

/* One line a record, in the format of hv's dump (hv/trace.c). */
static void trace_print(uint32_t cpu, const struct hv_trace_record *r)
{
	if (r->reason & HV_TRACE_SLICE)
		printf("pm: trace cpu=%u slice seq=%lu in=%lu out=%lu part=%u vcpu=%u\n",
		       cpu, (unsigned long)r->seq, (unsigned long)r->tsc,
		       (unsigned long)r->end_tsc, r->partition, r->vcpu);
	else
		printf("pm: trace cpu=%u seq=%lu tsc=%lu end=%lu part=%u vcpu=%u exit=%u name=%s qual=0x%lx rip=0x%lx\n",
		       cpu, (unsigned long)r->seq, (unsigned long)r->tsc,
		       (unsigned long)r->end_tsc, r->partition, r->vcpu,
		       r->reason & 0xffff,
		       vmx_exit_reason_name(r->reason & 0xffff),
		       (unsigned long)r->qual, (unsigned long)r->rip);
}

/* Up to max records of one CPU's exit ring, or of its slice ring. */
static long trace_take(uint32_t cpu, bool slices, unsigned long max)
{
	static struct hv_trace_record rec[HV_TRACE_READ_MAX];
	unsigned long taken = 0;

	while (taken < max) {
		unsigned long want = max - taken < HV_TRACE_READ_MAX ?
					     max - taken :
					     HV_TRACE_READ_MAX;
		long n = hypercall(HV_HC_TRACE_READ,
				   cpu | (slices ? HV_TRACE_READ_SLICES : 0),
				   (unsigned long)(uintptr_t)rec, want);

		if (n < 0) {
			report("trace read", "records", n);
			return n;
		}
		if (n == 0)
			break;
		for (long i = 0; i < n; i++)
			trace_print(cpu, &rec[i]);
		taken += (unsigned long)n;
	}
	return (long)taken;
}

/*
 * Takes up to max exit records and as many slices from each CPU's rings
 * and prints them in the format of hv's dump at power-off, which
 * tools/trace2csv.py and tools/traceplot.py read.
 */
void trace_read_cmd(unsigned long max)
{
	unsigned long shown = 0, sliced = 0;

	for (uint32_t cpu = 0; cpu < HV_INFO_MAX_CPUS; cpu++) {
		long e = trace_take(cpu, false, max), s;

		if (e < 0)
			return;
		s = trace_take(cpu, true, max);
		if (s < 0)
			return;
		shown += (unsigned long)e;
		sliced += (unsigned long)s;
	}
	printf("pm: trace: %lu record(s), %lu slice(s)\n", shown, sliced);
}

/* Copies s into dst[size]; false, with a message, if it does not fit. */
