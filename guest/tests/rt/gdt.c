// SPDX-License-Identifier: MIT
/*
 * The runtime's own GDT and TSS. hv's entry GDT has no user segments and no
 * TSS, and without a TSS an exception from ring 3 has no ring 0 stack to
 * switch to.
 */
#include "guest/tests/rt/rt.h"

#include "guest/tests/rt/x86.h"

#define KSTACK_SIZE 16384

static uint64_t gdt[8] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t kstack[KSTACK_SIZE] __attribute__((aligned(16)));

void rt_gdt_init(void)
{
	struct desc_ptr gdtr = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };

	gdt[0] = 0;
	gdt[RT_SEL_KCODE >> 3] = DESC_KCODE64;
	gdt[RT_SEL_KDATA >> 3] = DESC_KDATA;
	gdt[3] = 0; /* SYSRET's unused 32-bit user code slot */
	gdt[RT_SEL_UDATA >> 3] = DESC_UDATA;
	gdt[RT_SEL_UCODE >> 3] = DESC_UCODE64;

	tss.rsp[0] = (uint64_t)(uintptr_t)(kstack + sizeof(kstack));
	/* A base past the limit means no I/O permission bitmap: ring 3 port
	 * accesses #GP in the guest and never reach hv. */
	tss.iomap_base = sizeof(tss);
	set_tss_desc(&gdt[RT_SEL_TSS >> 3], (uint64_t)(uintptr_t)&tss,
		     sizeof(tss) - 1);

	/* LGDT does not reload CS; a far return does. */
	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movl %2, %%eax\n\t"
		     "movl %%eax, %%ss\n\t"
		     "movl %%eax, %%ds\n\t"
		     "movl %%eax, %%es\n\t"
		     "ltr %w3"
		     :
		     : "m"(gdtr), "i"(RT_SEL_KCODE), "i"(RT_SEL_KDATA),
		       "r"((uint16_t)RT_SEL_TSS)
		     : "rax", "memory");
}

void rt_iret_to_user(uint64_t rip, uint64_t arg, uint64_t rsp, uint64_t cs,
		     uint64_t ss, uint64_t rflags) __attribute__((noreturn));

void rt_enter_user(void (*fn)(void *), void *arg, void *stack_top)
{
	uint64_t rsp = ((uint64_t)(uintptr_t)stack_top & ~0xfull) - 8;

	rt_iret_to_user((uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)arg, rsp,
			RT_SEL_UCODE, RT_SEL_UDATA, RFLAGS_FIXED);
}
