// SPDX-License-Identifier: MIT
#include "arch/x86/vmx_names.h"

#include <stddef.h>

#include "arch/x86/vmcs.h"

/*
 * Each name is the enumerator's own spelling, so a log line can be
 * searched for in the source. Gaps stay NULL and read as "UNKNOWN".
 */
#define REASON(r) [EXIT_REASON_##r] = #r

static const char *const exit_reason_names[EXIT_REASON_LAST + 1] = {
	REASON(EXCEPTION_NMI),
	REASON(EXTERNAL_INTERRUPT),
	REASON(TRIPLE_FAULT),
	REASON(INIT),
	REASON(SIPI),
	REASON(IO_SMI),
	REASON(OTHER_SMI),
	REASON(INTERRUPT_WINDOW),
	REASON(NMI_WINDOW),
	REASON(TASK_SWITCH),
	REASON(CPUID),
	REASON(GETSEC),
	REASON(HLT),
	REASON(INVD),
	REASON(INVLPG),
	REASON(RDPMC),
	REASON(RDTSC),
	REASON(RSM),
	REASON(VMCALL),
	REASON(VMCLEAR),
	REASON(VMLAUNCH),
	REASON(VMPTRLD),
	REASON(VMPTRST),
	REASON(VMREAD),
	REASON(VMRESUME),
	REASON(VMWRITE),
	REASON(VMXOFF),
	REASON(VMXON),
	REASON(CR_ACCESS),
	REASON(DR_ACCESS),
	REASON(IO_INSTRUCTION),
	REASON(RDMSR),
	REASON(WRMSR),
	REASON(ENTRY_FAIL_GUEST_STATE),
	REASON(ENTRY_FAIL_MSR_LOADING),
	REASON(MWAIT),
	REASON(MONITOR_TRAP_FLAG),
	REASON(MONITOR),
	REASON(PAUSE),
	REASON(ENTRY_FAIL_MACHINE_CHECK),
	REASON(TPR_BELOW_THRESHOLD),
	REASON(APIC_ACCESS),
	REASON(VIRTUALIZED_EOI),
	REASON(GDTR_IDTR_ACCESS),
	REASON(LDTR_TR_ACCESS),
	REASON(EPT_VIOLATION),
	REASON(EPT_MISCONFIG),
	REASON(INVEPT),
	REASON(RDTSCP),
	REASON(PREEMPTION_TIMER),
	REASON(INVVPID),
	REASON(WBINVD),
	REASON(XSETBV),
	REASON(APIC_WRITE),
	REASON(RDRAND),
	REASON(INVPCID),
	REASON(VMFUNC),
	REASON(ENCLS),
	REASON(RDSEED),
	REASON(PML_FULL),
	REASON(XSAVES),
	REASON(XRSTORS),
	REASON(PCONFIG),
	REASON(SPP_EVENT),
	REASON(UMWAIT),
	REASON(TPAUSE),
	REASON(LOADIWKEY),
	REASON(ENCLV),
	REASON(ENQCMD_PASID_FAIL),
	REASON(ENQCMDS_PASID_FAIL),
	REASON(BUS_LOCK),
	REASON(INSTRUCTION_TIMEOUT),
	REASON(SEAMCALL),
	REASON(TDCALL),
	REASON(RDMSRLIST),
	REASON(WRMSRLIST),
};

#undef REASON

const char *vmx_exit_reason_name(uint32_t basic_reason)
{
	const size_t n = sizeof(exit_reason_names) / sizeof(exit_reason_names[0]);

	if (basic_reason >= n || !exit_reason_names[basic_reason])
		return "UNKNOWN";
	return exit_reason_names[basic_reason];
}

/*
 * SDM Vol. 3C "VM-Instruction Error Numbers". The dual-monitor entries
 * (16-25) concern SMM transfer monitors, which hv never sets up; they are
 * listed so that a stray number still reads as what it is.
 */
static const char *const insn_error_texts[VMXERR_LAST + 1] = {
	[VMXERR_VMCALL_IN_ROOT] = "VMCALL executed in VMX root operation",
	[VMXERR_VMCLEAR_INVALID_ADDRESS] =
		"VMCLEAR with invalid physical address",
	[VMXERR_VMCLEAR_VMXON_POINTER] = "VMCLEAR with VMXON pointer",
	[VMXERR_VMLAUNCH_NONCLEAR_VMCS] = "VMLAUNCH with non-clear VMCS",
	[VMXERR_VMRESUME_NONLAUNCHED_VMCS] =
		"VMRESUME with non-launched VMCS",
	[VMXERR_VMRESUME_AFTER_VMXOFF] =
		"VMRESUME after VMXOFF (VMXOFF and VMXON between VMLAUNCH and VMRESUME)",
	[VMXERR_ENTRY_INVALID_CONTROL] =
		"VM entry with invalid control field(s)",
	[VMXERR_ENTRY_INVALID_HOST_STATE] =
		"VM entry with invalid host-state field(s)",
	[VMXERR_VMPTRLD_INVALID_ADDRESS] =
		"VMPTRLD with invalid physical address",
	[VMXERR_VMPTRLD_VMXON_POINTER] = "VMPTRLD with VMXON pointer",
	[VMXERR_VMPTRLD_BAD_REVISION] =
		"VMPTRLD with incorrect VMCS revision identifier",
	[VMXERR_UNSUPPORTED_COMPONENT] =
		"VMREAD/VMWRITE from/to unsupported VMCS component",
	[VMXERR_VMWRITE_READ_ONLY] = "VMWRITE to read-only VMCS component",
	[VMXERR_VMXON_IN_ROOT] = "VMXON executed in VMX root operation",
	[VMXERR_ENTRY_INVALID_EXECUTIVE_VMCS] =
		"VM entry with invalid executive-VMCS pointer",
	[VMXERR_ENTRY_NONLAUNCHED_EXECUTIVE_VMCS] =
		"VM entry with non-launched executive VMCS",
	[VMXERR_ENTRY_EXECUTIVE_NOT_VMXON] =
		"VM entry with executive-VMCS pointer not VMXON pointer",
	[VMXERR_VMCALL_NONCLEAR_VMCS] = "VMCALL with non-clear VMCS",
	[VMXERR_VMCALL_INVALID_EXIT_CONTROLS] =
		"VMCALL with invalid VM-exit control fields",
	[VMXERR_VMCALL_BAD_MSEG_REVISION] =
		"VMCALL with incorrect MSEG revision identifier",
	[VMXERR_VMXOFF_DUAL_MONITOR] =
		"VMXOFF under dual-monitor treatment of SMIs and SMM",
	[VMXERR_VMCALL_INVALID_SMM_FEATURES] =
		"VMCALL with invalid SMM-monitor features",
	[VMXERR_ENTRY_INVALID_EXECUTIVE_CONTROLS] =
		"VM entry with invalid VM-execution control fields in executive VMCS",
	[VMXERR_ENTRY_BLOCKED_BY_MOV_SS] =
		"VM entry with events blocked by MOV SS",
	[VMXERR_INVALID_INVEPT_INVVPID_OPERAND] =
		"invalid operand to INVEPT/INVVPID",
};

const char *vmx_instruction_error_text(uint32_t number)
{
	const size_t n = sizeof(insn_error_texts) / sizeof(insn_error_texts[0]);

	if (number >= n || !insn_error_texts[number])
		return "unknown VM-instruction error";
	return insn_error_texts[number];
}
