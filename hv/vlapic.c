// SPDX-License-Identifier: MIT
/*
 * Register layout and semantics: SDM Vol. 3A, "Advanced Programmable
 * Interrupt Controller (APIC)": "Local APIC Register Address Map" (xAPIC,
 * by offset), "x2APIC Register Address Space" (MSR 0x800 + offset / 16),
 * "APIC Timer" and "Local x2APIC State Transitions". Both modes go
 * through one table of registers by index (offset / 16); what differs
 * between them is said where it differs. The virtual timer counts at
 * the TSC rate divided by the divide configuration. What an IPI is, from
 * the ICR, and whom it names are in hv/vlapic_ipi.c.
 */
#include "hv/vlapic.h"

#include "lib/string.h"

#include <stddef.h>

#define LVT_MASKED (1u << 16)
#define LVT_TIMER_MODE(l) (((l) >> 17) & 3)
#define TIMER_ONESHOT 0u
#define TIMER_PERIODIC 1u
#define TIMER_TSC_DEADLINE 2u
#define SVR_ENABLE (1u << 8)
#define ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define ESR_ILLEGAL_REGISTER (1u << 7)

/* Register indices: xAPIC offset / 16, or x2APIC MSR - 0x800. */
enum {
	R_ID = 0x02, R_VERSION = 0x03, R_TPR = 0x08, R_APR = 0x09,
	R_PPR = 0x0a, R_EOI = 0x0b, R_RRD = 0x0c, R_LDR = 0x0d, R_DFR = 0x0e,
	R_SVR = 0x0f, R_ISR = 0x10, R_TMR = 0x18, R_IRR = 0x20, R_ESR = 0x28,
	R_LVT_CMCI = 0x2f, R_ICR = 0x30, R_ICR2 = 0x31, R_LVT_TIMER = 0x32,
	R_LVT_ERROR = 0x37, R_INIT_COUNT = 0x38, R_CUR_COUNT = 0x39,
	R_DIV_CONF = 0x3e, R_SELF_IPI = 0x3f, R_COUNT = 0x40,
};

/* The bits software may set in each LVT entry: vector, delivery mode,
 * polarity, trigger mode and mask as the entry has them; the timer's
 * mode in 18:17. Delivery status and remote IRR read 0. */
static const uint32_t lvt_writable[7] = {
	0x107ff, 0x700ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff,
};

static unsigned lvt_index(unsigned r)
{
	return r == R_LVT_CMCI ? 0 : r - R_LVT_TIMER + 1;
}

static uint32_t divisor(const struct vlapic *a)
{
	uint32_t v = ((a->divide >> 1) & 4) | (a->divide & 3);

	return v == 7 ? 1 : 2u << v;
}

int vlapic_highest(const struct vlapic *a, uint32_t off)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = VLAPIC_WORD(a, off, i);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

static void set_vec(struct vlapic *a, uint32_t off, int v)
{
	VLAPIC_WORD(a, off, v / 32) |= 1u << (v % 32);
	a->vid_dirty = true;
}

static void clear_vec(struct vlapic *a, uint32_t off, int v)
{
	VLAPIC_WORD(a, off, v / 32) &= ~(1u << (v % 32));
	a->vid_dirty = true;
}

static void request(struct vlapic *a, int v)
{
	set_vec(a, VLAPIC_IRR, v);
	a->irr_words |= 1u << (v / 32);
}

uint32_t vlapic_ppr(const struct vlapic *a)
{
	int isrv = vlapic_highest(a, VLAPIC_ISR);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	uint32_t tpr = VLAPIC_TPR(a);

	return (tpr & 0xf0) >= isr_class ? tpr & 0xff : isr_class;
}

/* SDM "Arbitration Priority Register (APR)". */
static uint32_t apr(const struct vlapic *a)
{
	int isrv = vlapic_highest(a, VLAPIC_ISR);
	int irrv = vlapic_highest(a, VLAPIC_IRR);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	uint32_t irr_class = irrv < 0 ? 0 : (uint32_t)irrv & 0xf0;
	uint32_t tpr = VLAPIC_TPR(a), tpr_class = tpr & 0xf0, m = tpr_class;

	if (tpr_class >= irr_class && tpr_class > isr_class)
		return tpr & 0xff;
	if (isr_class > m)
		m = isr_class;
	return irr_class > m ? irr_class : m;
}

uint32_t vlapic_x2apic_ldr(uint32_t id)
{
	/* x2APIC logical ID: cluster in 31:16, one bit in 15:0. */
	return (id >> 4) << 16 | 1u << (id & 0xf);
}

/* The page pointer ends the fields reset_registers copies: nothing
 * after it but the host build's own page. */
#if __STDC_HOSTED__
_Static_assert(offsetof(struct vlapic, own) ==
		       offsetof(struct vlapic, regs) + sizeof(uint32_t *),
	       "struct vlapic: regs must be the last field before own");
#else
_Static_assert(sizeof(struct vlapic) ==
		       offsetof(struct vlapic, regs) + sizeof(uint32_t *),
	       "struct vlapic: regs must be the last field");
#endif

/*
 * The registers as after RESET, but IA32_APIC_BASE, which the caller
 * sets (SDM "Power-Up and Reset State of the Local APIC"). Built apart
 * and copied over the fields before regs, which is never written here:
 * the vCPU's INIT runs this on its own CPU while another vCPU of the
 * partition may be sending it an IPI from another, reading its ID, base
 * and LDR to match it and its TPR, through regs, for lowest priority
 * (hv/apic.c). Cleared in place, regs was NULL for a moment and that
 * read a fault in hv; the ID, flags and base, copied with the value they
 * had, read the same throughout.
 */
static void reset_registers(struct vlapic *a)
{
	struct vlapic fresh;

	memset(&fresh, 0, offsetof(struct vlapic, regs));
	fresh.id = a->id;
	fresh.flags = a->flags;
	fresh.base = a->base;
	/* What hv watches is its own choice, not a register. */
	memcpy(fresh.eoi_watch, a->eoi_watch, sizeof(fresh.eoi_watch));
	memcpy(a, &fresh, offsetof(struct vlapic, regs));
	memset(a->regs, 0, VLAPIC_PAGE_WORDS * 4);
	a->svr = 0xff; /* disabled, spurious vector 0xff */
	a->dfr = 0xffffffffu;
	for (unsigned i = 0; i < 7; i++)
		a->lvt[i] = LVT_MASKED;
	a->vid_dirty = true;
	vlapic_sync(a);
}

void vlapic_init_page(struct vlapic *a, uint32_t id, uint32_t flags,
		      uint32_t *page)
{
	a->regs = page;
	memset(a->eoi_watch, 0, sizeof(a->eoi_watch));
	a->id = id;
	a->flags = flags;
	a->base = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN |
		  (flags & VLAPIC_INIT_BSP ? VLAPIC_BASE_BSP : 0) |
		  (flags & VLAPIC_INIT_X2APIC_ONLY ? VLAPIC_BASE_EXTD : 0);
	reset_registers(a);
}

int vlapic_set_base(struct vlapic *a, uint64_t val, uint8_t maxphyaddr)
{
	uint64_t reserved = 0x2ffull | ~((1ull << maxphyaddr) - 1);
	enum vlapic_mode from = vlapic_mode(a), to;

	if (a->flags & VLAPIC_INIT_X2APIC_ONLY)
		return val == a->base ? 0 : -1;
	if (val & reserved)
		return -1;
	/* hv's departure: the APIC stays at the architectural base. */
	if ((val & ~0xfffull) != VLAPIC_BASE_DEFAULT)
		return -1;
	if ((val & VLAPIC_BASE_EXTD) && !(val & VLAPIC_BASE_EN))
		return -1;
	to = !(val & VLAPIC_BASE_EN) ? VLAPIC_DISABLED :
	     val & VLAPIC_BASE_EXTD  ? VLAPIC_X2APIC :
				       VLAPIC_XAPIC;
	if ((from == VLAPIC_X2APIC && to == VLAPIC_XAPIC) ||
	    (from == VLAPIC_DISABLED && to == VLAPIC_X2APIC))
		return -1;
	a->base = (val & ~VLAPIC_BASE_BSP) | (a->base & VLAPIC_BASE_BSP);
	if (to == VLAPIC_DISABLED)
		reset_registers(a);
	else if (from == VLAPIC_XAPIC && to == VLAPIC_X2APIC)
		a->ldr = vlapic_x2apic_ldr(a->id);
	vlapic_sync(a);
	return 0;
}

static void arm(struct vlapic *a, uint64_t now)
{
	a->timer_start = now;
	a->deadline = a->initial_count ?
			      now + (uint64_t)a->initial_count * divisor(a) :
			      0;
}

static uint32_t current_count(struct vlapic *a, uint64_t now)
{
	if (LVT_TIMER_MODE(a->lvt[1]) == TIMER_TSC_DEADLINE)
		return 0;
	vlapic_tick(a, now);
	return a->deadline && now < a->deadline ?
		       (uint32_t)((a->deadline - now) / divisor(a)) :
		       0;
}

/*
 * One register read. -1 when the register does not exist in the mode
 * (x2: x2APIC mode): the x2APIC MSR is then #GP; an xAPIC read of a
 * reserved offset reads 0 and latches "illegal register address".
 */
static int reg_read(struct vlapic *a, unsigned r, uint64_t now, bool x2,
		    uint64_t *val)
{
	switch (r) {
	case R_ID:
		*val = x2 ? a->id : a->id << 24;
		return 0;
	case R_VERSION:
		*val = VLAPIC_VERSION;
		return 0;
	case R_TPR:
		*val = VLAPIC_TPR(a);
		return 0;
	case R_APR:
		*val = apr(a);
		return x2 ? -1 : 0;
	case R_PPR:
		*val = vlapic_ppr(a);
		return 0;
	case R_EOI:
	case R_RRD:
		*val = 0; /* EOI is write-only; remote read is not supported */
		return x2 ? -1 : 0;
	case R_LDR:
		*val = x2 ? vlapic_x2apic_ldr(a->id) : a->ldr;
		return 0;
	case R_DFR:
		*val = a->dfr;
		return x2 ? -1 : 0;
	case R_SVR:
		*val = a->svr;
		return 0;
	case R_ESR:
		*val = a->esr;
		return 0;
	case R_LVT_CMCI:
	case R_LVT_TIMER ... R_LVT_ERROR:
		*val = a->lvt[lvt_index(r)];
		return 0;
	case R_INIT_COUNT:
		*val = a->initial_count;
		return 0;
	case R_CUR_COUNT:
		*val = current_count(a, now);
		return 0;
	case R_DIV_CONF:
		*val = a->divide;
		return 0;
	case R_ICR:
		/* Delivery is done by the time a read comes: the xAPIC's
		 * delivery status (bit 12) reads idle. */
		*val = x2 ? a->icr : (uint32_t)a->icr;
		return 0;
	case R_ICR2:
		*val = VLAPIC_REG(a, 0x310);
		return x2 ? -1 : 0;
	}
	if (r >= R_ISR && r < R_ISR + 8) {
		*val = VLAPIC_WORD(a, VLAPIC_ISR, r - R_ISR);
		return 0;
	}
	if (r >= R_TMR && r < R_TMR + 8) {
		*val = VLAPIC_WORD(a, VLAPIC_TMR, r - R_TMR);
		return 0;
	}
	if (r >= R_IRR && r < R_IRR + 8) {
		*val = VLAPIC_WORD(a, VLAPIC_IRR, r - R_IRR);
		return 0;
	}
	*val = 0;
	if (x2)
		return -1; /* SELF IPI is write-only; the rest absent */
	a->esr_pending |= ESR_ILLEGAL_REGISTER;
	return 0;
}

static void eoi(struct vlapic *a)
{
	int v = vlapic_highest(a, VLAPIC_ISR);

	if (v >= 0) {
		clear_vec(a, VLAPIC_ISR, v);
		vlapic_virtual_eoi(a, v);
	}
}

static int write_lvt(struct vlapic *a, unsigned r, uint64_t now,
		     uint32_t val, bool x2)
{
	unsigned i = lvt_index(r);
	uint32_t old = a->lvt[i];

	if (r == R_LVT_TIMER && LVT_TIMER_MODE(val) == 3)
		return x2 ? -1 : 0; /* the reserved timer mode */
	/* hv's partitions: CPUID hides TSC-deadline, so bit 18 is reserved. */
	if (r == R_LVT_TIMER && LVT_TIMER_MODE(val) == TIMER_TSC_DEADLINE &&
	    (a->flags & VLAPIC_INIT_X2APIC_ONLY))
		return -1;
	/* While the APIC is software-disabled, LVTs stay masked. */
	a->lvt[i] = (val & lvt_writable[i]) |
		    (a->svr & SVR_ENABLE ? 0 : LVT_MASKED);
	if (r != R_LVT_TIMER)
		return 0;
	/* SDM "APIC Timer": a change of the timer's mode disarms it. */
	if (LVT_TIMER_MODE(old) != LVT_TIMER_MODE(a->lvt[1])) {
		a->deadline = 0;
		a->tsc_deadline = 0;
	}
	vlapic_tick(a, now);
	return 0;
}

/*
 * One register write. -1 for #GP, which only x2APIC mode raises: a
 * read-only or absent register, or reserved bits set. xAPIC mode ignores
 * writes to read-only registers and masks reserved bits.
 */
static int reg_write(struct vlapic *a, unsigned r, uint64_t now, bool x2,
		     uint64_t val)
{
	uint32_t v32 = (uint32_t)val;

	switch (r) {
	case R_TPR:
		if (x2 && (val & ~0xffull))
			return -1;
		VLAPIC_TPR(a) = v32 & 0xff;
		a->vid_dirty = true;
		return 0;
	case R_EOI:
		if (x2 && val)
			return -1;
		eoi(a);
		return 0;
	case R_LDR:
		if (x2)
			return -1; /* derived from the ID in x2APIC mode */
		a->ldr = v32 & 0xff000000u;
		return 0;
	case R_DFR:
		if (x2)
			return -1;
		a->dfr = v32 | 0x0fffffffu;
		return 0;
	case R_SVR:
		if (x2 && (val & ~0x11ffull))
			return -1;
		a->svr = v32 & 0x11ff;
		/* Software-disabling the APIC masks every LVT entry. */
		if (!(a->svr & SVR_ENABLE))
			for (unsigned i = 0; i < 7; i++)
				a->lvt[i] |= LVT_MASKED;
		return 0;
	case R_ESR:
		/* In x2APIC mode a write of anything but 0 is #GP. A write
		 * latches the errors since the last one and clears them. */
		if (x2 && val)
			return -1;
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		return 0;
	case R_LVT_CMCI:
	case R_LVT_TIMER ... R_LVT_ERROR:
		return write_lvt(a, r, now, v32, x2);
	case R_INIT_COUNT:
		a->initial_count = v32;
		/* SDM "APIC Timer": ignored in TSC-deadline mode. */
		if (LVT_TIMER_MODE(a->lvt[1]) != TIMER_TSC_DEADLINE)
			arm(a, now);
		return 0;
	case R_DIV_CONF:
		if (x2 && (val & ~0xbull))
			return -1;
		a->divide = v32 & 0xb;
		return 0;
	case R_ICR:
		/* xAPIC: ICR2 as the page holds it, since with APIC-register
		 * virtualization the CPU takes an ICR2 write into the page
		 * without an exit (SDM "APIC-Write Emulation"). */
		return x2 ? vlapic_write_icr(a, v32, (uint32_t)(val >> 32), true) :
			    vlapic_write_icr(a, v32, VLAPIC_REG(a, 0x310) & 0xff000000u,
				      false);
	case R_ICR2:
		if (x2)
			return -1;
		VLAPIC_REG(a, 0x310) = v32 & 0xff000000u;
		return 0;
	case R_SELF_IPI:
		if (!x2)
			break;
		if (val < 16 || val > 255)
			return -1;
		request(a, (int)val);
		return 0;
	}
	if (x2)
		return -1; /* read-only registers, and absent ones */
	if (r != R_ID && r != R_VERSION && r != R_APR && r != R_PPR &&
	    r != R_RRD && !(r >= R_ISR && r < R_IRR + 8) && r != R_CUR_COUNT)
		a->esr_pending |= ESR_ILLEGAL_REGISTER;
	return 0;
}

int vlapic_rdmsr(struct vlapic *a, uint32_t msr, uint64_t now, uint64_t *val)
{
	if (vlapic_mode(a) != VLAPIC_X2APIC || msr < 0x800 ||
	    msr >= 0x800 + R_COUNT)
		return -1;
	return reg_read(a, msr - 0x800, now, true, val);
}

int vlapic_wrmsr(struct vlapic *a, uint32_t msr, uint64_t now, uint64_t val)
{
	unsigned r = msr - 0x800;
	int rc;

	if (vlapic_mode(a) != VLAPIC_X2APIC || msr < 0x800 || r >= R_COUNT)
		return -1;
	/* x2APIC registers are 32 bits (the ICR aside): high bits #GP. */
	if (r != R_ICR && (val >> 32))
		return -1;
	rc = reg_write(a, r, now, true, val);
	vlapic_sync(a);
	return rc;
}

static bool xapic_offset_ok(const struct vlapic *a, uint32_t offset)
{
	return vlapic_mode(a) == VLAPIC_XAPIC && !(offset & 0xf) &&
	       offset < 0x400;
}

int vlapic_xapic_read(struct vlapic *a, uint32_t offset, uint64_t now,
		      uint32_t *val)
{
	uint64_t v;

	if (!xapic_offset_ok(a, offset))
		return -1;
	reg_read(a, offset >> 4, now, false, &v);
	*val = (uint32_t)v;
	return 0;
}

int vlapic_xapic_write(struct vlapic *a, uint32_t offset, uint64_t now,
		       uint32_t val)
{
	int r;

	if (!xapic_offset_ok(a, offset))
		return -1;
	r = reg_write(a, offset >> 4, now, false, val);
	vlapic_sync(a);
	return r;
}

uint64_t vlapic_get_tsc_deadline(struct vlapic *a, uint64_t now)
{
	vlapic_tick(a, now);
	return a->tsc_deadline;
}

/* SDM "TSC-Deadline Mode": 0 disarms; a deadline already passed fires
 * at once; outside that mode the write is ignored. */
void vlapic_set_tsc_deadline(struct vlapic *a, uint64_t now, uint64_t val)
{
	if (LVT_TIMER_MODE(a->lvt[1]) != TIMER_TSC_DEADLINE)
		return;
	a->tsc_deadline = val;
	a->deadline = val;
	vlapic_tick(a, now);
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
	if (LVT_TIMER_MODE(lvt) != TIMER_PERIODIC) {
		a->deadline = 0;
		a->tsc_deadline = 0;
		return;
	}
	/* Periods missed while the vCPU did not run collapse into one. */
	period = (uint64_t)a->initial_count * divisor(a);
	a->deadline += period;
	if (a->deadline <= now)
		a->deadline = now + period;
}

void vlapic_request(struct vlapic *a, int vector)
{
	if (vector < 16) {
		a->esr_pending |= ESR_RECV_ILLEGAL_VECTOR;
		return;
	}
	request(a, vector);
}

/*
 * Asked before every VM entry, when almost always nothing is requested:
 * the summary of IRR words answers that without scanning them.
 */
int vlapic_pending(const struct vlapic *a)
{
	int v;

	if (!a->irr_words || !(a->svr & SVR_ENABLE) ||
	    vlapic_mode(a) == VLAPIC_DISABLED)
		return -1;
	v = vlapic_highest(a, VLAPIC_IRR);
	return v >= 0 && ((uint32_t)v & 0xf0) > (vlapic_ppr(a) & 0xf0) ? v : -1;
}

void vlapic_accept(struct vlapic *a, int vector)
{
	clear_vec(a, VLAPIC_IRR, vector);
	if (!VLAPIC_WORD(a, VLAPIC_IRR, vector / 32))
		a->irr_words &= ~(1u << (vector / 32));
	set_vec(a, VLAPIC_ISR, vector);
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
	clear_vec(a, VLAPIC_ISR, vector);
	request(a, vector);
}
