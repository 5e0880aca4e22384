/* SPDX-License-Identifier: MIT */
/*
 * Inside the VM-entry checker: the VMCS as the rules read it, already
 * loaded through the accessor, and the CHECK macro each rule is. Shared
 * by arch/x86/vmcheck.c (loading), vmcheck_ctl.c (controls, host state)
 * and vmcheck_guest.c (guest state); nothing outside includes it.
 */
#ifndef ARCH_X86_VMCHECK_INT_H
#define ARCH_X86_VMCHECK_INT_H

#include <stddef.h>

#include "arch/x86/vmcheck.h"
#include "arch/x86/vmcheck_fields.h"

/* Segment registers in the order of their encodings: ES CS SS DS FS GS
 * LDTR TR (SDM Vol. 3D, "Field Encoding in VMCS"). */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR,
       SEG_COUNT };

struct vmcheck_seg {
	uint64_t sel, base, limit, ar;
};

/* Every field the rules read, by name; a field the VMCS lacks reads 0. */
struct vmcheck_state {
	/* controls */
	uint64_t pin, proc, proc2, proc3, exit, exit2, entry;
	uint64_t vpid, pi_vector, cr3_count, tpr_threshold;
	uint64_t io_a, io_b, msr_bitmap, vapic, apic_access, pi_desc;
	uint64_t eptp, pml, vmfunc, eptp_list, vmread_bitmap, vmwrite_bitmap;
	uint64_t ve_info, spptp;
	uint64_t exit_store_count, exit_store, exit_load_count, exit_load;
	uint64_t entry_load_count, entry_load;
	/* host state */
	uint64_t h_cr0, h_cr3, h_cr4, h_sysenter_esp, h_sysenter_eip;
	uint64_t h_fs_base, h_gs_base, h_tr_base, h_gdtr_base, h_idtr_base;
	uint64_t h_rip, h_pat, h_efer, h_perf, h_pkrs, h_s_cet, h_ssp, h_isst;
	uint64_t h_sel[7]; /* ES CS SS DS FS GS TR */
	/* The event to inject: a control, but changed by hv between exits
	 * as it sees fit, so outside the words the memo keeps (below). */
	uint64_t intr_info, intr_error, instr_len;
	/* guest state: first what the memo keeps with the registers */
	uint64_t cr0, cr3, cr4, dr7, sysenter_esp, sysenter_eip, debugctl;
	uint64_t pat, efer, perf, bndcfgs, rtit_ctl, lbr_ctl, pkrs, s_cet;
	uint64_t isst, gdtr_base, gdtr_limit, idtr_base, idtr_limit;
	/* then what changes from one exit to the next, checked every time */
	uint64_t rsp, rip, rflags, pending_dbg, ssp, link, pdpte[4];
	uint64_t interruptibility, activity, sysenter_cs;
	/* and the segment registers, which the memo keeps */
	struct vmcheck_seg seg[SEG_COUNT];
};

/*
 * The word ranges of struct vmcheck_state each group of struct
 * vmcheck_memo keeps: the words the static groups (the controls but the
 * event injection, and the host state) read, pin to h_sel[6]; the guest
 * registers, cr0 to idtr_limit; and the segment registers.
 */
#define MEMO_STATIC_FIRST offsetof(struct vmcheck_state, pin)
#define MEMO_STATIC_END offsetof(struct vmcheck_state, intr_info)
#define MEMO_REGS_FIRST offsetof(struct vmcheck_state, cr0)
#define MEMO_REGS_END offsetof(struct vmcheck_state, rsp)
#define MEMO_SEG_FIRST offsetof(struct vmcheck_state, seg)
#define MEMO_SEG_END sizeof(struct vmcheck_state)
_Static_assert(sizeof(struct vmcheck_state) / 8 == VMCHECK_MEMO_WORDS,
	       "struct vmcheck_memo: a word for each member of the state");
_Static_assert(MEMO_STATIC_FIRST == 0 && MEMO_SEG_END - MEMO_SEG_FIRST ==
		       sizeof(((struct vmcheck_state *)0)->seg),
	       "struct vmcheck_memo's ranges");

/* One check in progress: what the rules need besides the state. */
struct vmcheck_run {
	const struct vmcheck_caps *caps;
	const struct vmcheck_vmcs *vmcs;
	struct vmcheck_state s;
	struct vmcheck_verdict *first;
	bool (*report)(void *arg, const struct vmcheck_verdict *v);
	void *arg;
	bool broken; /* a rule is broken */
	bool stop; /* stop checking: the first broken rule was enough */
	unsigned nbroken; /* how many reports: a group passed if unchanged */
};

/*
 * Records a broken rule; false when the check stops here. Out of line
 * and cold: the rules are a straight line of tests that hold.
 */
bool vmcheck_broken(struct vmcheck_run *r, unsigned rule, uint32_t field,
		    uint64_t value, uint32_t f1, uint32_t f2, uint32_t f3,
		    bool injection) __attribute__((cold, noinline));

/*
 * CHECK(run, rule, holds, field, value, other fields...): rule holds
 * when holds is true; otherwise it is broken at field, which has value.
 * Up to three more fields the rule reads follow, for hv's attribution.
 * A rule disabled at compile time (VMCHECK_DISABLED) is never reported.
 * The enclosing function returns when the check is to stop.
 */
#define CHECK_X(r, rule, holds, field, value, f1, f2, f3, inj)              \
	do {                                                                \
		if (VMCHECK_##rule != VMCHECK_DISABLED &&                   \
		    __builtin_expect(!(holds), 0) &&                        \
		    !vmcheck_broken((r), VMCHECK_##rule, (field), (value),  \
				    (f1), (f2), (f3), (inj)))               \
			return;                                             \
	} while (0)
#define CHECK(r, rule, holds, field, value) \
	CHECK_X(r, rule, holds, field, value, 0, 0, 0, false)
#define CHECK2(r, rule, holds, field, value, f1) \
	CHECK_X(r, rule, holds, field, value, f1, 0, 0, false)
#define CHECK3(r, rule, holds, field, value, f1, f2) \
	CHECK_X(r, rule, holds, field, value, f1, f2, 0, false)
#define CHECK4(r, rule, holds, field, value, f1, f2, f3) \
	CHECK_X(r, rule, holds, field, value, f1, f2, f3, false)
/* A guest-state rule that also reads the event hv injects. */
#define CHECK_INJ(r, rule, holds, field, value, f1, f2) \
	CHECK_X(r, rule, holds, field, value, f1, f2, 0, true)

/* The rule groups, in the SDM's order; each returns early on a stop. */
void vmcheck_exec(struct vmcheck_run *r);
void vmcheck_exit_entry(struct vmcheck_run *r);
void vmcheck_injection(struct vmcheck_run *r);
void vmcheck_host(struct vmcheck_run *r);
void vmcheck_guest_regs(struct vmcheck_run *r);
void vmcheck_guest_dt(struct vmcheck_run *r);
void vmcheck_guest_segments(struct vmcheck_run *r);
void vmcheck_guest_other(struct vmcheck_run *r);

/* ---- helpers shared by the rule groups */

/* Canonical for the processor's linear-address width (SDM Vol. 1,
 * "Canonical Addressing"), whatever the paging mode. */
static inline bool vmc_canonical(const struct vmcheck_caps *c, uint64_t a)
{
	unsigned n = c->linear_bits;

	if (n >= 64)
		return true;
	if (n == 0) /* a CPU with no linear address bits: only 0 is one */
		return a == 0;
	return (uint64_t)((int64_t)(a << (64 - n)) >> (64 - n)) == a;
}

/* No bit at or above the physical-address width. */
static inline bool vmc_phys_ok(const struct vmcheck_caps *c, uint64_t a)
{
	return c->phys_bits >= 64 || !(a >> c->phys_bits);
}

/* A pointer to a VMX data structure: the physical-address width, and
 * bits 63:32 clear where IA32_VMX_BASIC[48] limits them to 32 bits. */
static inline bool vmc_ptr_ok(const struct vmcheck_caps *c, uint64_t a)
{
	if ((c->basic >> 48) & 1)
		return !(a >> 32) && vmc_phys_ok(c, a);
	return vmc_phys_ok(c, a);
}

/* A control word against its MSR: every allowed-0 bit set, nothing set
 * that the allowed-1 half does not allow. */
static inline bool vmc_ctl_ok(uint64_t msr, uint64_t ctl)
{
	uint32_t must = (uint32_t)msr, may = (uint32_t)(msr >> 32);

	return (ctl >> 32) == 0 && ((uint32_t)ctl & must) == must &&
	       ((uint32_t)ctl & ~may) == 0;
}

/* Each byte of a PAT value one of UC, WC, WT, WP, WB, UC-. */
static inline bool vmc_pat_ok(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (8 * i));

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* The controls as the CPU applies them: the secondary ones only while
 * "activate secondary controls" is 1, and so on. */
static inline uint64_t vmc_proc2(const struct vmcheck_state *s)
{
	return (s->proc & PROC_ACTIVATE_SECONDARY) ? s->proc2 : 0;
}

static inline uint64_t vmc_proc3(const struct vmcheck_state *s)
{
	return (s->proc & VMC_PROC_TERTIARY) ? s->proc3 : 0;
}

static inline uint64_t vmc_exit2(const struct vmcheck_state *s)
{
	return (s->exit & VMC_EXIT_SECONDARY) ? s->exit2 : 0;
}

static inline bool vmc_ug(const struct vmcheck_state *s)
{
	return vmc_proc2(s) & PROC2_UNRESTRICTED_GUEST;
}

static inline bool vmc_ia32e_guest(const struct vmcheck_state *s)
{
	return s->entry & ENTRY_IA32E_MODE_GUEST;
}

static inline bool vmc_v86(const struct vmcheck_state *s)
{
	return s->rflags & VMC_RFLAGS_VM;
}

#endif
