// SPDX-License-Identifier: MIT
/*
 * Exit-qualification decoders. Each bit position below is from the SDM
 * table named in the function's comment (Vol. 3C, "Basic VM-Exit
 * Information").
 */
#include "arch/x86/vmx_decode.h"

/* Bits hi:lo of v, moved down to bit 0. */
static uint64_t bits(uint64_t v, unsigned int hi, unsigned int lo)
{
	return (v >> lo) & ((2ull << (hi - lo)) - 1);
}

static bool bit(uint64_t v, unsigned int n)
{
	return (v >> n) & 1;
}

/* "Exit Qualification for I/O Instructions". */
bool vmx_decode_io(uint64_t qual, struct io_exit *out)
{
	uint8_t size;

	/* The field is the size minus one; 2 would mean a 3-byte access. */
	switch (bits(qual, 2, 0)) {
	case 0:
		size = 1;
		break;
	case 1:
		size = 2;
		break;
	case 3:
		size = 4;
		break;
	default:
		return false;
	}
	out->port = (uint16_t)bits(qual, 31, 16);
	out->size = size;
	out->in = bit(qual, 3);
	out->string = bit(qual, 4);
	out->rep = bit(qual, 5);
	out->imm = bit(qual, 6);
	return true;
}

/* "Exit Qualification for Control-Register Accesses". */
bool vmx_decode_cr(uint64_t qual, struct cr_exit *out)
{
	uint8_t cr = (uint8_t)bits(qual, 3, 0);
	uint8_t type = (uint8_t)bits(qual, 5, 4);

	/*
	 * CR2 accesses never exit, and a MOV naming CR1, CR5-CR7 or
	 * CR9-CR15 raises #UD, which takes priority over any VM exit.
	 */
	if (cr != 0 && cr != 3 && cr != 4 && cr != 8)
		return false;
	/* CLTS and LMSW only ever touch CR0; the SDM reports 0 for them. */
	if ((type == CR_ACCESS_CLTS || type == CR_ACCESS_LMSW) && cr != 0)
		return false;
	/* Reads of CR0 and CR4 return the read shadows and never exit. */
	if (type == CR_ACCESS_MOV_FROM && (cr == 0 || cr == 4))
		return false;

	out->cr = cr;
	out->type = type;
	/*
	 * The SDM clears the fields an access type does not use; zeroing
	 * them here as well keeps a stray bit from reaching a handler.
	 */
	out->gpr = type <= CR_ACCESS_MOV_FROM ? (uint8_t)bits(qual, 11, 8) : 0;
	out->lmsw_mem = type == CR_ACCESS_LMSW && bit(qual, 6);
	out->lmsw_src = type == CR_ACCESS_LMSW ?
				(uint16_t)bits(qual, 31, 16) : 0;
	return true;
}

/* "Exit Qualification for EPT Violations". */
void vmx_decode_ept(uint64_t qual, struct ept_exit *out)
{
	out->read = bit(qual, 0);
	out->write = bit(qual, 1);
	out->fetch = bit(qual, 2);
	out->readable = bit(qual, 3);
	out->writable = bit(qual, 4);
	out->executable = bit(qual, 5);
	out->gla_valid = bit(qual, 7);
	/* Bit 8 is reserved when bit 7 is clear, so it means nothing then. */
	out->gla_translation = out->gla_valid && bit(qual, 8);
	out->nmi_unblocking = bit(qual, 12);
}
