// SPDX-License-Identifier: MIT
/* Start-up, COM1 output, results and power-off for the test guests. */
#include "guest/tests/rt/rt.h"

#include <stdarg.h>

#include "guest/tests/rt/x86.h"
#include "lib/fmt.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE (1u << 5) /* transmit holding register empty */
#define LSR_TEMT (1u << 6) /* transmitter empty */

/*
 * hv's 16550 is always ready, but a driver that polls is what the device
 * model is written for. The bound keeps a broken LSR from hanging a test
 * that could still report.
 */
#define UART_POLL_LIMIT 100000

static unsigned int checks_run, checks_failed;

void rt_start(const struct hv_start_info *si);

static void uart_wait(uint8_t bits)
{
	for (int i = 0; i < UART_POLL_LIMIT; i++) {
		if ((inb(COM1 + UART_LSR) & bits) == bits)
			return;
		cpu_relax();
	}
}

void rt_putc(char c)
{
	uart_wait(LSR_THRE);
	outb(COM1 + UART_THR, (uint8_t)c);
}

void rt_puts(const char *s)
{
	while (*s)
		rt_putc(*s++);
}

static void vprint(const char *fmt, va_list ap)
{
	char buf[256];

	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	rt_puts(buf);
}

void rt_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void test_pass(const char *check)
{
	checks_run++;
	rt_printf("TEST %s: PASS\n", check);
}

void test_fail(const char *check, const char *fmt, ...)
{
	va_list ap;

	checks_run++;
	checks_failed++;
	rt_printf("TEST %s: FAIL ", check);
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	rt_putc('\n');
}

void test_summary(void)
{
	if (checks_failed)
		rt_printf("TEST %s: FAIL %u of %u checks failed\n", test_name,
			  checks_failed, checks_run);
	else
		rt_printf("TEST %s: PASS\n", test_name);
}

void rt_halt(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

void shutdown(void)
{
	long status;

	/* hv prints whole lines; let the last one leave before power-off. */
	uart_wait(LSR_THRE | LSR_TEMT);
	status = hv_hypercall(HV_HC_SHUTDOWN, 0, 0, 0);
	rt_printf("TEST %s: FAIL shutdown hypercall returned %ld\n", test_name,
		  status);
	rt_halt();
}

/* Called by _start with hv's RDI. */
void rt_start(const struct hv_start_info *si)
{
	/* Before anything can fault: without an IDT a fault is a triple fault,
	 * and the guest could not say what went wrong. */
	rt_idt_init();
	if (si->magic != HV_START_INFO_MAGIC) {
		rt_printf("TEST %s: FAIL start info at 0x%lx has magic 0x%lx\n",
			  test_name, (unsigned long)(uintptr_t)si,
			  (unsigned long)si->magic);
		shutdown();
	}
	/*
	 * last=1 in a parent's cmdline: run the test only once every other
	 * partition has ended, as if alone. Several test guests then share
	 * one boot, and the parent's own test still sees an idle machine.
	 */
	if ((si->flags & HV_START_PARENT) && rt_cmdline_u64(si, "last", 0))
		rt_wait_others_ended(si->partition_id);
	test_main(si);
	test_summary();
	/* Only the parent may power off; a child's shutdown would be refused
	 * and reported as a failure. A child ends by halting, and hv stops it. */
	if (!(si->flags & HV_START_PARENT))
		rt_halt();
	shutdown();
}
