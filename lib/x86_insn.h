/* SPDX-License-Identifier: MIT */
/*
 * A decoder for the instructions guests use to reach memory-mapped
 * devices: the MOV forms and MOVZX/MOVSX/MOVSXD loads, with their legacy
 * and REX prefixes and every ModRM/SIB/displacement form of 16-, 32- and
 * 64-bit addressing (SDM Vol. 2A, "Instruction Format" and "Operand-Size
 * and Address-Size Attributes"). Only what an exit handler needs comes
 * out: the length, the direction, the access size and the register or
 * immediate. Freestanding and stateless, built into hv and into the host
 * unit tests and fuzzer.
 *
 * Everything else is "not decodable", never a guess: a caller stops the
 * guest with the bytes in its report.
 */
#ifndef LIB_X86_INSN_H
#define LIB_X86_INSN_H

#include <stdbool.h>
#include <stdint.h>

/* The architectural limit (SDM Vol. 2A, "Instruction Format"). */
#define X86_INSN_MAX 15

/* The code segment's default sizes: CS.D in protected mode, CS.L in IA-32e mode. */
enum x86_cpu_mode {
	X86_MODE_16, /* real mode, virtual-8086, or CS.D = 0 */
	X86_MODE_32, /* CS.D = 1, outside 64-bit mode */
	X86_MODE_64, /* IA-32e mode with CS.L = 1 */
};

enum x86_insn_ext {
	X86_EXT_NONE, /* the register takes the access's size */
	X86_EXT_ZERO, /* MOVZX */
	X86_EXT_SIGN, /* MOVSX, MOVSXD */
};

struct x86_insn {
	uint8_t len; /* bytes, prefixes included: what RIP advances by */
	uint8_t size; /* bytes accessed in memory: 1, 2, 4 or 8 */
	bool write; /* a store to memory; else a load into reg */
	bool has_imm; /* a store of imm (C6, C7); else of reg */
	/*
	 * The register operand, 0 RAX ... 15 R15 (SDM order). With high8 it
	 * is AH, CH, DH or BH, the second byte of register reg (0-3).
	 */
	uint8_t reg;
	bool high8;
	uint8_t reg_size; /* the register operand's width: 1, 2, 4 or 8 */
	enum x86_insn_ext ext;
	uint64_t imm; /* already extended to size bytes */
	int8_t seg; /* segment override, 0 ES ... 5 GS (SDM order); -1 none */
	bool rip_relative;
};

enum x86_insn_status {
	X86_INSN_OK = 0,
	X86_INSN_TRUNCATED, /* the bytes end before the instruction does */
	X86_INSN_UNSUPPORTED, /* a valid instruction this decoder does not take */
	X86_INSN_TOO_LONG, /* over 15 bytes: #GP on a CPU */
};

/*
 * Decodes bytes[0..avail). Fills out and returns X86_INSN_OK, or returns
 * why not, with out untouched.
 */
enum x86_insn_status x86_insn_decode(const uint8_t *bytes, unsigned avail,
				     enum x86_cpu_mode mode,
				     struct x86_insn *out);

const char *x86_insn_status_text(enum x86_insn_status s);

/* The register number x86_insn.reg names, and its value's low bits. */
static inline uint64_t x86_insn_reg_value(const struct x86_insn *in,
					  uint64_t reg)
{
	uint64_t v = in->high8 ? reg >> 8 : reg;

	return in->reg_size == 8 ? v : v & ((1ull << (8 * in->reg_size)) - 1);
}

/*
 * The value a store writes: its immediate, or the register's low size
 * bytes (reg is the whole 64-bit register x86_insn.reg names).
 */
uint64_t x86_insn_store_value(const struct x86_insn *in, uint64_t reg);

/*
 * The register after a load of value (its low size bytes count): old
 * with the destination's bytes replaced. A 32-bit destination is
 * zero-extended to 64 bits, 8- and 16-bit ones leave the rest of the
 * register alone (SDM Vol. 1, "General-Purpose Registers in 64-Bit
 * Mode"); MOVZX and MOVSX extend to the destination's width first.
 */
uint64_t x86_insn_load_result(const struct x86_insn *in, uint64_t old,
			      uint64_t value);

#endif
