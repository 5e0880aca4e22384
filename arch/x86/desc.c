// SPDX-License-Identifier: MIT
/* hv's own GDT, TSS and IDT. */
#include "hv/arch.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "lib/string.h"

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t hv_exception_stubs[256];

/* Each CPU has its own IDT, with the same gates: a CPU's tables are its
 * own, so none can be changed under another CPU. */
static void idt_build(struct idt_gate *idt)
{
	for (int v = 0; v < 256; v++) {
		uint64_t a = hv_exception_stubs[v];
		struct idt_gate *g = &idt[v];

		g->offset0 = (uint16_t)a;
		g->selector = GDT_CODE;
		g->ist = v == 2 ? IST_NMI : v == 8 ? IST_DOUBLE_FAULT :
				    v == 18 ? IST_MACHINE_CHECK : 0;
		g->type = 0x8e;
		g->offset1 = (uint16_t)(a >> 16);
		g->offset2 = (uint32_t)(a >> 32);
	}
}

static void gdt_build(struct percpu *pc)
{
	uint64_t tss = (uint64_t)(uintptr_t)&pc->tss;
	uint64_t limit = sizeof(pc->tss) - 1;

	pc->gdt[0] = 0;
	pc->gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
	pc->gdt[2] = 0x00cf92000000ffffull; /* data, DPL 0 */
	/* Available 64-bit TSS: a 16-byte system descriptor. */
	pc->gdt[3] = (limit & 0xffff) | (tss & 0xffffff) << 16 | 0x89ull << 40 |
		     ((limit >> 16) & 0xf) << 48 | ((tss >> 24) & 0xff) << 56;
	pc->gdt[4] = tss >> 32;
}

void cpu_init_descriptors(struct percpu *pc)
{
	struct desc_ptr gdtr = { sizeof(pc->gdt) - 1,
				 (uint64_t)(uintptr_t)pc->gdt };
	struct desc_ptr idtr = { sizeof(pc->idt) - 1,
				 (uint64_t)(uintptr_t)pc->idt };

	idt_build(pc->idt);
	memset(&pc->tss, 0, sizeof(pc->tss));
	for (int i = 0; i < IST_COUNT; i++)
		pc->tss.ist[i] = (uint64_t)(uintptr_t)pc->ist_stacks[i] +
				 HV_IST_SIZE;
	pc->tss.iomap_base = sizeof(pc->tss); /* no I/O bitmap */
	gdt_build(pc);

	/* A far return reloads CS; data selectors follow. */
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%ss\n\t"
			 "xor %%eax, %%eax\n\t"
			 "mov %%ax, %%fs\n\t"
			 "mov %%ax, %%gs\n\t"
			 :
			 : "m"(gdtr), "i"(GDT_CODE), "r"((uint64_t)GDT_DATA)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS));
	__asm__ volatile("lidt %0" : : "m"(idtr));
	pc->self = pc;
	wrmsr(IA32_GS_BASE, (uint64_t)(uintptr_t)pc);
	wrmsr(IA32_FS_BASE, 0);
}
