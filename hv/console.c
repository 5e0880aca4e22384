// SPDX-License-Identifier: MIT
#include "hv/log.h"

#include "drivers/uart16550.h"
#include "hv/arch.h"
#include "hv/partition.h"
#include "hv/stats.h"
#include "lib/conring.h"
#include "lib/fmt.h"
#include "lib/spinlock.h"
#include "lib/string.h"

static uint32_t console_level = HV_LOG_INFO;
static bool console_broken; /* a panic: its lines matter more than order */

/*
 * Output goes through a ring (lib/conring.h) once hv runs partitions. A
 * line is copied in whole under ring_lock, held only for that copy; the
 * UART is fed from the ring by whichever CPU gets tx_lock with a trylock,
 * a FIFO's worth at a time and without waiting for the line (16 bytes are
 * 1.4 ms at 115200 baud). So no CPU spins on the console for a line's
 * transmit time while another CPU sends, and no VM exit waits for the
 * UART. Lines stay whole and in the order they went in.
 */
#define RING_BYTES (64 * 1024)
/* Kept free for hv's own lines: a partition's flood cannot crowd them out. */
#define RING_HV_RESERVE (RING_BYTES / 4)
/* A 16550A takes 16 bytes once it reports its FIFO empty (LSR.THRE). */
#define UART_FIFO_BYTES 16
/* Bursts one pump may send: bounded even if the UART drains at once. */
#define PUMP_BURSTS 4

static char ring_buf[RING_BYTES];
static struct conring ring = { ring_buf, RING_BYTES, 0, 0 };
static struct spinlock ring_lock;
/* Whoever holds it owns the UART's transmitter. Taken before ring_lock,
 * never while holding it. */
static struct spinlock tx_lock;
static bool ring_on;
/* Partition output given up on: the guest wrote on past a full ring. */
static uint64_t partition_bytes_dropped;
/* hv's lines made in VM exits while the ring was full. */
static uint64_t hv_lines_dropped;

/*
 * Before the ring is on, and after a panic, lines go straight to the UART
 * under tx_lock. A CPU that panicked while another held it, or holding it
 * itself, must still be heard: after a bounded wait it writes regardless.
 */
static bool direct_begin(void)
{
	if (!__atomic_load_n(&console_broken, __ATOMIC_RELAXED)) {
		spin_lock(&tx_lock);
		return true;
	}
	for (uint32_t i = 0; i < 10000000; i++) {
		if (spin_trylock(&tx_lock))
			return true;
		cpu_pause();
	}
	return false;
}

static void direct_end(bool locked)
{
	if (locked)
		spin_unlock(&tx_lock);
}

static void direct_write(const char *s, uint32_t n)
{
	bool locked = direct_begin();
	char chunk[UART_FIFO_BYTES];
	uint32_t k;

	/* What the ring still holds went in first. After a panic the ring
	 * lock may belong to a stopped CPU: then it is read without it. */
	do {
		bool rl = spin_trylock(&ring_lock);

		k = rl || console_broken ?
			    conring_take(&ring, chunk, sizeof(chunk)) : 0;
		if (rl)
			spin_unlock(&ring_lock);
		uart_write_raw(UART_COM1, chunk, k);
	} while (k);
	uart_write_raw(UART_COM1, s, n);
	direct_end(locked);
}

/* A look without ring_lock: a stale answer only delays or wastes a pump. */
static bool ring_nonempty(void)
{
	return __atomic_load_n(&ring.head, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&ring.tail, __ATOMIC_RELAXED);
}

void console_pump(void)
{
	char chunk[UART_FIFO_BYTES];

	if (!__atomic_load_n(&ring_on, __ATOMIC_ACQUIRE) || !ring_nonempty() ||
	    !spin_trylock(&tx_lock))
		return;
	for (int b = 0; b < PUMP_BURSTS && uart_tx_idle(UART_COM1); b++) {
		uint32_t n;

		spin_lock(&ring_lock);
		n = conring_take(&ring, chunk, sizeof(chunk));
		spin_unlock(&ring_lock);
		if (!n)
			break;
		uart_burst(UART_COM1, chunk, n);
	}
	spin_unlock(&tx_lock);
}

bool console_pending(void)
{
	return __atomic_load_n(&ring_on, __ATOMIC_ACQUIRE) && ring_nonempty();
}

void console_start_buffering(void)
{
	__atomic_store_n(&ring_on, true, __ATOMIC_RELEASE);
}

uint64_t console_dropped_hv_lines(void)
{
	return __atomic_load_n(&hv_lines_dropped, __ATOMIC_RELAXED);
}

uint64_t console_dropped_bytes(void)
{
	return __atomic_load_n(&partition_bytes_dropped, __ATOMIC_RELAXED);
}

void console_note_dropped(uint64_t n)
{
	__atomic_fetch_add(&partition_bytes_dropped, n, __ATOMIC_RELAXED);
}

static bool ring_put(const char *s, uint32_t n, uint32_t keep)
{
	bool ok;

	spin_lock(&ring_lock);
	ok = conring_put(&ring, s, n, keep);
	spin_unlock(&ring_lock);
	return ok;
}

/*
 * hv's own line. If the ring is full (hv alone has filled its reserve and
 * more), a line made in a VM exit is dropped and counted: waiting there
 * for the UART would make the exit as long as the backlog, and what fills
 * the ring from exits is guest-caused. Elsewhere (boot, the scheduler,
 * the final report) hv waits for the UART to make room; that wait is on
 * the final report's record of waits.
 */
static void emit_hv_line(const char *s, uint32_t n)
{
	uint64_t t0;

	if (!__atomic_load_n(&ring_on, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&console_broken, __ATOMIC_RELAXED)) {
		direct_write(s, n);
		return;
	}
	if (ring_put(s, n, 0)) {
		console_pump();
		return;
	}
	if (this_cpu()->current) {
		__atomic_fetch_add(&hv_lines_dropped, 1, __ATOMIC_RELAXED);
		console_pump();
		return;
	}
	t0 = rdtsc();
	for (uint32_t i = 0; i < 100000000 && !ring_put(s, n, 0); i++) {
		console_pump();
		cpu_pause();
	}
	stats_note_wait(rdtsc() - t0, "console full");
	console_pump();
}

void console_panic_mode(void)
{
	__atomic_store_n(&console_broken, true, __ATOMIC_RELAXED);
}

void console_init(uint32_t level)
{
	uart_init(UART_COM1);
	console_level = level;
}

void console_set_level(uint32_t level)
{
	console_level = level;
}

void console_drain(void)
{
	/* Power-off or panic: everything in the ring goes out first. */
	for (uint32_t i = 0; i < 100000000 && console_pending(); i++) {
		if (__atomic_load_n(&console_broken, __ATOMIC_RELAXED)) {
			direct_write("", 0);
			break;
		}
		console_pump();
		cpu_pause();
	}
	uart_drain(UART_COM1);
}

void hv_vlog(uint32_t level, const char *fmt, va_list ap)
{
	char line[256];
	size_t n;

	if (level > console_level)
		return;
	memcpy(line, "hv: ", 4);
	/* The length it returns is the untruncated one: clipped to what
	 * fitted, which saves a strlen over the line. */
	n = (size_t)fmt_vsnprintf(line + 4, sizeof(line) - 6, fmt, ap);
	if (n > sizeof(line) - 7)
		n = sizeof(line) - 7;
	n += 4;
	line[n++] = '\r';
	line[n++] = '\n';
	emit_hv_line(line, (uint32_t)n);
}

void hv_log(uint32_t level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_vlog(level, fmt, ap);
	va_end(ap);
}

bool console_write_partition_line(const char *name, const char *line,
				  uint32_t len)
{
	char out[HV_NAME_MAX + 3 + 256 + 2];
	size_t k = strnlen(name, HV_NAME_MAX);

	if (len > 256)
		len = 256;
	/* No formatting: this runs in the exits a partition makes longest. */
	out[0] = '[';
	memcpy(out + 1, name, k);
	out[k + 1] = ']';
	out[k + 2] = ' ';
	memcpy(out + k + 3, line, len);
	k += 3 + len;
	out[k++] = '\r';
	out[k++] = '\n';
	if (!__atomic_load_n(&ring_on, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&console_broken, __ATOMIC_RELAXED)) {
		direct_write(out, (uint32_t)k);
		return true;
	}
	/* The caller feeds the UART once it has queued all it will
	 * (console_pump), not once a line: a slice of short lines would
	 * otherwise pay for a pump each. */
	return ring_put(out, (uint32_t)k, RING_HV_RESERVE);
}

bool console_getc(char *c)
{
	bool r;

	spin_lock(&tx_lock);
	r = uart_getc(UART_COM1, c);
	spin_unlock(&tx_lock);
	return r;
}
