/* SPDX-License-Identifier: MIT */
/*
 * What hv requires of VT-x, in one table (lib/vmxcap.c), and what follows
 * from the capability MSRs: a list of named capabilities with a verdict on
 * whether hv can run, which the loader prints, and the control values the
 * core sets up every VMCS with. The loader refuses a CPU the core would
 * refuse, because both read the same table.
 */
#ifndef LIB_VMXCAP_H
#define LIB_VMXCAP_H

#include <stdbool.h>
#include <stdint.h>

/* The capability MSRs (arch/x86/msr.h); one that does not exist reads 0. */
struct vmx_cap_msrs {
	uint32_t cpuid1_ecx; /* CPUID.1:ECX; bit 5 = VMX */
	uint64_t feature_control; /* IA32_FEATURE_CONTROL */
	uint64_t basic; /* IA32_VMX_BASIC */
	uint64_t pinbased, procbased, exit, entry; /* IA32_VMX_*_CTLS */
	uint64_t misc; /* IA32_VMX_MISC */
	uint64_t procbased2; /* without secondary controls, 0 */
	uint64_t ept_vpid; /* with neither EPT nor VPID allowed, 0 */
	/* IA32_VMX_TRUE_*_CTLS, 0 when BASIC[55] = 0 */
	uint64_t true_pinbased, true_procbased, true_exit, true_entry;
};

struct vmx_cap {
	const char *name; /* short and lowercase, e.g. "ept 2m pages" */
	bool present;
	bool required;
};

#define VMX_CAP_MAX 48

struct vmx_cap_report {
	bool vmx; /* CPUID.1:ECX.VMX */
	bool fc_locked; /* IA32_FEATURE_CONTROL bit 0 */
	bool fc_vmx_outside_smx; /* IA32_FEATURE_CONTROL bit 2 */
	unsigned int count;
	struct vmx_cap caps[VMX_CAP_MAX];
	bool ok; /* hv can start */
	char reason[256]; /* when !ok: why not, in one line */
};

/*
 * Fills m through rdmsr, reading only the MSRs that exist: without
 * CPUID.1:ECX.VMX none at all, since they raise #GP then.
 */
void vmx_cap_read(struct vmx_cap_msrs *m, uint32_t cpuid1_ecx,
		  uint64_t (*rdmsr)(uint32_t msr));

/*
 * Fills r from m. When CPUID reports no VMX only cpuid1_ecx is read, and
 * r->count is 0: the VMX MSRs do not exist then and reading them faults.
 */
void vmx_cap_decode(const struct vmx_cap_msrs *m, struct vmx_cap_report *r);

/* The control fields' values hv sets up every VMCS with. */
struct vmx_controls {
	uint32_t pin, proc, proc2, exit, entry;
};

/*
 * Every control the table says hv sets, and every one it wants where the
 * CPU has it, adjusted to the capability MSRs: the bits the CPU does not
 * allow to be 1 are dropped, the bits it does not allow to be 0 are set.
 * Meant for an m that vmx_cap_decode found ok: a required control the
 * CPU lacks would be missing here too.
 */
void vmx_cap_controls(const struct vmx_cap_msrs *m, struct vmx_controls *c);

/* Which MSRs exist, so that no other is read. */
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
