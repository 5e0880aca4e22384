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
 * then it reads commands from the console for ever. With a person there
 * a script's final `shutdown` is left out, so that the person gets the
 * prompt (README.md, `make run`); `console NAME` gives them NAME's
 * console until they type Ctrl-].
 */
#include "guest/programs/pm.h"

#define PM_LINE_MAX 128
#define PM_ARGS_MAX 5
#define PM_WAIT_MAX 1000000
#define PM_WAIT_PROGRESS_MAX 1000000000000ul
/* A long wait says how far it has got this often, in seconds. */
#define PM_WAIT_REPORT_SECONDS 5
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
	"pm:   console NAME              type at NAME's console; Ctrl-] comes back\n"
	"pm:   type NAME TEXT            at NAME's prompt, type TEXT and Enter; wait for the next\n"
	"pm:   prompt                    end the script; read the console\n"
	"pm:   shutdown                  power the machine off\n";

static void usage(void)
{
	write_all(SYS_FD_STDOUT, usage_text, sizeof(usage_text) - 1);
}

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

/*
 * pm's `wait N`: N turns given to the children, the kernel's yield to
 * the parent's other programs and hv's to other partitions, since the
 * kernel's yield alone stays in this partition.
 */
static void give_cpu(unsigned long times)
{
	for (unsigned long i = 0; i < times; i++) {
		yield();
		hypercall(HV_HC_YIELD, 0, 0, 0);
	}
}

/*
 * Bytes the console gave pm while it waited for a detach: typed after
 * the Ctrl-], they are the start of pm's next command.
 */
static char early[PM_LINE_MAX];
static size_t early_len, early_next;

static bool console_getc(char *c)
{
	if (early_next < early_len) {
		*c = early[early_next++];
		return true;
	}
	early_len = early_next = 0;
	return read(SYS_FD_STDIN, c, 1) == 1;
}

/*
 * Gives NAME the console's input until Ctrl-] (hv takes that key and
 * gives the console back) or NAME's end. While it waits pm reads its own
 * console, which is what has hv take the keys from the real UART, for
 * NAME as well as for pm: a child need not be reading for its keys to
 * get to its own buffer. NAME's output keeps its "[NAME] " prefix (the
 * other partitions print on meanwhile, and hv prints whole lines only).
 */
static void console_cmd(const char *name)
{
	struct hv_partition_info pi;
	long id = find(name, &pi), r;
	char c;

	if (id < 0)
		return;
	r = hypercall(HV_HC_CONSOLE_ATTACH, (unsigned long)id, 0, 0);
	if (r) {
		report("console", name, r);
		return;
	}
	if (pi.flags & HV_PART_FLAG_PARENT) {
		printf("pm: the console's input is pm's\n");
		return;
	}
	printf("pm: the console's input goes to %s; Ctrl-] comes back to pm\n",
	       name);
	for (;;) {
		if (read(SYS_FD_STDIN, &c, 1) == 1 && c != 0x1d &&
		    early_len < sizeof(early))
			early[early_len++] = c;
		r = part_info((uint32_t)id, &pi);
		if (r || !(pi.flags & HV_PART_FLAG_CONSOLE))
			break;
		nap();
	}
	if (r || pi.state != HV_PART_RUNNING)
		printf("pm: %s has ended: the console is back at pm\n", name);
	else
		printf("pm: the console is back at pm\n");
}

/* What a person at the console is told once the script is done. */
static void greet(void)
{
	uint32_t ids[HV_PARTITION_LIST_MAX];
	struct hv_partition_info pi;
	long n = part_ids(ids);
	char names[PM_ITEMS_LINE];
	size_t len = 0, last = 0;

	printf("pm: a person is at the console: waiting for commands (help lists them)\n");
	names[0] = '\0';
	for (long i = 0; i < n; i++) {
		size_t k;

		if (part_info(ids[i], &pi) || (pi.flags & HV_PART_FLAG_PARENT) ||
		    pi.state != HV_PART_RUNNING)
			continue;
		k = strnlen(pi.name, sizeof(pi.name));
		if (len + k + 2 >= sizeof(names))
			break;
		names[len++] = ' ';
		last = len;
		memcpy(names + len, pi.name, k + 1);
		len += k;
	}
	if (!len)
		return;
	printf("pm: \"console NAME\" types at a partition's console, Ctrl-] comes back; running:%s\n",
	       names);
	/* The last running one: in the default manifest, the Linux child. */
	printf("pm: for example \"console %s\"\n", names + last);
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
		nap();
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

/*
 * "type NAME TEXT": TEXT is the rest of the line as it stands, spaces
 * and all, so it is taken before the line is split. False if line is
 * not a type command.
 */
static bool type_line(char *line)
{
	char *p = line, *name;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "type", 4) || (p[4] != ' ' && p[4] != '\t'))
		return false;
	for (p += 4; *p == ' ' || *p == '\t'; p++)
		;
	name = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (!*p) {
		printf("pm: type needs a partition's name and a text\n");
		usage();
		return true;
	}
	*p++ = '\0';
	type_cmd(name, p);
	return true;
}

static enum pm_next command(char *line)
{
	char *argv[PM_ARGS_MAX];
	int argc;
	unsigned long v;

	if (type_line(line))
		return PM_GO_ON;
	argc = split(line, argv);

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
	} else if (!strcmp(argv[0], "console") && argc == 2) {
		console_cmd(argv[1]);
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

/*
 * Runs the script's commands; PM_PROMPT if one of them asked for it.
 * With a person at the console its last command, if it is shutdown, is
 * not run: the person gets the prompt instead.
 */
static enum pm_next run_script(const char *script, bool person)
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
		if (person && !*script && !strcmp(cmd, "shutdown")) {
			printf("pm: a person is at the console: the script's final shutdown is theirs to type\n");
			return PM_PROMPT;
		}
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

		if (!console_getc(&c)) {
			nap();
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
	bool person = si.flags & SYS_INFO_INTERACTIVE;

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
	if (script && run_script(script, person) == PM_PROMPT && !person)
		prompt();
	if (person) {
		greet();
		prompt();
	}
	power_off();
	return 1;
}
