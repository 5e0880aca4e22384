/* SPDX-License-Identifier: MIT */
/*
 * Hypercall dispatch (docs/hypercalls.md): one function per call in a
 * table indexed by number, and the one place where hv's internal error
 * codes (hv/errno.h) become the ABI's HV_STATUS_* codes.
 */
#ifndef HV_HCALL_H
#define HV_HCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/arch.h"
#include "hv/hypercall.h"
#include "hv/partition.h"
#include "hv/stats.h"
#include "hv/vcpu.h"
#include "lib/compiler.h"

/*
 * The ABI status for a negative HV_E* code: each internal code has one
 * status, and a code without one is answered HV_STATUS_INVALID.
 */
int64_t hv_status_of_error(int64_t err) __attribute__((cold));

/*
 * What a call's function answers: a count, an id or OK as they are, an
 * internal error as its ABI status. Every function of the table returns
 * through this, so the translation has one place and costs the calls
 * that succeed one test.
 */
static inline int64_t hv_status(int64_t r)
{
	return likely(r >= 0) ? r : hv_status_of_error(r);
}

/* What a hypercall asks of the scheduler besides its status. */
enum hypercall_effect {
	HC_CONTINUE,
	HC_YIELD, /* give the CPU up for the rest of the slice */
	HC_POWEROFF, /* power the machine off */
};

struct hypercall_entry {
	/* The status for RAX: 0 or a count or an id, or an HV_STATUS_*
	 * code made by hv_status() */
	int64_t (*fn)(struct vcpu *v);
	/* Any partition may make it; a management call is the parent's
	 * alone, and a number with no call is open to none. */
	bool open;
	uint8_t effect; /* enum hypercall_effect, when fn returns OK */
};

/* Indexed by number; the numbers no call has are all zeros. */
extern const struct hypercall_entry hypercall_table[HV_INFO_HYPERCALLS];

/* A call that has no function, or that the caller may not make: counted,
 * logged, and HV_EPERM or HV_ENOSYS. */
int64_t hypercall_refused(struct vcpu *v, uint64_t nr);

/*
 * A hypercall from guest ring 0: sets RAX to its status and says what
 * else is to be done. Inline: the exit path calls it for every VMCALL
 * (docs/benchmarks.md).
 */
static inline enum hypercall_effect hypercall(struct vcpu *v)
{
	uint64_t nr = hcall_nr(&v->arch);
	const struct hypercall_entry *h = &hypercall_table[0];
	int64_t status;

	stats_hypercall(v->stats, nr);
	if (likely(nr < HV_INFO_HYPERCALLS))
		h = &hypercall_table[nr];
	/* One test on the common path, for a call open to every partition. */
#ifdef HV_MUTANT_CHILD_MGMT
	/* Test-only mutant (tests/unit/unit.mk): lets a child make the
	 * parent's calls, which test_hcall must catch. Never built into hv. */
	if (unlikely(!h->open) && !h->fn) {
#else
	if (unlikely(!h->open) && (!h->fn || !v->part->parent)) {
#endif
		hcall_set_status(&v->arch, hv_status(hypercall_refused(v, nr)));
		return HC_CONTINUE;
	}
	status = h->fn(v);
	hcall_set_status(&v->arch, status);
	return status == HV_STATUS_OK ? (enum hypercall_effect)h->effect :
					HC_CONTINUE;
}

#endif
