// SPDX-License-Identifier: MIT
/*
 * Reads lines from its console and says each one back: what a person
 * attached to this partition (pm's `console NAME`) types at. A line is
 * shown only once it is whole, since hv prints a partition's output a
 * line at a time; backspace takes back a character. Runs until its
 * partition is stopped.
 */
#include "guest/lib/ulib.h"

#define ECHO_LINE_MAX 120

int main(void)
{
	char line[ECHO_LINE_MAX + 1];
	unsigned long count = 0;
	size_t n = 0;
	char last = 0;

	printf("echo: type a line and it comes back (pid %ld)\n", getpid());
	for (;;) {
		char c;

		/* The kernel's read never waits: no key, the CPU goes. */
		if (read(SYS_FD_STDIN, &c, 1) != 1) {
			nap();
			continue;
		}
		if (c == '\n' && last == '\r') {
			last = c;
			continue;
		}
		last = c;
		if (c == '\r' || c == '\n') {
			line[n] = '\0';
			printf("echo: line %lu: %s\n", ++count, line);
			n = 0;
		} else if (c == '\b' || c == 0x7f) {
			if (n)
				n--;
		} else if (c >= ' ' && c <= '~' && n < ECHO_LINE_MAX) {
			line[n++] = c;
		}
	}
}
