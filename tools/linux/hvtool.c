/* SPDX-License-Identifier: MIT */
/*
 * hvtool: the two things the Linux test initramfs's /init needs that
 * busybox cannot do (tools/linux/mkinitramfs.sh builds it, docs/linux.md).
 *
 *   hvtool tsc     prints the time-stamp counter in decimal. Under Bochs and
 *                  under QEMU -icount shift=0 it counts instructions, which
 *                  is what the benchmark's marker reports.
 *   hvtool drain   waits until everything written to standard output has
 *                  left the serial port (tcdrain), so that a power-off does
 *                  not cut the last lines of a polled 16550.
 *   hvtool vregs N fills every vector register the CPU offers this process
 *                  (zmm0-31 and k0-7, ymm0-15 or xmm0-15) with a pattern of
 *                  its own, then N times spins and checks that each still
 *                  holds it. Several at once, in this partition and beside
 *                  others on the same CPUs, find vector state lost or
 *                  leaked by Linux's switch between processes or hv's
 *                  between partitions. Prints one line; exit status 1 names
 *                  the first register and byte found changed.
 *
 * Static, without libc (gcc -static -nostdlib): the initramfs holds no C
 * library, and a libc's start-up would add instructions before the read.
 */

#define SYS_write 1
#define SYS_ioctl 16
#define SYS_getpid 39
#define SYS_exit 60
#define TCSBRK 0x5409 /* with a non-zero argument: tcdrain() */

static long syscall3(long n, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static void put(const char *s, long len)
{
	while (len > 0) {
		long n = syscall3(SYS_write, 1, (long)s, len);

		if (n <= 0)
			return;
		s += n;
		len -= n;
	}
}

static void put_num(unsigned long v)
{
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(buf + i, (long)sizeof(buf) - i);
}

/* The TSC is read first: the writes after it are not in its count. */
static long print_tsc(void)
{
	unsigned int lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	put_num(((unsigned long)hi << 32) | lo);
	put("\n", 1);
	return 0;
}

static void put_str(const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	put(s, n);
}

static unsigned long parse_num(const char *s)
{
	unsigned long v = 0;

	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	return v;
}

enum vlevel { XMM, YMM, ZMM };

/* What this process may use: CPUID's feature bits and what the kernel
 * turned on in XCR0 (SDM Vol. 1, "Detection of Intel AVX-512"). */
static enum vlevel vector_level(void)
{
	unsigned int a, b, c, d, lo, hi;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 27)) || !(c & (1u << 28))) /* OSXSAVE, AVX */
		return XMM;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & 0x6) != 0x6)
		return XMM;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	if ((b & (1u << 16)) && (lo & 0xe6) == 0xe6) /* AVX512F, opmask and ZMM state */
		return ZMM;
	return YMM;
}

/* 32 registers of 64 bytes and 8 mask registers of 8, as stored. */
static unsigned char want[32 * 64 + 64] __attribute__((aligned(64)));
static unsigned char got[32 * 64 + 64] __attribute__((aligned(64)));

#define R16(op, b) op(0, b) op(1, b) op(2, b) op(3, b) op(4, b) op(5, b) \
	op(6, b) op(7, b) op(8, b) op(9, b) op(10, b) op(11, b) op(12, b) \
	op(13, b) op(14, b) op(15, b)
#define R32(op, b) R16(op, b) op(16, b) op(17, b) op(18, b) op(19, b) \
	op(20, b) op(21, b) op(22, b) op(23, b) op(24, b) op(25, b) op(26, b) \
	op(27, b) op(28, b) op(29, b) op(30, b) op(31, b)
#define K8(op, b) op(0, b) op(1, b) op(2, b) op(3, b) op(4, b) op(5, b) \
	op(6, b) op(7, b)
#define LD_Z(n, b) "vmovdqu64 " #n "*64(%" #b "), %%zmm" #n "\n"
#define ST_Z(n, b) "vmovdqu64 %%zmm" #n ", " #n "*64(%" #b ")\n"
#define LD_K(n, b) "kmovq 2048+" #n "*8(%" #b "), %%k" #n "\n"
#define ST_K(n, b) "kmovq %%k" #n ", 2048+" #n "*8(%" #b ")\n"
#define LD_Y(n, b) "vmovdqu " #n "*64(%" #b "), %%ymm" #n "\n"
#define ST_Y(n, b) "vmovdqu %%ymm" #n ", " #n "*64(%" #b ")\n"
#define LD_X(n, b) "movdqu " #n "*64(%" #b "), %%xmm" #n "\n"
#define ST_X(n, b) "movdqu %%xmm" #n ", " #n "*64(%" #b ")\n"

/*
 * Built with -mgeneral-regs-only, so that the compiler's own code between
 * these blocks never touches a vector register: only the kernels'
 * switches may change them.
 */
static void load_regs(enum vlevel l)
{
	if (l == ZMM)
		__asm__ volatile(R32(LD_Z, 0) K8(LD_K, 0) : : "r"(want) : "memory");
	else if (l == YMM)
		__asm__ volatile(R16(LD_Y, 0) : : "r"(want) : "memory");
	else
		__asm__ volatile(R16(LD_X, 0) : : "r"(want) : "memory");
}

static void store_regs(enum vlevel l)
{
	if (l == ZMM)
		__asm__ volatile(R32(ST_Z, 0) K8(ST_K, 0) : : "r"(got) : "memory");
	else if (l == YMM)
		__asm__ volatile(R16(ST_Y, 0) : : "r"(got) : "memory");
	else
		__asm__ volatile(R16(ST_X, 0) : : "r"(got) : "memory");
}

static long vregs(const char *rounds_arg)
{
	static const char *const names[] = { "xmm", "ymm", "zmm" };
	static const unsigned int width[] = { 16, 32, 64 };
	unsigned long rounds = parse_num(rounds_arg), pid, r;
	enum vlevel l = vector_level();
	unsigned int regs = l == ZMM ? 32 : 16, n, i;

	if (!rounds) {
		put_str("hvtool vregs: ROUNDS must be a number above 0\n");
		return 2;
	}
	/* A pattern of this process's own, a hash of its pid and the byte's
	 * place, no byte of it zero (zero is each register's initial state,
	 * what a lost register reads). */
	pid = (unsigned long)syscall3(SYS_getpid, 0, 0, 0);
	for (i = 0; i < sizeof(want); i++) {
		unsigned long x = (pid + 1) * 0x9e3779b97f4a7c15ul ^ (i + 1) * 0xbf58476d1ce4e5b9ul;

		x ^= x >> 29;
		x *= 0x94d049bb133111ebul;
		want[i] = (unsigned char)((x >> 32) % 255 + 1);
	}
	load_regs(l);
	for (r = 1; r <= rounds; r++) {
		/* Time in which the kernels may preempt this process. */
		for (volatile unsigned long spin = 0; spin < 20000; spin++)
			;
		store_regs(l);
		for (n = 0; n < regs; n++) {
			for (i = 0; i < width[l]; i++) {
				if (got[n * 64 + i] == want[n * 64 + i])
					continue;
				put_str("hvtool vregs: ");
				put_str(names[l]);
				put_num(n);
				put_str(" byte ");
				put_num(i);
				put_str(" is ");
				put_num(got[n * 64 + i]);
				put_str(", not ");
				put_num(want[n * 64 + i]);
				put_str(", in round ");
				put_num(r);
				put_str("\n");
				return 1;
			}
		}
		if (l == ZMM) {
			for (i = 2048; i < 2048 + 64; i++) {
				if (got[i] == want[i])
					continue;
				put_str("hvtool vregs: k");
				put_num((i - 2048) / 8);
				put_str(" changed, in round ");
				put_num(r);
				put_str("\n");
				return 1;
			}
		}
	}
	put_str("hvtool vregs: ");
	put_num(rounds);
	put_str(" rounds, ");
	put_str(names[l]);
	put_str(l == ZMM ? "0-31 and k0-7 kept\n" : "0-15 kept\n");
	return 0;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Called from _start with the initial stack: argc, then argv. */
void hvtool_main(long *sp) __attribute__((noreturn, used));
void hvtool_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	long status = 2;

	if (argc == 2 && same(argv[1], "tsc"))
		status = print_tsc();
	else if (argc == 2 && same(argv[1], "drain"))
		status = syscall3(SYS_ioctl, 1, TCSBRK, 1) < 0;
	else if (argc == 3 && same(argv[1], "vregs"))
		status = vregs(argv[2]);
	else
		put_str("usage: hvtool tsc|drain|vregs ROUNDS\n");
	syscall3(SYS_exit, status, 0, 0);
	__builtin_unreachable();
}

__asm__(".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call hvtool_main\n"
	"	hlt\n");
