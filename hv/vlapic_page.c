// SPDX-License-Identifier: MIT
/*
 * The virtual local APIC's register page and what virtual-interrupt
 * delivery needs of it (docs/architecture.md, "The virtual local APIC";
 * SDM Vol. 3C, "APIC Virtualization and Virtual Interrupts"). The page
 * is the one store of TPR, PPR, ISR, TMR and IRR, since the CPU itself
 * changes them there (TPR virtualization, EOI virtualization, delivery);
 * the registers only hv changes are fields of the model, written through
 * into the page at every change so that APIC-register virtualization
 * reads what the model holds. Pure logic, as hv/vlapic.c.
 */
#include "hv/vlapic.h"

#include "lib/string.h"

void vlapic_use_page(struct vlapic *a, uint32_t *page)
{
	memcpy(page, a->regs, VLAPIC_PAGE_WORDS * 4);
	a->regs = page;
	a->vid_dirty = true;
}

/*
 * The xAPIC layout of SDM "Local APIC Register Address Map", for the
 * offsets APIC-register virtualization reads from the page (SDM
 * "Virtualizing Reads from the APIC-Access Page"). The ICR's delivery
 * status reads idle, as in the model. The current count and APR are
 * never read from the page: those reads exit.
 */
void vlapic_sync(struct vlapic *a)
{
	static const uint16_t lvt_off[7] = {
		0x2f0, 0x320, 0x330, 0x340, 0x350, 0x360, 0x370,
	};

	VLAPIC_REG(a, 0x20) = a->id << 24;
	VLAPIC_REG(a, 0x30) = VLAPIC_VERSION;
	VLAPIC_REG(a, 0xa0) = vlapic_ppr(a);
	VLAPIC_REG(a, 0xd0) = a->ldr;
	VLAPIC_REG(a, 0xe0) = a->dfr;
	VLAPIC_REG(a, 0xf0) = a->svr;
	VLAPIC_REG(a, 0x280) = a->esr;
	for (unsigned i = 0; i < 7; i++)
		VLAPIC_REG(a, lvt_off[i]) = a->lvt[i];
	VLAPIC_REG(a, 0x300) = (uint32_t)a->icr;
	/* ICR2 is not written here: the page is its one store in xAPIC
	 * mode, since the CPU takes a guest's ICR2 write into it with no
	 * exit, and writing the model's copy back could undo one made since
	 * (an exit between the ICR2 and ICR writes). */
	VLAPIC_REG(a, 0x380) = a->initial_count;
	VLAPIC_REG(a, 0x3e0) = a->divide;
}

uint16_t vlapic_intr_status(const struct vlapic *a)
{
	int rvi = vlapic_highest(a, VLAPIC_IRR);
	int svi = vlapic_highest(a, VLAPIC_ISR);

	return (uint16_t)((svi < 0 ? 0 : svi) << 8 | (rvi < 0 ? 0 : rvi));
}

void vlapic_eoi_exit_bitmap(const struct vlapic *a, uint64_t bm[4])
{
	for (unsigned i = 0; i < 4; i++) {
		uint64_t lo = VLAPIC_WORD(a, VLAPIC_TMR, 2 * i) | a->eoi_watch[2 * i];
		uint64_t hi = VLAPIC_WORD(a, VLAPIC_TMR, 2 * i + 1) |
			      a->eoi_watch[2 * i + 1];

		bm[i] = hi << 32 | lo;
	}
}

void vlapic_watch_eoi(struct vlapic *a, int vector, bool on)
{
	uint32_t bit = 1u << (vector % 32);

	if (on)
		a->eoi_watch[vector / 32] |= bit;
	else
		a->eoi_watch[vector / 32] &= ~bit;
	a->vid_dirty = true;
}

/*
 * Also the model's own EOI path (hv/vlapic.c) ends here, so that a
 * watched vector's EOI counts the same whichever path took it. A
 * level-triggered vector's EOI clears its TMR bit: no I/O APIC waits
 * for the broadcast here.
 */
void vlapic_virtual_eoi(struct vlapic *a, int vector)
{
	uint32_t bit = 1u << (vector % 32);

	if (vector < 0 || vector > 255)
		return;
	if (VLAPIC_WORD(a, VLAPIC_TMR, vector / 32) & bit) {
		VLAPIC_WORD(a, VLAPIC_TMR, vector / 32) &= ~bit;
		a->vid_dirty = true;
	}
	if (a->eoi_watch[vector / 32] & bit)
		a->eoi_exits++;
}

void vlapic_rescan(struct vlapic *a)
{
	uint32_t words = 0;

	for (unsigned i = 0; i < 8; i++)
		if (VLAPIC_WORD(a, VLAPIC_IRR, i))
			words |= 1u << i;
	a->irr_words = words;
}
