/* SPDX-License-Identifier: MIT */
/*
 * The architectural checks of a MOV to CR0 or CR4 that hv completes for
 * a guest, and the values the CPU then runs with. Pure functions of the
 * values, so that the host unit tests check them bit by bit (SDM Vol. 2,
 * "MOV-Move to/from Control Registers", and Vol. 3A, "Control
 * Registers").
 *
 * An `hv` partition runs in 64-bit mode for good: paging and protection
 * stay on, PAE stays on, and LA57 cannot change there. A `pc`
 * partition's vCPUs (unrestricted guest, docs/platform.md) may be in any
 * mode a CPU allows, so their writes get the whole set of checks, and
 * what the CPU does besides (IA-32e mode on and off, the PAE PDPTEs), in
 * the *_any functions below.
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

/*
 * The CR4 bits a pc partition's guest may own outright: an hv
 * partition's, and PAE, which a pc guest turns on and off itself (the
 * CPU then does the checks and the PDPTE loads of its own MOV).
 */
#define CR4_PC_GUEST_OWNED (CR4_GUEST_OWNED | CR4_PAE)

/* The CR4 bits a pc guest may set at all: MCE too, which it sees in the
 * read shadow while the CPU keeps it 1; never VMXE, SMXE or LA57. */
static inline uint64_t cr4_pc_allowed(uint64_t fixed1)
{
	return (CR4_PC_GUEST_OWNED | CR4_MCE) & fixed1 & 0xffffffffull;
}

/*
 * True when MOV to CR0 of val is #GP(0) for a vCPU in any mode, whose
 * CR0 is old, CR4 cr4 and EFER efer, and whose CS.L is cs_l (SDM Vol. 2,
 * "MOV-Move to/from Control Registers", its Protected Mode and 64-Bit
 * Mode Exceptions): a bit of 63:32, NW without CD, PG without PE, WP
 * cleared under CR4.CET; setting PG with EFER.LME but without CR4.PAE,
 * or with CS.L; clearing PG in 64-bit mode, or while CR4.PCIDE is set.
 */
static inline bool cr0_write_faults_any(uint64_t val, uint64_t old,
					uint64_t cr4, uint64_t efer, bool cs_l)
{
	bool enabling = (val & CR0_PG) && !(old & CR0_PG);
	bool disabling = !(val & CR0_PG) && (old & CR0_PG);

	return (val >> 32) || ((val & CR0_NW) && !(val & CR0_CD)) ||
	       ((val & CR0_PG) && !(val & CR0_PE)) ||
	       ((cr4 & CR4_CET) && !(val & CR0_WP)) ||
	       (enabling && (efer & EFER_LME) &&
		(!(cr4 & CR4_PAE) || cs_l)) ||
	       (disabling && (((efer & EFER_LMA) && cs_l) ||
			      (cr4 & CR4_PCIDE)));
}

/*
 * EFER after a MOV to CR0 from old to val that does not fault: SDM Vol.
 * 3A, "Initializing IA-32e Mode": setting PG with LME set activates
 * IA-32e mode (LMA 1), clearing PG leaves it (LMA 0).
 */
static inline uint64_t efer_after_cr0(uint64_t efer, uint64_t old,
				      uint64_t val)
{
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME))
		return efer | EFER_LMA;
	if (!(val & CR0_PG) && (old & CR0_PG))
		return efer & ~EFER_LMA;
	return efer;
}

/*
 * True when MOV to CR4 of val, over old, is #GP(0) for a vCPU in any
 * mode with EFER efer and CR3 cr3: a bit a pc guest may not set
 * (reserved, unsupported, VMXE, SMXE, LA57), PAE cleared in IA-32e
 * mode, or PCIDE set outside IA-32e mode or while CR3[11:0] is not 0.
 */
static inline bool cr4_write_faults_any(uint64_t val, uint64_t old,
					uint64_t efer, uint64_t cr3,
					uint64_t fixed1)
{
	return (val & ~cr4_pc_allowed(fixed1)) ||
	       ((efer & EFER_LMA) && !(val & CR4_PAE)) ||
	       ((val & CR4_PCIDE) && !(old & CR4_PCIDE) &&
		(!(efer & EFER_LMA) || (cr3 & 0xfff)));
}

/*
 * SDM Vol. 3A, "PDPTE Registers": with PAE paging in use after a MOV to
 * CR0 or CR4 (PG, PAE, and not LME) that changes CD, NW, PG, PAE, PGE,
 * PSE or SMEP, the CPU loads the four PDPTEs from CR3, and a present one
 * with a reserved bit set makes the MOV #GP(0). Where hv completes such
 * a MOV it does the same.
 */
static inline bool pdptes_reload(uint64_t old_cr0, uint64_t cr0,
				 uint64_t old_cr4, uint64_t cr4, uint64_t efer)
{
	const uint64_t cr0_bits = CR0_CD | CR0_NW | CR0_PG;
	const uint64_t cr4_bits = CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP;

	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LME) &&
	       (((old_cr0 ^ cr0) & cr0_bits) || ((old_cr4 ^ cr4) & cr4_bits));
}

/* A present PAE PDPTE with a reserved bit set: bits 2:1 and 8:5, and
 * every bit from MAXPHYADDR up, the execute-disable bit 63 among them
 * (SDM Vol. 3A, "Formats of Paging-Structure Entries", PAE paging). */
static inline bool pdpte_bad(uint64_t pdpte, unsigned maxphyaddr)
{
	return (pdpte & 1) && (pdpte & (0x1e6ull | (~0ull << maxphyaddr)));
}

/*
 * True when WRMSR of val to EFER, over old, is #GP(0) for a pc guest
 * whose CR0 is cr0 and which may set the bits in allowed (those CPUID
 * shows it: SCE, LME and LMA, NXE): a bit outside them, or LME changed
 * while paging is on (SDM Vol. 4, IA32_EFER; Vol. 3A, "IA-32e Mode
 * Operation").
 */
static inline bool efer_write_faults_pc(uint64_t val, uint64_t old,
					uint64_t cr0, uint64_t allowed)
{
	return (val & ~allowed) ||
	       ((cr0 & CR0_PG) && ((val ^ old) & EFER_LME));
}

/* What such a WRMSR stores: LMA is the CPU's to set, not the write's. */
static inline uint64_t efer_written_pc(uint64_t val, uint64_t old)
{
	return (val & ~EFER_LMA) | (old & EFER_LMA);
}

#endif
