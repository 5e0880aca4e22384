// SPDX-License-Identifier: MIT
/*
 * The virtual local APIC's IPIs: what a write of the ICR asks to send
 * (SDM Vol. 3A, "Interrupt Command Register (ICR)"), and whether an IPI's
 * destination names an APIC ("Determining IPI Destination"). hv/apic.c
 * delivers what these say; the rest of the model is in hv/vlapic.c. Pure
 * logic, as hv/vlapic.c.
 */
#include "hv/vlapic.h"

#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ICR_LOGICAL (1u << 11)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
/* x2APIC ICR bits that are reserved: delivery status (12, absent in
 * x2APIC), 13, 17:16, 31:20. */
#define ICR_X2APIC_RESERVED 0xfff33000u

/*
 * SDM "Interrupt Command Register (ICR)": an IPI for the caller to
 * deliver, left in a->ipi. In x2APIC mode the destination is bits 63:32
 * and reserved bits are #GP; in xAPIC mode it is ICR2's bits 31:24 and
 * the write of the low half sends. A fixed or lowest-priority IPI with a
 * vector below 16 is not sent and latches "send illegal vector". SMI and
 * the reserved modes are not sent.
 */
int vlapic_write_icr(struct vlapic *a, uint32_t lo, uint32_t hi, bool x2)
{
	struct vlapic_ipi *ipi = &a->ipi;
	uint32_t vector = lo & 0xff, mode = (lo >> 8) & 7;
	uint32_t shorthand = (lo >> 18) & 3;

	if (a->flags & VLAPIC_INIT_X2APIC_ONLY) {
		/* hv's partitions: fixed, edge, to self only; 15 is the level
		 * trigger, refused since every vector is edge-triggered. */
		if ((lo & (ICR_X2APIC_RESERVED | ICR_TRIGGER_LEVEL)) ||
		    shorthand != VLAPIC_SH_SELF || mode != VLAPIC_DM_FIXED ||
		    vector < 16)
			return -1;
	} else if (x2 && (lo & ICR_X2APIC_RESERVED)) {
		return -1;
	}
	a->icr = (uint64_t)hi << 32 | (lo & ~(1u << 12));
	if ((mode == VLAPIC_DM_FIXED || mode == VLAPIC_DM_LOWEST) &&
	    vector < 16) {
		a->esr_pending |= ESR_SEND_ILLEGAL_VECTOR;
		return 0;
	}
	if (mode != VLAPIC_DM_FIXED && mode != VLAPIC_DM_LOWEST &&
	    mode != VLAPIC_DM_NMI && mode != VLAPIC_DM_INIT &&
	    mode != VLAPIC_DM_STARTUP)
		return 0;
	*ipi = (struct vlapic_ipi){
		.pending = true,
		.logical = lo & ICR_LOGICAL,
		.x2apic = x2,
		.vector = (uint8_t)vector,
		.mode = (uint8_t)mode,
		.shorthand = (uint8_t)shorthand,
		.deassert = mode == VLAPIC_DM_INIT && !(lo & ICR_LEVEL_ASSERT) &&
			    (lo & ICR_TRIGGER_LEVEL),
		.dest = x2 ? hi : hi >> 24,
	};
	return 0;
}

/*
 * SDM "Determining IPI Destination". The sender's mode sets the width
 * (x2APIC: 32 bits, all ones the broadcast; xAPIC: 8 bits, 0xff); the
 * receiver's sets the logical model: x2APIC cluster (cluster in 31:16, a
 * bit mask in 15:0), or xAPIC flat (DFR model 0xf: LDR[31:24] & dest)
 * or cluster (model 0: cluster in the high nibble, mask in the low one).
 */
bool vlapic_match(const struct vlapic *a, uint32_t dest, bool logical,
		  bool x2apic)
{
	uint32_t all = x2apic ? 0xffffffffu : 0xffu, ldr, d8 = dest & 0xff;

	if (vlapic_mode(a) == VLAPIC_DISABLED)
		return false;
	if (dest == all)
		return true;
	if (!logical)
		return x2apic ? dest == a->id : d8 == (a->id & 0xff);
	if (vlapic_mode(a) == VLAPIC_X2APIC) {
		ldr = vlapic_x2apic_ldr(a->id);
		if (!x2apic)
			return false; /* an 8-bit logical ID names no cluster */
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	ldr = a->ldr >> 24;
	if ((a->dfr >> 28) == 0xf)
		return (ldr & d8) != 0;
	return (ldr >> 4) == (d8 >> 4) && (ldr & d8 & 0xf);
}
