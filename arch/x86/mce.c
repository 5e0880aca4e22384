// SPDX-License-Identifier: MIT
#include "arch/x86/mce.h"

#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "hv/log.h"

#define MCE_MAX_BANKS 32

void mce_cpu_init(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	/* CPUID.1:EDX.MCE (bit 7): without it CR4.MCE is reserved. */
	if (d & (1u << 7))
		write_cr4(read_cr4() | CR4_MCE);
}

enum mce_verdict mce_handle(bool in_guest)
{
	uint64_t status[MCE_MAX_BANKS];
	uint64_t mcg = rdmsr(IA32_MCG_STATUS);
	unsigned int banks = (unsigned int)(rdmsr(IA32_MCG_CAP) & MCG_CAP_COUNT);
	enum mce_verdict verdict;

	if (banks > MCE_MAX_BANKS)
		banks = MCE_MAX_BANKS;
	for (unsigned int i = 0; i < banks; i++) {
		status[i] = rdmsr(IA32_MC0_STATUS + 4 * i);
		/* In hv the #MC may have interrupted a holder of the console
		 * lock: the banks are printed by the panic, if there is one. */
		if (in_guest && (status[i] & MCI_STATUS_VAL))
			pr_err("machine check on cpu %u (%s): bank %u status 0x%lx, mcg_status 0x%lx",
			       this_cpu()->index, in_guest ? "in a guest" : "in hv",
			       i, status[i], mcg);
	}
	verdict = mce_assess(mcg, status, banks, in_guest);
	if (verdict == MCE_PANIC)
		return verdict;
	/* SDM "Machine-Check Initialization" and "Pseudocode for the
	 * Machine-Check Handler": the banks are cleared, and MCIP last, or
	 * the next machine check shuts the CPU down. */
	for (unsigned int i = 0; i < banks; i++)
		if (status[i] & MCI_STATUS_VAL)
			wrmsr(IA32_MC0_STATUS + 4 * i, 0);
	wrmsr(IA32_MCG_STATUS, 0);
	return verdict;
}

void mce_dump(void)
{
	unsigned int banks = (unsigned int)(rdmsr(IA32_MCG_CAP) & MCG_CAP_COUNT);

	hv_log(HV_LOG_ERROR, "  mcg_status 0x%lx", rdmsr(IA32_MCG_STATUS));
	for (unsigned int i = 0; i < banks && i < MCE_MAX_BANKS; i++)
		hv_log(HV_LOG_ERROR, "  bank %u status 0x%lx", i,
		       rdmsr(IA32_MC0_STATUS + 4 * i));
}
