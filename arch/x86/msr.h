/* SPDX-License-Identifier: MIT */
/*
 * Every MSR that hv, its loader and its test guests name, with the SDM's
 * names (Vol. 4, "Model-Specific Registers (MSRs)", "Architectural MSRs";
 * the x2APIC ones from Vol. 3A, "x2APIC Register Address Space"), and
 * the bits of them that code reads or sets. Numbers only and no other
 * include, so that every environment can include it: the core, the
 * loader, lib/, the unit tests on the host and the guests. Assembly
 * cannot; arch/x86/asm-offsets.c passes on what it needs.
 */
#ifndef ARCH_X86_MSR_H
#define ARCH_X86_MSR_H

#define IA32_TIME_STAMP_COUNTER 0x10u
#define IA32_PLATFORM_ID 0x17u
#define IA32_APIC_BASE 0x1bu
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_DEFAULT 0xfee00000ull /* the architectural base */
#define IA32_FEATURE_CONTROL 0x3au
#define FEATURE_CONTROL_LOCK (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define IA32_SPEC_CTRL 0x48u
#define SPEC_CTRL_IBRS (1ull << 0)
#define IA32_BIOS_SIGN_ID 0x8bu
#define MSR_PLATFORM_INFO 0xce /* Intel's, not architectural: ratios */
#define MSR_MISC_FEATURES_ENABLES 0x140
#define IA32_MTRRCAP 0xfeu
#define IA32_SYSENTER_CS 0x174u
#define IA32_SYSENTER_ESP 0x175u
#define IA32_SYSENTER_EIP 0x176u
#define IA32_MCG_CAP 0x179u
#define MCG_CAP_COUNT 0xffull /* bits 7:0, the number of banks */
#define IA32_MCG_STATUS 0x17au
#define IA32_PERFEVTSEL0 0x186u
#define IA32_PERFEVTSEL7 0x18du
#define IA32_MISC_ENABLE 0x1a0u
#define MISC_ENABLE_FAST_STRINGS (1ull << 0)
#define IA32_DEBUGCTL 0x1d9u
#define DEBUGCTL_LBR (1ull << 0)
#define DEBUGCTL_BTF (1ull << 1)
#define IA32_MTRR_PHYSBASE0 0x200u
#define IA32_PAT 0x277u
#define IA32_MTRR_DEF_TYPE 0x2ffu
#define IA32_FIXED_CTR_CTRL 0x38du
#define IA32_PERF_GLOBAL_CTRL 0x38fu
#define IA32_PERF_GLOBAL_OVF_CTRL 0x390u
#define MTRR_DEF_TYPE_E (1ull << 11) /* MTRRs enabled */
#define MTRR_TYPE_WB 6ull
/* IA32_MCi_STATUS is IA32_MC0_STATUS + 4 * i. */
#define IA32_MC0_STATUS 0x401u

/* SDM Vol. 3D, Appendix A "VMX Capability Reporting Facility". */
#define IA32_VMX_BASIC 0x480u
#define VMX_BASIC_REVISION_MASK 0x7fffffffull /* bits 30:0 */
#define VMX_BASIC_TRUE_CTLS (1ull << 55)
#define IA32_VMX_PINBASED_CTLS 0x481u
#define IA32_VMX_PROCBASED_CTLS 0x482u
#define IA32_VMX_EXIT_CTLS 0x483u
#define IA32_VMX_ENTRY_CTLS 0x484u
#define IA32_VMX_MISC 0x485u
#define VMX_MISC_PREEMPTION_SHIFT 0x1full /* bits 4:0: timer = TSC >> n */
#define IA32_VMX_CR0_FIXED0 0x486u
#define IA32_VMX_CR0_FIXED1 0x487u
#define IA32_VMX_CR4_FIXED0 0x488u
#define IA32_VMX_CR4_FIXED1 0x489u
#define IA32_VMX_PROCBASED_CTLS2 0x48bu
#define IA32_VMX_EPT_VPID_CAP 0x48cu
#define EPT_VPID_CAP_WALK_4 (1ull << 6)
#define EPT_VPID_CAP_WB (1ull << 14)
#define EPT_VPID_CAP_2M_PAGES (1ull << 16)
#define EPT_VPID_CAP_1G_PAGES (1ull << 17)
#define EPT_VPID_CAP_INVEPT (1ull << 20)
#define EPT_VPID_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_VPID_CAP_INVEPT_ALL (1ull << 26)
#define EPT_VPID_CAP_INVVPID (1ull << 32)
#define EPT_VPID_CAP_INVVPID_SINGLE (1ull << 41)
#define EPT_VPID_CAP_INVVPID_ALL (1ull << 42)
#define IA32_VMX_TRUE_PINBASED_CTLS 0x48du
#define IA32_VMX_TRUE_PROCBASED_CTLS 0x48eu
#define IA32_VMX_TRUE_EXIT_CTLS 0x48fu
#define IA32_VMX_TRUE_ENTRY_CTLS 0x490u
#define IA32_VMX_VMFUNC 0x491u
#define IA32_VMX_PROCBASED_CTLS3 0x492u
#define IA32_VMX_EXIT_CTLS2 0x493u

#define IA32_TSC_DEADLINE 0x6e0u

/*
 * The x2APIC registers are MSRs 0x800-0x8ff: the xAPIC page's register
 * at offset off is MSR 0x800 + off / 16.
 */
#define IA32_X2APIC_FIRST 0x800u
#define IA32_X2APIC_LAST 0x8ffu
#define IA32_X2APIC_MSR(off) (IA32_X2APIC_FIRST + (off) / 16)
#define IA32_X2APIC_APICID 0x802u
#define IA32_X2APIC_VERSION 0x803u
#define IA32_X2APIC_TPR 0x808u
#define IA32_X2APIC_PPR 0x80au
#define IA32_X2APIC_EOI 0x80bu
#define IA32_X2APIC_LDR 0x80du
#define IA32_X2APIC_SIVR 0x80fu
#define IA32_X2APIC_ISR0 0x810u /* ISR0..7: 0x810..0x817 */
#define IA32_X2APIC_ISR2 0x812u /* vectors 95:64 */
#define IA32_X2APIC_TMR0 0x818u
#define IA32_X2APIC_IRR0 0x820u
#define IA32_X2APIC_ESR 0x828u
#define IA32_X2APIC_LVT_CMCI 0x82fu
#define IA32_X2APIC_ICR 0x830u
#define IA32_X2APIC_LVT_TIMER 0x832u
#define IA32_X2APIC_LVT_ERROR 0x837u
#define IA32_X2APIC_INIT_COUNT 0x838u
#define IA32_X2APIC_CUR_COUNT 0x839u
#define IA32_X2APIC_DIV_CONF 0x83eu
#define IA32_X2APIC_SELF_IPI 0x83fu

#define IA32_EFER 0xc0000080u
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define IA32_STAR 0xc0000081u
#define IA32_LSTAR 0xc0000082u
#define IA32_CSTAR 0xc0000083u
#define IA32_FMASK 0xc0000084u /* SYSCALL's RFLAGS mask, "SFMASK" */
#define IA32_FS_BASE 0xc0000100u
#define IA32_GS_BASE 0xc0000101u
#define IA32_KERNEL_GS_BASE 0xc0000102u
#define IA32_TSC_AUX 0xc0000103u

#endif
