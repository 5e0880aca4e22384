// SPDX-License-Identifier: MIT
#include "hv/log.h"

#include "drivers/uart16550.h"
#include "lib/fmt.h"
#include "lib/string.h"

static uint32_t console_level = HV_LOG_INFO;

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

	if (level > console_level)
		return;
	memcpy(line, "hv: ", 4);
	fmt_vsnprintf(line + 4, sizeof(line) - 5, fmt, ap);
	n = strlen(line);
	line[n++] = '\n';
	uart_write(UART_COM1, line, n);
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

	if (n > (int)sizeof(out) - 2)
		n = sizeof(out) - 2;
	out[n++] = '\n';
	uart_write(UART_COM1, out, (uint64_t)n);
}

bool console_getc(char *c)
{
	return uart_getc(UART_COM1, c);
}
