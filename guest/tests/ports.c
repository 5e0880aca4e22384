// SPDX-License-Identifier: MIT
/*
 * I/O ports hv does not grant are denied without stopping the partition:
 * writes vanish and reads return all ones, like an ISA bus with nothing
 * on it. hv logs the first denial per port only (the scenario counts).
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

const char test_name[] = "ports";

#define PORT_POST 0x80 /* POST code */
#define PORT_KBC 0x64 /* i8042 command/status */
#define KBC_PULSE_RESET 0xfe

/* A value to show which bits of RAX an IN leaves alone. */
#define RAX_PATTERN 0x1122334455667788ull

static uint64_t in_width(int width, uint16_t port)
{
	uint64_t rax = RAX_PATTERN;

	if (width == 1)
		asm volatile("inb %w1, %%al" : "+a"(rax) : "Nd"(port));
	else if (width == 2)
		asm volatile("inw %w1, %%ax" : "+a"(rax) : "Nd"(port));
	else
		asm volatile("inl %w1, %%eax" : "+a"(rax) : "Nd"(port));
	return rax;
}

/*
 * SDM Vol. 1, "Operand Size and Address Size in 64-Bit Mode": an 8- or
 * 16-bit result leaves the rest of the register alone, a 32-bit result
 * is zero-extended to 64 bits. An emulated IN must do the same.
 */
static void check_read_widths(void)
{
	static const struct {
		int width;
		uint64_t want;
	} cases[] = {
		{ 1, (RAX_PATTERN & ~0xffull) | 0xff },
		{ 2, (RAX_PATTERN & ~0xffffull) | 0xffff },
		{ 4, 0xffffffffull },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = in_width(cases[i].width, PORT_KBC);

		if (got != cases[i].want) {
			test_fail("port-read-width",
				  "%d-byte IN from 0x%x: rax 0x%lx, want 0x%lx",
				  cases[i].width, PORT_KBC,
				  (unsigned long)got,
				  (unsigned long)cases[i].want);
			return;
		}
	}
	test_pass("port-read-width");
}

void test_main(const struct hv_start_info *si)
{
	uint8_t v;

	(void)si;
	outb(PORT_POST, 0x55);
	outb(PORT_POST, 0xaa);
	/* The pulse-reset command: if hv let it through to the real i8042,
	 * the machine would reset and this test would never report. */
	outb(PORT_KBC, KBC_PULSE_RESET);
	outb(PORT_KBC, KBC_PULSE_RESET);

	v = inb(PORT_KBC);
	if (v != 0xff)
		test_fail("port-read-ones", "IN from 0x%x read 0x%x, want 0xff",
			  PORT_KBC, v);
	else
		test_pass("port-read-ones");
	check_read_widths();
}
