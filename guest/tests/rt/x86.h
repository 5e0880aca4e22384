/* SPDX-License-Identifier: MIT */
/* The architectural constants only the test guests use. */
#ifndef GUEST_TESTS_X86_H
#define GUEST_TESTS_X86_H

#include "guest/include/x86.h"

/* SDM Vol. 3A, "Control Registers", and Vol. 1, "XSAVE-Supported
 * Features and State-Component Bitmaps". */
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR4_VME (1ull << 0)
#define CR4_DE (1ull << 3)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP (1ull << 11)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define CR4_PKE (1ull << 22)
#define XCR0_X87 1ull
#define XCR0_SSE 2ull
#define XCR0_AVX 4ull

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_HYPERVISOR (1u << 31)

/* DR7 with only its always-one bit 10 set: no breakpoint enabled. */
#define DR7_INIT 0x400ull

/* The debug registers the test guests use, read and written whole. */
#define DEFINE_DR(n)                                                    \
	static inline uint64_t read_dr##n(void)                         \
	{                                                               \
		uint64_t v;                                             \
		asm volatile("mov %%dr" #n ", %0" : "=r"(v));           \
		return v;                                               \
	}                                                               \
	static inline void write_dr##n(uint64_t v)                      \
	{                                                               \
		asm volatile("mov %0, %%dr" #n : : "r"(v) : "memory");  \
	}
DEFINE_DR(0)
DEFINE_DR(6)
DEFINE_DR(7)
#undef DEFINE_DR

#endif
