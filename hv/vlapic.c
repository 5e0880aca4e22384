// SPDX-License-Identifier: MIT
/*
 * Register numbers (arch/x86/msr.h) and semantics: SDM Vol. 3A, "Advanced Programmable
 * Interrupt Controller (APIC)", section "x2APIC Register Address Space"
 * and "APIC Timer". The virtual timer counts at the TSC rate divided by
 * the divide configuration.
 */
#include "hv/vlapic.h"

#include "hv/arch.h"
#include "lib/string.h"

#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define SVR_ENABLE (1u << 8)
/* Version 0x14 with six LVT entries, as integrated APICs report it. */
#define VERSION_VALUE ((6u - 1) << 16 | 0x14)

static unsigned lvt_index(uint32_t msr)
{
	return msr == IA32_X2APIC_LVT_CMCI ? 0 : msr - IA32_X2APIC_LVT_TIMER + 1;
}

static uint32_t divisor(const struct vlapic *a)
{
	uint32_t v = ((a->divide >> 1) & 4) | (a->divide & 3);

	return v == 7 ? 1 : 2u << v;
}

static int highest(const uint32_t bits[8])
{
	for (int i = 7; i >= 0; i--)
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	return -1;
}

static void set_bit(uint32_t bits[8], int v)
{
	bits[v / 32] |= 1u << (v % 32);
}

static void request(struct vlapic *a, int v)
{
	set_bit(a->irr, v);
	a->irr_words |= 1u << (v / 32);
}

static uint32_t ppr(const struct vlapic *a)
{
	int isrv = highest(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

void vlapic_init(struct vlapic *a, uint32_t id)
{
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->svr = 0xff; /* reset value: disabled, spurious vector 0xff */
	for (unsigned i = 0; i < 7; i++)
		a->lvt[i] = LVT_MASKED;
}

static void arm(struct vlapic *a, uint64_t now)
{
	a->timer_start = now;
	a->deadline = a->initial_count ?
			      now + (uint64_t)a->initial_count * divisor(a) :
			      0;
}

int vlapic_rdmsr(struct vlapic *a, uint32_t msr, uint64_t now, uint64_t *val)
{
	switch (msr) {
	case IA32_X2APIC_APICID:
		*val = a->id;
		return 0;
	case IA32_X2APIC_VERSION:
		*val = VERSION_VALUE;
		return 0;
	case IA32_X2APIC_TPR:
		*val = a->tpr;
		return 0;
	case IA32_X2APIC_PPR:
		*val = ppr(a);
		return 0;
	case IA32_X2APIC_LDR:
		/* x2APIC logical ID: cluster in 31:16, one bit in 15:0. */
		*val = (a->id >> 4) << 16 | 1u << (a->id & 0xf);
		return 0;
	case IA32_X2APIC_SIVR:
		*val = a->svr;
		return 0;
	case IA32_X2APIC_ESR:
		*val = a->esr;
		return 0;
	case IA32_X2APIC_LVT_CMCI:
	case IA32_X2APIC_LVT_TIMER ... IA32_X2APIC_LVT_ERROR:
		*val = a->lvt[lvt_index(msr)];
		return 0;
	case IA32_X2APIC_INIT_COUNT:
		*val = a->initial_count;
		return 0;
	case IA32_X2APIC_CUR_COUNT:
		vlapic_tick(a, now);
		*val = a->deadline && now < a->deadline ?
			       (a->deadline - now) / divisor(a) :
			       0;
		return 0;
	case IA32_X2APIC_DIV_CONF:
		*val = a->divide;
		return 0;
	case IA32_X2APIC_ICR:
		/* SDM "x2APIC Register Address Space": the ICR is read/write
		 * and 64 bits; delivery is done by the time a read comes. */
		*val = a->icr;
		return 0;
	default:
		if (msr >= IA32_X2APIC_ISR0 && msr < IA32_X2APIC_ISR0 + 8) {
			*val = a->isr[msr - IA32_X2APIC_ISR0];
			return 0;
		}
		if (msr >= IA32_X2APIC_TMR0 && msr < IA32_X2APIC_TMR0 + 8) {
			*val = 0; /* every vector is edge-triggered here */
			return 0;
		}
		if (msr >= IA32_X2APIC_IRR0 && msr < IA32_X2APIC_IRR0 + 8) {
			*val = a->irr[msr - IA32_X2APIC_IRR0];
			return 0;
		}
		return -1; /* EOI and SELF IPI are write-only; the rest absent */
	}
}

/*
 * SDM "Interrupt Command Register (ICR)" in x2APIC mode: the only IPI a
 * vCPU can send yet is a fixed, edge-triggered one to itself (shorthand
 * "self"); any other destination or delivery mode is #GP, as is a
 * reserved bit set. An accepted value reads back.
 */
static int write_icr(struct vlapic *a, uint64_t val)
{
	uint32_t vector = (uint32_t)val & 0xff;
	uint32_t mode = ((uint32_t)val >> 8) & 7;
	uint32_t shorthand = ((uint32_t)val >> 18) & 3;

	/* Refused: delivery status (12, read-only 0 in x2APIC), 13, level
	 * trigger (15: every vector is edge-triggered here), 17:16, 31:20. */
	if ((val & 0xfff3b000ull & 0xffffffffull) || shorthand != 1 ||
	    mode != 0 || vector < 16)
		return -1;
	a->icr = val;
	request(a, (int)vector);
	return 0;
}

int vlapic_wrmsr(struct vlapic *a, uint32_t msr, uint64_t now, uint64_t val)
{
	int v;

	if (msr == IA32_X2APIC_ICR)
		return write_icr(a, val);
	/* x2APIC registers are 32 bits (the ICR aside): high bits #GP. */
	if (val >> 32)
		return -1;
	switch (msr) {
	case IA32_X2APIC_TPR:
		if (val & ~0xffull)
			return -1;
		a->tpr = (uint32_t)val;
		return 0;
	case IA32_X2APIC_EOI:
		if (val)
			return -1;
		v = highest(a->isr);
		if (v >= 0)
			a->isr[v / 32] &= ~(1u << (v % 32));
		return 0;
	case IA32_X2APIC_SIVR:
		if (val & ~0x11ffull)
			return -1;
		a->svr = (uint32_t)val;
		/* Software-disabling the APIC masks every LVT entry. */
		if (!(a->svr & SVR_ENABLE))
			for (unsigned i = 0; i < 7; i++)
				a->lvt[i] |= LVT_MASKED;
		return 0;
	case IA32_X2APIC_ESR:
		/* SDM "x2APIC Register Address Space": a write of anything
		 * but 0 is #GP. A write of 0 clears it. */
		if (val)
			return -1;
		a->esr = 0;
		return 0;
	case IA32_X2APIC_LVT_CMCI:
	case IA32_X2APIC_LVT_TIMER ... IA32_X2APIC_LVT_ERROR:
		/* While the APIC is software-disabled, LVTs stay masked. */
		a->lvt[lvt_index(msr)] =
			(uint32_t)val | (a->svr & SVR_ENABLE ? 0 : LVT_MASKED);
		if (msr == IA32_X2APIC_LVT_TIMER)
			vlapic_tick(a, now);
		return 0;
	case IA32_X2APIC_INIT_COUNT:
		a->initial_count = (uint32_t)val;
		arm(a, now);
		return 0;
	case IA32_X2APIC_DIV_CONF:
		if (val & ~0xbull)
			return -1;
		a->divide = (uint32_t)val;
		return 0;
	case IA32_X2APIC_SELF_IPI:
		if (val < 16 || val > 255)
			return -1;
		request(a, (int)val);
		return 0;
	default:
		return -1; /* read-only registers */
	}
}

void vlapic_tick(struct vlapic *a, uint64_t now)
{
	uint32_t lvt = a->lvt[1];
	uint64_t period;

	if (!a->deadline || now < a->deadline)
		return;
	if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16) {
		request(a, lvt & 0xff);
		a->timer_fired++;
	}
	if (!(lvt & LVT_TIMER_PERIODIC)) {
		a->deadline = 0;
		return;
	}
	/* Periods missed while the vCPU did not run collapse into one. */
	period = (uint64_t)a->initial_count * divisor(a);
	a->deadline += period;
	if (a->deadline <= now)
		a->deadline = now + period;
}

/*
 * Asked before every VM entry, when almost always nothing is requested:
 * the summary of IRR words answers that without scanning them.
 */
int vlapic_pending(const struct vlapic *a)
{
	int v;

	if (!a->irr_words || !(a->svr & SVR_ENABLE))
		return -1;
	v = highest(a->irr);
	return ((uint32_t)v & 0xf0) > (ppr(a) & 0xf0) ? v : -1;
}

void vlapic_accept(struct vlapic *a, int vector)
{
	a->irr[vector / 32] &= ~(1u << (vector % 32));
	if (!a->irr[vector / 32])
		a->irr_words &= ~(1u << (vector / 32));
	set_bit(a->isr, vector);
}

/*
 * An interrupt vlapic_accept() handed to the guest whose delivery an exit
 * cut off, while hv delivers an exception first: it goes back to
 * requested, not in service, so that it is delivered again once the
 * guest can take it, and its ISR bit is never left set with no handler
 * run.
 */
void vlapic_unaccept(struct vlapic *a, int vector)
{
	a->isr[vector / 32] &= ~(1u << (vector % 32));
	request(a, vector);
}
