/* SPDX-License-Identifier: MIT */
/*
 * The local APIC of a vCPU as its partition sees it: the register model
 * (hv/vlapic.h) plus delivery between the partition's vCPUs. An IPI is
 * posted into the target's inbox with locked atomics and the target's
 * CPU kicked; the target's own CPU drains the inbox into its model
 * before each VM entry (docs/architecture.md, "The virtual local APIC").
 */
#ifndef HV_APIC_H
#define HV_APIC_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* What an inbox holds besides vectors: summary bits in `any`. */
#define APIC_INBOX_VECTORS 1u
#define APIC_INBOX_NMI 2u
#define APIC_INBOX_INIT 4u
#define APIC_INBOX_SIPI 8u

/*
 * Written by any CPU (the senders), emptied only by the vCPU's own:
 * each posted vector sets its bit in vec, then APIC_INBOX_VECTORS in
 * any; a start-up IPI stores its vector before its flag.
 */
struct apic_inbox {
	uint32_t any;
	uint32_t vec[8];
	uint32_t sipi_vector;
};

/* How a vCPU waits (hv/apic.c); set by its own CPU under partitions_lock. */
enum vcpu_wait {
	VCPU_RUNNING,
	VCPU_WAIT_HLT, /* HLT with IF=1: any interrupt, NMI or INIT wakes it */
	VCPU_WAIT_HLT_NOIF, /* HLT with IF=0: only an NMI or INIT */
	VCPU_WAIT_SIPI, /* after INIT (or at creation): a start-up IPI */
};

/*
 * xAPIC register access by offset from the APIC base (a 32-bit access at
 * a 16-byte aligned offset below 0x400). 0 on success; -1 when the access
 * must fault (the caller decides how: today hv stops the partition).
 */
int vlapic_mmio_read(struct vcpu *v, uint32_t offset, uint64_t now,
		     uint32_t *val);
int vlapic_mmio_write(struct vcpu *v, uint32_t offset, uint64_t now,
		      uint32_t val);
/* The guest-physical APIC base while in xAPIC mode and enabled, else 0. */
uint64_t vlapic_xapic_base(const struct vcpu *v);

/* The MSRs of the APIC: x2APIC 0x800-0x8ff, IA32_APIC_BASE and
 * IA32_TSC_DEADLINE. 0, or -1 for #GP. */
int apic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t now, uint64_t *val);
int apic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t now, uint64_t val);

/* True when the inbox holds something that ends the vCPU's wait. */
bool apic_wakes(const struct vcpu *v);
/* The target's own CPU: posted vectors into its model; true when an NMI
 * came. INIT and start-up IPIs stay for apic_take_startup. */
bool apic_drain(struct vcpu *v);
/* Pending INIT or start-up IPI: the vCPU must leave guest mode, and
 * its next run begins with apic_take_startup. */
static inline bool apic_startup_pending(const struct apic_inbox *in)
{
	return __atomic_load_n(&in->any, __ATOMIC_ACQUIRE) &
	       (APIC_INBOX_INIT | APIC_INBOX_SIPI);
}
/* Takes the INIT and start-up flags (and the start-up vector). */
uint32_t apic_take_startup(struct vcpu *v, uint8_t *sipi_vector);
/*
 * The vCPU's own CPU: it waits, how, until the TSC until (0: no timer)
 * or an event of apic_wakes. False when now every vCPU of its partition
 * waits with nothing that can wake it: the partition is reported halted
 * and stopped.
 */
bool apic_wait(struct vcpu *v, enum vcpu_wait how, uint64_t until);

#endif
