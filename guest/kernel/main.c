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

/* Whether the space-separated cmdline holds word exactly. */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = cmdline; *p;) {
		size_t len = 0;

		while (*p == ' ')
			p++;
		while (p[len] && p[len] != ' ')
			len++;
		if (len == n && !strncmp(p, word, n))
			return true;
		p += len;
	}
	return false;
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
	sched_run();
	kprintf("kernel: all programs done\n");
	kernel_finish();
}
