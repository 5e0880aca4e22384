/* SPDX-License-Identifier: MIT */
/*
 * The architectural checks of a MOV to CR0 or CR4 that hv completes for
 * a guest, and the values the CPU then runs with. Pure functions of the
 * values, so that the host unit tests check them bit by bit (SDM Vol. 2,
 * "MOV-Move to/from Control Registers", and Vol. 3A, "Control
 * Registers").
 *
 * hv's partitions run in 64-bit mode for good: paging and protection
 * stay on, PAE stays on, and LA57 cannot change there.
 */
#ifndef ARCH_X86_CRCHECK_H
#define ARCH_X86_CRCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"

/* CR0 bits 28:19, 17 and 15:6: reserved; a MOV ignores them. */
#define CR0_RESERVED_LOW 0x1ffaffc0ull

/*
 * The CR4 bits a guest may own outright, where the CPU allows them:
 * writes that change only these run without an exit. Every other bit is
 * hv's: MCE (hv takes machine checks), PAE and LA57 (the mode),
 * VMXE and SMXE (hidden), CET, PKS and everything newer (not
 * virtualized), and bits 63:32 (reserved).
 */
#define CR4_GUEST_OWNED                                                  \
	(CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PGE |      \
	 CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_UMIP | CR4_FSGSBASE | \
	 CR4_PCIDE | CR4_OSXSAVE | CR4_SMEP | CR4_SMAP | CR4_PKE)

/* The CR4 bits a guest may set at all: its own, and PAE and MCE, which
 * it sees in the read shadow while the CPU keeps them 1. */
static inline uint64_t cr4_guest_allowed(uint64_t fixed1)
{
	return (CR4_GUEST_OWNED | CR4_PAE | CR4_MCE) & fixed1 & 0xffffffffull;
}

/*
 * True when MOV to CR0 of val is #GP(0) for a 64-bit guest with CR4 cr4:
 * a bit of 63:32 set, NW without CD, PG without PE, leaving paging or
 * protection, or WP cleared while CR4.CET is set.
 */
static inline bool cr0_write_faults(uint64_t val, uint64_t cr4)
{
	return (val >> 32) || ((val & CR0_NW) && !(val & CR0_CD)) ||
	       (val & (CR0_PE | CR0_PG)) != (CR0_PE | CR0_PG) ||
	       ((cr4 & CR4_CET) && !(val & CR0_WP));
}

/* What a MOV to CR0 that does not fault stores: reserved bits dropped,
 * and ET, which is hard-wired to 1. */
static inline uint64_t cr0_written(uint64_t val)
{
	return (val & ~CR0_RESERVED_LOW) | CR0_ET;
}

/*
 * True when MOV to CR4 of val, over old, is #GP(0) for a 64-bit guest
 * with CR3 cr3 on a CPU whose VMX CR4 fixed-1 MSR is fixed1: a bit the
 * guest may not set (reserved, unsupported or hv's), PAE cleared, LA57
 * changed, or PCIDE set while CR3[11:0] is not 0.
 */
static inline bool cr4_write_faults(uint64_t val, uint64_t old, uint64_t cr3,
				    uint64_t fixed1)
{
	return (val & ~cr4_guest_allowed(fixed1)) || !(val & CR4_PAE) ||
	       ((val ^ old) & CR4_LA57) ||
	       ((val & CR4_PCIDE) && !(old & CR4_PCIDE) && (cr3 & 0xfff));
}

#endif
