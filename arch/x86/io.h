/* SPDX-License-Identifier: MIT */
/* Port I/O and the few CPU instructions both the loader and hv execute. */
#ifndef ARCH_X86_IO_H
#define ARCH_X86_IO_H

#include <stdint.h>

#include "arch/x86/portio.h"

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			 uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

/* RDMSR that returns -1 instead of faulting (arch/x86/entry.asm); hv only. */
int rdmsr_safe(uint32_t msr, uint64_t *value);

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

static inline uint64_t rdtsc(void)
{
#ifdef __x86_64__
	uint64_t lo, hi;

	/* RDTSC zeroes bits 63:32 of RAX and RDX: no zero-extension. */
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return hi << 32 | lo;
#else
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
#endif
}

/* PCI configuration mechanism #1 (ports 0xcf8/0xcfc). */
static inline uint32_t pci_cfg_read32(uint8_t bus, uint8_t dev, uint8_t fn,
				      uint8_t reg)
{
	outl(0xcf8, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
			    (uint32_t)fn << 8 | (reg & 0xfc));
	return inl(0xcfc);
}

#endif
