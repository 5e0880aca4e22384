// SPDX-License-Identifier: MIT
/*
 * Port grants: the guest drives the 16550 at COM2 (0x2f8-0x2ff) as a
 * polled driver would and writes one line naming its partition. With the
 * ports granted the line reaches the real COM2 directly; without them hv
 * denies every access, so nothing arrives. The scenario judges COM2's
 * file and hv's log, not this guest's word.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

const char test_name[] = "com2";

#define COM2 0x2f8
#define LSR_THR_EMPTY 0x20

static void com2_putc(char c)
{
	/* Bounded: a denied LSR reads 0xff, an absent UART might never. */
	for (int i = 0; i < 100000; i++)
		if (inb(COM2 + 5) & LSR_THR_EMPTY)
			break;
	outb(COM2, (uint8_t)c);
}

void test_main(const struct hv_start_info *si)
{
	const char *s;

	outb(COM2 + 1, 0x00); /* no interrupts */
	outb(COM2 + 3, 0x80); /* divisor latch */
	outb(COM2 + 0, 0x01); /* 115200 baud */
	outb(COM2 + 1, 0x00);
	outb(COM2 + 3, 0x03); /* 8N1 */
	outb(COM2 + 2, 0x07); /* FIFOs on and cleared */
	for (s = "COM2 line from partition "; *s; s++)
		com2_putc(*s);
	for (s = si->name; *s; s++)
		com2_putc(*s);
	com2_putc('\n');
	rt_printf("com2: line written\n");
	/* The runtime halts a child after its summary, and a parent with
	 * last=1 in its cmdline powers off only after the others. */
	test_pass("com2-written");
}
