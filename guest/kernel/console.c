// SPDX-License-Identifier: MIT
/*
 * Output on the partition's COM1, hv's virtual 16550. hv prints what a
 * partition writes a line at a time, prefixed with its name, so the kernel
 * adds no prefix of its own beyond "kernel: " in its messages.
 */
#include "guest/kernel/kernel.h"

#include <stdarg.h>

#include "lib/fmt.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_RBR 0
#define UART_LSR 5
#define LSR_DR (1u << 0) /* data ready: RBR holds a received byte */
#define LSR_THRE (1u << 5) /* transmit holding register empty */
#define LSR_TEMT (1u << 6) /* transmitter empty */

/* hv's UART is always ready; the bound keeps a broken LSR from hanging
 * the kernel. */
#define UART_POLL_LIMIT 100000

static void uart_wait(uint8_t bits)
{
	for (int i = 0; i < UART_POLL_LIMIT; i++) {
		if ((inb(COM1 + UART_LSR) & bits) == bits)
			return;
		cpu_relax();
	}
}

void con_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uart_wait(LSR_THRE);
		outb(COM1 + UART_THR, (uint8_t)s[i]);
	}
}

size_t con_read(char *buf, size_t n)
{
	size_t i = 0;

	/* Never waits: a program that wants to block polls and yields. */
	while (i < n && (inb(COM1 + UART_LSR) & LSR_DR))
		buf[i++] = (char)inb(COM1 + UART_RBR);
	return i;
}

void con_drain(void)
{
	uart_wait(LSR_THRE | LSR_TEMT);
}

static void vkprintf(const char *fmt, va_list ap)
{
	char buf[256];
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) {
		/* Keep the line a line: hv prints nothing until its end. */
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	con_write(buf, (size_t)n);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	kprintf("kernel: panic: ");
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	halt_forever();
}
