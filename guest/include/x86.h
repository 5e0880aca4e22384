/* SPDX-License-Identifier: MIT */
/*
 * The x86 instructions and descriptor formats that the guest kernel and the
 * test-guest runtime both use, kept in one place so that the two ring-0
 * environments cannot drift apart.
 */
#ifndef GUEST_INCLUDE_X86_H
#define GUEST_INCLUDE_X86_H

#include <stdint.h>

#include "arch/x86/msr.h"
#include "arch/x86/portio.h"

#define RFLAGS_FIXED (1ull << 1) /* always reads as 1 */

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
 * Segment descriptors (SDM Vol. 3A, "Segment Descriptors"): limit 0xfffff
 * with G = 1; access byte P | DPL | S | type; for code, L = 1 and D = 0
 * select 64-bit mode. Base and limit are ignored in 64-bit mode, but these
 * are the values every loader checks.
 */
#define DESC_KCODE64 0x00af9a000000ffffull /* DPL 0, execute/read */
#define DESC_KDATA 0x00cf92000000ffffull /* DPL 0, read/write */
#define DESC_UDATA 0x00cff2000000ffffull /* DPL 3, read/write */
#define DESC_UCODE64 0x00affa000000ffffull /* DPL 3, execute/read */
#define TSS_TYPE_AVAILABLE 0x89 /* present, DPL 0, 64-bit TSS (available) */

/*
 * Present, DPL 0, type 0xe: a 64-bit interrupt gate, which clears IF. DPL
 * 0 makes INT n from ring 3 a #GP rather than a way into ring 0.
 */
#define GATE_INTERRUPT 0x8e

/* A 64-bit TSS descriptor takes two GDT slots. */
static inline void set_tss_desc(uint64_t *slot, uint64_t base, uint32_t limit)
{
	slot[0] = (limit & 0xffffull) | ((base & 0xffffffull) << 16) |
		  ((uint64_t)TSS_TYPE_AVAILABLE << 40) |
		  ((uint64_t)((limit >> 16) & 0xf) << 48) |
		  (((base >> 24) & 0xffull) << 56);
	slot[1] = base >> 32;
}

static inline void set_idt_gate(struct idt_gate *g, uint64_t handler,
				uint16_t selector, uint8_t ist,
				uint8_t type_attr)
{
	g->offset_low = (uint16_t)handler;
	g->selector = selector;
	g->ist = ist;
	g->type_attr = type_attr;
	g->offset_mid = (uint16_t)(handler >> 16);
	g->offset_high = (uint32_t)(handler >> 32);
	g->reserved = 0;
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(uint64_t v)
{
	asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* Also flushes every non-global TLB entry. */
static inline void write_cr3(uint64_t v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint64_t v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t read_cr8(void)
{
	uint64_t v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static inline void write_cr8(uint64_t v)
{
	asm volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

static inline uint16_t read_cs(void)
{
	uint16_t v;

	asm volatile("mov %%cs, %0" : "=r"(v));
	return v;
}

/*
 * Not serializing: the spans its callers time are far longer than any
 * reordering could shift.
 */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	asm volatile("pause");
}

#endif
