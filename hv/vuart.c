// SPDX-License-Identifier: MIT
/*
 * The partition's COM1: a 16550 with enough registers for a polled driver
 * and for Linux's 8250 probe. Output is collected a line at a time and
 * printed as "[name] line", so partitions never interleave mid-line.
 */
#include "hv/errno.h"
#include "hv/log.h"
#include "hv/partition.h"
#include "lib/spinlock.h"
#include "lib/string.h"

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
#define IIR_THR_EMPTY 0x02
#define IIR_RX_DATA 0x04
#define IER_RX_DATA 0x01
#define IER_THR_EMPTY 0x02
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

#define ESC 0x1b
enum { ESC_NONE, ESC_SEEN, ESC_CSI };
/* Longer than any sequence a shell or Linux writes: garbage, not control. */
#define ESC_CSI_MAX 16

/*
 * Whether c belongs to a terminal control sequence, which is dropped
 * whole: a partition must not steer the person's terminal, and "?[6n"
 * (busybox's cursor query before each prompt) in the log helps no one.
 * ESC [, parameter and intermediate bytes, then one final byte (ECMA-48,
 * "Control Sequence"); ESC and one final byte of 0x30-0x7e (such as
 * ESC 7 or ESC c). An ESC before any other byte is dropped and that byte
 * shown; a sequence that runs past
 * ESC_CSI_MAX bytes ends there, its later bytes shown.
 */
static bool in_escape(struct vuart *u, uint8_t c)
{
	switch (u->esc) {
	case ESC_SEEN:
		if (c == '[') {
			u->esc = ESC_CSI;
			u->esc_len = 0;
			return true;
		}
		u->esc = ESC_NONE;
		return c >= 0x30 && c <= 0x7e;
	case ESC_CSI:
		if (c < 0x20 || c > 0x7e || ++u->esc_len > ESC_CSI_MAX) {
			u->esc = ESC_NONE;
			return false;
		}
		if (c >= 0x40)
			u->esc = ESC_NONE; /* the final byte */
		return true;
	default:
		if (c != ESC)
			return false;
		u->esc = ESC_SEEN;
		return true;
	}
}

/* False if c was dropped: a held line that still finds no room. */
static bool put_locked(struct partition *p, uint8_t c)
{
	struct vuart *u = &p->uart;

	if (u->held && !flush_locked(p)) {
		console_note_dropped(1);
		return false;
	}
	if (in_escape(u, c))
		return true;
	if (c == '\r')
		return true;
	if (c == '\n') {
		flush_locked(p);
		u->lines++;
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
 * Console input goes to one partition at a time: the parent, unless it
 * gave the console to another (vuart_attach, the console_attach call).
 * input_owner is that other partition, NULL while the parent holds it.
 * Every partition's rx ring and input_owner are written under
 * input_lock, taken inside a partition's lock and outside the console's:
 * the byte for a child may be read from the real UART by the parent's
 * access as well as by the child's own, so a child need not be reading
 * for its keys to arrive, and one that never reads fills only its own
 * ring.
 */
static struct spinlock input_lock;
static struct partition *input_owner;

/* The key that gives the console back to the parent: Ctrl-], as in
 * virsh console and telnet. */
#define DETACH_KEY 0x1d

static bool holds_input(const struct partition *p)
{
	return p->parent ? input_owner == NULL : input_owner == p;
}

/*
 * Whether p's access may read the real UART. Looked at without the lock
 * (input_owner is stored atomically under it): the kernel reads the LSR
 * before every byte it writes, and a partition that neither is the
 * parent nor holds the console should not take a lock all share for it.
 */
static bool may_poll(const struct partition *p)
{
	return p->parent ||
	       __atomic_load_n(&input_owner, __ATOMIC_ACQUIRE) == p;
}

/* Unread input, looked at without the lock: for a partition that may
 * not poll, only its own reads move rx_tail. */
static bool rx_waiting(const struct vuart *u)
{
	return __atomic_load_n(&u->rx_head, __ATOMIC_ACQUIRE) != u->rx_tail;
}

/*
 * Takes bytes from the real UART for the console's holder, when p is the
 * parent or the holder: any other partition's access leaves them where
 * they are. A byte that finds its holder's ring full is dropped, and
 * counted on that partition alone.
 */
static void poll_input_locked(struct partition *p)
{
	char c;

	if (!p->parent && input_owner != p)
		return;
	while (console_getc(&c)) {
		struct partition *to = input_owner ? input_owner : p;
		struct vuart *u = &to->uart;

		if ((uint8_t)c == DETACH_KEY && input_owner) {
			__atomic_store_n(&input_owner, NULL, __ATOMIC_RELEASE);
			/* A child stops here: what follows is the parent's,
			 * and waits in the UART for the parent to read it. */
			if (!p->parent)
				return;
			continue;
		}
		if (u->rx_head - u->rx_tail < sizeof(u->rx)) {
			u->rx[u->rx_head % sizeof(u->rx)] = (uint8_t)c;
			__atomic_store_n(&u->rx_head, u->rx_head + 1,
					 __ATOMIC_RELEASE);
		} else {
			u->rx_dropped++;
		}
	}
}

/* LSR's data-ready bit, after a poll. */
static bool rx_ready(struct partition *p)
{
	bool r;

	if (!may_poll(p))
		return rx_waiting(&p->uart);
	spin_lock(&input_lock);
	poll_input_locked(p);
	r = p->uart.rx_head != p->uart.rx_tail;
	spin_unlock(&input_lock);
	return r;
}

/* The next byte of p's input, or 0 when there is none, as a 16550's RBR. */
static uint8_t rx_take(struct partition *p)
{
	struct vuart *u = &p->uart;
	uint8_t v = 0;

	if (!may_poll(p) && !rx_waiting(u))
		return 0;
	spin_lock(&input_lock);
	poll_input_locked(p);
	if (u->rx_head != u->rx_tail)
		v = u->rx[u->rx_tail++ % sizeof(u->rx)];
	spin_unlock(&input_lock);
	return v;
}

int vuart_attach(struct partition *p)
{
	if (p->state != PART_RUNNING && p->state != PART_CREATED)
		return HV_EBUSY;
	spin_lock(&input_lock);
	__atomic_store_n(&input_owner, p->parent ? NULL : p, __ATOMIC_RELEASE);
	spin_unlock(&input_lock);
	return HV_OK;
}

/*
 * Bytes the parent types for p (pm's `type`): they wait in p's buffer as
 * the keys of a person would, after those, but a full buffer takes no more rather
 * than dropping, so the caller may send the rest once p has read some.
 */
uint32_t vuart_input(struct partition *p, const uint8_t *buf, uint32_t len)
{
	struct vuart *u = &p->uart;
	uint32_t n = 0;

	spin_lock(&input_lock);
	/* Keys a person typed for p before come first. */
	if (holds_input(p))
		poll_input_locked(p);
	while (n < len && u->rx_head - u->rx_tail < sizeof(u->rx)) {
		u->rx[u->rx_head % sizeof(u->rx)] = buf[n++];
		__atomic_store_n(&u->rx_head, u->rx_head + 1, __ATOMIC_RELEASE);
	}
	spin_unlock(&input_lock);
	return n;
}

void vuart_state(struct partition *p, struct hv_console_state *st)
{
	struct vuart *u = &p->uart;

	spin_lock(&p->lock);
	st->lines = u->lines;
	/* A held line is complete; only the bytes after it are unfinished,
	 * and there are none until it has gone out. */
	st->line_len = u->held ? 0 : u->len;
	memcpy(st->line, u->line, st->line_len);
	spin_lock(&input_lock);
	st->rx_pending = u->rx_head - u->rx_tail;
	spin_unlock(&input_lock);
	spin_unlock(&p->lock);
}

bool vuart_has_console(const struct partition *p)
{
	bool r;

	spin_lock(&input_lock);
	r = holds_input(p);
	spin_unlock(&input_lock);
	return r;
}

/* A partition that ends gives the console back, and its unread input
 * goes with it. */
static void release_input(struct partition *p)
{
	spin_lock(&input_lock);
	if (input_owner == p)
		__atomic_store_n(&input_owner, NULL, __ATOMIC_RELEASE);
	p->uart.rx_tail = p->uart.rx_head;
	spin_unlock(&input_lock);
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
			v = rx_take(p);
			break;
		case REG_IER:
			v = u->lcr & LCR_DLAB ? u->dlm : u->ier;
			break;
		case REG_IIR:
			/* The highest-priority source the IER enables, as a
			 * 16550 reports it, though no IRQ line is wired: a
			 * polled driver (Linux's with irq 0) reads IIR to
			 * decide whether to send and receive. FIFOs on. */
			if ((u->ier & IER_RX_DATA) && rx_ready(p))
				v = IIR_RX_DATA | 0xc0;
			else if ((u->ier & IER_THR_EMPTY) &&
				 (!u->held || p->platform == HV_PLATFORM_PC))
				v = IIR_THR_EMPTY | 0xc0;
			else
				v = IIR_NO_INTERRUPT | 0xc0;
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
			if (u->held)
				flush_locked(p);
			/* A pc partition's polled driver never waits
			 * (docs/platform.md): its transmitter is always
			 * empty, and a byte that finds a held line with no
			 * room is dropped and counted. */
			v = (u->held && p->platform != HV_PLATFORM_PC ?
				     0 :
				     LSR_THR_EMPTY | LSR_TX_EMPTY) |
			    (rx_ready(p) ? LSR_DATA_READY : 0);
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
	release_input(p);
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
