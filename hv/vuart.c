// SPDX-License-Identifier: MIT
/*
 * The partition's COM1: a 16550 with enough registers for a polled driver
 * and for Linux's 8250 probe. Output is collected a line at a time and
 * printed as "[name] line", so partitions never interleave mid-line.
 */
#include "hv/log.h"
#include "hv/partition.h"

enum {
	REG_DATA = 0,
	REG_IER = 1,
	REG_IIR = 2, /* FCR on write */
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
	REG_MSR = 6,
	REG_SCR = 7,
};

#define LCR_DLAB 0x80
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TX_EMPTY 0x40
#define IIR_NO_INTERRUPT 0x01
#define MCR_LOOP 0x10

bool vuart_handles(uint16_t port)
{
	return port >= VUART_BASE && port < VUART_BASE + 8;
}

/*
 * Hands the collected line to the console. When the console's ring is
 * full the line stays here, held: the LSR says the transmitter is busy,
 * and console_write takes no more bytes, until it has gone out.
 */
static bool flush_locked(struct partition *p)
{
	struct vuart *u = &p->uart;

	if (u->len && !console_write_partition_line(p->name, u->line, u->len)) {
		u->held = true;
		return false;
	}
	if (u->len)
		u->queued = true;
	u->len = 0;
	u->held = false;
	return true;
}

/*
 * Called with p->lock held at the end of an access: whether it queued a
 * line, in which case the caller feeds the UART (console_pump) once the
 * lock is dropped, once an access however many lines it queued.
 */
static bool take_queued(struct partition *p)
{
	bool q = p->uart.queued;

	p->uart.queued = false;
	return q;
}

/* False if c was dropped: a held line that still finds no room. */
static bool put_locked(struct partition *p, uint8_t c)
{
	struct vuart *u = &p->uart;

	if (u->held && !flush_locked(p)) {
		console_note_dropped(1);
		return false;
	}
	if (c == '\r')
		return true;
	if (c == '\n') {
		flush_locked(p);
		return true;
	}
	/* Unprintable bytes are shown, not passed to the real terminal. */
	if (c < 0x20 || c > 0x7e)
		c = '?';
	u->line[u->len++] = (char)c;
	if (u->len == sizeof(u->line) - 1)
		flush_locked(p);
	return true;
}

/*
 * Console input belongs to the parent (DESIGN: "Console input goes to the
 * parent"). The real UART is polled only when the parent looks at its
 * virtual one, so no other partition can read a keystroke.
 */
static void vuart_poll_input(struct partition *p)
{
	struct vuart *u = &p->uart;
	char c;

	if (!p->parent)
		return;
	while (u->rx_head - u->rx_tail < sizeof(u->rx) && console_getc(&c))
		u->rx[u->rx_head++ % sizeof(u->rx)] = (uint8_t)c;
}

static bool vuart_rx_ready(const struct vuart *u)
{
	return u->rx_head != u->rx_tail;
}

static void io_locked(struct partition *p, uint16_t port, bool in,
		      uint32_t *value)
{
	struct vuart *u = &p->uart;
	unsigned reg = port - VUART_BASE;
	uint8_t v = (uint8_t)*value;

	if (in) {
		switch (reg) {
		case REG_DATA:
			if (u->lcr & LCR_DLAB) {
				v = u->dll;
				break;
			}
			vuart_poll_input(p);
			v = vuart_rx_ready(u) ? u->rx[u->rx_tail++ % sizeof(u->rx)] :
						0;
			break;
		case REG_IER:
			v = u->lcr & LCR_DLAB ? u->dlm : u->ier;
			break;
		case REG_IIR:
			v = IIR_NO_INTERRUPT | 0xc0; /* FIFOs enabled */
			break;
		case REG_LCR:
			v = u->lcr;
			break;
		case REG_MCR:
			v = u->mcr;
			break;
		case REG_LSR:
			/* Output is taken at once unless a line is held for
			 * want of room in the console's ring. */
			vuart_poll_input(p);
			if (u->held)
				flush_locked(p);
			/* A pc partition's polled driver never waits
			 * (docs/platform.md): its transmitter is always
			 * empty, and a byte that finds a held line with no
			 * room is dropped and counted. */
			v = (u->held && p->platform != HV_PLATFORM_PC ?
				     0 :
				     LSR_THR_EMPTY | LSR_TX_EMPTY) |
			    (vuart_rx_ready(u) ? LSR_DATA_READY : 0);
			break;
		case REG_MSR:
			/* Loopback mirrors MCR, as 8250 probes expect. */
			v = u->mcr & MCR_LOOP ? (uint8_t)((u->mcr & 0xf) << 4) :
						0xb0; /* DCD, DSR, CTS */
			break;
		default:
			v = u->scr;
			break;
		}
		*value = v;
		return;
	}
	switch (reg) {
	case REG_DATA:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else if (!(u->mcr & MCR_LOOP))
			put_locked(p, v);
		break;
	case REG_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case REG_LCR:
		u->lcr = v;
		break;
	case REG_MCR:
		u->mcr = v & 0x1f;
		break;
	case REG_SCR:
		u->scr = v;
		break;
	default:
		break; /* FCR, LSR and MSR writes change nothing visible */
	}
}

/* A partition's vCPUs may run on several CPUs: one line at a time. */
/* The partition ends: a line that finds no room now is dropped. */
void vuart_flush(struct partition *p)
{
	bool q;

	spin_lock(&p->lock);
	if (!flush_locked(p)) {
		console_note_dropped(p->uart.len);
		p->uart.len = 0;
		p->uart.held = false;
	}
	q = take_queued(p);
	spin_unlock(&p->lock);
	if (q)
		console_pump();
}

uint64_t vuart_write(struct partition *p, const char *buf, uint64_t len)
{
	uint64_t i;
	uint32_t lines = 0;
	bool q;

	spin_lock(&p->lock);
	for (i = 0; i < len && lines < VUART_SLICE_LINES; i++) {
		if (p->uart.held && !flush_locked(p))
			break;
		if (buf[i] == '\n' ||
		    p->uart.len == sizeof(p->uart.line) - 2)
			lines++;
		put_locked(p, (uint8_t)buf[i]);
	}
	q = take_queued(p);
	spin_unlock(&p->lock);
	if (q)
		console_pump();
	return i;
}

void vuart_put(struct partition *p, uint8_t c)
{
	bool q;

	spin_lock(&p->lock);
	put_locked(p, c);
	q = take_queued(p);
	spin_unlock(&p->lock);
	if (q)
		console_pump();
}

void vuart_io(struct partition *p, uint16_t port, bool in, uint32_t *value)
{
	bool q;

	spin_lock(&p->lock);
	io_locked(p, port, in, value);
	q = take_queued(p);
	spin_unlock(&p->lock);
	if (q)
		console_pump();
}
