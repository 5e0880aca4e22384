// SPDX-License-Identifier: MIT
/* Start-up, COM1 output, results and the end of the pc test kernels. */
#include "guest/tests/pc/rt/pcrt.h"

#include <stdarg.h>

#define COM1 0x3f8
#define LSR_THRE (1u << 5)
#define DEBUG_EXIT 0xf4

char pc_cmdline[512];
static unsigned checks_run, checks_failed;

void pcrt_start(uint32_t magic, const struct mb_info *mbi);
void pcrt_exception(const uint32_t *frame);

/* ---- console */
void pc_putc(char c)
{
	/* A polled driver, bounded: hv's transmitter is always empty. */
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & LSR_THRE); i++)
		;
	outb(COM1, (uint8_t)c);
}

void pc_puts(const char *s)
{
	while (*s)
		pc_putc(*s++);
}

static void put_num(uint64_t v, unsigned base, unsigned width, char pad)
{
	char buf[24];
	unsigned n = 0;

	do {
		/* 64-bit values only in hex: shifts, no division. */
		unsigned d = base == 16 ? (unsigned)(v & 15) :
					  (unsigned)((uint32_t)v % base);

		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v = base == 16 ? v >> 4 : (uint32_t)v / base;
	} while (v && n < sizeof(buf));
	while (n < width && n < sizeof(buf))
		buf[n++] = pad;
	while (n)
		pc_putc(buf[--n]);
}

static void vprint(const char *f, va_list ap)
{
	for (; *f; f++) {
		unsigned width = 0;
		char pad = ' ';
		bool ll = false;

		if (*f != '%') {
			pc_putc(*f);
			continue;
		}
		f++;
		if (*f == '0')
			pad = '0';
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (unsigned)(*f++ - '0');
		if (f[0] == 'l' && f[1] == 'l') {
			ll = true;
			f += 2;
		}
		switch (*f) {
		case 's':
			pc_puts(va_arg(ap, const char *));
			break;
		case 'c':
			pc_putc((char)va_arg(ap, int));
			break;
		case 'd': {
			int v = va_arg(ap, int);

			if (v < 0) {
				pc_putc('-');
				v = -v;
			}
			put_num((uint32_t)v, 10, width, pad);
			break;
		}
		case 'u':
			put_num(va_arg(ap, uint32_t), 10, width, pad);
			break;
		case 'x':
			put_num(ll ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t),
				16, width, pad);
			break;
		case '%':
			pc_putc('%');
			break;
		default:
			pc_putc('?');
			break;
		}
	}
}

void pc_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

/* ---- results */
void test_pass(const char *check)
{
	checks_run++;
	pc_printf("TEST %s: PASS\n", check);
}

static void vfail(const char *check, const char *fmt, va_list ap)
{
	checks_run++;
	checks_failed++;
	pc_printf("TEST %s: FAIL ", check);
	vprint(fmt, ap);
	pc_putc('\n');
}

void test_fail(const char *check, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(check, fmt, ap);
	va_end(ap);
}

void test_check(const char *check, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		test_pass(check);
		return;
	}
	va_start(ap, fmt);
	vfail(check, fmt, ap);
	va_end(ap);
}

void test_skip(const char *check, const char *why)
{
	pc_printf("SKIP %s: %s\n", check, why);
}

void pc_exit(uint32_t value)
{
	outl(DEBUG_EXIT, value);
	pc_printf("TEST %s: FAIL isa-debug-exit did not end the kernel\n",
		  test_name);
	for (;;)
		asm volatile("cli; hlt");
}

/* ---- strings */
size_t pc_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

bool pc_starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *o = d;
	const unsigned char *i = s;

	while (n--)
		*o++ = *i++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

/* "key=N" as a word of the command line. */
uint32_t pc_cmdline_u32(const char *key, uint32_t def)
{
	size_t k = pc_strlen(key);

	for (const char *w = pc_cmdline; *w;) {
		while (*w == ' ')
			w++;
		if (pc_starts_with(w, key) && w[k] == '=') {
			const char *d = w + k + 1;
			uint32_t v = 0, base = 10;
			bool any = false;

			if (d[0] == '0' && d[1] == 'x') {
				base = 16;
				d += 2;
			}
			for (;; d++, any = true) {
				uint32_t c = (uint32_t)*d;

				if (c >= '0' && c <= '9')
					c -= '0';
				else if (base == 16 && c >= 'a' && c <= 'f')
					c -= 'a' - 10;
				else
					break;
				v = v * base + c;
			}
			if (any && (*d == ' ' || !*d))
				return v;
		}
		while (*w && *w != ' ')
			w++;
	}
	return def;
}

void pc_cmdline_word(const char *key, char *buf, size_t n, const char *def)
{
	size_t k = pc_strlen(key), i = 0;
	const char *v = def;

	for (const char *w = pc_cmdline; *w;) {
		while (*w == ' ')
			w++;
		if (pc_starts_with(w, key) && w[k] == '=') {
			v = w + k + 1;
			break;
		}
		while (*w && *w != ' ')
			w++;
	}
	while (v[i] && v[i] != ' ' && i + 1 < n) {
		buf[i] = v[i];
		i++;
	}
	buf[i] = '\0';
}

bool pc_under_hv(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)))
		return false;
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	return b == 0x79687668 && c == 0x76726570 && d == 0x726f7369;
}

void pc_fw_cfg_read(uint16_t key, void *buf, unsigned n)
{
	uint8_t *b = buf;

	outw(0x510, key); /* the selector; bytes come from 0x511 */
	for (unsigned i = 0; i < n; i++)
		b[i] = inb(0x511);
}

/* ---- descriptors */
static uint64_t gdt[] = {
	0,
	0x00cf9a000000ffffull, /* SEL_CODE32 */
	0x00cf92000000ffffull, /* SEL_DATA32 */
	0x00009a000000ffffull, /* SEL_CODE16: 64 KiB, base set by its user */
	0x000092000000ffffull, /* SEL_DATA16 */
	0x00af9a000000ffffull, /* SEL_CODE64 */
};

struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

/* The exceptions' gates, and any a kernel sets with pc_set_gate; the
 * others are not present. */
static struct gate idt[256];
extern const uint32_t pcrt_stubs[32];

struct pseudo {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

void pc_set_gate(uint8_t vector, void (*handler)(void))
{
	uint32_t a = (uint32_t)handler;

	idt[vector].off_lo = (uint16_t)a;
	idt[vector].off_hi = (uint16_t)(a >> 16);
	idt[vector].sel = SEL_CODE32;
	idt[vector].type = 0x8e; /* present, DPL 0, 32-bit interrupt gate */
	idt[vector].zero = 0;
}

void pc_load_descriptors(void)
{
	struct pseudo g = { sizeof(gdt) - 1, (uint32_t)gdt };
	struct pseudo i = { sizeof(idt) - 1, (uint32_t)idt };

	asm volatile("lgdt %0\n\t"
		     "ljmp %1, $1f\n"
		     "1:\n\t"
		     "mov %2, %%ax\n\t"
		     "mov %%ax, %%ds\n\t"
		     "mov %%ax, %%es\n\t"
		     "mov %%ax, %%fs\n\t"
		     "mov %%ax, %%gs\n\t"
		     "mov %%ax, %%ss\n\t"
		     "lidt %3"
		     :
		     : "m"(g), "i"(SEL_CODE32), "i"(SEL_DATA32), "m"(i)
		     : "eax", "memory");
}

void pcrt_exception(const uint32_t *frame)
{
	pc_printf("TEST %s: FAIL exception %u, error 0x%x, at eip 0x%x\n",
		  test_name, frame[0], frame[1], frame[2]);
	pc_exit(1);
}

void pcrt_start(uint32_t magic, const struct mb_info *mbi)
{
	for (int v = 0; v < 32; v++)
		pc_set_gate((uint8_t)v, (void (*)(void))pcrt_stubs[v]);
	pc_load_descriptors();
	/* The information may lie where a test writes: keep the line. */
	if (magic == MB_BOOTLOADER_MAGIC && (mbi->flags & MB_INFO_CMDLINE)) {
		const char *c = (const char *)mbi->cmdline;
		size_t n = 0;

		while (c[n] && n < sizeof(pc_cmdline) - 1) {
			pc_cmdline[n] = c[n];
			n++;
		}
		pc_cmdline[n] = '\0';
	}
	test_main(magic, mbi);
	if (checks_failed) {
		pc_printf("TEST %s: FAIL %u of %u checks failed\n", test_name,
			  checks_failed, checks_run);
		pc_exit(1);
	}
	pc_printf("TEST %s: PASS\n", test_name);
	pc_exit(pc_cmdline_u32("pass", 0));
}
