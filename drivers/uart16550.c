// SPDX-License-Identifier: MIT
#include "drivers/uart16550.h"

#include "arch/x86/io.h"

enum {
	REG_DATA = 0, /* THR/RBR; divisor low when DLAB=1 */
	REG_IER = 1, /* divisor high when DLAB=1 */
	REG_FCR = 2,
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
};

#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20 /* room for another byte */
#define LSR_TX_EMPTY 0x40 /* shift register empty too: the line is idle */

/*
 * A bounded wait: a UART that never reports ready (absent, or wedged)
 * must not hang hv, so output is dropped after this many polls.
 */
#define UART_POLL_LIMIT 1000000

void uart_init(uint16_t base)
{
	outb(base + REG_IER, 0x00); /* polled: no interrupts */
	outb(base + REG_LCR, 0x80); /* DLAB on to set the divisor */
	outb(base + REG_DATA, 0x01); /* 115200 baud */
	outb(base + REG_IER, 0x00);
	outb(base + REG_LCR, 0x03); /* 8N1, DLAB off */
	outb(base + REG_FCR, 0x07); /* enable and clear both FIFOs */
	outb(base + REG_MCR, 0x03); /* DTR, RTS */
}

static bool uart_wait(uint16_t base, uint8_t mask)
{
	for (int i = 0; i < UART_POLL_LIMIT; i++) {
		if (inb(base + REG_LSR) & mask)
			return true;
		cpu_relax();
	}
	return false;
}

void uart_putc(uint16_t base, char c)
{
	if (uart_wait(base, LSR_THR_EMPTY))
		outb(base + REG_DATA, (uint8_t)c);
}

void uart_write(uint16_t base, const char *s, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc(base, '\r');
		uart_putc(base, s[i]);
	}
}

void uart_write_raw(uint16_t base, const char *s, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		uart_putc(base, s[i]);
}

bool uart_tx_idle(uint16_t base)
{
	return inb(base + REG_LSR) & LSR_THR_EMPTY;
}

void uart_burst(uint16_t base, const char *s, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		outb(base + REG_DATA, (uint8_t)s[i]);
}

void uart_drain(uint16_t base)
{
	uart_wait(base, LSR_TX_EMPTY);
}

bool uart_getc(uint16_t base, char *c)
{
	if (!(inb(base + REG_LSR) & LSR_DATA_READY))
		return false;
	*c = (char)inb(base + REG_DATA);
	return true;
}
