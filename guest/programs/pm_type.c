// SPDX-License-Identifier: MIT
/*
 * pm's `type NAME TEXT`: a script types a line at a partition's console
 * as a person would, for a demo or a test without a person (make run in
 * CI). A person waits for the shell's prompt before typing, and for the
 * command's output before the next one; so does pm, by what hv tells of
 * NAME's console (console_state): the lines NAME has finished, the input
 * it has not read, and its unfinished line, which is where a prompt sits.
 */
#include "guest/programs/pm.h"

/* A long wait says how far it has got this often, in seconds. */
#define PM_TYPE_REPORT_SECONDS 2

static long console_state(uint32_t id, struct hv_console_state *st)
{
	return hypercall(HV_HC_CONSOLE_STATE, id,
			 (unsigned long)(uintptr_t)st, sizeof(*st));
}

/* A shell's prompt ends its unfinished line: "/ # " for root, "$ " else. */
static bool at_prompt(const struct hv_console_state *st)
{
	/* hv drops terminal control sequences, such as busybox's cursor
	 * query (ESC [6n) after its prompt: the line ends in the prompt. */
	uint32_t n = st->line_len <= sizeof(st->line) ? st->line_len : 0;

	return n >= 2 && st->line[n - 1] == ' ' &&
	       (st->line[n - 2] == '#' || st->line[n - 2] == '$');
}

/*
 * Yields until partition id shows a prompt with all its input read and
 * more than `after` lines finished (its echo of what was typed, and the
 * command's output, came first). False, said, if it stops running or hv
 * answers with an error.
 */
static bool wait_prompt(const char *name, uint32_t id, uint64_t after,
			struct hv_console_state *st)
{
	uint64_t every = (uint64_t)hv_tsc_khz() * 1000 * PM_TYPE_REPORT_SECONDS;
	uint64_t next = rdtsc() + every;
	struct hv_partition_info pi;
	long r;

	for (;;) {
		r = console_state(id, st);
		if (!r)
			r = part_info(id, &pi);
		if (r) {
			report("console_state for", name, r);
			return false;
		}
		if (pi.state != HV_PART_RUNNING) {
			printf("pm: %s is %s: not typing at it\n", name,
			       info_state(&pi));
			return false;
		}
		if (st->rx_pending == 0 && st->lines > after && at_prompt(st))
			return true;
		if (every && rdtsc() >= next) {
			/* The end of its unfinished line: what pm waits on. */
			char tail[41];
			uint32_t n = st->line_len < 40 ? st->line_len : 40;

			memcpy(tail, st->line + st->line_len - n, n);
			tail[n] = '\0';
			printf("pm: waiting for a prompt at %s: %lu lines, %lu exits, %u unread; its line ends \"%s\"\n",
			       name, (unsigned long)st->lines,
			       (unsigned long)pi.exits, st->rx_pending, tail);
			next += every;
		}
		nap();
	}
}

/* Sends len bytes to id's console input, a buffer's worth at a time. */
static bool send(const char *name, uint32_t id, const char *s, size_t len)
{
	while (len) {
		long r = hypercall(HV_HC_CONSOLE_INPUT, id,
				   (unsigned long)(uintptr_t)s, len);

		if (r < 0) {
			report("type at", name, r);
			return false;
		}
		s += r;
		len -= (size_t)r;
		if (len)
			nap();
	}
	return true;
}

void type_cmd(const char *name, const char *text)
{
	struct hv_partition_info pi;
	struct hv_console_state st;
	long id = find(name, &pi);
	uint64_t khz = hv_tsc_khz(), t0, ticks;

	if (id < 0)
		return;
	if (!wait_prompt(name, (uint32_t)id, 0, &st))
		return;
	t0 = rdtsc();
	/* Enter is CR, as a terminal sends it. */
	if (!send(name, (uint32_t)id, text, strlen(text)) ||
	    !send(name, (uint32_t)id, "\r", 1))
		return;
	/* Done when the prompt is back: the shell's echo of the line and
	 * the command's output are then out, before pm's next line. How
	 * long that took is the console's round trip (a polled 16550 in a
	 * pc partition), which docs/linux.md quotes. */
	if (!wait_prompt(name, (uint32_t)id, st.lines, &st))
		return;
	ticks = rdtsc() - t0;
	printf("pm: %s's prompt is back after %lu ms (%lu TSC ticks)\n", name,
	       khz ? (unsigned long)(ticks / khz) : 0ul, (unsigned long)ticks);
}
