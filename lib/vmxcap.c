// SPDX-License-Identifier: MIT
/*
 * Decoding of the VMX capability MSRs. Bit positions are from the Intel SDM,
 * Vol. 3D, Appendix A "VMX Capability Reporting Facility"; the meaning of
 * each control is in Vol. 3C, "VM-Execution Controls", "VM-Exit Controls"
 * and "VM-Entry Controls".
 */
#include "lib/vmxcap.h"

#include <stddef.h>

#include "arch/x86/msr.h"
#include "arch/x86/vmx_controls.h"
#include "lib/fmt.h"

#define CPUID1_ECX_VMX (1u << 5)

/* Where a capability bit is reported. */
enum cap_src {
	SRC_NONE,
	SRC_BASIC, /* IA32_VMX_BASIC, bit as is */
	SRC_PIN, /* control MSRs: the control's bit in the allowed-1 half */
	SRC_PROC,
	SRC_PROC2,
	SRC_EXIT,
	SRC_ENTRY,
	SRC_EPT_VPID, /* IA32_VMX_EPT_VPID_CAP, bit as is */
	SRC_COUNT,
};

struct cap_bit {
	enum cap_src src;
	uint64_t mask; /* a control's bit, or the MSR's own bit */
};

/* What hv does with a capability. */
enum cap_use {
	USE_REPORT, /* nothing: it is reported, and hv runs without it */
	USE_WANT, /* a control hv sets where the CPU allows it */
	USE_SET, /* a control hv sets in every VMCS: required */
	/* Required, not set in every VMCS: a capability hv relies on, or a
	 * control it switches on when needed. */
	USE_NEED,
};

/*
 * Every capability hv reports, requires or sets, and the one list of
 * them: the loader refuses a CPU without a required one, and the core
 * sets up every VMCS with the USE_SET and USE_WANT controls
 * (vmx_cap_controls). A capability tied to a VM-exit and a VM-entry
 * control (loading PAT or EFER) needs both bits. hv exits on HLT, MWAIT,
 * MONITOR, RDPMC, WBINVD and CR8 accesses, and on external interrupts and
 * NMIs, which are hv's; not on CR3 accesses (requested 0, which the true
 * MSRs allow where the CPU can).
 */
static const struct {
	const char *name;
	struct cap_bit need[2];
	enum cap_use use;
} cap_table[] = {
	{ "true controls", { { SRC_BASIC, VMX_BASIC_TRUE_CTLS } }, USE_REPORT },
	{ "preemption timer", { { SRC_PIN, PIN_PREEMPTION_TIMER } }, USE_SET },
	{ "io bitmaps", { { SRC_PROC, PROC_USE_IO_BITMAPS } }, USE_SET },
	{ "msr bitmaps", { { SRC_PROC, PROC_USE_MSR_BITMAPS } }, USE_SET },
	{ "external-interrupt exiting",
	  { { SRC_PIN, PIN_EXTERNAL_INTERRUPT_EXITING } }, USE_SET },
	{ "nmi exiting", { { SRC_PIN, PIN_NMI_EXITING } }, USE_SET },
	{ "interrupt-window exiting",
	  { { SRC_PROC, PROC_INTERRUPT_WINDOW_EXITING } }, USE_NEED },
	{ "hlt exiting", { { SRC_PROC, PROC_HLT_EXITING } }, USE_SET },
	{ "mwait exiting", { { SRC_PROC, PROC_MWAIT_EXITING } }, USE_SET },
	{ "rdpmc exiting", { { SRC_PROC, PROC_RDPMC_EXITING } }, USE_SET },
	{ "cr8-load exiting", { { SRC_PROC, PROC_CR8_LOAD_EXITING } }, USE_SET },
	{ "cr8-store exiting", { { SRC_PROC, PROC_CR8_STORE_EXITING } },
	  USE_SET },
	{ "monitor exiting", { { SRC_PROC, PROC_MONITOR_EXITING } }, USE_SET },
	{ "secondary controls", { { SRC_PROC, PROC_ACTIVATE_SECONDARY } },
	  USE_SET },
	{ "ept", { { SRC_PROC2, PROC2_ENABLE_EPT } }, USE_SET },
	{ "vpid", { { SRC_PROC2, PROC2_ENABLE_VPID } }, USE_SET },
	{ "wbinvd exiting", { { SRC_PROC2, PROC2_WBINVD_EXITING } }, USE_SET },
	{ "unrestricted guest", { { SRC_PROC2, PROC2_UNRESTRICTED_GUEST } },
	  USE_REPORT },
	{ "host address-space size", { { SRC_EXIT, EXIT_HOST_ADDR_SPACE_SIZE } },
	  USE_SET },
	{ "acknowledge interrupt on exit",
	  { { SRC_EXIT, EXIT_ACK_INTERRUPT_ON_EXIT } }, USE_SET },
	{ "save debug controls", { { SRC_EXIT, EXIT_SAVE_DEBUG_CONTROLS } },
	  USE_WANT },
	{ "save pat", { { SRC_EXIT, EXIT_SAVE_PAT } }, USE_SET },
	{ "load pat", { { SRC_EXIT, EXIT_LOAD_PAT }, { SRC_ENTRY, ENTRY_LOAD_PAT } },
	  USE_SET },
	{ "save efer", { { SRC_EXIT, EXIT_SAVE_EFER } }, USE_SET },
	{ "load efer",
	  { { SRC_EXIT, EXIT_LOAD_EFER }, { SRC_ENTRY, ENTRY_LOAD_EFER } },
	  USE_SET },
	{ "save preemption timer", { { SRC_EXIT, EXIT_SAVE_PREEMPTION_TIMER } },
	  USE_WANT },
	{ "ia-32e mode guest", { { SRC_ENTRY, ENTRY_IA32E_MODE_GUEST } },
	  USE_SET },
	{ "load debug controls", { { SRC_ENTRY, ENTRY_LOAD_DEBUG_CONTROLS } },
	  USE_WANT },
	{ "ept 4-level walk", { { SRC_EPT_VPID, EPT_VPID_CAP_WALK_4 } },
	  USE_NEED },
	{ "ept write-back", { { SRC_EPT_VPID, EPT_VPID_CAP_WB } }, USE_NEED },
	{ "ept 2m pages", { { SRC_EPT_VPID, EPT_VPID_CAP_2M_PAGES } },
	  USE_REPORT },
	{ "ept 1g pages", { { SRC_EPT_VPID, EPT_VPID_CAP_1G_PAGES } },
	  USE_REPORT },
	{ "invept", { { SRC_EPT_VPID, EPT_VPID_CAP_INVEPT } }, USE_NEED },
	{ "invept single-context", { { SRC_EPT_VPID, EPT_VPID_CAP_INVEPT_SINGLE } },
	  USE_NEED },
	{ "invvpid", { { SRC_EPT_VPID, EPT_VPID_CAP_INVVPID } }, USE_NEED },
	{ "invvpid single-context",
	  { { SRC_EPT_VPID, EPT_VPID_CAP_INVVPID_SINGLE } }, USE_NEED },
};

#define NCAPS (sizeof(cap_table) / sizeof(cap_table[0]))
_Static_assert(NCAPS <= VMX_CAP_MAX, "report has room for every capability");

bool vmx_cap_has_true_msrs(uint64_t basic)
{
	return basic & VMX_BASIC_TRUE_CTLS;
}

/* A control the CPU allows to be 1: its bit in the high half. */
static bool allows(uint64_t ctls_msr, uint32_t control)
{
	return (ctls_msr >> 32) & control;
}

bool vmx_cap_has_secondary(uint64_t procbased)
{
	return allows(procbased, PROC_ACTIVATE_SECONDARY);
}

bool vmx_cap_has_ept_vpid_msr(uint64_t procbased2)
{
	return allows(procbased2, PROC2_ENABLE_EPT | PROC2_ENABLE_VPID);
}

void vmx_cap_read(struct vmx_cap_msrs *m, uint32_t cpuid1_ecx,
		  uint64_t (*rdmsr)(uint32_t msr))
{
	*m = (struct vmx_cap_msrs){ .cpuid1_ecx = cpuid1_ecx };
	if (!(cpuid1_ecx & CPUID1_ECX_VMX))
		return;
	m->feature_control = rdmsr(IA32_FEATURE_CONTROL);
	m->basic = rdmsr(IA32_VMX_BASIC);
	m->pinbased = rdmsr(IA32_VMX_PINBASED_CTLS);
	m->procbased = rdmsr(IA32_VMX_PROCBASED_CTLS);
	m->exit = rdmsr(IA32_VMX_EXIT_CTLS);
	m->entry = rdmsr(IA32_VMX_ENTRY_CTLS);
	m->misc = rdmsr(IA32_VMX_MISC);
	if (vmx_cap_has_true_msrs(m->basic)) {
		m->true_pinbased = rdmsr(IA32_VMX_TRUE_PINBASED_CTLS);
		m->true_procbased = rdmsr(IA32_VMX_TRUE_PROCBASED_CTLS);
		m->true_exit = rdmsr(IA32_VMX_TRUE_EXIT_CTLS);
		m->true_entry = rdmsr(IA32_VMX_TRUE_ENTRY_CTLS);
	}
	/* Judged on the MSR that reports the allowed settings, as
	 * effective() below judges them. */
	if (vmx_cap_has_secondary(vmx_cap_has_true_msrs(m->basic) ?
					  m->true_procbased :
					  m->procbased))
		m->procbased2 = rdmsr(IA32_VMX_PROCBASED_CTLS2);
	if (vmx_cap_has_ept_vpid_msr(m->procbased2))
		m->ept_vpid = rdmsr(IA32_VMX_EPT_VPID_CAP);
}

/*
 * The MSR values to test, with the ones that do not exist replaced by 0 so
 * that whatever the caller left in them cannot count. "Reporting Register
 * of Pin-Based VM-Execution Controls" and its siblings: when BASIC[55] is
 * set, the TRUE MSRs are the ones that report the allowed settings.
 */
static void effective(const struct vmx_cap_msrs *m, uint64_t v[SRC_COUNT])
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

static bool has_bit(const uint64_t v[SRC_COUNT], struct cap_bit b)
{
	if (b.src == SRC_NONE)
		return true;
	if (b.src == SRC_BASIC || b.src == SRC_EPT_VPID)
		return v[b.src] & b.mask;
	return allows(v[b.src], (uint32_t)b.mask);
}

void vmx_cap_decode(const struct vmx_cap_msrs *m, struct vmx_cap_report *r)
{
	uint64_t v[SRC_COUNT];
	size_t n = 0, left = sizeof(r->reason);
	unsigned int i, missing = 0;

	*r = (struct vmx_cap_report){ 0 };
	r->vmx = m->cpuid1_ecx & CPUID1_ECX_VMX;
	if (!r->vmx) {
		fmt_snprintf(r->reason, sizeof(r->reason),
			     "VT-x is not available (CPUID.1:ECX.VMX=0)");
		return;
	}

	r->fc_locked = m->feature_control & FEATURE_CONTROL_LOCK;
	r->fc_vmx_outside_smx =
		m->feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	effective(m, v);
	for (i = 0; i < NCAPS; i++) {
		struct vmx_cap *c = &r->caps[r->count++];

		c->name = cap_table[i].name;
		c->required = cap_table[i].use == USE_SET ||
			      cap_table[i].use == USE_NEED;
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

/*
 * SDM Vol. 3D, "VMX Capability Reporting Facility": the low half of a
 * control MSR is the allowed 0-settings (bits that must be 1), the high
 * half the allowed 1-settings (bits that may be 1).
 */
static uint32_t adjust(uint64_t ctls_msr, uint32_t want)
{
	return (want | (uint32_t)ctls_msr) & (uint32_t)(ctls_msr >> 32);
}

void vmx_cap_controls(const struct vmx_cap_msrs *m, struct vmx_controls *c)
{
	uint64_t v[SRC_COUNT];
	uint32_t want[SRC_COUNT] = { 0 };

	effective(m, v);
	for (unsigned int i = 0; i < NCAPS; i++) {
		if (cap_table[i].use != USE_SET && cap_table[i].use != USE_WANT)
			continue;
		for (unsigned int j = 0; j < 2; j++)
			want[cap_table[i].need[j].src] |=
				(uint32_t)cap_table[i].need[j].mask;
	}
	c->pin = adjust(v[SRC_PIN], want[SRC_PIN]);
	c->proc = adjust(v[SRC_PROC], want[SRC_PROC]);
	c->proc2 = adjust(v[SRC_PROC2], want[SRC_PROC2]);
	c->exit = adjust(v[SRC_EXIT], want[SRC_EXIT]);
	c->entry = adjust(v[SRC_ENTRY], want[SRC_ENTRY]);
}

uint64_t cr4_firmware_check(uint64_t cr4, const char **refusal)
{
	*refusal = NULL;
	if (cr4 & CR4_BIT_LA57)
		*refusal = "the firmware runs with 5-level paging (CR4.LA57), and hv's page tables are 4-level";
	return cr4 & ~(CR4_BIT_CET | CR4_BIT_PKS);
}
