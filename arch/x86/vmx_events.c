// SPDX-License-Identifier: MIT
#include "arch/x86/vmx_events.h"

#include "arch/x86/vmcs.h"

enum exception_class { BENIGN, CONTRIBUTORY, PAGE_FAULT };

/* Vol. 3A, "Interrupt and Exception Classes": #DE, #TS, #NP, #SS and
 * #GP are contributory; #PF (and #VE, which hv never raises) its own. */
static enum exception_class class_of(uint32_t vector)
{
	switch (vector) {
	case 0:
	case 10:
	case 11:
	case 12:
	case 13:
		return CONTRIBUTORY;
	case 14:
	case 20:
		return PAGE_FAULT;
	default:
		return BENIGN;
	}
}

enum event_merge vmx_merge_events(uint32_t original, uint32_t injected)
{
	uint32_t ov = original & INTR_INFO_VECTOR_MASK;
	uint32_t nv = injected & INTR_INFO_VECTOR_MASK;
	enum exception_class oc, nc;

	/* Only a hardware exception during delivery of a hardware
	 * exception can make a double fault. */
	if ((original & INTR_INFO_TYPE_MASK) != INTR_TYPE_HW_EXCEPTION ||
	    (injected & INTR_INFO_TYPE_MASK) != INTR_TYPE_HW_EXCEPTION)
		return MERGE_SERIAL;
	oc = class_of(ov);
	nc = class_of(nv);
	if (ov == 8)
		return nc == BENIGN ? MERGE_SERIAL : MERGE_TRIPLE_FAULT;
	if ((oc == CONTRIBUTORY && nc == CONTRIBUTORY) ||
	    (oc == PAGE_FAULT && nc != BENIGN))
		return MERGE_DOUBLE_FAULT;
	return MERGE_SERIAL;
}

bool vmx_event_kept(uint32_t original)
{
	uint32_t type = original & INTR_INFO_TYPE_MASK;

	return type == INTR_TYPE_EXTERNAL_INTERRUPT || type == INTR_TYPE_NMI;
}

#define DR6_B0_3 0xfull
#define DR6_BLD (1ull << 11)
#define DR6_BD (1ull << 13)
#define DR6_BS (1ull << 14)
#define DR6_RTM (1ull << 16)

uint64_t vmx_db_dr6(uint64_t dr6, uint64_t qual)
{
	dr6 = (dr6 & ~DR6_B0_3) | (qual & (DR6_B0_3 | DR6_BD | DR6_BS));
	return dr6 & ~(qual & (DR6_BLD | DR6_RTM));
}

#define RFLAGS_TF_BIT (1ull << 8)
#define DEBUGCTL_BTF (1ull << 1)

static bool single_step_pending(uint64_t rflags, uint64_t debugctl)
{
	return (rflags & RFLAGS_TF_BIT) && !(debugctl & DEBUGCTL_BTF);
}

bool vmx_pending_dbg_consistent(uint64_t rflags, uint64_t debugctl,
				uint32_t interruptibility, uint32_t activity,
				uint64_t pending_dbg)
{
	if (!(interruptibility &
	      (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) &&
	    activity != ACTIVITY_STATE_HLT)
		return true;
	return !!(pending_dbg & PENDING_DBG_BS) ==
	       single_step_pending(rflags, debugctl);
}

uint64_t vmx_pending_dbg_after_step(uint64_t pending_dbg, uint64_t rflags,
				    uint64_t debugctl)
{
	return single_step_pending(rflags, debugctl) ?
		       pending_dbg | PENDING_DBG_BS :
		       pending_dbg & ~PENDING_DBG_BS;
}
