// SPDX-License-Identifier: MIT
/*
 * The rest of SDM Vol. 3C "Checks on the Guest State Area": GDTR and
 * IDTR, RIP, RFLAGS and SSP, the non-register state (activity,
 * interruptibility, pending debug exceptions, the VMCS link pointer),
 * the PDPTEs of a PAE guest, and last vmcheck's own coverage rule.
 */
#include "arch/x86/vmcheck_int.h"

/* Bits 63:n of a identical: the SDM's RIP and SSP rule, which allows an
 * address just past the lower canonical half (bit n-1 alone set). */
static bool top_identical(const struct vmcheck_caps *c, uint64_t a)
{
	unsigned n = c->linear_bits;

	if (n >= 64)
		return true;
	a >>= n;
	return a == 0 || a == (~0ull >> n);
}

static void check_rip_rflags(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;
	bool mode64 = vmc_ia32e_guest(s) && (s->seg[SEG_CS].ar & VMC_AR_L);
	uint64_t f = s->rflags;
	unsigned type = VMC_INTR_TYPE(s->intr_info);

	if (!mode64)
		CHECK2(r, GUEST_RIP_HIGH, !(s->rip >> 32), VMCS_GUEST_RIP,
		       s->rip, VMCS_GUEST_CS_AR);
	else
		CHECK2(r, GUEST_RIP_LINEAR, top_identical(c, s->rip),
		       VMCS_GUEST_RIP, s->rip, VMCS_GUEST_CS_AR);
	CHECK(r, GUEST_RFLAGS_RESERVED,
	      !(f & (0xffffffffffc00000ull | (1u << 15) | (1u << 5) |
		     (1u << 3))) &&
		      (f & 2),
	      VMCS_GUEST_RFLAGS, f);
	if (vmc_ia32e_guest(s) || !(s->cr0 & CR0_PE))
		CHECK2(r, GUEST_RFLAGS_VM, !(f & VMC_RFLAGS_VM),
		       VMCS_GUEST_RFLAGS, f, VMCS_GUEST_CR0);
	if ((s->intr_info & INTR_INFO_VALID) && type == VMC_TYPE_EXT_INT)
		CHECK_INJ(r, GUEST_RFLAGS_IF, f & RFLAGS_IF,
			  VMCS_GUEST_RFLAGS, f, VMCS_ENTRY_INTR_INFO, 0);
	if (s->entry & VMC_ENTRY_LOAD_CET)
		CHECK2(r, GUEST_SSP,
		       !(s->ssp & 3) &&
			       (mode64 ? top_identical(c, s->ssp) :
					 !(s->ssp >> 32)),
		       VMC_F_GUEST_SSP, s->ssp, VMCS_GUEST_CS_AR);
}

/* Whether the activity state allows the event injected (SDM "Checks on
 * Guest Non-Register State", the list of events each state allows). */
static bool injection_allowed(uint64_t activity, uint64_t info)
{
	unsigned type = VMC_INTR_TYPE(info), vector = VMC_INTR_VECTOR(info);

	switch (activity) {
	case ACTIVITY_STATE_ACTIVE:
		return true;
	case ACTIVITY_STATE_HLT:
		return type == VMC_TYPE_EXT_INT || type == VMC_TYPE_NMI ||
		       (type == VMC_TYPE_HW_EXC &&
			(vector == 1 || vector == 18)) ||
		       (type == VMC_TYPE_OTHER && vector == 0);
	case ACTIVITY_STATE_SHUTDOWN:
		return type == VMC_TYPE_NMI ||
		       (type == VMC_TYPE_HW_EXC && vector == 18);
	}
	return false;
}

static void check_activity(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;
	uint64_t a = s->activity;
	bool supported = a == ACTIVITY_STATE_ACTIVE ||
			 (a <= 3 &&
			  ((c->misc >> (VMC_MISC_ACTIVITY_SHIFT + a - 1)) & 1));

	CHECK(r, GUEST_ACTIVITY_RANGE, supported, VMCS_GUEST_ACTIVITY_STATE, a);
	if (a == ACTIVITY_STATE_HLT)
		CHECK2(r, GUEST_ACTIVITY_HLT_DPL,
		       VMC_AR_DPL(s->seg[SEG_SS].ar) == 0,
		       VMCS_GUEST_ACTIVITY_STATE, a, VMCS_GUEST_SS_AR);
	if (s->interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		CHECK2(r, GUEST_ACTIVITY_BLOCKING, a == ACTIVITY_STATE_ACTIVE,
		       VMCS_GUEST_ACTIVITY_STATE, a, VMCS_GUEST_INTERRUPTIBILITY);
	if (s->intr_info & INTR_INFO_VALID)
		CHECK_INJ(r, GUEST_ACTIVITY_INJECTION,
			  injection_allowed(a, s->intr_info),
			  VMCS_GUEST_ACTIVITY_STATE, a, VMCS_ENTRY_INTR_INFO, 0);
	if (s->entry & VMC_ENTRY_SMM)
		CHECK(r, GUEST_ACTIVITY_SIPI_SMM, a != ACTIVITY_STATE_WAIT_FOR_SIPI,
		      VMCS_GUEST_ACTIVITY_STATE, a);
}

static void check_interruptibility(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;
	uint64_t i = s->interruptibility;
	bool inject = s->intr_info & INTR_INFO_VALID;
	unsigned type = VMC_INTR_TYPE(s->intr_info);

	CHECK(r, GUEST_INTR_RESERVED, !(i >> 5), VMCS_GUEST_INTERRUPTIBILITY, i);
	CHECK(r, GUEST_INTR_STI_MOVSS,
	      (i & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) !=
		      (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS),
	      VMCS_GUEST_INTERRUPTIBILITY, i);
	if (!(s->rflags & RFLAGS_IF))
		CHECK2(r, GUEST_INTR_STI_IF, !(i & INTERRUPTIBILITY_STI),
		       VMCS_GUEST_INTERRUPTIBILITY, i, VMCS_GUEST_RFLAGS);
	if (inject && type == VMC_TYPE_EXT_INT)
		CHECK_INJ(r, GUEST_INTR_EXT_INT,
			  !(i & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)),
			  VMCS_GUEST_INTERRUPTIBILITY, i, VMCS_ENTRY_INTR_INFO, 0);
	if (inject && type == VMC_TYPE_NMI)
		CHECK_INJ(r, GUEST_INTR_NMI_MOVSS, !(i & INTERRUPTIBILITY_MOV_SS),
			  VMCS_GUEST_INTERRUPTIBILITY, i, VMCS_ENTRY_INTR_INFO, 0);
	if (!(c->flags & VMCHECK_CPU_IN_SMM))
		CHECK(r, GUEST_INTR_SMI_OUTSIDE, !(i & INTERRUPTIBILITY_SMI),
		      VMCS_GUEST_INTERRUPTIBILITY, i);
	if (s->entry & VMC_ENTRY_SMM)
		CHECK(r, GUEST_INTR_SMI_ENTRY, i & INTERRUPTIBILITY_SMI,
		      VMCS_GUEST_INTERRUPTIBILITY, i);
	if ((s->pin & PIN_VIRTUAL_NMIS) && inject && type == VMC_TYPE_NMI)
		CHECK_INJ(r, GUEST_INTR_VIRTUAL_NMI, !(i & INTERRUPTIBILITY_NMI),
			  VMCS_GUEST_INTERRUPTIBILITY, i, VMCS_ENTRY_INTR_INFO, 0);
	if (i & VMC_BLOCK_ENCLAVE)
		CHECK(r, GUEST_INTR_ENCLAVE,
		      !(i & INTERRUPTIBILITY_MOV_SS) && (c->flags & VMCHECK_CPU_SGX),
		      VMCS_GUEST_INTERRUPTIBILITY, i);
}

static void check_pending_dbg(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;
	uint64_t p = s->pending_dbg;
	bool step = (s->rflags & RFLAGS_TF) &&
		    !(s->debugctl & DEBUGCTL_BTF);

	CHECK(r, GUEST_PENDING_DBG_RESERVED,
	      !(p & (0xff0ull | (1u << 13) | (1u << 15) |
		     0xfffffffffffe0000ull)),
	      VMCS_GUEST_PENDING_DBG_EXCEPTIONS, p);
	if ((s->interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) ||
	    s->activity == ACTIVITY_STATE_HLT) {
		if (step)
			CHECK4(r, GUEST_PENDING_DBG_BS_SET, p & PENDING_DBG_BS,
			       VMCS_GUEST_PENDING_DBG_EXCEPTIONS, p,
			       VMCS_GUEST_RFLAGS, VMCS_GUEST_IA32_DEBUGCTL,
			       VMCS_GUEST_INTERRUPTIBILITY);
		else
			CHECK4(r, GUEST_PENDING_DBG_BS_CLEAR, !(p & PENDING_DBG_BS),
			       VMCS_GUEST_PENDING_DBG_EXCEPTIONS, p,
			       VMCS_GUEST_RFLAGS, VMCS_GUEST_IA32_DEBUGCTL,
			       VMCS_GUEST_INTERRUPTIBILITY);
	}
	if (!(p & VMC_PENDING_RTM))
		return;
	CHECK(r, GUEST_PENDING_DBG_RTM_BITS,
	      (p & ~(uint64_t)VMC_PENDING_RTM) == (1u << 12),
	      VMCS_GUEST_PENDING_DBG_EXCEPTIONS, p);
	CHECK(r, GUEST_PENDING_DBG_RTM_CPU, c->flags & VMCHECK_CPU_RTM,
	      VMCS_GUEST_PENDING_DBG_EXCEPTIONS, p);
	CHECK2(r, GUEST_PENDING_DBG_RTM_MOVSS,
	       !(s->interruptibility & INTERRUPTIBILITY_MOV_SS),
	       VMCS_GUEST_PENDING_DBG_EXCEPTIONS, p, VMCS_GUEST_INTERRUPTIBILITY);
}

static void check_link(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;
	uint64_t link = s->link, header = 0;
	bool smm = c->flags & VMCHECK_CPU_IN_SMM, read;

	if (link == ~0ull)
		return;
	CHECK(r, GUEST_LINK_ALIGN, !(link & 0xfff), VMCS_VMCS_LINK_POINTER, link);
	CHECK(r, GUEST_LINK_WIDTH, vmc_ptr_ok(c, link), VMCS_VMCS_LINK_POINTER,
	      link);
	/* The header is read only at a pointer that passed the checks
	 * above; one that cannot be read cannot be shown to be right. */
	if ((link & 0xfff) || !vmc_ptr_ok(c, link))
		goto pointer;
	read = r->vmcs->read_phys &&
	       r->vmcs->read_phys(r->vmcs->ctx, link, &header);
	CHECK(r, GUEST_LINK_REVISION,
	      read && (header & 0x7fffffffu) == (c->basic & 0x7fffffffu),
	      VMCS_VMCS_LINK_POINTER, link);
	CHECK(r, GUEST_LINK_SHADOW,
	      read && !!(header & 0x80000000u) ==
			      !!(vmc_proc2(s) & VMC_PROC2_SHADOW_VMCS),
	      VMCS_VMCS_LINK_POINTER, link);
pointer:
	if (!smm || (s->entry & VMC_ENTRY_SMM))
		CHECK(r, GUEST_LINK_CURRENT, link != c->current_vmcs,
		      VMCS_VMCS_LINK_POINTER, link);
	else
		CHECK(r, GUEST_LINK_EXECUTIVE, link != c->executive_vmcs,
		      VMCS_VMCS_LINK_POINTER, link);
}

/* A present PDPTE with reserved bits set: 2:1, 8:5, beyond the width. */
static bool pdpte_ok(const struct vmcheck_caps *c, uint64_t e)
{
	return !(e & 1) || (!(e & 0x1e6ull) && vmc_phys_ok(c, e));
}

static void check_pdptes(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;

	/* SDM: an entry is to a guest that uses PAE paging when the CR0 and
	 * CR4 fields have PG and PAE and the "IA-32e mode guest" control is
	 * 0 (not EFER.LMA, which GUEST_EFER_LMA holds to that control). */
	if (!(s->cr0 & CR0_PG) || !(s->cr4 & CR4_PAE) ||
	    vmc_ia32e_guest(s))
		return;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t e = 0;
		bool read = true;

		if (vmc_proc2(s) & PROC2_ENABLE_EPT) {
			CHECK(r, GUEST_PDPTE_FIELDS, pdpte_ok(c, s->pdpte[i]),
			      VMCS_GUEST_PDPTE0 + 2 * i, s->pdpte[i]);
			continue;
		}
		read = r->vmcs->read_phys &&
		       r->vmcs->read_phys(r->vmcs->ctx,
					  (s->cr3 & 0xffffffe0ull) + 8 * i, &e);
		CHECK(r, GUEST_PDPTE_MEMORY, read && pdpte_ok(c, e),
		      VMCS_GUEST_CR3, s->cr3);
	}
}

/* GDTR and IDTR: with the registers in the memo, checked after them. */
void vmcheck_guest_dt(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;

	CHECK(r, GUEST_DT_BASE, vmc_canonical(c, s->gdtr_base),
	      VMCS_GUEST_GDTR_BASE, s->gdtr_base);
	CHECK(r, GUEST_DT_BASE, vmc_canonical(c, s->idtr_base),
	      VMCS_GUEST_IDTR_BASE, s->idtr_base);
	CHECK(r, GUEST_DT_LIMIT, !(s->gdtr_limit >> 16), VMCS_GUEST_GDTR_LIMIT,
	      s->gdtr_limit);
	CHECK(r, GUEST_DT_LIMIT, !(s->idtr_limit >> 16), VMCS_GUEST_IDTR_LIMIT,
	      s->idtr_limit);
}

void vmcheck_guest_other(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;

	check_rip_rflags(r);
	if (r->stop)
		return;
	check_activity(r);
	if (r->stop)
		return;
	check_interruptibility(r);
	if (r->stop)
		return;
	check_pending_dbg(r);
	if (r->stop)
		return;
	check_link(r);
	if (r->stop)
		return;
	check_pdptes(r);
	if (r->stop)
		return;
	/* Only what the CPU allows: a bit it does not allow is already
	 * refused by that word's reserved-bits rule. */
	CHECK(r, OWN_UNMODELLED_CONTROL, !(vmc_proc3(s) & c->proc3),
	      VMC_F_PROC3_CTLS, s->proc3);
	CHECK(r, OWN_UNMODELLED_CONTROL, !(vmc_exit2(s) & c->exit2),
	      VMC_F_EXIT2_CTLS, s->exit2);
	CHECK(r, OWN_UNMODELLED_CONTROL,
	      !(s->entry & (VMC_ENTRY_LOAD_UINV | VMC_ENTRY_UNMODELLED) &
		(c->entry >> 32)),
	      VMCS_ENTRY_CTLS, s->entry);
	CHECK(r, OWN_UNMODELLED_CONTROL,
	      !(s->exit & VMC_EXIT_CLEAR_UINV & (c->exit >> 32)),
	      VMCS_EXIT_CTLS, s->exit);
}
