// SPDX-License-Identifier: MIT
#include "hv/log.h"

#include "drivers/uart16550.h"
#include "lib/fmt.h"
#include "lib/spinlock.h"
#include "lib/string.h"

static uint32_t console_level = HV_LOG_INFO;
/* Whole lines go out under it, so lines of different CPUs never mix. */
static struct spinlock console_lock;
static bool console_broken; /* a panic: its lines matter more than order */

/*
 * A CPU that panicked while another held the lock, or holding it itself,
 * must still be heard: after a bounded wait it writes regardless.
 */
static bool line_begin(void)
{
	if (!__atomic_load_n(&console_broken, __ATOMIC_RELAXED)) {
		spin_lock(&console_lock);
		return true;
	}
	for (uint32_t i = 0; i < 10000000; i++) {
		if (spin_trylock(&console_lock))
			return true;
		cpu_pause();
	}
	return false;
}

static void line_end(bool locked)
{
	if (locked)
		spin_unlock(&console_lock);
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
	uart_drain(UART_COM1);
}

void hv_vlog(uint32_t level, const char *fmt, va_list ap)
{
	char line[256];
	size_t n;
	bool locked;

	if (level > console_level)
		return;
	memcpy(line, "hv: ", 4);
	fmt_vsnprintf(line + 4, sizeof(line) - 5, fmt, ap);
	n = strlen(line);
	line[n++] = '\n';
	locked = line_begin();
	uart_write(UART_COM1, line, n);
	line_end(locked);
}

void hv_log(uint32_t level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_vlog(level, fmt, ap);
	va_end(ap);
}

void console_write_partition_line(const char *name, const char *line)
{
	char out[256];
	int n = fmt_snprintf(out, sizeof(out) - 1, "[%s] %s", name, line);
	bool locked;

	if (n > (int)sizeof(out) - 2)
		n = sizeof(out) - 2;
	out[n++] = '\n';
	locked = line_begin();
	uart_write(UART_COM1, out, (uint64_t)n);
	line_end(locked);
}

bool console_getc(char *c)
{
	bool locked = line_begin(), r = uart_getc(UART_COM1, c);

	line_end(locked);
	return r;
}
