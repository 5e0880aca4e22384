// SPDX-License-Identifier: MIT
/*
 * The kernel's GDT, TSS and IDT, and the MSRs that make SYSCALL enter it.
 * hv's entry GDT has no user segments and no TSS, and there is no IDT at
 * all: until desc_init() runs, any exception is a triple fault.
 */
#include "guest/kernel/kernel.h"

#define IST_DF 1

/*
 * SFMASK: the RFLAGS bits SYSCALL clears. IF, so that nothing interrupts
 * the entry while RSP is still the program's; TF, so that a program that
 * single-steps does not trap on the kernel's first instruction; DF,
 * because C expects it clear; AC, NT and IOPL, which are none of the
 * kernel's business.
 */
#define SYSCALL_RFLAGS_MASK (RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | \
			     RFLAGS_IOPL | RFLAGS_NT | RFLAGS_AC)

static uint64_t gdt[8] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));

/* Read by syscall_entry: the kernel stack of the running program. */
uint64_t syscall_kstack_top;

static void gdt_init(void)
{
	struct desc_ptr gdtr = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };

	gdt[0] = 0;
	gdt[SEL_KCODE >> 3] = DESC_KCODE64;
	gdt[SEL_KDATA >> 3] = DESC_KDATA;
	gdt[SEL_SYSRET_BASE >> 3] = 0;
	gdt[SEL_UDATA >> 3] = DESC_UDATA;
	gdt[SEL_UCODE >> 3] = DESC_UCODE64;

	tss.rsp[0] = kstack_top(KSTACK_BOOT);
	tss.ist[IST_DF - 1] = kstack_top(KSTACK_DF);
	/* A base past the limit means no I/O permission bitmap: port I/O
	 * from ring 3 is a #GP in the guest and never reaches hv. */
	tss.iomap_base = sizeof(tss);
	set_tss_desc(&gdt[SEL_TSS >> 3], (uint64_t)(uintptr_t)&tss,
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
		     "xorl %%eax, %%eax\n\t"
		     "movl %%eax, %%fs\n\t"
		     "movl %%eax, %%gs\n\t"
		     "ltr %w3"
		     :
		     : "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA),
		       "r"((uint16_t)SEL_TSS)
		     : "rax", "memory");
}

static void idt_init(void)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	/* A #DF may come from an overflowed stack: it gets its own. */
	for (int v = 0; v < 256; v++)
		set_idt_gate(&idt[v], trap_stubs[v], SEL_KCODE,
			     v == VEC_DF ? IST_DF : 0, GATE_INTERRUPT);
	asm volatile("lidt %0" : : "m"(idtr) : "memory");
}

void desc_init(void)
{
	idt_init();
	gdt_init();
}

void set_kernel_entry_stack(uint64_t top)
{
	tss.rsp[0] = top;
	syscall_kstack_top = top;
}

void syscall_init(void)
{
	/*
	 * STAR[47:32] is the kernel CS that SYSCALL loads (SS is CS + 8);
	 * STAR[63:48] the base SYSRET adds 8 and 16 to (SDM Vol. 2B,
	 * "SYSCALL", "SYSRET").
	 */
	wrmsr(IA32_STAR, ((uint64_t)SEL_SYSRET_BASE << 48) |
				((uint64_t)SEL_KCODE << 32));
	wrmsr(IA32_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	/* No 32-bit code segment exists, so a program can never be in
	 * compatibility mode to use this one. */
	wrmsr(IA32_CSTAR, 0);
	wrmsr(IA32_FMASK, SYSCALL_RFLAGS_MASK);
	wrmsr(IA32_EFER, rdmsr(IA32_EFER) | EFER_SCE);
}
