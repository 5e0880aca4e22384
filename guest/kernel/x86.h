/* SPDX-License-Identifier: MIT */
/* The x86 constants and instructions only the kernel uses. */
#ifndef GUEST_KERNEL_X86_H
#define GUEST_KERNEL_X86_H

#include "guest/include/x86.h"

/* The local APIC's register bits the kernel's timer uses (SDM Vol. 3A,
 * "Local APIC"); the x2APIC MSRs are in arch/x86/msr.h. */
#define APIC_SVR_ENABLE (1u << 8)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_PERIODIC (1u << 17)
#define APIC_DIV_BY_1 0xbu

#define CR0_EM (1ull << 2)
#define CR0_WP (1ull << 16)
#define CR4_SMEP (1ull << 20)

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_AC (1ull << 18)

/* CPUID.1:ECX */
#define CPUID1_ECX_X2APIC (1u << 21)

/* CPUID.(EAX=7,ECX=0):EBX */
#define CPUID7_EBX_SMEP (1u << 7)

/* Page-table entry bits (SDM Vol. 3A, "4-Level Paging"). */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define PAGE_SIZE 4096ull
#define LARGE_PAGE_SIZE 0x200000ull

/* Exception vectors (SDM Vol. 3A, "Exception and Interrupt Vectors"). */
#define VEC_DB 1
#define VEC_DF 8
#define VEC_GP 13
#define VEC_PF 14

/*
 * With interrupts off and no virtual interrupt source, HLT never wakes:
 * hv stops the partition there.
 */
static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

#endif
