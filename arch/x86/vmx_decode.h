/* SPDX-License-Identifier: MIT */
/*
 * Decoders for the exit qualifications of I/O, control-register and EPT
 * violation VM exits. Pure functions of the 64-bit qualification: no VMCS
 * access, no state, so they are built into hv and into the host unit tests
 * and fuzzers alike. The layouts are the SDM's (Vol. 3C "Exit Qualification
 * for I/O Instructions", "Exit Qualification for Control-Register
 * Accesses" and "Exit Qualification for EPT Violations").
 *
 * Bits the SDM marks "reserved (cleared to 0)" are ignored rather than
 * refused: they carry nothing today, and a later processor that defines
 * one must not turn a valid exit into a decoding failure.
 */
#ifndef ARCH_X86_VMX_DECODE_H
#define ARCH_X86_VMX_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* An IN, OUT, INS or OUTS that caused a VM exit. */
struct io_exit {
	uint16_t port;
	uint8_t size; /* bytes: 1, 2 or 4 */
	bool in; /* IN or INS; false for OUT or OUTS */
	bool string; /* INS or OUTS */
	bool rep; /* REP prefixed */
	bool imm; /* port from an immediate operand; false: from DX */
};

/*
 * Fills out and returns true, or returns false, leaving out untouched, when
 * the size field (bits 2:0) holds a value the SDM does not use (2, 4-7).
 */
bool vmx_decode_io(uint64_t qual, struct io_exit *out);

/* Access types, bits 5:4 of a control-register access qualification. */
enum cr_access {
	CR_ACCESS_MOV_TO = 0,
	CR_ACCESS_MOV_FROM = 1,
	CR_ACCESS_CLTS = 2,
	CR_ACCESS_LMSW = 3,
};

/* A MOV to or from CR0/CR3/CR4/CR8, a CLTS or an LMSW. */
struct cr_exit {
	uint8_t cr; /* 0, 3, 4 or 8; 0 for CLTS and LMSW */
	uint8_t type; /* enum cr_access */
	uint8_t gpr; /* MOV only: 0 RAX ... 15 R15, SDM order; else 0 */
	bool lmsw_mem; /* LMSW only: the operand was in memory */
	uint16_t lmsw_src; /* LMSW only: the source operand; else 0 */
};

/*
 * Fills out and returns true, or returns false, leaving out untouched, for
 * what no instruction can make the processor report: a control register
 * other than 0, 3, 4 or 8; a CLTS or LMSW naming one other than CR0; or a
 * MOV from CR0 or CR4, which VMX serves from the read shadows without
 * an exit.
 */
bool vmx_decode_cr(uint64_t qual, struct cr_exit *out);

/* What an EPT violation reports about the access and the translation. */
struct ept_exit {
	bool read, write, fetch; /* the kinds of access that faulted */
	/* The EPT entries' permissions, ANDed over the walk. */
	bool readable, writable, executable;
	bool gla_valid; /* the guest-linear-address field holds an address */
	/*
	 * With gla_valid: the access was to the translation of that linear
	 * address, not to a guest paging-structure entry. False without it.
	 */
	bool gla_translation;
	/*
	 * An IRET unblocked NMIs before its access faulted. The SDM leaves
	 * the bit undefined with "NMI exiting" but not "virtual NMIs", and
	 * when the exit also reports an event being delivered.
	 */
	bool nmi_unblocking;
};

/* Every value has a meaning, so this decoder cannot fail. */
void vmx_decode_ept(uint64_t qual, struct ept_exit *out);

#endif
