/* SPDX-License-Identifier: MIT */
/*
 * Turns the raw VMX capability MSRs into a list of named capabilities and a
 * verdict on whether hv can run. The loader reads the MSRs (only those that
 * exist, see the helpers below) and prints the report.
 */
#ifndef LIB_VMXCAP_H
#define LIB_VMXCAP_H

#include <stdbool.h>
#include <stdint.h>

struct vmx_cap_msrs {
	uint32_t cpuid1_ecx; /* CPUID.1:ECX; bit 5 = VMX */
	uint64_t feature_control; /* IA32_FEATURE_CONTROL (0x3a) */
	uint64_t basic; /* IA32_VMX_BASIC (0x480) */
	uint64_t pinbased, procbased, exit, entry; /* 0x481..0x484 */
	uint64_t misc; /* 0x485 */
	uint64_t procbased2; /* 0x48b, 0 when secondary controls unsupported */
	uint64_t ept_vpid; /* 0x48c, 0 when neither EPT nor VPID can be on */
	/* 0x48d..0x490, 0 when BASIC[55] = 0 */
	uint64_t true_pinbased, true_procbased, true_exit, true_entry;
};

struct vmx_cap {
	const char *name; /* short and lowercase, e.g. "ept 2m pages" */
	bool present;
	bool required;
};

#define VMX_CAP_MAX 32

struct vmx_cap_report {
	bool vmx; /* CPUID.1:ECX.VMX */
	bool fc_locked; /* IA32_FEATURE_CONTROL bit 0 */
	bool fc_vmx_outside_smx; /* IA32_FEATURE_CONTROL bit 2 */
	unsigned int count;
	struct vmx_cap caps[VMX_CAP_MAX];
	bool ok; /* hv can start */
	char reason[160]; /* when !ok: why not, in one line */
};

/*
 * Fills r from m. When CPUID reports no VMX only cpuid1_ecx is read, and
 * r->count is 0: the VMX MSRs do not exist then and reading them faults.
 */
void vmx_cap_decode(const struct vmx_cap_msrs *m, struct vmx_cap_report *r);

/* Which MSRs exist, so that the loader reads no other. */
bool vmx_cap_has_true_msrs(uint64_t basic);
bool vmx_cap_has_secondary(uint64_t procbased);
bool vmx_cap_has_ept_vpid_msr(uint64_t procbased2);

/*
 * What the firmware left in CR4 that hv cannot run under or changes. hv's
 * page tables are 4-level: with CR4.LA57 set, CR3 would be read as a
 * PML5 table, and LA57 cannot change while paging is on in IA-32e mode
 * (SDM "Enumeration and Enabling of 5-Level Paging"), so the loader
 * refuses; refusal names why. CR4.CET and CR4.PKS are hv's to clear:
 * nothing of hv is built for shadow stacks or indirect-branch tracking,
 * and its page tables carry no supervisor protection keys. Returns the
 * CR4 hv runs with.
 */
#define CR4_BIT_LA57 (1ull << 12)
#define CR4_BIT_CET (1ull << 23)
#define CR4_BIT_PKS (1ull << 24)
uint64_t cr4_firmware_check(uint64_t cr4, const char **refusal);

#endif
