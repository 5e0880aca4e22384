/* SPDX-License-Identifier: MIT */
/*
 * The VMCS fields and control bits the checker needs beyond what hv
 * itself uses and names elsewhere (the fields in arch/x86/vmcs_fields.h,
 * the controls in arch/x86/vmx_controls.h, the VMCS bit layouts in
 * arch/x86/vmcs.h, CR, RFLAGS and MSR bits in arch/x86/cpu.h and
 * arch/x86/msr.h, all included here): fields of features hv leaves off,
 * whose rules apply only when a control turns them on, and their bits. Encodings are from SDM
 * Vol. 3D appendix "Field Encoding in VMCS"; the bits from Vol. 3C
 * "VM-Execution Control Fields", "VM-Exit Control Fields" and "VM-Entry
 * Control Fields", and Vol. 3D "VMX Capability Reporting Facility".
 */
#ifndef ARCH_X86_VMCHECK_FIELDS_H
#define ARCH_X86_VMCHECK_FIELDS_H

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmx_events.h"

/* Fields not in enum vmcs_field. */
#define VMC_F_PI_VECTOR 0x0002u /* posted-interrupt notification vector */
#define VMC_F_EXECUTIVE_VMCS 0x200cu
#define VMC_F_PML_ADDRESS 0x200eu
#define VMC_F_PI_DESC 0x2016u /* posted-interrupt descriptor address */
#define VMC_F_VMFUNC_CTLS 0x2018u
#define VMC_F_EPTP_LIST 0x2024u
#define VMC_F_VMREAD_BITMAP 0x2026u
#define VMC_F_VMWRITE_BITMAP 0x2028u
#define VMC_F_VE_INFO 0x202au /* virtualization-exception information */
#define VMC_F_SPPTP 0x2030u
#define VMC_F_PROC3_CTLS 0x2034u /* tertiary processor-based controls */
#define VMC_F_EXIT2_CTLS 0x2044u /* secondary VM-exit controls */
#define VMC_F_GUEST_BNDCFGS 0x2812u
#define VMC_F_GUEST_RTIT_CTL 0x2814u
#define VMC_F_GUEST_LBR_CTL 0x2816u
#define VMC_F_GUEST_PKRS 0x2818u
#define VMC_F_HOST_PKRS 0x2c06u
#define VMC_F_GUEST_S_CET 0x6828u
#define VMC_F_GUEST_SSP 0x682au
#define VMC_F_GUEST_ISST 0x682cu /* IA32_INTERRUPT_SSP_TABLE_ADDR */
#define VMC_F_HOST_S_CET 0x6c18u
#define VMC_F_HOST_SSP 0x6c1au
#define VMC_F_HOST_ISST 0x6c1cu

/* Primary processor-based controls. */
#define VMC_PROC_TERTIARY (1ull << 17)

/* Secondary processor-based controls. */
#define VMC_PROC2_APIC_REG (1ull << 8)
#define VMC_PROC2_VID (1ull << 9) /* virtual-interrupt delivery */
#define VMC_PROC2_VMFUNC (1ull << 13)
#define VMC_PROC2_SHADOW_VMCS (1ull << 14)
#define VMC_PROC2_PML (1ull << 17)
#define VMC_PROC2_EPT_VE (1ull << 18)
#define VMC_PROC2_MBEC (1ull << 22)
#define VMC_PROC2_SPP (1ull << 23)
#define VMC_PROC2_PT_GPA (1ull << 24)

/* VM-exit controls. */
#define VMC_EXIT_CLEAR_RTIT (1ull << 25)
#define VMC_EXIT_CLEAR_UINV (1ull << 27)
#define VMC_EXIT_LOAD_CET (1ull << 28)
#define VMC_EXIT_LOAD_PKRS (1ull << 29)
#define VMC_EXIT_SECONDARY (1ull << 31)

/* VM-entry controls. */
#define VMC_ENTRY_SMM (1ull << 10)
#define VMC_ENTRY_DEACT_DUAL (1ull << 11)
#define VMC_ENTRY_LOAD_BNDCFGS (1ull << 16)
#define VMC_ENTRY_LOAD_RTIT (1ull << 18)
#define VMC_ENTRY_LOAD_UINV (1ull << 19)
#define VMC_ENTRY_LOAD_CET (1ull << 20)
#define VMC_ENTRY_LOAD_LBR (1ull << 21)
#define VMC_ENTRY_LOAD_PKRS (1ull << 22)
#define VMC_ENTRY_UNMODELLED 0xff800000ull /* bits 31:23 */

/* The VM-function control of EPTP switching. */
#define VMC_VMFUNC_EPTP_SWITCHING (1ull << 0)

/* IA32_VMX_BASIC, IA32_VMX_MISC, IA32_VMX_EPT_VPID_CAP. */
#define VMC_BASIC_NO_ERROR_CODE_CHECK (1ull << 56)
#define VMC_MISC_ACTIVITY_SHIFT 6 /* bits 8:6: HLT, shutdown, wait-for-SIPI */
#define VMC_MISC_ZERO_LENGTH (1ull << 30)
#define VMC_EPT_WALK5 (1ull << 7)
#define VMC_EPT_UC (1ull << 8)
#define VMC_EPT_AD (1ull << 21)

/* The RFLAGS bit of virtual-8086 mode. */
#define VMC_RFLAGS_VM (1ull << 17)

/* Access rights (SDM Vol. 3C "Guest Register State"). */
#define VMC_AR_TYPE(ar) ((unsigned)(ar)&0xfu)
#define VMC_AR_S (1ull << 4)
#define VMC_AR_DPL(ar) ((unsigned)((ar) >> 5) & 3u)
#define VMC_AR_P (1ull << 7)
#define VMC_AR_L (1ull << 13)
#define VMC_AR_DB (1ull << 14)
#define VMC_AR_G (1ull << 15)

/* The interruption-information format and states (arch/x86/vmcs.h has
 * hv's own names; these are shifted down for comparison). */
#define VMC_INTR_TYPE(i) ((unsigned)((i) >> 8) & 7u)
#define VMC_INTR_VECTOR(i) ((unsigned)(i)&0xffu)
enum {
	VMC_TYPE_EXT_INT = 0,
	VMC_TYPE_RESERVED = 1,
	VMC_TYPE_NMI = 2,
	VMC_TYPE_HW_EXC = 3,
	VMC_TYPE_SW_INT = 4,
	VMC_TYPE_PRIV_SW_EXC = 5,
	VMC_TYPE_SW_EXC = 6,
	VMC_TYPE_OTHER = 7,
};
#define VMC_BLOCK_ENCLAVE (1ull << 4)
#define VMC_PENDING_RTM (1ull << 16)

#endif
