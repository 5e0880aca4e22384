// SPDX-License-Identifier: MIT
#include "lib/fmt.h"

#include <stdint.h>

#include "lib/string.h"

#define FMT_WIDTH_MAX 4096

struct out {
	char *buf;
	size_t n;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->n)
		o->buf[o->len] = c;
	o->len++;
}

/* A run of bytes at once: the part that fits in one copy, and the whole
 * run counted, as put() a byte at a time would have. */
static void put_run(struct out *o, const char *s, size_t len)
{
	if (o->len + 1 < o->n) {
		size_t room = o->n - 1 - o->len;

		memcpy(o->buf + o->len, s, len < room ? len : room);
	}
	o->len += len;
}

static void put_padded(struct out *o, const char *s, size_t slen, int width,
		       int left, char pad)
{
	int fill = width > (int)slen ? width - (int)slen : 0;

	/* A zero-padded negative number keeps its sign before the zeros. */
	if (!left && pad == '0' && slen && s[0] == '-') {
		put(o, '-');
		s++;
		slen--;
	}
	while (!left && fill-- > 0)
		put(o, pad);
	put_run(o, s, slen);
	while (left && fill-- > 0)
		put(o, ' ');
}

static size_t utoa(char *tmp, uint64_t v, unsigned base, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	size_t i = 0, j = 0;

	do {
		rev[i++] = digits[v % base];
		v /= base;
	} while (v);
	while (i)
		tmp[j++] = rev[--i];
	return j;
}

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = { buf, n, 0 };

	for (; *fmt; fmt++) {
		char tmp[32];
		const char *s;
		size_t slen;
		int left = 0, width = 0, lng = 0;
		char pad = ' ';
		uint64_t u;

		if (*fmt != '%') {
			size_t run = 1;

			while (fmt[run] && fmt[run] != '%')
				run++;
			put_run(&o, fmt, run);
			fmt += run - 1;
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		/* Capped, so that an absurd width cannot overflow an int. */
		while (*fmt >= '0' && *fmt <= '9') {
			width = width * 10 + (*fmt++ - '0');
			if (width > FMT_WIDTH_MAX)
				width = FMT_WIDTH_MAX;
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng = 1;
			fmt++;
		}
		if (left)
			pad = ' ';

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			slen = 0;
			if (v < 0)
				tmp[slen++] = '-';
			slen += utoa(tmp + slen, u, 10, 0);
			put_padded(&o, tmp, slen, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, uint64_t) :
				  va_arg(ap, unsigned int);
			slen = utoa(tmp, u, *fmt == 'u' ? 10 : 16, *fmt == 'X');
			put_padded(&o, tmp, slen, width, left, pad);
			break;
		case 'p':
			u = (uint64_t)(uintptr_t)va_arg(ap, void *);
			tmp[0] = '0';
			tmp[1] = 'x';
			slen = 2 + utoa(tmp + 2, u, 16, 0);
			put_padded(&o, tmp, slen, width, left, ' ');
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (slen = 0; s[slen]; slen++)
				;
			put_padded(&o, s, slen, width, left, ' ');
			break;
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&o, tmp, 1, width, left, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: print nothing more */
			break;
		default:
			/* An unknown conversion is printed as is: the bug shows. */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (n)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int fmt_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		fmt_vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
