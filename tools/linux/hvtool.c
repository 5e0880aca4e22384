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
 *
 * Static, without libc (gcc -static -nostdlib): the initramfs holds no C
 * library, and a libc's start-up would add instructions before the read.
 */

#define SYS_write 1
#define SYS_ioctl 16
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

static long print_tsc(void)
{
	unsigned int lo, hi;
	unsigned long long tsc;
	char buf[24];
	int i = sizeof(buf);

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	tsc = ((unsigned long long)hi << 32) | lo;
	buf[--i] = '\n';
	do {
		buf[--i] = (char)('0' + tsc % 10);
		tsc /= 10;
	} while (tsc);
	put(buf + i, (long)sizeof(buf) - i);
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
	else
		put("usage: hvtool tsc|drain\n", 24);
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
