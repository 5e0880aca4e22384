// SPDX-License-Identifier: MIT
/*
 * The checks of SDM Vol. 3C "Checks on the Guest State Area": control
 * and debug registers and MSRs, segment registers in every mode the
 * guest may be in (real mode under unrestricted guest, virtual-8086,
 * protected, compatibility and 64-bit mode), GDTR and IDTR, RIP, RFLAGS
 * and SSP, the non-register state, the VMCS link pointer and a PAE
 * guest's PDPTEs. Each CHECK names its rule, the field it is about, and
 * the other guest fields the rule reads.
 */
#include "arch/x86/vmcheck_int.h"

#define S_CET_RESERVED 0x3c0ull /* bits 9:6 */
#define BNDCFGS_RESERVED 0xffcull /* bits 11:2 */

static bool cr3_ok(const struct vmcheck_caps *c, uint64_t cr3)
{
	unsigned w = c->phys_bits < 32 ? 32 : c->phys_bits > 52 ? 52 :
								  c->phys_bits;

	return !(cr3 >> w);
}

static void check_efer(struct vmcheck_run *r)
{
	const struct vmcheck_state *s = &r->s;
	bool lma = s->efer & EFER_LMA;

	CHECK(r, GUEST_EFER_RESERVED, !(s->efer & ~r->caps->efer_valid),
	      VMCS_GUEST_IA32_EFER, s->efer);
	CHECK(r, GUEST_EFER_LMA, lma == vmc_ia32e_guest(s),
	      VMCS_GUEST_IA32_EFER, s->efer);
	if (s->cr0 & CR0_PG)
		CHECK2(r, GUEST_EFER_LME, lma == !!(s->efer & EFER_LME),
		       VMCS_GUEST_IA32_EFER, s->efer, VMCS_GUEST_CR0);
}

void vmcheck_guest_regs(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;
	uint64_t skip = CR0_NW | CR0_CD;
	uint64_t f0, f1;

	if (vmc_ug(s))
		skip |= CR0_PE | CR0_PG;
	f0 = c->cr0_fixed0 & ~skip;
	f1 = c->cr0_fixed1 | skip;
	CHECK(r, GUEST_CR0_FIXED, (s->cr0 & f0) == f0 && !(s->cr0 & ~f1),
	      VMCS_GUEST_CR0, s->cr0);
	if (s->cr0 & CR0_PG)
		CHECK(r, GUEST_CR0_PG_PE, s->cr0 & CR0_PE, VMCS_GUEST_CR0,
		      s->cr0);
	CHECK(r, GUEST_CR4_FIXED,
	      (s->cr4 & c->cr4_fixed0) == c->cr4_fixed0 &&
		      !(s->cr4 & ~c->cr4_fixed1),
	      VMCS_GUEST_CR4, s->cr4);
	if (s->cr4 & CR4_CET)
		CHECK2(r, GUEST_CET_WP, s->cr0 & CR0_WP, VMCS_GUEST_CR0,
		       s->cr0, VMCS_GUEST_CR4);
	if (s->entry & ENTRY_LOAD_DEBUG_CONTROLS)
		CHECK(r, GUEST_DEBUGCTL, !(s->debugctl & ~c->debugctl_valid),
		      VMCS_GUEST_IA32_DEBUGCTL, s->debugctl);
	if (vmc_ia32e_guest(s)) {
		CHECK(r, GUEST_IA32E_PG_PAE, s->cr0 & CR0_PG, VMCS_GUEST_CR0,
		      s->cr0);
		CHECK(r, GUEST_IA32E_PG_PAE, s->cr4 & CR4_PAE,
		      VMCS_GUEST_CR4, s->cr4);
	} else {
		CHECK(r, GUEST_PCIDE, !(s->cr4 & CR4_PCIDE), VMCS_GUEST_CR4,
		      s->cr4);
	}
	CHECK(r, GUEST_CR3_WIDTH, cr3_ok(c, s->cr3), VMCS_GUEST_CR3, s->cr3);
	if (s->entry & ENTRY_LOAD_DEBUG_CONTROLS)
		CHECK(r, GUEST_DR7, !(s->dr7 >> 32), VMCS_GUEST_DR7, s->dr7);
	CHECK(r, GUEST_SYSENTER_CANONICAL, vmc_canonical(c, s->sysenter_esp),
	      VMCS_GUEST_SYSENTER_ESP, s->sysenter_esp);
	CHECK(r, GUEST_SYSENTER_CANONICAL, vmc_canonical(c, s->sysenter_eip),
	      VMCS_GUEST_SYSENTER_EIP, s->sysenter_eip);
	if (s->entry & VMC_ENTRY_LOAD_CET) {
		CHECK(r, GUEST_CET_CANONICAL, vmc_canonical(c, s->s_cet),
		      VMC_F_GUEST_S_CET, s->s_cet);
		CHECK(r, GUEST_CET_CANONICAL, vmc_canonical(c, s->isst),
		      VMC_F_GUEST_ISST, s->isst);
		CHECK(r, GUEST_S_CET_RESERVED, !(s->s_cet & S_CET_RESERVED),
		      VMC_F_GUEST_S_CET, s->s_cet);
	}
	if (s->entry & ENTRY_LOAD_PERF_GLOBAL_CTRL)
		CHECK(r, GUEST_PERF_GLOBAL_CTRL, !(s->perf & ~c->perf_global_valid),
		      VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, s->perf);
	if (s->entry & ENTRY_LOAD_PAT)
		CHECK(r, GUEST_PAT, vmc_pat_ok(s->pat), VMCS_GUEST_IA32_PAT,
		      s->pat);
	if (s->entry & ENTRY_LOAD_EFER) {
		check_efer(r);
		if (r->stop)
			return;
	}
	if (s->entry & VMC_ENTRY_LOAD_BNDCFGS) {
		CHECK(r, GUEST_BNDCFGS_RESERVED, !(s->bndcfgs & BNDCFGS_RESERVED),
		      VMC_F_GUEST_BNDCFGS, s->bndcfgs);
		CHECK(r, GUEST_BNDCFGS_CANONICAL,
		      vmc_canonical(c, s->bndcfgs & ~0xfffull),
		      VMC_F_GUEST_BNDCFGS, s->bndcfgs);
	}
	if (s->entry & VMC_ENTRY_LOAD_RTIT)
		CHECK(r, GUEST_RTIT_CTL, !(s->rtit_ctl & ~c->rtit_ctl_valid),
		      VMC_F_GUEST_RTIT_CTL, s->rtit_ctl);
	if (s->entry & VMC_ENTRY_LOAD_LBR)
		CHECK(r, GUEST_LBR_CTL, !(s->lbr_ctl & ~c->lbr_ctl_valid),
		      VMC_F_GUEST_LBR_CTL, s->lbr_ctl);
	if (s->entry & VMC_ENTRY_LOAD_PKRS)
		CHECK(r, GUEST_PKRS, !(s->pkrs >> 32), VMC_F_GUEST_PKRS, s->pkrs);
}

/* The encodings of segment register seg's four fields. */
static uint32_t sel_field(unsigned seg)
{
	return VMCS_GUEST_ES_SELECTOR + 2 * seg;
}

static uint32_t base_field(unsigned seg)
{
	return VMCS_GUEST_ES_BASE + 2 * seg;
}

static uint32_t limit_field(unsigned seg)
{
	return VMCS_GUEST_ES_LIMIT + 2 * seg;
}

static uint32_t ar_field(unsigned seg)
{
	return VMCS_GUEST_ES_AR + 2 * seg;
}

static bool usable(const struct vmcheck_seg *g)
{
	return !(g->ar & VMCS_AR_UNUSABLE);
}

/* The six registers the first access-rights rules are about. */
static const uint8_t code_data[] = { SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS,
				     SEG_GS };
static const uint8_t data_segs[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };

/* "Bit 15 (G)": the limit's low 12 bits all ones, or G clear; its high
 * 12 bits all zeroes, or G set. */
static bool g_low_ok(const struct vmcheck_seg *g)
{
	return (g->limit & 0xfff) == 0xfff || !(g->ar & VMC_AR_G);
}

static bool g_high_ok(const struct vmcheck_seg *g)
{
	return !(g->limit & 0xfff00000ull) || (g->ar & VMC_AR_G);
}

static void check_v86(struct vmcheck_run *r)
{
	const struct vmcheck_seg *seg = r->s.seg;

	for (unsigned i = 0; i < 6; i++) {
		unsigned n = code_data[i];

		CHECK3(r, GUEST_V86_BASE, seg[n].base == seg[n].sel << 4,
		       base_field(n), seg[n].base, sel_field(n),
		       VMCS_GUEST_RFLAGS);
	}
	for (unsigned i = 0; i < 6; i++) {
		unsigned n = code_data[i];

		CHECK2(r, GUEST_V86_LIMIT, seg[n].limit == 0xffff,
		       limit_field(n), seg[n].limit, VMCS_GUEST_RFLAGS);
	}
	for (unsigned i = 0; i < 6; i++) {
		unsigned n = code_data[i];

		CHECK2(r, GUEST_V86_AR, seg[n].ar == 0xf3, ar_field(n),
		       seg[n].ar, VMCS_GUEST_RFLAGS);
	}
}

static void check_ar_types(struct vmcheck_run *r, bool ug)
{
	const struct vmcheck_seg *seg = r->s.seg;
	const struct vmcheck_seg *cs = &seg[SEG_CS], *ss = &seg[SEG_SS];
	unsigned t = VMC_AR_TYPE(cs->ar);

	CHECK(r, GUEST_CS_TYPE,
	      t == 9 || t == 11 || t == 13 || t == 15 || (ug && t == 3),
	      VMCS_GUEST_CS_AR, cs->ar);
	if (usable(ss))
		CHECK(r, GUEST_SS_TYPE,
		      VMC_AR_TYPE(ss->ar) == 3 || VMC_AR_TYPE(ss->ar) == 7,
		      VMCS_GUEST_SS_AR, ss->ar);
	for (unsigned i = 0; i < 4; i++) {
		const struct vmcheck_seg *g = &seg[data_segs[i]];

		if (usable(g))
			CHECK(r, GUEST_DATA_ACCESSED, VMC_AR_TYPE(g->ar) & 1,
			      ar_field(data_segs[i]), g->ar);
	}
	for (unsigned i = 0; i < 4; i++) {
		const struct vmcheck_seg *g = &seg[data_segs[i]];

		if (usable(g) && (VMC_AR_TYPE(g->ar) & 8))
			CHECK(r, GUEST_DATA_CODE_READABLE, VMC_AR_TYPE(g->ar) & 2,
			      ar_field(data_segs[i]), g->ar);
	}
}

static void check_ar_dpl(struct vmcheck_run *r, bool ug)
{
	const struct vmcheck_state *s = &r->s;
	const struct vmcheck_seg *seg = s->seg;
	const struct vmcheck_seg *cs = &seg[SEG_CS], *ss = &seg[SEG_SS];
	unsigned t = VMC_AR_TYPE(cs->ar);

	if (t == 3)
		CHECK(r, GUEST_CS_DPL_DATA, VMC_AR_DPL(cs->ar) == 0,
		      VMCS_GUEST_CS_AR, cs->ar);
	if (t == 9 || t == 11)
		CHECK2(r, GUEST_CS_DPL_NONCONFORMING,
		       VMC_AR_DPL(cs->ar) == VMC_AR_DPL(ss->ar),
		       VMCS_GUEST_CS_AR, cs->ar, VMCS_GUEST_SS_AR);
	if (t == 13 || t == 15)
		CHECK2(r, GUEST_CS_DPL_CONFORMING,
		       VMC_AR_DPL(cs->ar) <= VMC_AR_DPL(ss->ar),
		       VMCS_GUEST_CS_AR, cs->ar, VMCS_GUEST_SS_AR);
	if (!ug)
		CHECK2(r, GUEST_SS_DPL_RPL, VMC_AR_DPL(ss->ar) == (ss->sel & 3),
		       VMCS_GUEST_SS_AR, ss->ar, VMCS_GUEST_SS_SELECTOR);
	if (t == 3 || !(s->cr0 & CR0_PE))
		CHECK3(r, GUEST_SS_DPL_ZERO, VMC_AR_DPL(ss->ar) == 0,
		       VMCS_GUEST_SS_AR, ss->ar, VMCS_GUEST_CS_AR,
		       VMCS_GUEST_CR0);
	for (unsigned i = 0; !ug && i < 4; i++) {
		const struct vmcheck_seg *g = &seg[data_segs[i]];

		if (usable(g) && VMC_AR_TYPE(g->ar) <= 11)
			CHECK2(r, GUEST_DATA_DPL, VMC_AR_DPL(g->ar) >= (g->sel & 3),
			       ar_field(data_segs[i]), g->ar,
			       sel_field(data_segs[i]));
	}
}

/* The access-rights rules every register of code_data meets when it is
 * CS or usable: S, P, reserved bits, G. */
static void check_ar_common(struct vmcheck_run *r, bool ia32e)
{
	const struct vmcheck_seg *seg = r->s.seg;
	const struct vmcheck_seg *cs = &seg[SEG_CS];
	unsigned n;

#define EACH(code)                                                      \
	for (unsigned i = 0; i < 6; i++) {                              \
		n = code_data[i];                                       \
		if (n == SEG_CS || usable(&seg[n])) {                   \
			code;                                           \
		}                                                       \
	}
	EACH(CHECK(r, GUEST_SEG_S, seg[n].ar & VMC_AR_S, ar_field(n),
		   seg[n].ar));
	check_ar_dpl(r, vmc_ug(&r->s));
	if (r->stop)
		return;
	EACH(CHECK(r, GUEST_SEG_P, seg[n].ar & VMC_AR_P, ar_field(n),
		   seg[n].ar));
	EACH(CHECK(r, GUEST_SEG_RESERVED_11_8, !(seg[n].ar & 0xf00), ar_field(n),
		   seg[n].ar));
	if (ia32e && (cs->ar & VMC_AR_L))
		CHECK(r, GUEST_CS_DB, !(cs->ar & VMC_AR_DB), VMCS_GUEST_CS_AR,
		      cs->ar);
	EACH(CHECK2(r, GUEST_SEG_G_LOW, g_low_ok(&seg[n]), ar_field(n),
		    seg[n].ar, limit_field(n)));
	EACH(CHECK2(r, GUEST_SEG_G_HIGH, g_high_ok(&seg[n]), ar_field(n),
		    seg[n].ar, limit_field(n)));
	EACH(CHECK(r, GUEST_SEG_RESERVED_31_17, !(seg[n].ar & 0xfffe0000ull),
		   ar_field(n), seg[n].ar));
#undef EACH
}

static void check_tr_ldtr(struct vmcheck_run *r, bool ia32e)
{
	const struct vmcheck_seg *tr = &r->s.seg[SEG_TR];
	const struct vmcheck_seg *ldtr = &r->s.seg[SEG_LDTR];
	unsigned t = VMC_AR_TYPE(tr->ar);

	CHECK(r, GUEST_TR_TYPE, ia32e ? t == 11 : (t == 3 || t == 11),
	      VMCS_GUEST_TR_AR, tr->ar);
	CHECK(r, GUEST_TR_S, !(tr->ar & VMC_AR_S), VMCS_GUEST_TR_AR, tr->ar);
	CHECK(r, GUEST_TR_P, tr->ar & VMC_AR_P, VMCS_GUEST_TR_AR, tr->ar);
	CHECK(r, GUEST_TR_RESERVED_11_8, !(tr->ar & 0xf00), VMCS_GUEST_TR_AR,
	      tr->ar);
	CHECK2(r, GUEST_TR_G_LOW, g_low_ok(tr), VMCS_GUEST_TR_AR, tr->ar,
	       VMCS_GUEST_TR_LIMIT);
	CHECK2(r, GUEST_TR_G_HIGH, g_high_ok(tr), VMCS_GUEST_TR_AR, tr->ar,
	       VMCS_GUEST_TR_LIMIT);
	CHECK(r, GUEST_TR_UNUSABLE, !(tr->ar & VMCS_AR_UNUSABLE),
	      VMCS_GUEST_TR_AR, tr->ar);
	CHECK(r, GUEST_TR_RESERVED_31_17, !(tr->ar & 0xfffe0000ull),
	      VMCS_GUEST_TR_AR, tr->ar);
	if (!usable(ldtr))
		return;
	CHECK(r, GUEST_LDTR_TYPE, VMC_AR_TYPE(ldtr->ar) == 2,
	      VMCS_GUEST_LDTR_AR, ldtr->ar);
	CHECK(r, GUEST_LDTR_S, !(ldtr->ar & VMC_AR_S), VMCS_GUEST_LDTR_AR,
	      ldtr->ar);
	CHECK(r, GUEST_LDTR_P, ldtr->ar & VMC_AR_P, VMCS_GUEST_LDTR_AR,
	      ldtr->ar);
	CHECK(r, GUEST_LDTR_RESERVED_11_8, !(ldtr->ar & 0xf00),
	      VMCS_GUEST_LDTR_AR, ldtr->ar);
	CHECK2(r, GUEST_LDTR_G_LOW, g_low_ok(ldtr), VMCS_GUEST_LDTR_AR,
	       ldtr->ar, VMCS_GUEST_LDTR_LIMIT);
	CHECK2(r, GUEST_LDTR_G_HIGH, g_high_ok(ldtr), VMCS_GUEST_LDTR_AR,
	       ldtr->ar, VMCS_GUEST_LDTR_LIMIT);
	CHECK(r, GUEST_LDTR_RESERVED_31_17, !(ldtr->ar & 0xfffe0000ull),
	      VMCS_GUEST_LDTR_AR, ldtr->ar);
}

void vmcheck_guest_segments(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;
	const struct vmcheck_seg *seg = s->seg;
	bool v86 = vmc_v86(s), ug = vmc_ug(s), ia32e = vmc_ia32e_guest(s);

	/* Selector fields */
	CHECK(r, GUEST_TR_TI, !(seg[SEG_TR].sel & 4), VMCS_GUEST_TR_SELECTOR,
	      seg[SEG_TR].sel);
	if (usable(&seg[SEG_LDTR]))
		CHECK2(r, GUEST_LDTR_TI, !(seg[SEG_LDTR].sel & 4),
		       VMCS_GUEST_LDTR_SELECTOR, seg[SEG_LDTR].sel,
		       VMCS_GUEST_LDTR_AR);
	if (!v86 && !ug)
		CHECK3(r, GUEST_SS_RPL,
		       (seg[SEG_SS].sel & 3) == (seg[SEG_CS].sel & 3),
		       VMCS_GUEST_SS_SELECTOR, seg[SEG_SS].sel,
		       VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_RFLAGS);
	/* Base-address fields */
	if (v86) {
		check_v86(r);
		if (r->stop)
			return;
	}
	CHECK(r, GUEST_TR_FS_GS_BASE, vmc_canonical(c, seg[SEG_TR].base),
	      VMCS_GUEST_TR_BASE, seg[SEG_TR].base);
	CHECK(r, GUEST_TR_FS_GS_BASE, vmc_canonical(c, seg[SEG_FS].base),
	      VMCS_GUEST_FS_BASE, seg[SEG_FS].base);
	CHECK(r, GUEST_TR_FS_GS_BASE, vmc_canonical(c, seg[SEG_GS].base),
	      VMCS_GUEST_GS_BASE, seg[SEG_GS].base);
	if (usable(&seg[SEG_LDTR]))
		CHECK2(r, GUEST_LDTR_BASE, vmc_canonical(c, seg[SEG_LDTR].base),
		       VMCS_GUEST_LDTR_BASE, seg[SEG_LDTR].base,
		       VMCS_GUEST_LDTR_AR);
	CHECK(r, GUEST_CS_BASE, !(seg[SEG_CS].base >> 32), VMCS_GUEST_CS_BASE,
	      seg[SEG_CS].base);
	for (unsigned n = SEG_ES; n <= SEG_DS; n++)
		if (n != SEG_CS && usable(&seg[n]))
			CHECK2(r, GUEST_SS_DS_ES_BASE, !(seg[n].base >> 32),
			       base_field(n), seg[n].base, ar_field(n));
	/* Access-rights fields: in virtual-8086 mode check_v86 did them. */
	if (!v86) {
		check_ar_types(r, ug);
		if (r->stop)
			return;
		check_ar_common(r, ia32e);
		if (r->stop)
			return;
	}
	check_tr_ldtr(r, ia32e);
}
