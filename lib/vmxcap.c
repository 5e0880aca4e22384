// SPDX-License-Identifier: MIT
/*
 * Decoding of the VMX capability MSRs. Bit positions are from the Intel SDM,
 * Vol. 3D, Appendix A "VMX Capability Reporting Facility"; the meaning of
 * each control is in Vol. 3C, "VM-Execution Controls", "VM-Exit Controls"
 * and "VM-Entry Controls".
 */
#include "lib/vmxcap.h"

#include <stddef.h>

#include "lib/fmt.h"

#define CPUID1_ECX_VMX (1u << 5)
#define FC_LOCKED (1ull << 0)
#define FC_VMX_OUTSIDE_SMX (1ull << 2)
#define BASIC_TRUE_CTLS 55

#define PROC_SECONDARY 31
#define PROC2_EPT 1
#define PROC2_VPID 5

/* Where a capability bit is reported. */
enum cap_src {
	SRC_NONE,
	SRC_BASIC, /* IA32_VMX_BASIC, bit as is */
	SRC_PIN, /* control MSRs: the allowed-1 half, bits 63:32 */
	SRC_PROC,
	SRC_PROC2,
	SRC_EXIT,
	SRC_ENTRY,
	SRC_EPT_VPID, /* IA32_VMX_EPT_VPID_CAP, bit as is */
};

struct cap_bit {
	enum cap_src src;
	unsigned int bit;
};

/*
 * Every capability hv reports. A capability tied to a VM-entry and a
 * VM-exit control (loading EFER or PAT) needs both bits. "required" means
 * hv does not start without it.
 */
static const struct {
	const char *name;
	struct cap_bit need[2];
	bool required;
} cap_table[] = {
	{ "true controls", { { SRC_BASIC, BASIC_TRUE_CTLS } }, false },
	{ "preemption timer", { { SRC_PIN, 6 } }, true },
	{ "io bitmaps", { { SRC_PROC, 25 } }, true },
	{ "msr bitmaps", { { SRC_PROC, 28 } }, true },
	{ "secondary controls", { { SRC_PROC, PROC_SECONDARY } }, true },
	{ "ept", { { SRC_PROC2, PROC2_EPT } }, true },
	{ "vpid", { { SRC_PROC2, PROC2_VPID } }, true },
	{ "unrestricted guest", { { SRC_PROC2, 7 } }, false },
	{ "save pat", { { SRC_EXIT, 18 } }, true },
	{ "load pat", { { SRC_EXIT, 19 }, { SRC_ENTRY, 14 } }, true },
	{ "save efer", { { SRC_EXIT, 20 } }, true },
	{ "load efer", { { SRC_EXIT, 21 }, { SRC_ENTRY, 15 } }, true },
	{ "save preemption timer", { { SRC_EXIT, 22 } }, false },
	{ "ept 4-level walk", { { SRC_EPT_VPID, 6 } }, true },
	{ "ept write-back", { { SRC_EPT_VPID, 14 } }, true },
	{ "ept 2m pages", { { SRC_EPT_VPID, 16 } }, false },
	{ "ept 1g pages", { { SRC_EPT_VPID, 17 } }, false },
	{ "invept", { { SRC_EPT_VPID, 20 } }, true },
	{ "invept single-context", { { SRC_EPT_VPID, 25 } }, true },
	{ "invvpid", { { SRC_EPT_VPID, 32 } }, true },
	{ "invvpid single-context", { { SRC_EPT_VPID, 41 } }, true },
};

#define NCAPS (sizeof(cap_table) / sizeof(cap_table[0]))
_Static_assert(NCAPS <= VMX_CAP_MAX, "report has room for every capability");

bool vmx_cap_has_true_msrs(uint64_t basic)
{
	return (basic >> BASIC_TRUE_CTLS) & 1;
}

bool vmx_cap_has_secondary(uint64_t procbased)
{
	return (procbased >> (32 + PROC_SECONDARY)) & 1;
}

bool vmx_cap_has_ept_vpid_msr(uint64_t procbased2)
{
	return ((procbased2 >> (32 + PROC2_EPT)) & 1) ||
	       ((procbased2 >> (32 + PROC2_VPID)) & 1);
}

/*
 * The MSR values to test, with the ones that do not exist replaced by 0 so
 * that whatever the caller left in them cannot count. "Reporting Register
 * of Pin-Based VM-Execution Controls" and its siblings: when BASIC[55] is
 * set, the TRUE MSRs are the ones that report the allowed settings.
 */
static void effective(const struct vmx_cap_msrs *m, uint64_t v[])
{
	bool t = vmx_cap_has_true_msrs(m->basic);

	v[SRC_NONE] = 0;
	v[SRC_BASIC] = m->basic;
	v[SRC_PIN] = t ? m->true_pinbased : m->pinbased;
	v[SRC_PROC] = t ? m->true_procbased : m->procbased;
	v[SRC_EXIT] = t ? m->true_exit : m->exit;
	v[SRC_ENTRY] = t ? m->true_entry : m->entry;
	v[SRC_PROC2] = vmx_cap_has_secondary(v[SRC_PROC]) ? m->procbased2 : 0;
	v[SRC_EPT_VPID] = vmx_cap_has_ept_vpid_msr(v[SRC_PROC2]) ?
				  m->ept_vpid : 0;
}

static bool has_bit(const uint64_t v[], struct cap_bit b)
{
	unsigned int bit = b.bit;

	if (b.src == SRC_NONE)
		return true;
	if (b.src != SRC_BASIC && b.src != SRC_EPT_VPID)
		bit += 32;
	return (v[b.src] >> bit) & 1;
}

void vmx_cap_decode(const struct vmx_cap_msrs *m, struct vmx_cap_report *r)
{
	uint64_t v[SRC_EPT_VPID + 1];
	size_t n = 0, left = sizeof(r->reason);
	unsigned int i, missing = 0;

	*r = (struct vmx_cap_report){ 0 };
	r->vmx = m->cpuid1_ecx & CPUID1_ECX_VMX;
	if (!r->vmx) {
		fmt_snprintf(r->reason, sizeof(r->reason),
			     "VT-x is not available (CPUID.1:ECX.VMX=0)");
		return;
	}

	r->fc_locked = m->feature_control & FC_LOCKED;
	r->fc_vmx_outside_smx = m->feature_control & FC_VMX_OUTSIDE_SMX;
	effective(m, v);
	for (i = 0; i < NCAPS; i++) {
		struct vmx_cap *c = &r->caps[r->count++];

		c->name = cap_table[i].name;
		c->required = cap_table[i].required;
		c->present = has_bit(v, cap_table[i].need[0]) &&
			     has_bit(v, cap_table[i].need[1]);
	}

	/* Unlocked is fine: hv sets the enable bit and locks it itself. */
	if (r->fc_locked && !r->fc_vmx_outside_smx) {
		fmt_snprintf(r->reason, sizeof(r->reason),
			     "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL locked with VMX outside SMX off)");
		return;
	}

	for (i = 0; i < r->count; i++) {
		const struct vmx_cap *c = &r->caps[i];
		int w;

		if (!c->required || c->present)
			continue;
		w = fmt_snprintf(r->reason + n, left, "%s%s",
				 missing ? ", " :
					   "required capability missing: ",
				 c->name);
		missing++;
		/* On truncation the reason stays as far as it fit. */
		if (w < 0 || (size_t)w >= left) {
			n = sizeof(r->reason) - 1;
			left = 1;
		} else {
			n += (size_t)w;
			left -= (size_t)w;
		}
	}
	r->ok = !missing;
}

uint64_t cr4_firmware_check(uint64_t cr4, const char **refusal)
{
	*refusal = NULL;
	if (cr4 & CR4_BIT_LA57)
		*refusal = "the firmware runs with 5-level paging (CR4.LA57), and hv's page tables are 4-level";
	return cr4 & ~(CR4_BIT_CET | CR4_BIT_PKS);
}
