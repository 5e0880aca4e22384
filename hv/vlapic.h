/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's virtual local APIC (docs/platform.md, "Local APIC"), in xAPIC
 * mode (registers by offset from the APIC base) and x2APIC mode (MSRs),
 * with the IA32_APIC_BASE state machine between them: ID, version, TPR
 * (one register with CR8), PPR, EOI, LDR, DFR, SVR, ISR/TMR/IRR, ESR,
 * the LVTs, the timer in one-shot, periodic and TSC-deadline modes, and
 * the ICR. Pure logic on TSC values, so the unit tests run it on the
 * host: an ICR write leaves the IPI in `ipi` for the caller to deliver
 * (hv/apic.c), and arch/x86 injects what vlapic_pending says.
 */
#ifndef HV_VLAPIC_H
#define HV_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* IA32_APIC_BASE (SDM "Local APIC Status and Location"). */
#define VLAPIC_BASE_BSP (1ull << 8)
#define VLAPIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define VLAPIC_BASE_EN (1ull << 11)
#define VLAPIC_BASE_DEFAULT 0xfee00000ull

/* The ICR's delivery modes (SDM "Interrupt Command Register (ICR)"). */
enum vlapic_delivery {
	VLAPIC_DM_FIXED = 0,
	VLAPIC_DM_LOWEST = 1,
	VLAPIC_DM_SMI = 2,
	VLAPIC_DM_NMI = 4,
	VLAPIC_DM_INIT = 5,
	VLAPIC_DM_STARTUP = 6,
};

enum vlapic_shorthand {
	VLAPIC_SH_NONE = 0,
	VLAPIC_SH_SELF = 1,
	VLAPIC_SH_ALL = 2, /* all including self */
	VLAPIC_SH_OTHERS = 3, /* all excluding self */
};

/* An IPI an ICR write asked for, decoded; valid while `pending`. */
struct vlapic_ipi {
	bool pending;
	bool logical; /* destination mode */
	bool x2apic; /* sent in x2APIC mode: 32-bit destination */
	uint8_t vector;
	uint8_t mode; /* enum vlapic_delivery */
	uint8_t shorthand; /* enum vlapic_shorthand */
	bool deassert; /* INIT level de-assert: ignored by every target */
	uint32_t dest;
};

/* Version 0x14 with six LVT entries, as integrated APICs report it. */
#define VLAPIC_VERSION ((6u - 1) << 16 | 0x14)

/* The page's registers lie below offset 0x400. */
#define VLAPIC_PAGE_WORDS 256

/* vlapic_init's flags. */
#define VLAPIC_INIT_BSP 1u /* IA32_APIC_BASE.BSP set */
/* hv's own partitions: x2APIC mode for good, IA32_APIC_BASE read-only,
 * and the ICR limited to fixed IPIs to self (docs/architecture.md). */
#define VLAPIC_INIT_X2APIC_ONLY 2u

struct vlapic {
	uint32_t id; /* the initial APIC ID: the vCPU's number */
	uint32_t flags; /* VLAPIC_INIT_* */
	uint64_t base; /* IA32_APIC_BASE */
	uint32_t svr;
	uint32_t esr; /* what ESR reads: latched at its last write */
	uint32_t esr_pending; /* errors since then */
	uint32_t ldr; /* xAPIC: written by software; x2APIC: derived */
	uint32_t dfr; /* xAPIC only */
	/* x2APIC: 64 bits; xAPIC: the last ICR write, its destination in
	 * 63:32 (ICR2 itself lives in the register page, offset 0x310). */
	uint64_t icr;
	uint32_t lvt[7]; /* CMCI, timer, thermal, perf, LINT0, LINT1, error */
	uint32_t divide; /* the divide configuration register */
	uint32_t initial_count;
	uint64_t timer_start; /* TSC when the count was (re)loaded */
	uint64_t deadline; /* TSC of the next expiry; 0 when not armed */
	uint64_t tsc_deadline; /* IA32_TSC_DEADLINE as it reads */
	/* Bit i set: IRR word i may not be zero (never clear while it
	 * has a bit; the CPU's virtual-interrupt delivery can leave it set
	 * for a word it emptied, until vlapic_rescan). */
	uint32_t irr_words;
	/* TPR, PPR, ISR, TMR, IRR and EOI-exit state changed by hv since
	 * the arch last copied RVI/SVI and the EOI-exit bitmap. */
	bool vid_dirty;
	uint32_t eoi_watch[8]; /* vectors whose EOI hv must see */
	uint64_t eoi_exits; /* EOIs hv saw for them */
	uint64_t timer_fired; /* expiries that raised an interrupt */
	struct vlapic_ipi ipi; /* left by an ICR write for the caller */
	/*
	 * The register page, in the layout of the virtual-APIC page (SDM
	 * "Virtual-APIC Page"): register at xAPIC offset o is word o / 4.
	 * TPR, PPR, ISR, TMR and IRR live only here: for a pc vCPU this is
	 * its virtual-APIC page, which the CPU changes itself under
	 * virtual-interrupt delivery. The other registers are the fields
	 * above, written through into the page at every change for the
	 * CPU's reads (vlapic_sync). hv gives every vCPU such a page; host
	 * builds (the unit tests) may use `own` instead, which hv's
	 * freestanding build leaves out, as it would cost 1 KiB in each of
	 * the partition table's vCPU slots.
	 */
	uint32_t *regs;
#if __STDC_HOSTED__
	uint32_t own[VLAPIC_PAGE_WORDS];
#endif
};

/* Register words by xAPIC offset. */
#define VLAPIC_REG(a, off) ((a)->regs[(off) / 4])
#define VLAPIC_TPR(a) VLAPIC_REG(a, 0x80)
/* The 256-bit registers: word w (0-7) every 16 bytes from their offset. */
#define VLAPIC_ISR 0x100
#define VLAPIC_TMR 0x180
#define VLAPIC_IRR 0x200
#define VLAPIC_WORD(a, off, w) ((a)->regs[(off) / 4 + 4 * (w)])

/* The highest vector set in a 256-bit register of a's page, or -1. */
int vlapic_highest(const struct vlapic *a, uint32_t off);
/* The processor priority (SDM "Processor Priority Register (PPR)"). */
uint32_t vlapic_ppr(const struct vlapic *a);

enum vlapic_mode {
	VLAPIC_DISABLED, /* IA32_APIC_BASE.EN clear */
	VLAPIC_XAPIC,
	VLAPIC_X2APIC,
};

/* As after RESET, with page (4 KiB, the vCPU's virtual-APIC page) the
 * store of its registers. */
void vlapic_init_page(struct vlapic *a, uint32_t id, uint32_t flags,
		      uint32_t *page);
#if __STDC_HOSTED__
static inline void vlapic_init(struct vlapic *a, uint32_t id, uint32_t flags)
{
	vlapic_init_page(a, id, flags, a->own);
}
#endif
/* Moves the registers into page, their store from then on. */
void vlapic_use_page(struct vlapic *a, uint32_t *page);
/* Writes the registers hv keeps in fields into the page, as the CPU's
 * APIC-register virtualization reads them there (xAPIC layout). */
void vlapic_sync(struct vlapic *a);
static inline enum vlapic_mode vlapic_mode(const struct vlapic *a)
{
	if (!(a->base & VLAPIC_BASE_EN))
		return VLAPIC_DISABLED;
	return a->base & VLAPIC_BASE_EXTD ? VLAPIC_X2APIC : VLAPIC_XAPIC;
}

/* Enabled in IA32_APIC_BASE and by SVR bit 8 (software-enabled). */
static inline bool vlapic_enabled(const struct vlapic *a)
{
	return vlapic_mode(a) != VLAPIC_DISABLED && (a->svr & (1u << 8));
}

/*
 * IA32_APIC_BASE writes: SDM "Local x2APIC State Transitions". 0, or -1
 * for #GP: reserved bits, EXTD without EN, x2APIC to xAPIC, disabled to
 * x2APIC, and (hv's departure, docs/platform.md) any base but
 * 0xFEE00000. The BSP bit is read-only. Disabling resets the registers.
 */
int vlapic_set_base(struct vlapic *a, uint64_t val, uint8_t maxphyaddr);
/* x2APIC MSRs 0x800-0x8ff: 0 and the value, or -1 for #GP (not in
 * x2APIC mode, write-only or absent register). */
int vlapic_rdmsr(struct vlapic *a, uint32_t msr, uint64_t now, uint64_t *val);
/* 0, or -1 for #GP (not in x2APIC mode, read-only register, reserved
 * bits, bad EOI value). */
int vlapic_wrmsr(struct vlapic *a, uint32_t msr, uint64_t now, uint64_t val);
/* xAPIC registers: a 32-bit access at a 16-byte aligned offset below
 * 0x400. -1 for an offset outside that, or outside xAPIC mode. */
int vlapic_xapic_read(struct vlapic *a, uint32_t offset, uint64_t now,
		      uint32_t *val);
int vlapic_xapic_write(struct vlapic *a, uint32_t offset, uint64_t now,
		       uint32_t val);
/* IA32_TSC_DEADLINE: arms the timer only in TSC-deadline mode. */
uint64_t vlapic_get_tsc_deadline(struct vlapic *a, uint64_t now);
void vlapic_set_tsc_deadline(struct vlapic *a, uint64_t now, uint64_t val);

/* Raises the timer's interrupt if its deadline has passed. */
void vlapic_tick(struct vlapic *a, uint64_t now);
/* A fixed interrupt arrives (an IPI, the target's own CPU draining it):
 * requested, or an ESR error for a vector below 16. */
void vlapic_request(struct vlapic *a, int vector);
/* The vector to deliver now, or -1: the highest requested vector above
 * the processor priority, with the APIC enabled. */
int vlapic_pending(const struct vlapic *a);
/* True when the timer is armed and its deadline has come at now. */
static inline bool vlapic_due(const struct vlapic *a, uint64_t now)
{
	return a->deadline && now >= a->deadline;
}

/* True when no vector is requested and the timer is not due at now:
 * vlapic_tick and vlapic_pending would then change and find nothing.
 * Both are asked before every VM entry, hence inline. */
static inline bool vlapic_quiet(const struct vlapic *a, uint64_t now)
{
	return !a->irr_words && !vlapic_due(a, now);
}

/* The vector was delivered: it moves from requested to in service. */
void vlapic_accept(struct vlapic *a, int vector);
/* Undoes vlapic_accept() for an interrupt whose delivery never finished. */
void vlapic_unaccept(struct vlapic *a, int vector);
/*
 * TSC at which the timer next raises an interrupt, or 0 when it will not:
 * not armed, or its LVT entry masked (or with a vector below 16, which
 * vlapic_tick never delivers). A halted vCPU with only such a timer stays
 * halted, as a CPU does (SDM "HLT"), and the preemption timer does not
 * end a slice early for it. The count still runs: vlapic_tick, called
 * at every exit and when the LVT is written, moves a masked periodic
 * timer's deadline along.
 */
static inline uint64_t vlapic_next_deadline(const struct vlapic *a)
{
	uint32_t lvt = a->lvt[1];

	return (lvt & (1u << 16)) || (lvt & 0xff) < 16 ? 0 : a->deadline;
}

/* Destination decoding (SDM "Determining IPI Destination"): true when
 * an IPI to dest in that destination mode names this APIC. */
bool vlapic_match(const struct vlapic *a, uint32_t dest, bool logical,
		  bool x2apic);
/* The priority class lowest-priority delivery compares: TPR[7:4]. */
static inline uint32_t vlapic_priority_class(const struct vlapic *a)
{
	return (VLAPIC_TPR(a) >> 4) & 0xf;
}

/*
 * CR8 is the TPR's priority class: CR8[3:0] = TPR[7:4], and a CR8 write
 * clears TPR[3:0] (SDM "Task Priority in IA-32e Mode"). One register, so
 * a CR8 write masks interrupts as a TPR write does.
 */
static inline uint8_t vlapic_get_cr8(const struct vlapic *a)
{
	return (uint8_t)((VLAPIC_TPR(a) >> 4) & 0xf);
}

/* value is CR8's bits 3:0; the caller has refused bits 63:4 with #GP. */
static inline void vlapic_set_cr8(struct vlapic *a, uint64_t value)
{
	VLAPIC_TPR(a) = (uint32_t)(value & 0xf) << 4;
	a->vid_dirty = true;
}

/*
 * Virtual-interrupt delivery (SDM "Virtual-Interrupt Delivery"): the
 * guest interrupt status the next VM entry should carry, SVI in 15:8
 * (the highest vector in service) and RVI in 7:0 (the highest
 * requested), each 0 when there is none; the CPU then does PPR
 * virtualization and delivers by itself.
 */
uint16_t vlapic_intr_status(const struct vlapic *a);
/* The EOI-exit bitmap (vectors 0-255, four words): a vector whose EOI
 * hv must see, for it is level-triggered (TMR) or hv watches it. Every
 * other EOI is virtualized without an exit. */
void vlapic_eoi_exit_bitmap(const struct vlapic *a, uint64_t bm[4]);
/* hv asks to see vector's EOIs (or no longer, with on false). */
void vlapic_watch_eoi(struct vlapic *a, int vector, bool on);
/* An EOI-induced exit for vector: the CPU has already taken it out of
 * service (SDM "EOI Virtualization"); hv ends its level, if any. */
void vlapic_virtual_eoi(struct vlapic *a, int vector);
/* Makes irr_words exact again after the CPU took vectors out of IRR. */
void vlapic_rescan(struct vlapic *a);

#endif
