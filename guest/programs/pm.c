// SPDX-License-Identifier: MIT
/*
 * pm, the partition manager: the parent's program that creates, starts,
 * stops and destroys partitions through the kernel's pass-through of hv's
 * management calls.
 *
 * At start it creates and starts every template marked start = parent,
 * and prints the table of partitions. It then runs the commands of the
 * cmdline's script= (the rest of the cmdline, ';' between commands).
 * After the script it powers off, unless the script ended with `prompt`
 * or hv says a person is at the console (the manifest's interactive key):
 * then it reads commands from the console for ever.
 */
#include "arch/x86/vmx_names.h"
#include "guest/lib/ulib.h"
#include "lib/fmt.h"
#include "lib/hvnames.h"

#define PM_LINE_MAX 128
#define PM_ARGS_MAX 5
#define PM_WAIT_MAX 1000000
#define PM_WAIT_PROGRESS_MAX 1000000000000ul
/* A long wait says how far it has got this often, in seconds. */
#define PM_WAIT_REPORT_SECONDS 5
#define PM_INFO_REASONS_PER_LINE 6
/* hv keeps a console line to 160 characters; a list wraps before. */
#define PM_ITEMS_LINE 96
/* More than any CPU's ring holds (hv/trace.h). */
#define PM_TRACE_READ_MAX 1000000ul

enum pm_next {
	PM_GO_ON,
	PM_PROMPT, /* the script is over: read the console */
};

static const char usage_text[] =
	"pm: commands:\n"
	"pm:   list                      the table of partitions\n"
	"pm:   info NAME                 everything hv says about NAME\n"
	"pm:   create NAME TEMPLATE      a copy of a manifest template\n"
	"pm:   create NAME IMAGE MIB     a partition of IMAGE, no programs\n"
	"pm:   start NAME | stop NAME | destroy NAME\n"
	"pm:   stats [NAME]              exit statistics of all, or of NAME\n"
	"pm:   trace NAME on|off         record NAME's exits in hv's trace\n"
	"pm:   trace read [N]            print the trace, N records a CPU at most\n"
	"pm:   wait N                    give the CPU away N times\n"
	"pm:   wait NAME N ticks|exits   ... until NAME has run N TSC ticks, or made N exits\n"
	"pm:   prompt                    end the script; read the console\n"
	"pm:   shutdown                  power the machine off\n";

static void usage(void)
{
	write_all(SYS_FD_STDOUT, usage_text, sizeof(usage_text) - 1);
}

static const char *status_name(long r)
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

static void report(const char *what, const char *name, long r)
{
	printf("pm: %s %s: %s (%ld)\n", what, name, status_name(r), r);
}

static const char *state_name(uint32_t state)
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

static long part_info(uint32_t id, struct hv_partition_info *pi)
{
	return hypercall(HV_HC_PARTITION_INFO, id, (unsigned long)(uintptr_t)pi,
			 sizeof(*pi));
}

/* The ids of all partitions; how many, or a negative status. */
static long part_ids(uint32_t *ids)
{
	long n = hypercall(HV_HC_PARTITION_LIST, (unsigned long)(uintptr_t)ids,
			   HV_PARTITION_LIST_MAX, 0);

	return n > HV_PARTITION_LIST_MAX ? HV_PARTITION_LIST_MAX : n;
}

/* Names are what a person types, ids what hv takes. */
static long find(const char *name, struct hv_partition_info *pi)
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
static void table(void)
{
	uint32_t ids[HV_PARTITION_LIST_MAX];
	struct hv_partition_info pi;
	long n = part_ids(ids);
	char cpu[12];

	if (n < 0) {
		report("list", "partitions", n);
		return;
	}
	printf("pm: %3s %-16s %-8s %7s %5s %14s %10s %4s\n", "ID", "NAME",
	       "STATE", "RAM", "VCPUS", "RUN-TSC", "EXITS", "CPU");
	for (long i = 0; i < n; i++) {
		long r = part_info(ids[i], &pi);

		if (r) {
			printf("pm: %3u (gone: %s)\n", ids[i], status_name(r));
			continue;
		}
		/* CPU: where vCPU 0 last ran, as hv numbers the CPUs. */
		if (pi.vcpu_last_cpu[0] == HV_CPU_NONE)
			fmt_snprintf(cpu, sizeof(cpu), "-");
		else
			fmt_snprintf(cpu, sizeof(cpu), "%u", pi.vcpu_last_cpu[0]);
		printf("pm: %3u %-16s %-8s %3lu MiB %5u %14lu %10lu %4s\n",
		       pi.id, pi.name, state_name(pi.state),
		       (unsigned long)(pi.ram_bytes >> 20), pi.vcpus,
		       (unsigned long)pi.run_tsc, (unsigned long)pi.exits, cpu);
	}
}

static void info_cmd(const char *name)
{
	struct hv_partition_info pi;
	long id = find(name, &pi);
	int k = 0;

	if (id < 0)
		return;
	printf("pm: %s: id %u, %s%s, %lu MiB, %u vCPU(s)\n", pi.name, pi.id,
	       state_name(pi.state),
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
static void stats_table(void)
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
static void stats_cmd(const char *name)
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

static void trace_switch(const char *name, const char *onoff)
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

/*
 * Takes up to max records from each CPU's ring and prints them in the
 * format of hv's dump at power-off, which tools/trace2csv.py reads.
 */
static void trace_read_cmd(unsigned long max)
{
	static struct hv_trace_record rec[HV_TRACE_READ_MAX];
	unsigned long shown = 0;

	for (uint32_t cpu = 0; cpu < HV_INFO_MAX_CPUS; cpu++) {
		unsigned long taken = 0;

		while (taken < max) {
			unsigned long want = max - taken < HV_TRACE_READ_MAX ?
						     max - taken :
						     HV_TRACE_READ_MAX;
			long n = hypercall(HV_HC_TRACE_READ, cpu,
					   (unsigned long)(uintptr_t)rec, want);

			if (n < 0) {
				report("trace read", "records", n);
				return;
			}
			if (n == 0)
				break;
			for (long i = 0; i < n; i++)
				printf("pm: trace cpu=%u seq=%lu tsc=%lu part=%u vcpu=%u exit=%u name=%s qual=0x%lx rip=0x%lx\n",
				       cpu, (unsigned long)rec[i].seq,
				       (unsigned long)rec[i].tsc,
				       rec[i].partition, rec[i].vcpu,
				       rec[i].reason & 0xffff,
				       vmx_exit_reason_name(rec[i].reason &
							    0xffff),
				       (unsigned long)rec[i].qual,
				       (unsigned long)rec[i].rip);
			taken += (unsigned long)n;
		}
		shown += taken;
	}
	printf("pm: trace: %lu record(s)\n", shown);
}

/* Copies s into dst[size]; false, with a message, if it does not fit. */
static bool copy_name(char *dst, size_t size, const char *s, const char *what)
{
	size_t n = strlen(s);

	if (n >= size) {
		printf("pm: %s %s is longer than %zu characters\n", what, s,
		       size - 1);
		return false;
	}
	memcpy(dst, s, n + 1);
	return true;
}

/* A decimal number from 1 to max; false if s is anything else. */
static bool number(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return v >= 1;
}

static long create(const char *name, const char *tmpl, const char *image,
		   uint32_t ram_mb)
{
	struct hv_partition_create req;
	long id;

	memset(&req, 0, sizeof(req));
	if (!copy_name(req.name, sizeof(req.name), name, "name"))
		return HV_STATUS_INVALID;
	if (tmpl &&
	    !copy_name(req.template, sizeof(req.template), tmpl, "template"))
		return HV_STATUS_INVALID;
	if (image && !copy_name(req.image, sizeof(req.image), image, "image"))
		return HV_STATUS_INVALID;
	req.ram_mb = ram_mb;
	req.vcpus = 1;
	id = hypercall(HV_HC_PARTITION_CREATE, (unsigned long)(uintptr_t)&req,
		       sizeof(req), 0);
	if (id < 0)
		report("create", name, id);
	else
		printf("pm: created %s (id %ld)\n", name, id);
	return id;
}

static void start(const char *name, long id)
{
	long r = hypercall(HV_HC_PARTITION_START, (unsigned long)id, 0, 0);

	if (r)
		report("start", name, r);
	else
		printf("pm: started %s (id %ld)\n", name, id);
}

/* start, stop or destroy: one call on one partition, by name. */
static void by_name(const char *verb, const char *done, unsigned long nr,
		    const char *name)
{
	struct hv_partition_info pi;
	long id = find(name, &pi);
	long r;

	if (id < 0)
		return;
	if (nr == HV_HC_PARTITION_START) {
		start(name, id);
		return;
	}
	r = hypercall(nr, (unsigned long)id, 0, 0);
	if (r)
		report(verb, name, r);
	else
		printf("pm: %s %s (id %ld)\n", done, name, id);
}

/* Lets the children run: the kernel's yield alone stays in this partition. */
static void give_cpu(unsigned long times)
{
	for (unsigned long i = 0; i < times; i++) {
		yield();
		hypercall(HV_HC_YIELD, 0, 0, 0);
	}
}

/*
 * Waits for a child's progress rather than for the parent's own: the
 * CPU goes away until NAME has run N TSC ticks, or made N VM exits,
 * however fast or slow the parent's yields are. Exits measure what a
 * program has done the same way on every machine (most of a small
 * program's exits are its own port writes); ticks are time. Ends early
 * if NAME stops running.
 */
static void wait_for(const char *name, unsigned long n, bool exits)
{
	const char *unit = exits ? "exits" : "TSC ticks";
	uint64_t every = (uint64_t)hv_tsc_khz() * 1000 * PM_WAIT_REPORT_SECONDS;
	uint64_t next = rdtsc() + every;
	struct hv_partition_info pi;
	long id = find(name, &pi), r;
	unsigned long got = 0;

	if (id < 0)
		return;
	while (!(r = part_info((uint32_t)id, &pi)) &&
	       (got = exits ? pi.exits : pi.run_tsc) < n &&
	       pi.state == HV_PART_RUNNING) {
		if (every && rdtsc() >= next) {
			printf("pm: waiting for %s: %lu of %lu %s\n", name, got,
			       n, unit);
			next += every;
		}
		give_cpu(1);
	}
	if (r)
		report("info for", name, r);
	else if (got < n)
		printf("pm: %s is %s after %lu %s: not waiting for it\n", name,
		       state_name(pi.state), got, unit);
	else
		printf("pm: %s has %s %lu %s\n", name, exits ? "made" : "run",
		       got, unit);
}

static void power_off(void)
{
	long r;

	printf("pm: powering off\n");
	r = hypercall(HV_HC_SHUTDOWN, 0, 0, 0);
	report("shutdown", "refused", r);
}

/* Splits line at spaces, in place; the number of words, or -1 if too many. */
static int split(char *line, char **argv)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return argc;
		if (argc == PM_ARGS_MAX)
			return -1;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static enum pm_next command(char *line)
{
	char *argv[PM_ARGS_MAX];
	int argc = split(line, argv);
	unsigned long v;

	if (argc == 0)
		return PM_GO_ON;
	if (argc < 0) {
		printf("pm: too many words\n");
		usage();
		return PM_GO_ON;
	}
	if (!strcmp(argv[0], "list") && argc == 1) {
		table();
	} else if (!strcmp(argv[0], "info") && argc == 2) {
		info_cmd(argv[1]);
	} else if (!strcmp(argv[0], "create") && argc == 3) {
		create(argv[1], argv[2], NULL, 0);
	} else if (!strcmp(argv[0], "create") && argc == 4) {
		if (!number(argv[3], HV_CREATE_RAM_MB_MAX, &v)) {
			printf("pm: bad MiB %s: 1 to %d\n", argv[3],
			       HV_CREATE_RAM_MB_MAX);
			usage();
			return PM_GO_ON;
		}
		create(argv[1], NULL, argv[2], (uint32_t)v);
	} else if (!strcmp(argv[0], "start") && argc == 2) {
		by_name("start", "started", HV_HC_PARTITION_START, argv[1]);
	} else if (!strcmp(argv[0], "stop") && argc == 2) {
		by_name("stop", "stopped", HV_HC_PARTITION_STOP, argv[1]);
	} else if (!strcmp(argv[0], "destroy") && argc == 2) {
		by_name("destroy", "destroyed", HV_HC_PARTITION_DESTROY,
			argv[1]);
	} else if (!strcmp(argv[0], "stats") && argc == 1) {
		stats_table();
	} else if (!strcmp(argv[0], "stats") && argc == 2) {
		stats_cmd(argv[1]);
	} else if (!strcmp(argv[0], "trace") && argc == 2 &&
		   !strcmp(argv[1], "read")) {
		trace_read_cmd(PM_TRACE_READ_MAX);
	} else if (!strcmp(argv[0], "trace") && argc == 3 &&
		   !strcmp(argv[1], "read")) {
		if (!number(argv[2], PM_TRACE_READ_MAX, &v)) {
			printf("pm: bad count %s\n", argv[2]);
			usage();
			return PM_GO_ON;
		}
		trace_read_cmd(v);
	} else if (!strcmp(argv[0], "trace") && argc == 3) {
		trace_switch(argv[1], argv[2]);
	} else if (!strcmp(argv[0], "wait") && argc == 2) {
		if (!number(argv[1], PM_WAIT_MAX, &v)) {
			printf("pm: bad count %s: 1 to %d\n", argv[1],
			       PM_WAIT_MAX);
			usage();
			return PM_GO_ON;
		}
		give_cpu(v);
	} else if (!strcmp(argv[0], "wait") && argc == 4 &&
		   (!strcmp(argv[3], "ticks") || !strcmp(argv[3], "exits"))) {
		if (!number(argv[2], PM_WAIT_PROGRESS_MAX, &v)) {
			printf("pm: bad count %s: 1 to %lu\n", argv[2],
			       PM_WAIT_PROGRESS_MAX);
			usage();
			return PM_GO_ON;
		}
		wait_for(argv[1], v, !strcmp(argv[3], "exits"));
	} else if (!strcmp(argv[0], "shutdown") && argc == 1) {
		power_off();
	} else if (!strcmp(argv[0], "prompt") && argc == 1) {
		return PM_PROMPT;
	} else if (!strcmp(argv[0], "help") && argc == 1) {
		usage();
	} else {
		printf("pm: cannot do \"%s\" with %d argument(s)\n", argv[0],
		       argc - 1);
		usage();
	}
	return PM_GO_ON;
}

/* Creates and starts every template that says start = parent. */
static void start_templates(void)
{
	struct hv_template t[HV_TEMPLATE_LIST_MAX];
	long n = hypercall(HV_HC_TEMPLATE_LIST, (unsigned long)(uintptr_t)t,
			   HV_TEMPLATE_LIST_MAX, 0);

	if (n < 0) {
		report("template_list", "failed", n);
		return;
	}
	if (n > HV_TEMPLATE_LIST_MAX) {
		printf("pm: only the first %d of %ld templates are seen\n",
		       HV_TEMPLATE_LIST_MAX, n);
		n = HV_TEMPLATE_LIST_MAX;
	}
	for (long i = 0; i < n; i++) {
		long id;

		t[i].name[sizeof(t[i].name) - 1] = '\0';
		if (t[i].start != HV_START_BY_PARENT)
			continue;
		id = create(t[i].name, t[i].name, NULL, 0);
		if (id >= 0)
			start(t[i].name, id);
	}
}

/* The script: what follows the word script= up to the cmdline's end. */
static const char *find_script(const char *cmdline)
{
	static const char key[] = "script=";

	for (const char *p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') &&
		    !strncmp(p, key, sizeof(key) - 1))
			return p + sizeof(key) - 1;
	return NULL;
}

/* Runs the script's commands; PM_PROMPT if one of them asked for it. */
static enum pm_next run_script(const char *script)
{
	char cmd[PM_LINE_MAX];

	while (*script) {
		size_t n = 0;

		while (*script && *script != ';') {
			if (n < sizeof(cmd) - 1)
				cmd[n++] = *script;
			script++;
		}
		if (*script)
			script++;
		cmd[n] = '\0';
		printf("pm> %s\n", cmd);
		if (command(cmd) == PM_PROMPT)
			return PM_PROMPT;
	}
	return PM_GO_ON;
}

/*
 * Reads commands from the console. hv prints whole lines only, so the
 * prompt and the echo of a command show up together when it is entered.
 */
static void prompt(void)
{
	char line[PM_LINE_MAX];
	char last = 0;
	size_t n = 0;

	printf("pm: reading commands from the console\n");
	printf("pm> ");
	for (;;) {
		char c;

		if (read(SYS_FD_STDIN, &c, 1) != 1) {
			give_cpu(1);
			continue;
		}
		if (c == '\n' && last == '\r') {
			/* A terminal's CR LF is one end of line. */
			last = c;
			continue;
		}
		last = c;
		if (c == '\r' || c == '\n') {
			printf("\n");
			line[n] = '\0';
			command(line);
			n = 0;
			printf("pm> ");
		} else if (c == '\b' || c == 0x7f) {
			if (n)
				n--;
		} else if (c >= ' ' && c <= '~' && n < sizeof(line) - 1) {
			line[n++] = c;
			write(SYS_FD_STDOUT, &c, 1);
		}
	}
}

int main(void)
{
	struct sys_info si;
	const char *script;
	long r = info(&si);

	if (r) {
		printf("pm: info returned %ld\n", r);
		return 1;
	}
	if (!(si.flags & SYS_INFO_PARENT))
		printf("pm: not the parent partition: hv will refuse\n");
	start_templates();
	table();
	script = find_script(si.cmdline);
	/* With a person at the console (make run on a terminal), pm waits
	 * for commands after its script instead of powering off. */
	if (script && run_script(script) == PM_PROMPT)
		prompt();
	if (si.flags & SYS_INFO_INTERACTIVE) {
		printf("pm: a person is at the console: waiting for commands (help lists them)\n");
		prompt();
	}
	power_off();
	return 1;
}
