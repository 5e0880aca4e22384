// SPDX-License-Identifier: MIT
/*
 * Guest page-table walks for instruction fetches (lib/x86_walk.h). The
 * entry formats and their reserved bits are the SDM's tables in Vol. 3A,
 * "32-Bit Paging", "PAE Paging" and "4-Level Paging and 5-Level Paging";
 * the access rights are "Access Rights" there.
 */
#include "lib/x86_walk.h"

/* The bits the walk reads, under its own names: lib/ includes no arch
 * header. */
#define W_CR0_PG (1ull << 31)
#define W_CR4_PSE (1ull << 4)
#define W_CR4_PAE (1ull << 5)
#define W_CR4_LA57 (1ull << 12)
#define W_CR4_SMEP (1ull << 20)
#define W_EFER_LMA (1ull << 10)
#define W_EFER_NXE (1ull << 11)

#define E_P (1ull << 0)
#define E_US (1ull << 2)
#define E_PS (1ull << 7)
#define E_XD (1ull << 63)

#define PAGE 4096ull

const char *x86_walk_mode_name(const struct x86_walk_regs *r)
{
	if (!(r->cr0 & W_CR0_PG))
		return "no paging";
	if (!(r->cr4 & W_CR4_PAE))
		return "32-bit paging";
	if (!(r->efer & W_EFER_LMA))
		return "PAE paging";
	return r->cr4 & W_CR4_LA57 ? "5-level paging" : "4-level paging";
}

static enum x86_walk_status fault(struct x86_walk_fault *f,
				  enum x86_walk_status s, uint64_t gpa,
				  unsigned level)
{
	f->status = s;
	f->gpa = gpa;
	f->level = (uint8_t)level;
	return s;
}

/* Bits maxphyaddr and up to 51 (64-bit entries): reserved. */
static uint64_t above_maxphy(const struct x86_walk_regs *r)
{
	return ((1ull << 52) - 1) & ~((1ull << r->maxphyaddr) - 1);
}

static uint64_t addr_bits(const struct x86_walk_regs *r)
{
	return ((1ull << r->maxphyaddr) - 1) & ~(PAGE - 1);
}

/* What the walk gathers on its way down, for the access-rights check. */
struct rights {
	bool user; /* U/S set at every level */
	bool xd; /* XD set at some level, with EFER.NXE */
};

/*
 * SDM "Access Rights", for an instruction fetch: at CPL 3 every level
 * must allow user mode; with NXE no level may forbid execution; with
 * SMEP, supervisor fetches from user pages fault.
 */
static enum x86_walk_status check_rights(const struct x86_walk_regs *r,
					 const struct rights *k, uint64_t gpa,
					 struct x86_walk_fault *f)
{
	if (r->cpl == 3 && !k->user)
		return fault(f, X86_WALK_PROTECTION, gpa, 0);
	if (k->xd)
		return fault(f, X86_WALK_PROTECTION, gpa, 0);
	if (r->cpl < 3 && k->user && (r->cr4 & W_CR4_SMEP))
		return fault(f, X86_WALK_PROTECTION, gpa, 0);
	return X86_WALK_OK;
}

static enum x86_walk_status read_entry(const struct x86_walk_regs *r,
				       uint64_t gpa, unsigned size,
				       unsigned level, uint64_t *e,
				       struct x86_walk_fault *f)
{
	uint32_t e32 = 0;

	if (size == 4) {
		if (!r->read_gpa(r->ctx, gpa, &e32, 4))
			return fault(f, X86_WALK_NO_RAM, gpa, level);
		*e = e32;
	} else if (!r->read_gpa(r->ctx, gpa, e, 8)) {
		return fault(f, X86_WALK_NO_RAM, gpa, level);
	}
	if (!(*e & E_P))
		return fault(f, X86_WALK_NOT_PRESENT, gpa, level);
	return X86_WALK_OK;
}

/* "32-Bit Paging": a page directory and page tables of 4-byte entries. */
static enum x86_walk_status walk32(const struct x86_walk_regs *r, uint32_t la,
				   uint64_t *gpa, struct x86_walk_fault *f)
{
	struct rights k = { .user = true };
	uint64_t a = (r->cr3 & 0xfffff000ull) | ((la >> 22) << 2), e;
	enum x86_walk_status s = read_entry(r, a, 4, 2, &e, f);

	if (s)
		return s;
	k.user = e & E_US;
	if ((e & E_PS) && (r->cr4 & W_CR4_PSE)) {
		/* A 4-MByte page: PA[39:32] in bits 20:13, bit 21 reserved,
		 * and so are the bits of 20:13 above MAXPHYADDR. */
		unsigned hi_bits = r->maxphyaddr > 40 ? 8 : r->maxphyaddr - 32;
		uint64_t rsvd = (1ull << 21) | (((0xffull << hi_bits) & 0xff) << 13);

		if (e & rsvd)
			return fault(f, X86_WALK_RESERVED, a, 2);
		*gpa = (e & 0xffc00000ull) | (((e >> 13) & 0xff) << 32) |
		       (la & 0x3fffff);
		return check_rights(r, &k, *gpa, f);
	}
	a = (e & 0xfffff000ull) | (((la >> 12) & 0x3ff) << 2);
	s = read_entry(r, a, 4, 1, &e, f);
	if (s)
		return s;
	k.user = k.user && (e & E_US);
	*gpa = (e & 0xfffff000ull) | (la & 0xfff);
	return check_rights(r, &k, *gpa, f);
}

/*
 * One 8-byte entry of PAE, 4-level or 5-level paging at level (1 PTE ...
 * 5 PML5E). Returns the entry's reserved bits for this level.
 */
static uint64_t reserved64(const struct x86_walk_regs *r, uint64_t e,
			   unsigned level, bool pae)
{
	uint64_t rsvd = above_maxphy(r);

	/* PAE entries reserve 62:MAXPHYADDR; 4- and 5-level ones ignore
	 * 62:52. Bit 63 is reserved without NXE. */
	if (pae)
		rsvd |= ((1ull << 63) - 1) & ~((1ull << r->maxphyaddr) - 1);
	if (!(r->efer & W_EFER_NXE))
		rsvd |= E_XD;
	if (level >= 4 && (e & E_PS))
		rsvd |= E_PS; /* no pages at the PML4 and PML5 levels */
	if ((level == 2 || level == 3) && (e & E_PS))
		/* Large pages: bits 20:13 (2 MB) or 29:13 (1 GB) reserved. */
		rsvd |= ((1ull << (level == 2 ? 21 : 30)) - 1) & ~((1ull << 13) - 1);
	return rsvd;
}

static enum x86_walk_status walk64(const struct x86_walk_regs *r, uint64_t la,
				   unsigned top, uint64_t table, bool pae,
				   struct rights *k, uint64_t *gpa,
				   struct x86_walk_fault *f)
{
	for (unsigned level = top; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t a = table + ((la >> shift) & 0x1ff) * 8, e;
		enum x86_walk_status s = read_entry(r, a, 8, level, &e, f);

		if (s)
			return s;
		if (e & reserved64(r, e, level, pae))
			return fault(f, X86_WALK_RESERVED, a, level);
		k->user = k->user && (e & E_US);
		k->xd = k->xd || ((r->efer & W_EFER_NXE) && (e & E_XD));
		if (level == 1 || ((level == 2 || level == 3) && (e & E_PS))) {
			uint64_t span = 1ull << shift;

			/* Level 3 large pages exist only in 4/5-level paging. */
			if (pae && level == 3)
				break;
			*gpa = (e & addr_bits(r) & ~(span - 1)) | (la & (span - 1));
			return check_rights(r, k, *gpa, f);
		}
		table = e & addr_bits(r);
	}
	/* Not reached: a PAE walk starts at level 2. */
	return fault(f, X86_WALK_RESERVED, table, 3);
}

enum x86_walk_status x86_walk_fetch(const struct x86_walk_regs *r, uint64_t la,
				    uint64_t *gpa, struct x86_walk_fault *f)
{
	struct rights k = { .user = true };
	uint64_t pdpte;

	f->status = X86_WALK_OK;
	if (!(r->cr0 & W_CR0_PG)) {
		*gpa = la & 0xffffffffull;
		return X86_WALK_OK;
	}
	if (!(r->cr4 & W_CR4_PAE))
		return walk32(r, (uint32_t)la, gpa, f);
	if (r->efer & W_EFER_LMA)
		return walk64(r, la, r->cr4 & W_CR4_LA57 ? 5 : 4,
			      r->cr3 & addr_bits(r), false, &k, gpa, f);
	/* "PAE Paging": the PDPTE registers, which carry no U/S or XD. */
	la &= 0xffffffffull;
	pdpte = r->pdpte[(la >> 30) & 3];
	if (!(pdpte & E_P))
		return fault(f, X86_WALK_NOT_PRESENT, r->cr3 & 0xffffffe0ull, 3);
	if (pdpte & (~((1ull << r->maxphyaddr) - 1) | 0x1e6ull))
		return fault(f, X86_WALK_RESERVED, r->cr3 & 0xffffffe0ull, 3);
	return walk64(r, la, 2, pdpte & addr_bits(r), true, &k, gpa, f);
}

unsigned x86_fetch(const struct x86_walk_regs *r, uint64_t la, uint8_t *buf,
		   unsigned len, struct x86_walk_fault *f)
{
	unsigned done = 0;

	f->status = X86_WALK_OK;
	while (done < len) {
		uint64_t at = la + done, gpa;
		unsigned n = (unsigned)(PAGE - (at & (PAGE - 1)));

		/* Outside IA-32e mode linear addresses wrap at 4 GiB. */
		if (!(r->efer & W_EFER_LMA))
			at &= 0xffffffffull;
		if (n > len - done)
			n = len - done;
		if (x86_walk_fetch(r, at, &gpa, f))
			break;
		if (!r->read_gpa(r->ctx, gpa, buf + done, n)) {
			fault(f, X86_WALK_NO_RAM, gpa, 0);
			break;
		}
		done += n;
	}
	return done;
}
