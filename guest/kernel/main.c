// SPDX-License-Identifier: MIT
/*
 * Start-up: take over from hv's entry state, run the programs hv copied
 * into the partition, and end the partition when they are done.
 */
#include "guest/kernel/kernel.h"

#include "include/hv/hypercall.h"
#include "lib/string.h"

struct hv_start_info start_info;
struct kstack kstacks[NR_KSTACKS];

/* Read by _start before anything else runs. */
const uint64_t boot_rsp =
	(uint64_t)(uintptr_t)&kstacks[KSTACK_BOOT].stack[KSTACK_SIZE];

/* kernel.ld */
extern const char __image_end[];

void kmain(const struct hv_start_info *si);

long hv_call(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	long ret;

	asm volatile("vmcall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
		     : "memory");
	return ret;
}

void kernel_finish(void)
{
	if (start_info.flags & HV_START_PARENT) {
		long r;

		con_drain();
		r = hv_call(HV_HC_SHUTDOWN, 0, 0, 0);
		kprintf("kernel: hv refused to power off: status %ld\n", r);
	}
	/* A child has nothing left to do; hv stops it here. */
	con_drain();
	halt_forever();
}

/*
 * The first word of the space-separated cmdline that starts with prefix,
 * or NULL; *len is the word's length.
 */
static const char *cmdline_word(const char *cmdline, const char *prefix,
				size_t *len)
{
	size_t n = strlen(prefix);

	for (const char *p = cmdline; *p;) {
		size_t l = 0;

		while (*p == ' ')
			p++;
		while (p[l] && p[l] != ' ')
			l++;
		if (l >= n && !strncmp(p, prefix, n)) {
			*len = l;
			return p;
		}
		p += l;
	}
	return NULL;
}

/* Whether the space-separated cmdline holds word exactly. */
static bool cmdline_has(const char *cmdline, const char *word)
{
	for (const char *p = cmdline; *p;) {
		size_t len;

		p = cmdline_word(p, word, &len);
		if (!p)
			return false;
		if (len == strlen(word))
			return true;
		p += len;
	}
	return false;
}

/* The timer's period: tick=N in the cmdline, N decimal, 0 to 2^32 - 1. */
static uint32_t tick_period(void)
{
	static const char key[] = "tick=";
	const char *w;
	uint64_t v = 0;
	size_t len, i;

	w = cmdline_word(start_info.cmdline, key, &len);
	if (!w)
		return TIMER_DEFAULT_PERIOD;
	for (i = sizeof(key) - 1; i < len; i++) {
		if (w[i] < '0' || w[i] > '9')
			break;
		v = v * 10 + (uint64_t)(w[i] - '0');
		if (v > UINT32_MAX)
			break;
	}
	if (i == sizeof(key) - 1 || i < len) {
		char word[sizeof(start_info.cmdline)];

		/* fmt.c has no precision: a terminated copy of the word. */
		memcpy(word, w, len);
		word[len] = '\0';
		kprintf("kernel: ignoring %s: not a count of TSC ticks below 2^32\n",
			word);
		return TIMER_DEFAULT_PERIOD;
	}
	return (uint32_t)v;
}

/*
 * The test hook crash=triple: with an IDT limit of 0, INT3 cannot be
 * delivered (#GP), nor can that #GP, which makes a #DF, which cannot be
 * delivered either: a triple fault (SDM Vol. 3A, "Interrupt 8-Double
 * Fault Exception (#DF)"), which hv must catch.
 */
static void __attribute__((noreturn)) crash_triple(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	kprintf("kernel: crash=triple: raising a triple fault\n");
	con_drain();
	asm volatile("lidt %0\n\tint3" : : "m"(no_idt) : "memory");
	panic("INT3 with no IDT came back");
}

/*
 * The test hook crash=pagefault: a read of page 0, which the kernel leaves
 * unmapped, is a kernel bug like any other; its dump must come out and the
 * partition must end.
 */
static void __attribute__((noreturn)) crash_pagefault(void)
{
	kprintf("kernel: crash=pagefault: reading address 0\n");
	/* In assembly: in C a read of NULL is undefined, and GCC drops what
	 * follows it. */
	asm volatile("movq 0, %%rax" : : : "rax", "memory");
	panic("a read of address 0 came back");
}

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* Whether hv placed module m above the kernel image, in RAM the kernel
 * maps (mm.c). */
static bool module_ok(const struct hv_start_module *m, uint64_t image_end)
{
	uint64_t end = start_info.ram_size < USER_BASE ? start_info.ram_size :
							 USER_BASE;

	return m->gpa >= image_end && m->gpa < end && m->size <= end - m->gpa;
}

void kmain(const struct hv_start_info *si)
{
	uint64_t image_end = page_up((uint64_t)(uintptr_t)__image_end);
	uint64_t free_start = image_end;
	uint32_t count;
	int waiting;

	/* First, so that any fault from here on is reported, not a triple
	 * fault. */
	desc_init();
	if (si->magic != HV_START_INFO_MAGIC ||
	    si->version != HV_START_INFO_VERSION)
		panic("start info at %p has magic 0x%lx, version %u", si,
		      (unsigned long)si->magic, si->version);
	/* A copy in the kernel's image: nothing later depends on hv's entry
	 * area, which the kernel's own page tables map like any free RAM. */
	start_info = *si;
	start_info.name[sizeof(start_info.name) - 1] = '\0';
	start_info.cmdline[sizeof(start_info.cmdline) - 1] = '\0';
	if (start_info.module_count > HV_START_MAX_MODULES)
		start_info.module_count = HV_START_MAX_MODULES;
	if (start_info.ram_size <= image_end)
		panic("%lu bytes of RAM end inside the kernel image",
		      (unsigned long)start_info.ram_size);

	count = start_info.module_count;
	for (uint32_t i = 0; i < count; i++) {
		const struct hv_start_module *m = &start_info.modules[i];
		uint64_t end = page_up(m->gpa + m->size);

		if (module_ok(m, image_end) && end > free_start)
			free_start = end;
	}
	mm_init(free_start, start_info.ram_size);
	syscall_init();

	kprintf("kernel: %s (id %u), %lu MiB, %u program%s\n",
		start_info.name, start_info.partition_id,
		(unsigned long)(start_info.ram_size >> 20), count,
		count == 1 ? "" : "s");
	if (start_info.ram_size > USER_BASE)
		kprintf("kernel: using the first %llu MiB of RAM\n",
			USER_BASE >> 20);
	if (cmdline_has(start_info.cmdline, "crash=triple"))
		crash_triple();
	if (cmdline_has(start_info.cmdline, "crash=pagefault"))
		crash_pagefault();
	if (cmdline_has(start_info.cmdline, "bench=kernel"))
		kbench_run();

	for (uint32_t i = 0; i < count; i++) {
		struct hv_start_module *m = &start_info.modules[i];

		m->name[sizeof(m->name) - 1] = '\0';
		if (!module_ok(m, image_end)) {
			kprintf("kernel: cannot load %s: [0x%lx, +0x%lx) is not free RAM\n",
				m->name, (unsigned long)m->gpa,
				(unsigned long)m->size);
			continue;
		}
		proc_create(m);
	}
	/*
	 * The kernel saves only the general registers when it switches
	 * programs, and does not enable SSE. With CR0.EM set, x87 and MMX
	 * instructions fault too (#NM, #UD; SDM Vol. 3A, "Using the TS, EM,
	 * MP, and NE Flags") instead of sharing one unsaved state among the
	 * programs.
	 */
	write_cr0(read_cr0() | CR0_EM);
	timer_start(tick_period());
	waiting = sched_run();
	timer_stop();
	/* Nobody waits for itself, so it takes two or more. */
	if (waiting)
		kprintf("kernel: %d programs wait for each other: none can run\n",
			waiting);
	else
		kprintf("kernel: all programs done\n");
	kernel_finish();
}
