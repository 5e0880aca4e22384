/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's virtual local APIC, in x2APIC mode only: the registers a guest
 * kernel needs for its own timer interrupt (ID, version, TPR, PPR, EOI,
 * LDR, spurious vector, ISR/TMR/IRR, ESR, the LVTs, the timer's initial
 * and current count and divide configuration, self-IPI). Pure logic on
 * TSC values, so the unit tests run it on the host; arch/x86 injects what
 * it says is pending.
 */
#ifndef HV_VLAPIC_H
#define HV_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct vlapic {
	uint32_t id;
	uint32_t tpr;
	uint32_t svr;
	uint32_t esr;
	uint64_t icr; /* the last accepted ICR write, read back as written */
	uint32_t lvt[7]; /* CMCI, timer, thermal, perf, LINT0, LINT1, error */
	uint32_t divide; /* the divide configuration register */
	uint32_t initial_count;
	uint64_t timer_start; /* TSC when the count was (re)loaded */
	uint64_t deadline; /* TSC of the next expiry; 0 when not armed */
	uint32_t irr[8]; /* requested vectors, one bit each */
	uint32_t irr_words; /* bit i set: irr[i] is not zero */
	uint32_t isr[8]; /* vectors in service */
	uint64_t timer_fired; /* expiries that raised an interrupt */
};

void vlapic_init(struct vlapic *a, uint32_t id);
/* 0 and the value, or -1 for #GP (a write-only or absent register). */
int vlapic_rdmsr(struct vlapic *a, uint32_t msr, uint64_t now, uint64_t *val);
/* 0, or -1 for #GP (read-only register, reserved bits, bad EOI value). */
int vlapic_wrmsr(struct vlapic *a, uint32_t msr, uint64_t now, uint64_t val);
/* Raises the timer's interrupt if its deadline has passed. */
void vlapic_tick(struct vlapic *a, uint64_t now);
/* The vector to deliver now, or -1: the highest requested vector above
 * the processor priority, with the APIC software-enabled. */
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

/*
 * CR8 is the TPR's priority class: CR8[3:0] = TPR[7:4], and a CR8 write
 * clears TPR[3:0] (SDM "Task Priority in IA-32e Mode"). One register, so
 * a CR8 write masks interrupts as a TPR write does.
 */
static inline uint8_t vlapic_get_cr8(const struct vlapic *a)
{
	return (uint8_t)((a->tpr >> 4) & 0xf);
}

/* value is CR8's bits 3:0; the caller has refused bits 63:4 with #GP. */
static inline void vlapic_set_cr8(struct vlapic *a, uint64_t value)
{
	a->tpr = (uint32_t)(value & 0xf) << 4;
}

#endif
