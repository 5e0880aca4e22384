// SPDX-License-Identifier: MIT
/* Formatted output for programs, on top of SYS_WRITE. */
#include "guest/lib/ulib.h"

#include "lib/fmt.h"

#define PRINTF_MAX 1024

long write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		long n = write(fd, p + done, len - done);

		if (n <= 0)
			return n < 0 ? n : -SYS_EINVAL;
		done += (size_t)n;
	}
	return (long)len;
}

int vprintf(const char *fmt, va_list ap)
{
	char buf[PRINTF_MAX];
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	long r;

	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	r = write_all(SYS_FD_STDOUT, buf, (size_t)n);
	return r < 0 ? (int)r : n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	long r = write_all(SYS_FD_STDOUT, s, strlen(s));

	if (r < 0)
		return (int)r;
	r = write_all(SYS_FD_STDOUT, "\n", 1);
	return r < 0 ? (int)r : 0;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}
