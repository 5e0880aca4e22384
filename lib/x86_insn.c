// SPDX-License-Identifier: MIT
/*
 * The MMIO instruction decoder (lib/x86_insn.h). The encodings are the
 * SDM's (Vol. 2A, "Instruction Format", "Addressing-Mode Encoding of
 * ModR/M and SIB Bytes", "REX Prefixes"; Vol. 2B, MOV, MOVZX, MOVSX and
 * MOVSXD). Each byte is read only after checking it is there and within
 * the 15-byte limit, so no input can make the decoder read past avail.
 */
#include "lib/x86_insn.h"

struct cursor {
	const uint8_t *b;
	unsigned avail, i;
};

/* Whether n more bytes may be read, and why not. */
static enum x86_insn_status need(const struct cursor *c, unsigned n)
{
	if (c->i + n > X86_INSN_MAX)
		return X86_INSN_TOO_LONG;
	if (c->i + n > c->avail)
		return X86_INSN_TRUNCATED;
	return X86_INSN_OK;
}

static uint64_t take_le(struct cursor *c, unsigned n)
{
	uint64_t v = 0;

	for (unsigned k = 0; k < n; k++)
		v |= (uint64_t)c->b[c->i + k] << (8 * k);
	c->i += n;
	return v;
}

static uint64_t sign_extend(uint64_t v, unsigned bytes)
{
	unsigned shift = 64 - 8 * bytes;

	return bytes >= 8 ? v : (uint64_t)((int64_t)(v << shift) >> shift);
}

static uint64_t low_bytes(uint64_t v, unsigned bytes)
{
	return bytes >= 8 ? v : v & ((1ull << (8 * bytes)) - 1);
}

/*
 * The ModRM byte and what follows it up to the immediate: SIB and
 * displacement. A register operand (mod 3) never reaches memory, so it
 * is never an MMIO access.
 */
static enum x86_insn_status modrm(struct cursor *c, unsigned adsz,
				  enum x86_cpu_mode mode, uint8_t *regf,
				  bool *rip_rel)
{
	enum x86_insn_status s = need(c, 1);
	unsigned mod, rm, disp = 0;
	uint8_t m;

	if (s)
		return s;
	m = c->b[c->i++];
	mod = m >> 6;
	rm = m & 7;
	*regf = (m >> 3) & 7;
	if (mod == 3)
		return X86_INSN_UNSUPPORTED;
	if (adsz == 2) {
		/* "16-Bit Addressing Forms with the ModR/M Byte". */
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || rm == 6)
			disp = 2;
	} else {
		/* "32-Bit Addressing Forms": rm 4 takes a SIB byte. */
		if (rm == 4) {
			s = need(c, 1);
			if (s)
				return s;
			if (mod == 0 && (c->b[c->i] & 7) == 5)
				disp = 4; /* no base, disp32 */
			c->i++;
		}
		if (mod == 0 && rm == 5) {
			disp = 4;
			/* "RIP-Relative Addressing": disp32 from the next RIP. */
			*rip_rel = mode == X86_MODE_64;
		}
		if (mod == 1)
			disp = 1;
		else if (mod == 2)
			disp = 4;
	}
	s = need(c, disp);
	if (s)
		return s;
	c->i += disp;
	return X86_INSN_OK;
}

/* Legacy prefixes and REX, which must come last (SDM "REX Prefixes"). */
static enum x86_insn_status prefixes(struct cursor *c, enum x86_cpu_mode mode,
				     bool *opsize, bool *adsize, uint8_t *rex,
				     int8_t *seg)
{
	enum x86_insn_status s;
	uint8_t p;

	for (;;) {
		s = need(c, 1);
		if (s)
			return s;
		p = c->b[c->i];
		if (mode == X86_MODE_64 && (p & 0xf0) == 0x40) {
			*rex = p; /* a later REX replaces it */
			c->i++;
			continue;
		}
		switch (p) {
		case 0x66:
			*opsize = true;
			break;
		case 0x67:
			*adsize = true;
			break;
		case 0x26: /* ES */
		case 0x2e: /* CS */
		case 0x36: /* SS */
		case 0x3e: /* DS */
			*seg = (int8_t)((p >> 3) & 3); /* ES 0, CS 1, SS 2, DS 3 */
			break;
		case 0x64:
			*seg = 4;
			break;
		case 0x65:
			*seg = 5;
			break;
		case 0xf0: /* LOCK MOV is #UD */
		case 0xf2:
		case 0xf3: /* REP: mandatory prefixes of other instructions */
			return X86_INSN_UNSUPPORTED;
		default:
			return X86_INSN_OK;
		}
		/* A REX followed by a legacy prefix is ignored. */
		*rex = 0;
		c->i++;
	}
}

/* The operation an opcode names, before its operands are read. */
struct op {
	uint8_t size; /* 0: the operand size */
	uint8_t reg_size; /* 0: the operand size */
	bool write, imm, moffs, modrm;
	enum x86_insn_ext ext;
};

static enum x86_insn_status opcode(struct cursor *c, enum x86_cpu_mode mode,
				   uint8_t rex, struct op *o)
{
	enum x86_insn_status s = need(c, 1);
	uint8_t b;

	if (s)
		return s;
	b = c->b[c->i++];
	*o = (struct op){ .modrm = true };
	switch (b) {
	case 0x88: /* MOV r/m8, r8 */
	case 0x8a: /* MOV r8, r/m8 */
		o->size = o->reg_size = 1;
		o->write = b == 0x88;
		return X86_INSN_OK;
	case 0x89: /* MOV r/m, r */
	case 0x8b: /* MOV r, r/m */
		o->write = b == 0x89;
		return X86_INSN_OK;
	case 0xc6: /* MOV r/m8, imm8 */
		o->size = 1;
		/* fallthrough */
	case 0xc7: /* MOV r/m, imm */
		o->write = o->imm = true;
		return X86_INSN_OK;
	case 0xa0: /* MOV AL, moffs8 */
	case 0xa2: /* MOV moffs8, AL */
		o->size = o->reg_size = 1;
		/* fallthrough */
	case 0xa1: /* MOV eAX, moffs */
	case 0xa3: /* MOV moffs, eAX */
		o->write = b & 2;
		o->moffs = true;
		o->modrm = false;
		return X86_INSN_OK;
	case 0x63: /* MOVSXD r64, r/m32; ARPL outside 64-bit mode */
		if (mode != X86_MODE_64 || !(rex & 8))
			return X86_INSN_UNSUPPORTED;
		o->size = 4;
		o->ext = X86_EXT_SIGN;
		return X86_INSN_OK;
	case 0x0f:
		break;
	default:
		return X86_INSN_UNSUPPORTED;
	}
	s = need(c, 1);
	if (s)
		return s;
	b = c->b[c->i++];
	switch (b) {
	case 0xb6: /* MOVZX r, r/m8 */
	case 0xb7: /* MOVZX r, r/m16 */
	case 0xbe: /* MOVSX r, r/m8 */
	case 0xbf: /* MOVSX r, r/m16 */
		o->size = b & 1 ? 2 : 1;
		o->ext = b & 8 ? X86_EXT_SIGN : X86_EXT_ZERO;
		return X86_INSN_OK;
	}
	return X86_INSN_UNSUPPORTED;
}

enum x86_insn_status x86_insn_decode(const uint8_t *bytes, unsigned avail,
				     enum x86_cpu_mode mode,
				     struct x86_insn *out)
{
	struct cursor c = { bytes, avail, 0 };
	struct x86_insn in = { .seg = -1 };
	bool opsize = false, adsize = false;
	uint8_t rex = 0, regf = 0;
	unsigned opsz, adsz, immsz;
	enum x86_insn_status s;
	struct op o;

	s = prefixes(&c, mode, &opsize, &adsize, &rex, &in.seg);
	if (!s)
		s = opcode(&c, mode, rex, &o);
	if (s)
		return s;
	/* "Operand-Size and Address-Size Attributes", and REX.W over 66. */
	if (mode == X86_MODE_64) {
		opsz = rex & 8 ? 8 : opsize ? 2 : 4;
		adsz = adsize ? 4 : 8;
	} else {
		opsz = (mode == X86_MODE_32) != opsize ? 4 : 2;
		adsz = (mode == X86_MODE_32) != adsize ? 4 : 2;
	}
	in.size = o.size ? o.size : (uint8_t)opsz;
	in.reg_size = o.reg_size ? o.reg_size : (uint8_t)opsz;
	if (!o.ext)
		in.reg_size = in.size;
	in.write = o.write;
	in.has_imm = o.imm;
	in.ext = o.ext;
	if (o.moffs) {
		s = need(&c, adsz);
		if (s)
			return s;
		c.i += adsz;
	} else {
		s = modrm(&c, adsz, mode, &regf, &in.rip_relative);
		if (s)
			return s;
	}
	if (o.imm) {
		/* C6 /0 and C7 /0 only: the other reg values are other
		 * instructions (XABORT, XBEGIN). */
		if (regf != 0)
			return X86_INSN_UNSUPPORTED;
		/* A 64-bit store takes a sign-extended imm32. */
		immsz = in.size == 8 ? 4 : in.size;
		s = need(&c, immsz);
		if (s)
			return s;
		in.imm = low_bytes(sign_extend(take_le(&c, immsz), immsz),
				   in.size);
	} else if (!o.moffs) {
		in.reg = (uint8_t)(regf | (rex & 4 ? 8 : 0));
		/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
		if (in.reg_size == 1 && !rex && in.reg >= 4) {
			in.high8 = true;
			in.reg -= 4;
		}
	}
	in.len = (uint8_t)c.i;
	*out = in;
	return X86_INSN_OK;
}

const char *x86_insn_status_text(enum x86_insn_status s)
{
	switch (s) {
	case X86_INSN_OK:
		return "decoded";
	case X86_INSN_TRUNCATED:
		return "the bytes end inside the instruction";
	case X86_INSN_UNSUPPORTED:
		return "not an instruction hv emulates for MMIO";
	case X86_INSN_TOO_LONG:
		return "longer than 15 bytes";
	}
	return "?";
}

uint64_t x86_insn_store_value(const struct x86_insn *in, uint64_t reg)
{
	return in->has_imm ? in->imm : x86_insn_reg_value(in, reg);
}

uint64_t x86_insn_load_result(const struct x86_insn *in, uint64_t old,
			      uint64_t value)
{
	uint64_t v = low_bytes(value, in->size);

	if (in->ext == X86_EXT_SIGN)
		v = sign_extend(v, in->size);
	switch (in->reg_size) {
	case 1:
		if (in->high8)
			return (old & ~0xff00ull) | (v & 0xff) << 8;
		return (old & ~0xffull) | (v & 0xff);
	case 2:
		return (old & ~0xffffull) | (v & 0xffff);
	case 4:
		return v & 0xffffffffull;
	}
	return v;
}
