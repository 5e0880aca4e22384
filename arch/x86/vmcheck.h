/* SPDX-License-Identifier: MIT */
/*
 * The VM-entry checker: every check of the SDM's "Checks on VMX Controls
 * and Host-State Area" and "Checks on the Guest State Area" (Vol. 3C,
 * chapter "VM Entries"), made in software before hv executes VMLAUNCH or
 * VMRESUME, so that a VMCS a real CPU would refuse is refused here, on a
 * test bed (Bochs) that does not check everything a CPU checks.
 *
 * It reads the VMCS through an accessor (struct vmcheck_vmcs), so the
 * same code checks the live VMCS (VMREAD, arch/x86/vmcheck_hv.c) and a
 * recorded image (an array of field values, arch/x86/vmcheck_image.c).
 * What the CPU allows comes from struct vmcheck_caps: the VMX capability
 * MSRs and the few CPUID facts the checks name. Freestanding: built into
 * hv and into the host unit tests and fuzz target.
 */
#ifndef ARCH_X86_VMCHECK_H
#define ARCH_X86_VMCHECK_H

#include <stdbool.h>
#include <stdint.h>

/* The rules, in the SDM's order (arch/x86/vmcheck_rules.h). */
enum vmcheck_rule {
	VMCHECK_NONE = 0,
#define VMCHECK_RULE(id, section, text) VMCHECK_##id,
#include "arch/x86/vmcheck_rules.h"
#undef VMCHECK_RULE
	VMCHECK_RULE_COUNT,
};

/* The number of rules checked (VMCHECK_RULE_COUNT - 1). */
unsigned vmcheck_rule_count(void);
/* "GUEST_SS_RPL", the enumerator without VMCHECK_; NULL out of range. */
const char *vmcheck_rule_id(unsigned rule);
/* The SDM section title the rule is in. */
const char *vmcheck_rule_section(unsigned rule);
/* The rule in the SDM's words. */
const char *vmcheck_rule_text(unsigned rule);
/* The rule by its id, or VMCHECK_NONE. */
unsigned vmcheck_rule_by_id(const char *id);

/*
 * What the CPU reports (SDM Vol. 3D appendix "VMX Capability Reporting
 * Facility", and CPUID). Control MSRs hold the allowed 0-settings in bits
 * 31:0 and the allowed 1-settings in 63:32, from the TRUE MSRs where
 * IA32_VMX_BASIC[55] says they exist.
 */
struct vmcheck_caps {
	uint64_t basic; /* IA32_VMX_BASIC */
	uint64_t pin, proc, proc2, exit, entry;
	uint64_t proc3; /* IA32_VMX_PROCBASED_CTLS3: allowed 1-settings */
	uint64_t exit2; /* IA32_VMX_EXIT_CTLS2: allowed 1-settings */
	uint64_t misc; /* IA32_VMX_MISC */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_vpid; /* IA32_VMX_EPT_VPID_CAP */
	uint64_t vmfunc; /* IA32_VMX_VMFUNC */
	uint32_t phys_bits; /* CPUID.80000008H:EAX[7:0] */
	uint32_t linear_bits; /* CPUID.80000008H:EAX[15:8] */
	/* Bits of each MSR that are not reserved on this CPU. */
	uint64_t efer_valid, debugctl_valid, perf_global_valid;
	uint64_t rtit_ctl_valid, lbr_ctl_valid;
	uint32_t flags; /* VMCHECK_CPU_* */
	/* The processor's own IA32_EFER.LMA at VM entry: hv's, 1. */
	uint32_t host_lma;
	/* The VMCS being entered, for the link-pointer rule; the
	 * executive-VMCS pointer matters in SMM only. */
	uint64_t current_vmcs, executive_vmcs;
};

#define VMCHECK_CPU_RTM (1u << 0) /* CPUID.(EAX=7,ECX=0):EBX[11] */
#define VMCHECK_CPU_SGX (1u << 1) /* CPUID.(EAX=7,ECX=0):EBX[2] */
#define VMCHECK_CPU_IN_SMM (1u << 2) /* never so for hv */

/*
 * How the checker reads a VMCS. read gives a field's value and false
 * for a field this VMCS (or CPU) does not have; read_phys gives 8 bytes
 * of physical memory for the few rules about memory the VMCS points to
 * (the VMCS link pointer's header, the virtual-APIC page's VTPR, a PAE
 * guest's PDPTEs without EPT), and may be NULL, or refuse an address:
 * such a rule then counts as broken, since it could not be shown to hold.
 */
struct vmcheck_vmcs {
	bool (*read)(void *ctx, uint32_t field, uint64_t *value);
	bool (*read_phys)(void *ctx, uint64_t pa, uint64_t *value);
	void *ctx;
	/* Set by hv: read is VMREAD of the current VMCS, which the checker
	 * then executes itself, saving a call for every field. */
	bool vmread;
};

/*
 * A broken rule, the field it is about and that field's value, and the
 * other fields it reads (0 where unused), which hv uses to tell a state
 * the guest made from one hv wrote.
 */
#define VMCHECK_MAX_FIELDS 4
struct vmcheck_verdict {
	unsigned rule;
	uint32_t field;
	uint64_t value;
	uint32_t fields[VMCHECK_MAX_FIELDS];
	/* The rule also reads the VM-entry event injection, hv's choice. */
	bool injection;
};

/*
 * Checks everything; true if no rule is broken. Otherwise *first (if not
 * NULL) is the first broken rule in the SDM's order, and report (if not
 * NULL) is called for every broken rule, in order; a report returning
 * false stops the check there.
 */
bool vmcheck(const struct vmcheck_caps *caps, const struct vmcheck_vmcs *vmcs,
	     struct vmcheck_verdict *first,
	     bool (*report)(void *arg, const struct vmcheck_verdict *v),
	     void *arg);

/*
 * A memo of one VMCS's last check, for hv's check before every entry of
 * the same vCPU: a group of rules whose every input is as it was when
 * the group last passed passes again, and is skipped. The memo keeps the
 * value of every field at the last check (one word a field) and three
 * groups: the controls and the host state (but the event to inject),
 * which hv changes seldom; the guest's control and debug registers, MSRs,
 * GDTR and IDTR, which guests set up once; and the guest's segment
 * registers with the few bits of mode their rules read (RFLAGS.VM,
 * CR0.PE, "unrestricted guest", "IA-32e mode guest"). The rest (the
 * event, RIP, RFLAGS, the non-register state, the VMCS link pointer and
 * PDPTEs) is checked every time. The groups kept read no memory. A
 * zeroed memo holds nothing; keep one for each VMCS, since the host
 * state differs from CPU to CPU, and the caps must be the same.
 */
#define VMCHECK_MEMO_WORDS 124
struct vmcheck_memo {
	bool static_valid, regs_valid, seg_valid;
	uint64_t regs_mode, seg_mode; /* the few bits of mode, as kept */
	uint64_t words[VMCHECK_MEMO_WORDS];
};

/* vmcheck() stopping at the first broken rule, with a memo. */
bool vmcheck_cached(const struct vmcheck_caps *caps,
		    const struct vmcheck_vmcs *vmcs, struct vmcheck_memo *memo,
		    struct vmcheck_verdict *first);

/*
 * Every field the checker reads, in a fixed order: images record these.
 * A field exists only while the controls that give it meaning say so
 * (the EPTP with "enable EPT", the PAT with "load IA32_PAT", ...):
 * vmcheck_read_fields reads the controls first and then only those.
 */
unsigned vmcheck_field_count(void);
uint32_t vmcheck_field_encoding(unsigned index);
/* The field's index, or -1 for one the checker does not read. */
int vmcheck_field_index(uint32_t encoding);
/* "GUEST_RIP" (the enum vmcs_field name without VMCS_), or "UNKNOWN". */
const char *vmcheck_field_name(uint32_t encoding);
/*
 * Reads every field the VMCS has (guest-state fields only, if guest_only)
 * into values[index], setting present[index] to 1 for each one read and
 * to 0 for the others; returns how many it read.
 */
unsigned vmcheck_read_fields(const struct vmcheck_vmcs *vmcs, bool guest_only,
			     uint64_t *values, uint8_t *present);

/*
 * Whose doing a broken rule is, for a vCPU that has run (before its first
 * entry everything is hv's): the guest's when the rule is one of the
 * guest-state checks, does not read the event hv injects, and reads only
 * guest fields hv never writes after set-up (vmcheck_hv_written): the
 * state the CPU saved at a VM exit, made by the guest's own execution.
 * Any other is hv's: what hv writes, or leaves as the CPU saved it in a
 * field it manages, hv must make right.
 */
bool vmcheck_guest_caused(const struct vmcheck_verdict *v);
extern const uint32_t vmcheck_hv_written[];
extern const unsigned vmcheck_hv_written_count;

/*
 * A compile-time switch for the mutation test of the unit tests: a build
 * with -DVMCHECK_DISABLED=VMCHECK_<ID> never reports that one rule, and
 * the unit test of that rule must then fail.
 */
#ifndef VMCHECK_DISABLED
#define VMCHECK_DISABLED VMCHECK_NONE
#endif

#endif
