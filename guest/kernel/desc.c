// SPDX-License-Identifier: MIT
/*
 * The kernel's GDT, TSS and IDT, and the MSRs that make SYSCALL enter it.
 * hv's entry GDT has no user segments and no TSS, and there is no IDT at
 * all: until desc_init() runs, any exception is a triple fault.
 */
#include "guest/kernel/kernel.h"

/* The 64-bit TSS (SDM Vol. 3A, "Task Management in 64-bit Mode"). */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS layout");

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/*
 * Segment descriptors (SDM Vol. 3A, "Segment Descriptors"): access byte
 * P | DPL | S | type, and for code L = 1, D = 0 for 64-bit mode. Base and
 * limit are ignored in 64-bit mode; these are the customary flat values.
 */
#define DESC_KCODE64 0x00af9a000000ffffull /* DPL 0, execute/read */
#define DESC_KDATA 0x00cf92000000ffffull /* DPL 0, read/write */
#define DESC_UDATA 0x00cff2000000ffffull /* DPL 3, read/write */
#define DESC_UCODE64 0x00affa000000ffffull /* DPL 3, execute/read */
#define TSS_TYPE_AVAILABLE 0x89 /* present, DPL 0, 64-bit TSS (available) */

/*
 * Present, DPL 0, type 0xe: a 64-bit interrupt gate, which clears IF. DPL
 * 0 everywhere makes INT n from ring 3 a #GP, so a program cannot enter
 * the kernel through an exception handler.
 */
#define GATE_INTERRUPT 0x8e
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

static void set_tss_desc(uint64_t *slot, uint64_t base, uint32_t limit)
{
	slot[0] = (limit & 0xffffull) | ((base & 0xffffffull) << 16) |
		  ((uint64_t)TSS_TYPE_AVAILABLE << 40) |
		  ((uint64_t)((limit >> 16) & 0xf) << 48) |
		  (((base >> 24) & 0xffull) << 56);
	slot[1] = base >> 32;
}

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

	for (int v = 0; v < 256; v++) {
		uint64_t a = trap_stubs[v];
		struct idt_gate *g = &idt[v];

		g->offset_low = (uint16_t)a;
		g->selector = SEL_KCODE;
		/* A #DF may come from an overflowed stack: it gets its own. */
		g->ist = v == VEC_DF ? IST_DF : 0;
		g->type_attr = GATE_INTERRUPT;
		g->offset_mid = (uint16_t)(a >> 16);
		g->offset_high = (uint32_t)(a >> 32);
		g->reserved = 0;
	}
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
	wrmsr(MSR_STAR, ((uint64_t)SEL_SYSRET_BASE << 48) |
				((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	/* No 32-bit code segment exists, so a program can never be in
	 * compatibility mode to use this one. */
	wrmsr(MSR_CSTAR, 0);
	wrmsr(MSR_SFMASK, SYSCALL_RFLAGS_MASK);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}
