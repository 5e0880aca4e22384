/* SPDX-License-Identifier: MIT */
/*
 * Machine checks. hv sets CR4.MCE on every CPU and takes #MC itself, in
 * VMX root operation through its IDT and in a guest through the
 * exception bitmap; no guest is shown MCA or handles a machine check.
 * What the CPU can still do is read from IA32_MCG_STATUS and the banks'
 * IA32_MCi_STATUS (SDM Vol. 3B, "Machine-Check Architecture"); the
 * decision is mce_assess(), a pure function the host unit tests check.
 */
#ifndef ARCH_X86_MCE_H
#define ARCH_X86_MCE_H

#include <stdbool.h>
#include <stdint.h>

#define MCG_STATUS_RIPV (1ull << 0) /* the interrupted context can restart */
#define MCG_STATUS_EIPV (1ull << 1) /* the error is tied to its IP */
#define MCG_STATUS_MCIP (1ull << 2) /* a machine check is in progress */
#define MCI_STATUS_VAL (1ull << 63)
#define MCI_STATUS_UC (1ull << 61)
#define MCI_STATUS_PCC (1ull << 57)

enum mce_verdict {
	MCE_RESUME, /* nothing lost: the interrupted context goes on */
	MCE_STOP_GUEST, /* the guest's context was hit: its partition stops */
	MCE_PANIC, /* the machine cannot continue */
};

/*
 * SDM Vol. 3B, "Machine-Check Error Codes" and "Error Codes for
 * Machine-Check Exceptions": a valid bank with PCC set means the
 * processor context may be corrupt, and nothing can go on. Without
 * RIPV the interrupted context cannot restart; with EIPV and an
 * uncorrected error the error belongs to the interrupted instruction.
 * Either is the guest's end when it ran in a guest, and hv's when it
 * ran in hv. A broadcast check that hit another CPU leaves RIPV set and
 * EIPV clear here, and the context goes on.
 */
static inline enum mce_verdict mce_assess(uint64_t mcg_status,
					  const uint64_t *bank_status,
					  unsigned int banks, bool in_guest)
{
	bool uncorrected = false;

	for (unsigned int i = 0; i < banks; i++) {
		if (!(bank_status[i] & MCI_STATUS_VAL))
			continue;
		if (bank_status[i] & MCI_STATUS_PCC)
			return MCE_PANIC;
		if (bank_status[i] & MCI_STATUS_UC)
			uncorrected = true;
	}
	if (!(mcg_status & MCG_STATUS_RIPV) ||
	    (uncorrected && (mcg_status & MCG_STATUS_EIPV)))
		return in_guest ? MCE_STOP_GUEST : MCE_PANIC;
	return MCE_RESUME;
}

/* Sets CR4.MCE on this CPU where CPUID shows MCE. */
void mce_cpu_init(void);
/*
 * Reads and clears this CPU's machine-check state after a #MC (or an
 * exit for one) and says what it allows; prints each valid bank.
 */
enum mce_verdict mce_handle(bool in_guest);
/* Prints this CPU's machine-check state, for a panic. */
void mce_dump(void);

#endif
