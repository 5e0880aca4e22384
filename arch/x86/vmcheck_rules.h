/* SPDX-License-Identifier: MIT */
/*
 * Every rule vmcheck checks, as VMCHECK_RULE(id, section, text): the
 * section is the SDM's (Vol. 3C, chapter "VM Entries", sections "Checks
 * on VMX Controls and Host-State Area" and "Checks on the Guest State
 * Area"), the text its wording, with a sub-item's conditions written out
 * where the SDM puts them in the item above it. No include guard: it is
 * read once for the enum and once for the table (arch/x86/vmcheck.h,
 * arch/x86/vmcheck.c). docs/vmcheck.md lists the same rules, and
 * tests/unit/test_vmcheck.c checks that it does.
 */

#define VMCHECK_S_EXEC "Checks on VMX Controls: VM-Execution Control Fields"
#define VMCHECK_S_EXIT "Checks on VMX Controls: VM-Exit Control Fields"
#define VMCHECK_S_ENTRY "Checks on VMX Controls: VM-Entry Control Fields"
#define VMCHECK_S_HOST_CR "Checks on Host Control Registers, MSRs, and SSP"
#define VMCHECK_S_HOST_SEG "Checks on Host Segment and Descriptor-Table Registers"
#define VMCHECK_S_SIZE "Checks Related to Address-Space Size"
#define VMCHECK_S_GUEST_CR "Checks on Guest Control Registers, Debug Registers, and MSRs"
#define VMCHECK_S_GUEST_SEG "Checks on Guest Segment Registers"
#define VMCHECK_S_GUEST_DT "Checks on Guest Descriptor-Table Registers"
#define VMCHECK_S_GUEST_RIP "Checks on Guest RIP, RFLAGS, and SSP"
#define VMCHECK_S_GUEST_NR "Checks on Guest Non-Register State"
#define VMCHECK_S_PDPTE "Checks on Guest Page-Directory-Pointer-Table Entries"
#define VMCHECK_S_OWN "vmcheck's coverage"

/* ---- VM-execution control fields */
VMCHECK_RULE(EXEC_PIN_RESERVED, VMCHECK_S_EXEC,
	     "Reserved bits in the pin-based VM-execution controls must be set properly")
VMCHECK_RULE(EXEC_PROC_RESERVED, VMCHECK_S_EXEC,
	     "Reserved bits in the primary processor-based VM-execution controls must be set properly")
VMCHECK_RULE(EXEC_PROC2_RESERVED, VMCHECK_S_EXEC,
	     "If the \"activate secondary controls\" primary processor-based VM-execution control is 1, reserved bits in the secondary processor-based VM-execution controls must be cleared")
VMCHECK_RULE(EXEC_PROC3_RESERVED, VMCHECK_S_EXEC,
	     "If the \"activate tertiary controls\" primary processor-based VM-execution control is 1, reserved bits in the tertiary processor-based VM-execution controls must be cleared")
VMCHECK_RULE(EXEC_CR3_TARGET_COUNT, VMCHECK_S_EXEC,
	     "The CR3-target count must not be greater than 4 (the number IA32_VMX_MISC reports)")
VMCHECK_RULE(EXEC_IO_BITMAP_ALIGN, VMCHECK_S_EXEC,
	     "If the \"use I/O bitmaps\" VM-execution control is 1, bits 11:0 of each I/O-bitmap address must be 0")
VMCHECK_RULE(EXEC_IO_BITMAP_WIDTH, VMCHECK_S_EXEC,
	     "If the \"use I/O bitmaps\" VM-execution control is 1, neither I/O-bitmap address should set any bits beyond the processor's physical-address width")
VMCHECK_RULE(EXEC_MSR_BITMAP_ALIGN, VMCHECK_S_EXEC,
	     "If the \"use MSR bitmaps\" VM-execution control is 1, bits 11:0 of the MSR-bitmap address must be 0")
VMCHECK_RULE(EXEC_MSR_BITMAP_WIDTH, VMCHECK_S_EXEC,
	     "If the \"use MSR bitmaps\" VM-execution control is 1, the MSR-bitmap address should not set any bits beyond the processor's physical-address width")
VMCHECK_RULE(EXEC_VAPIC_ALIGN, VMCHECK_S_EXEC,
	     "If the \"use TPR shadow\" VM-execution control is 1, bits 11:0 of the virtual-APIC address must be 0")
VMCHECK_RULE(EXEC_VAPIC_WIDTH, VMCHECK_S_EXEC,
	     "If the \"use TPR shadow\" VM-execution control is 1, the virtual-APIC address should not set any bits beyond the processor's physical-address width")
VMCHECK_RULE(EXEC_TPR_THRESHOLD_BITS, VMCHECK_S_EXEC,
	     "If the \"use TPR shadow\" VM-execution control is 1 and the \"virtual-interrupt delivery\" VM-execution control is 0, bits 31:4 of the TPR threshold VM-execution control field must be 0")
VMCHECK_RULE(EXEC_TPR_THRESHOLD_VTPR, VMCHECK_S_EXEC,
	     "If the \"use TPR shadow\" VM-execution control is 1 and the \"virtualize APIC accesses\" and \"virtual-interrupt delivery\" VM-execution controls are both 0, the value of bits 3:0 of the TPR threshold VM-execution control field should not be greater than the value of bits 7:4 of VTPR")
VMCHECK_RULE(EXEC_NO_TPR_SHADOW, VMCHECK_S_EXEC,
	     "If the \"use TPR shadow\" VM-execution control is 0, the \"virtualize x2APIC mode\", \"APIC-register virtualization\" and \"virtual-interrupt delivery\" VM-execution controls must also be 0")
VMCHECK_RULE(EXEC_VIRTUAL_NMIS, VMCHECK_S_EXEC,
	     "If the \"NMI exiting\" VM-execution control is 0, the \"virtual NMIs\" VM-execution control must be 0")
VMCHECK_RULE(EXEC_NMI_WINDOW, VMCHECK_S_EXEC,
	     "If the \"virtual NMIs\" VM-execution control is 0, the \"NMI-window exiting\" VM-execution control must be 0")
VMCHECK_RULE(EXEC_APIC_ACCESS_ALIGN, VMCHECK_S_EXEC,
	     "If the \"virtualize APIC-accesses\" VM-execution control is 1, bits 11:0 of the APIC-access address must be 0")
VMCHECK_RULE(EXEC_APIC_ACCESS_WIDTH, VMCHECK_S_EXEC,
	     "If the \"virtualize APIC-accesses\" VM-execution control is 1, the APIC-access address should not set any bits beyond the processor's physical-address width")
VMCHECK_RULE(EXEC_X2APIC_APIC_ACCESS, VMCHECK_S_EXEC,
	     "If the \"virtualize x2APIC mode\" VM-execution control is 1, the \"virtualize APIC accesses\" VM-execution control must be 0")
VMCHECK_RULE(EXEC_VID_EXT_INT_EXITING, VMCHECK_S_EXEC,
	     "If the \"virtual-interrupt delivery\" VM-execution control is 1, the \"external-interrupt exiting\" VM-execution control must be 1")
VMCHECK_RULE(EXEC_PI_VID, VMCHECK_S_EXEC,
	     "If the \"process posted interrupts\" VM-execution control is 1, the \"virtual-interrupt delivery\" VM-execution control is 1")
VMCHECK_RULE(EXEC_PI_ACK_ON_EXIT, VMCHECK_S_EXEC,
	     "If the \"process posted interrupts\" VM-execution control is 1, the \"acknowledge interrupt on exit\" VM-exit control is 1")
VMCHECK_RULE(EXEC_PI_VECTOR, VMCHECK_S_EXEC,
	     "If the \"process posted interrupts\" VM-execution control is 1, the posted-interrupt notification vector has a value in the range 0-255 (bits 15:8 are all 0)")
VMCHECK_RULE(EXEC_PI_DESC_ALIGN, VMCHECK_S_EXEC,
	     "If the \"process posted interrupts\" VM-execution control is 1, bits 5:0 of the posted-interrupt descriptor address are all 0")
VMCHECK_RULE(EXEC_PI_DESC_WIDTH, VMCHECK_S_EXEC,
	     "If the \"process posted interrupts\" VM-execution control is 1, the posted-interrupt descriptor address does not set any bits beyond the processor's physical-address width")
VMCHECK_RULE(EXEC_VPID_NONZERO, VMCHECK_S_EXEC,
	     "If the \"enable VPID\" VM-execution control is 1, the value of the VPID VM-execution control field must not be 0000H")
VMCHECK_RULE(EXEC_EPTP_MEMORY_TYPE, VMCHECK_S_EXEC,
	     "If the \"enable EPT\" VM-execution control is 1, the EPT memory type (EPTP bits 2:0) must be a value supported by the processor as indicated in the IA32_VMX_EPT_VPID_CAP MSR")
VMCHECK_RULE(EXEC_EPTP_WALK_LENGTH, VMCHECK_S_EXEC,
	     "If the \"enable EPT\" VM-execution control is 1, EPTP bits 5:3 (1 less than the EPT page-walk length) must be 3 (a walk of 4), or 4 (a walk of 5) where IA32_VMX_EPT_VPID_CAP supports it")
VMCHECK_RULE(EXEC_EPTP_AD, VMCHECK_S_EXEC,
	     "If the \"enable EPT\" VM-execution control is 1, EPTP bit 6 (enable bit for accessed and dirty flags for EPT) must be 0 if bit 21 of the IA32_VMX_EPT_VPID_CAP MSR is read as 0")
VMCHECK_RULE(EXEC_EPTP_RESERVED, VMCHECK_S_EXEC,
	     "If the \"enable EPT\" VM-execution control is 1, reserved EPTP bits 11:7 and 63:N (where N is the processor's physical-address width) must all be 0")
VMCHECK_RULE(EXEC_PML_EPT, VMCHECK_S_EXEC,
	     "If the \"enable PML\" VM-execution control is 1, the \"enable EPT\" VM-execution control must also be 1")
VMCHECK_RULE(EXEC_PML_ADDRESS, VMCHECK_S_EXEC,
	     "If the \"enable PML\" VM-execution control is 1, bits 11:0 of the PML address must be 0, and the PML address must not set any bits beyond the processor's physical-address width")
VMCHECK_RULE(EXEC_UG_EPT, VMCHECK_S_EXEC,
	     "If the \"unrestricted guest\" VM-execution control is 1, the \"enable EPT\" VM-execution control must also be 1")
VMCHECK_RULE(EXEC_MBEC_EPT, VMCHECK_S_EXEC,
	     "If the \"mode-based execute control for EPT\" VM-execution control is 1, the \"enable EPT\" VM-execution control must also be 1")
VMCHECK_RULE(EXEC_SPP_EPT, VMCHECK_S_EXEC,
	     "If the \"sub-page write permissions for EPT\" VM-execution control is 1, the \"enable EPT\" VM-execution control must also be 1")
VMCHECK_RULE(EXEC_SPPTP, VMCHECK_S_EXEC,
	     "If the \"sub-page write permissions for EPT\" VM-execution control is 1, bits 11:0 of the SPPTP must be 0, and the SPPTP must not set any bits beyond the processor's physical-address width")
VMCHECK_RULE(EXEC_PT_GPA, VMCHECK_S_EXEC,
	     "If the \"Intel PT uses guest physical addresses\" VM-execution control is 1, the \"enable EPT\" VM-execution control, the \"load IA32_RTIT_CTL\" VM-entry control and the \"clear IA32_RTIT_CTL\" VM-exit control must also be 1")
VMCHECK_RULE(EXEC_VMFUNC_RESERVED, VMCHECK_S_EXEC,
	     "If the \"enable VM functions\" processor-based VM-execution control is 1, reserved bits in the VM-function controls must be clear")
VMCHECK_RULE(EXEC_EPTP_SWITCHING_EPT, VMCHECK_S_EXEC,
	     "If the \"enable VM functions\" VM-execution control and EPTP switching (bit 0 of the VM-function controls) are 1, the \"enable EPT\" VM-execution control must also be 1")
VMCHECK_RULE(EXEC_EPTP_LIST, VMCHECK_S_EXEC,
	     "If the \"enable VM functions\" VM-execution control and EPTP switching are 1, bits 11:0 of the EPTP-list address must be 0, and the address must not set any bits beyond the processor's physical-address width")
VMCHECK_RULE(EXEC_VMCS_SHADOW_BITMAPS, VMCHECK_S_EXEC,
	     "If the \"VMCS shadowing\" VM-execution control is 1, bits 11:0 of the VMREAD-bitmap and VMWRITE-bitmap addresses must be 0, and neither address may set any bits beyond the processor's physical-address width")
VMCHECK_RULE(EXEC_VE_INFO, VMCHECK_S_EXEC,
	     "If the \"EPT-violation #VE\" VM-execution control is 1, bits 11:0 of the virtualization-exception information address must be 0, and the address must not set any bits beyond the processor's physical-address width")

/* ---- VM-exit control fields */
VMCHECK_RULE(EXIT_RESERVED, VMCHECK_S_EXIT,
	     "Reserved bits in the VM-exit controls must be set properly")
VMCHECK_RULE(EXIT2_RESERVED, VMCHECK_S_EXIT,
	     "If the \"activate secondary controls\" VM-exit control is 1, reserved bits in the secondary VM-exit controls must be cleared")
VMCHECK_RULE(EXIT_SAVE_TIMER, VMCHECK_S_EXIT,
	     "If the \"activate VMX-preemption timer\" VM-execution control is 0, the \"save VMX-preemption timer value\" VM-exit control must also be 0")
VMCHECK_RULE(EXIT_MSR_STORE_ALIGN, VMCHECK_S_EXIT,
	     "If the VM-exit MSR-store count is not 0, the lower 4 bits of the VM-exit MSR-store address must be 0")
VMCHECK_RULE(EXIT_MSR_STORE_WIDTH, VMCHECK_S_EXIT,
	     "If the VM-exit MSR-store count is not 0, neither the VM-exit MSR-store address nor the address of the last byte of the area (address + count * 16 - 1) should set any bits beyond the processor's physical-address width (bits 63:32 if IA32_VMX_BASIC[48] is 1)")
VMCHECK_RULE(EXIT_MSR_LOAD_ALIGN, VMCHECK_S_EXIT,
	     "If the VM-exit MSR-load count is not 0, the lower 4 bits of the VM-exit MSR-load address must be 0")
VMCHECK_RULE(EXIT_MSR_LOAD_WIDTH, VMCHECK_S_EXIT,
	     "If the VM-exit MSR-load count is not 0, neither the VM-exit MSR-load address nor the address of the last byte of the area should set any bits beyond the processor's physical-address width (bits 63:32 if IA32_VMX_BASIC[48] is 1)")

/* ---- VM-entry control fields */
VMCHECK_RULE(ENTRY_RESERVED, VMCHECK_S_ENTRY,
	     "Reserved bits in the VM-entry controls must be set properly")
VMCHECK_RULE(ENTRY_INTR_TYPE, VMCHECK_S_ENTRY,
	     "If the valid bit of the VM-entry interruption-information field is 1, its interruption type (bits 10:8) is not set to a reserved value: 1 is reserved on all logical processors, 7 (other event) on those that do not support the 1-setting of the \"monitor trap flag\" VM-execution control")
VMCHECK_RULE(ENTRY_INTR_NMI_VECTOR, VMCHECK_S_ENTRY,
	     "If the interruption type is non-maskable interrupt (NMI), the vector is 2")
VMCHECK_RULE(ENTRY_INTR_HW_VECTOR, VMCHECK_S_ENTRY,
	     "If the interruption type is hardware exception, the vector is at most 31")
VMCHECK_RULE(ENTRY_INTR_OTHER_VECTOR, VMCHECK_S_ENTRY,
	     "If the interruption type is other event, the vector is 0 (pending MTF VM exit)")
VMCHECK_RULE(ENTRY_INTR_ERROR_CODE, VMCHECK_S_ENTRY,
	     "The deliver-error-code bit (bit 11) is 1 if and only if (1) the \"unrestricted guest\" VM-execution control is 0 or CR0.PE is 1 in the guest-state area, (2) the interruption type is hardware exception, and (3) the vector is one that delivers an error code (8, 10-14, 17 or 21)")
VMCHECK_RULE(ENTRY_INTR_RESERVED, VMCHECK_S_ENTRY,
	     "Reserved bits in the VM-entry interruption-information field (30:12) are 0")
VMCHECK_RULE(ENTRY_ERROR_CODE_BITS, VMCHECK_S_ENTRY,
	     "If the deliver-error-code bit (bit 11) is 1, bits 31:16 of the VM-entry exception error-code field are 0")
VMCHECK_RULE(ENTRY_INSTR_LEN, VMCHECK_S_ENTRY,
	     "If the interruption type is software interrupt, software exception, or privileged software exception, the VM-entry instruction-length field is in the range 1-15 (0 only if IA32_VMX_MISC[30] is 1)")
VMCHECK_RULE(ENTRY_MSR_LOAD_ALIGN, VMCHECK_S_ENTRY,
	     "If the VM-entry MSR-load count is not 0, the lower 4 bits of the VM-entry MSR-load address must be 0")
VMCHECK_RULE(ENTRY_MSR_LOAD_WIDTH, VMCHECK_S_ENTRY,
	     "If the VM-entry MSR-load count is not 0, neither the VM-entry MSR-load address nor the address of the last byte of the area should set any bits beyond the processor's physical-address width (bits 63:32 if IA32_VMX_BASIC[48] is 1)")
VMCHECK_RULE(ENTRY_SMM_OUTSIDE, VMCHECK_S_ENTRY,
	     "If the processor is not in SMM, the \"entry to SMM\" and \"deactivate dual-monitor treatment\" VM-entry controls must be 0")
VMCHECK_RULE(ENTRY_SMM_BOTH, VMCHECK_S_ENTRY,
	     "The \"entry to SMM\" and \"deactivate dual-monitor treatment\" VM-entry controls cannot both be 1")

/* ---- Host control registers, MSRs and SSP */
VMCHECK_RULE(HOST_CR0_FIXED, VMCHECK_S_HOST_CR,
	     "The CR0 field must not set any bit to a value not supported in VMX operation")
VMCHECK_RULE(HOST_CR4_FIXED, VMCHECK_S_HOST_CR,
	     "The CR4 field must not set any bit to a value not supported in VMX operation")
VMCHECK_RULE(HOST_CET_WP, VMCHECK_S_HOST_CR,
	     "If bit 23 in the CR4 field (corresponding to CET) is 1, bit 16 in the CR0 field (WP) must also be 1")
VMCHECK_RULE(HOST_CR3_WIDTH, VMCHECK_S_HOST_CR,
	     "The CR3 field must be such that bits 63:52 and bits in the range 51:32 beyond the processor's physical-address width must be 0")
VMCHECK_RULE(HOST_SYSENTER_CANONICAL, VMCHECK_S_HOST_CR,
	     "The IA32_SYSENTER_ESP field and the IA32_SYSENTER_EIP field must each contain a canonical address")
VMCHECK_RULE(HOST_CET_CANONICAL, VMCHECK_S_HOST_CR,
	     "If the \"load CET state\" VM-exit control is 1, the IA32_S_CET field and the IA32_INTERRUPT_SSP_TABLE_ADDR field must contain canonical addresses")
VMCHECK_RULE(HOST_S_CET_RESERVED, VMCHECK_S_HOST_CR,
	     "If the \"load CET state\" VM-exit control is 1, the IA32_S_CET field must not set any bits reserved in the MSR")
VMCHECK_RULE(HOST_SSP, VMCHECK_S_HOST_CR,
	     "If the \"load CET state\" VM-exit control is 1, bits 1:0 of the SSP field must be 0, bits 63:32 must be 0 if the \"host address-space size\" VM-exit control is 0, and the field must be canonical if it is 1")
VMCHECK_RULE(HOST_PERF_GLOBAL_CTRL, VMCHECK_S_HOST_CR,
	     "If the \"load IA32_PERF_GLOBAL_CTRL\" VM-exit control is 1, bits reserved in the IA32_PERF_GLOBAL_CTRL MSR must be 0 in the field for that register")
VMCHECK_RULE(HOST_PAT, VMCHECK_S_HOST_CR,
	     "If the \"load IA32_PAT\" VM-exit control is 1, each of the 8 bytes in the field for the IA32_PAT MSR must have one of the values 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB), or 7 (UC-)")
VMCHECK_RULE(HOST_EFER_RESERVED, VMCHECK_S_HOST_CR,
	     "If the \"load IA32_EFER\" VM-exit control is 1, bits reserved in the IA32_EFER MSR must be 0 in the field for that register")
VMCHECK_RULE(HOST_EFER_LMA_LME, VMCHECK_S_HOST_CR,
	     "If the \"load IA32_EFER\" VM-exit control is 1, the values of the LMA and LME bits in the field must each be that of the \"host address-space size\" VM-exit control")
VMCHECK_RULE(HOST_PKRS, VMCHECK_S_HOST_CR,
	     "If the \"load PKRS\" VM-exit control is 1, bits 63:32 of the IA32_PKRS field must be 0")

/* ---- Host segment and descriptor-table registers */
VMCHECK_RULE(HOST_SEL_RPL_TI, VMCHECK_S_HOST_SEG,
	     "In the selector field for each of CS, SS, DS, ES, FS, GS and TR, the RPL (bits 1:0) and the TI flag (bit 2) must be 0")
VMCHECK_RULE(HOST_CS_TR_NONZERO, VMCHECK_S_HOST_SEG,
	     "The selector fields for CS and TR cannot be 0000H")
VMCHECK_RULE(HOST_SS_NONZERO, VMCHECK_S_HOST_SEG,
	     "The selector field for SS cannot be 0000H if the \"host address-space size\" VM-exit control is 0")
VMCHECK_RULE(HOST_BASE_CANONICAL, VMCHECK_S_HOST_SEG,
	     "The base-address fields for FS, GS, GDTR, IDTR, and TR must contain canonical addresses")

/* ---- Address-space size */
VMCHECK_RULE(SIZE_OUTSIDE_IA32E_GUEST, VMCHECK_S_SIZE,
	     "If the logical processor is outside IA-32e mode (IA32_EFER.LMA = 0) at the time of VM entry, the \"IA-32e mode guest\" VM-entry control is 0")
VMCHECK_RULE(SIZE_OUTSIDE_IA32E_HOST, VMCHECK_S_SIZE,
	     "If the logical processor is outside IA-32e mode (IA32_EFER.LMA = 0) at the time of VM entry, the \"host address-space size\" VM-exit control is 0")
VMCHECK_RULE(SIZE_IA32E_HOST, VMCHECK_S_SIZE,
	     "If the logical processor is in IA-32e mode (IA32_EFER.LMA = 1) at the time of VM entry, the \"host address-space size\" VM-exit control must be 1")
VMCHECK_RULE(SIZE_HOST32_GUEST, VMCHECK_S_SIZE,
	     "If the \"host address-space size\" VM-exit control is 0, the \"IA-32e mode guest\" VM-entry control is 0")
VMCHECK_RULE(SIZE_HOST32_PCIDE, VMCHECK_S_SIZE,
	     "If the \"host address-space size\" VM-exit control is 0, bit 17 of the CR4 field (corresponding to CR4.PCIDE) is 0")
VMCHECK_RULE(SIZE_HOST32_RIP, VMCHECK_S_SIZE,
	     "If the \"host address-space size\" VM-exit control is 0, bits 63:32 in the RIP field are 0")
VMCHECK_RULE(SIZE_HOST64_PAE, VMCHECK_S_SIZE,
	     "If the \"host address-space size\" VM-exit control is 1, bit 5 of the CR4 field (corresponding to CR4.PAE) is 1")
VMCHECK_RULE(SIZE_HOST64_RIP, VMCHECK_S_SIZE,
	     "If the \"host address-space size\" VM-exit control is 1, the RIP field contains a canonical address")

/* ---- Guest control registers, debug registers and MSRs */
VMCHECK_RULE(GUEST_CR0_FIXED, VMCHECK_S_GUEST_CR,
	     "The CR0 field must not set any bit to a value not supported in VMX operation; PE and PG are not checked if the \"unrestricted guest\" VM-execution control is 1, NW and CD never")
VMCHECK_RULE(GUEST_CR0_PG_PE, VMCHECK_S_GUEST_CR,
	     "If bit 31 in the CR0 field (corresponding to PG) is 1, bit 0 in that field (PE) must also be 1")
VMCHECK_RULE(GUEST_CR4_FIXED, VMCHECK_S_GUEST_CR,
	     "The CR4 field must not set any bit to a value not supported in VMX operation")
VMCHECK_RULE(GUEST_CET_WP, VMCHECK_S_GUEST_CR,
	     "If bit 23 in the CR4 field (corresponding to CET) is 1, bit 16 in the CR0 field (WP) must also be 1")
VMCHECK_RULE(GUEST_DEBUGCTL, VMCHECK_S_GUEST_CR,
	     "If the \"load debug controls\" VM-entry control is 1, bits reserved in the IA32_DEBUGCTL MSR must be 0 in the field for that register")
VMCHECK_RULE(GUEST_IA32E_PG_PAE, VMCHECK_S_GUEST_CR,
	     "If the \"IA-32e mode guest\" VM-entry control is 1, bit 31 in the CR0 field (corresponding to CR0.PG) and bit 5 in the CR4 field (corresponding to CR4.PAE) must each be 1")
VMCHECK_RULE(GUEST_PCIDE, VMCHECK_S_GUEST_CR,
	     "If the \"IA-32e mode guest\" VM-entry control is 0, bit 17 in the CR4 field (corresponding to CR4.PCIDE) must be 0")
VMCHECK_RULE(GUEST_CR3_WIDTH, VMCHECK_S_GUEST_CR,
	     "The CR3 field must be such that bits 63:52 and bits in the range 51:32 beyond the processor's physical-address width are 0")
VMCHECK_RULE(GUEST_DR7, VMCHECK_S_GUEST_CR,
	     "If the \"load debug controls\" VM-entry control is 1, bits 63:32 in the DR7 field must be 0")
VMCHECK_RULE(GUEST_SYSENTER_CANONICAL, VMCHECK_S_GUEST_CR,
	     "The IA32_SYSENTER_ESP field and the IA32_SYSENTER_EIP field must each contain a canonical address")
VMCHECK_RULE(GUEST_CET_CANONICAL, VMCHECK_S_GUEST_CR,
	     "If the \"load CET state\" VM-entry control is 1, the IA32_S_CET field and the IA32_INTERRUPT_SSP_TABLE_ADDR field must contain canonical addresses")
VMCHECK_RULE(GUEST_S_CET_RESERVED, VMCHECK_S_GUEST_CR,
	     "If the \"load CET state\" VM-entry control is 1, the IA32_S_CET field must not set any bits reserved in the MSR")
VMCHECK_RULE(GUEST_PERF_GLOBAL_CTRL, VMCHECK_S_GUEST_CR,
	     "If the \"load IA32_PERF_GLOBAL_CTRL\" VM-entry control is 1, bits reserved in the IA32_PERF_GLOBAL_CTRL MSR must be 0 in the field for that register")
VMCHECK_RULE(GUEST_PAT, VMCHECK_S_GUEST_CR,
	     "If the \"load IA32_PAT\" VM-entry control is 1, each of the 8 bytes in the field for the IA32_PAT MSR must have one of the values 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB), or 7 (UC-)")
VMCHECK_RULE(GUEST_EFER_RESERVED, VMCHECK_S_GUEST_CR,
	     "If the \"load IA32_EFER\" VM-entry control is 1, bits reserved in the IA32_EFER MSR must be 0")
VMCHECK_RULE(GUEST_EFER_LMA, VMCHECK_S_GUEST_CR,
	     "If the \"load IA32_EFER\" VM-entry control is 1, bit 10 (corresponding to IA32_EFER.LMA) must equal the value of the \"IA-32e mode guest\" VM-entry control")
VMCHECK_RULE(GUEST_EFER_LME, VMCHECK_S_GUEST_CR,
	     "If the \"load IA32_EFER\" VM-entry control is 1 and bit 31 in the CR0 field (corresponding to CR0.PG) is 1, bit 10 (LMA) must be identical to bit 8 (LME)")
VMCHECK_RULE(GUEST_BNDCFGS_RESERVED, VMCHECK_S_GUEST_CR,
	     "If the \"load IA32_BNDCFGS\" VM-entry control is 1, reserved bits in the IA32_BNDCFGS MSR must be 0")
VMCHECK_RULE(GUEST_BNDCFGS_CANONICAL, VMCHECK_S_GUEST_CR,
	     "If the \"load IA32_BNDCFGS\" VM-entry control is 1, the linear address in bits 63:12 of the IA32_BNDCFGS field must be canonical")
VMCHECK_RULE(GUEST_RTIT_CTL, VMCHECK_S_GUEST_CR,
	     "If the \"load IA32_RTIT_CTL\" VM-entry control is 1, bits reserved in the IA32_RTIT_CTL MSR must be 0 in the field for that register")
VMCHECK_RULE(GUEST_LBR_CTL, VMCHECK_S_GUEST_CR,
	     "If the \"load guest IA32_LBR_CTL\" VM-entry control is 1, bits reserved in the IA32_LBR_CTL MSR must be 0 in the field for that register")
VMCHECK_RULE(GUEST_PKRS, VMCHECK_S_GUEST_CR,
	     "If the \"load PKRS\" VM-entry control is 1, bits 63:32 must be 0 in the IA32_PKRS field")

/* ---- Guest segment registers: selectors */
VMCHECK_RULE(GUEST_TR_TI, VMCHECK_S_GUEST_SEG,
	     "TR. The TI flag (bit 2) of the selector must be 0")
VMCHECK_RULE(GUEST_LDTR_TI, VMCHECK_S_GUEST_SEG,
	     "LDTR. If LDTR is usable, the TI flag (bit 2) of the selector must be 0")
VMCHECK_RULE(GUEST_SS_RPL, VMCHECK_S_GUEST_SEG,
	     "SS. If the guest will not be virtual-8086 and the \"unrestricted guest\" VM-execution control is 0, the RPL (bits 1:0) must equal the RPL of the selector field for CS")
/* ... base addresses */
VMCHECK_RULE(GUEST_V86_BASE, VMCHECK_S_GUEST_SEG,
	     "CS, SS, DS, ES, FS, GS. If the guest will be virtual-8086, the base address must be the selector field shifted left 4 bits (multiplied by 16)")
VMCHECK_RULE(GUEST_TR_FS_GS_BASE, VMCHECK_S_GUEST_SEG,
	     "TR, FS, GS. The base address must be canonical")
VMCHECK_RULE(GUEST_LDTR_BASE, VMCHECK_S_GUEST_SEG,
	     "LDTR. If LDTR is usable, the base address must be canonical")
VMCHECK_RULE(GUEST_CS_BASE, VMCHECK_S_GUEST_SEG,
	     "CS. Bits 63:32 of the base address must be zero")
VMCHECK_RULE(GUEST_SS_DS_ES_BASE, VMCHECK_S_GUEST_SEG,
	     "SS, DS, ES. If the register is usable, bits 63:32 of the base address must be zero")
/* ... limits */
VMCHECK_RULE(GUEST_V86_LIMIT, VMCHECK_S_GUEST_SEG,
	     "Limit fields for CS, SS, DS, ES, FS, GS. If the guest will be virtual-8086, the field must be 0000FFFFH")
/* ... access rights of CS, SS, DS, ES, FS, GS */
VMCHECK_RULE(GUEST_V86_AR, VMCHECK_S_GUEST_SEG,
	     "CS, SS, DS, ES, FS, GS. If the guest will be virtual-8086, the access-rights field must be 000000F3H")
VMCHECK_RULE(GUEST_CS_TYPE, VMCHECK_S_GUEST_SEG,
	     "CS. The Type must be 9, 11, 13, or 15 (accessed code segment); 3 (read/write accessed expand-up data segment) is also allowed if the \"unrestricted guest\" VM-execution control is 1")
VMCHECK_RULE(GUEST_SS_TYPE, VMCHECK_S_GUEST_SEG,
	     "SS. If SS is usable, the Type must be 3 or 7 (read/write, accessed data segment)")
VMCHECK_RULE(GUEST_DATA_ACCESSED, VMCHECK_S_GUEST_SEG,
	     "DS, ES, FS, GS. If the register is usable, bit 0 of the Type must be 1 (accessed)")
VMCHECK_RULE(GUEST_DATA_CODE_READABLE, VMCHECK_S_GUEST_SEG,
	     "DS, ES, FS, GS. If the register is usable and bit 3 of the Type is 1 (code segment), then bit 1 of the Type must be 1 (readable)")
VMCHECK_RULE(GUEST_SEG_S, VMCHECK_S_GUEST_SEG,
	     "Bit 4 (S). If the register is CS or if the register is usable, S must be 1")
VMCHECK_RULE(GUEST_CS_DPL_DATA, VMCHECK_S_GUEST_SEG,
	     "CS. If the Type is 3 (read/write accessed expand-up data segment), the DPL must be 0")
VMCHECK_RULE(GUEST_CS_DPL_NONCONFORMING, VMCHECK_S_GUEST_SEG,
	     "CS. If the Type is 9 or 11 (non-conforming code segment), the DPL must equal the DPL in the access-rights field for SS")
VMCHECK_RULE(GUEST_CS_DPL_CONFORMING, VMCHECK_S_GUEST_SEG,
	     "CS. If the Type is 13 or 15 (conforming code segment), the DPL cannot be greater than the DPL in the access-rights field for SS")
VMCHECK_RULE(GUEST_SS_DPL_RPL, VMCHECK_S_GUEST_SEG,
	     "SS. If the \"unrestricted guest\" VM-execution control is 0, the DPL must equal the RPL from the selector field")
VMCHECK_RULE(GUEST_SS_DPL_ZERO, VMCHECK_S_GUEST_SEG,
	     "SS. The DPL must be 0 either if the Type in the access-rights field for CS is 3 (read/write accessed expand-up data segment) or if bit 0 in the CR0 field (corresponding to CR0.PE) is 0")
VMCHECK_RULE(GUEST_DATA_DPL, VMCHECK_S_GUEST_SEG,
	     "DS, ES, FS, GS. The DPL cannot be less than the RPL in the selector field if (1) the \"unrestricted guest\" VM-execution control is 0; (2) the register is usable; and (3) the Type is in the range 0-11 (data segment or non-conforming code segment)")
VMCHECK_RULE(GUEST_SEG_P, VMCHECK_S_GUEST_SEG,
	     "Bit 7 (P). If the register is CS or if the register is usable, P must be 1")
VMCHECK_RULE(GUEST_SEG_RESERVED_11_8, VMCHECK_S_GUEST_SEG,
	     "Bits 11:8 (reserved). If the register is CS or if the register is usable, these bits must all be 0")
VMCHECK_RULE(GUEST_CS_DB, VMCHECK_S_GUEST_SEG,
	     "Bit 14 (D/B). For CS, D/B must be 0 if the guest will be IA-32e mode and the L bit (bit 13) in the access-rights field is 1")
VMCHECK_RULE(GUEST_SEG_G_LOW, VMCHECK_S_GUEST_SEG,
	     "Bit 15 (G). If the register is CS or if the register is usable: if any bit in the limit field in the range 11:0 is 0, G must be 0")
VMCHECK_RULE(GUEST_SEG_G_HIGH, VMCHECK_S_GUEST_SEG,
	     "Bit 15 (G). If the register is CS or if the register is usable: if any bit in the limit field in the range 31:20 is 1, G must be 1")
VMCHECK_RULE(GUEST_SEG_RESERVED_31_17, VMCHECK_S_GUEST_SEG,
	     "Bits 31:17 (reserved). If the register is CS or if the register is usable, these bits must all be 0")
/* ... TR */
VMCHECK_RULE(GUEST_TR_TYPE, VMCHECK_S_GUEST_SEG,
	     "TR. If the guest will not be IA-32e mode, the Type must be 3 (16-bit busy TSS) or 11 (32-bit busy TSS); if the guest will be IA-32e mode, the Type must be 11 (64-bit busy TSS)")
VMCHECK_RULE(GUEST_TR_S, VMCHECK_S_GUEST_SEG,
	     "TR. Bit 4 (S). S must be 0")
VMCHECK_RULE(GUEST_TR_P, VMCHECK_S_GUEST_SEG,
	     "TR. Bit 7 (P). P must be 1")
VMCHECK_RULE(GUEST_TR_RESERVED_11_8, VMCHECK_S_GUEST_SEG,
	     "TR. Bits 11:8 (reserved). These bits must all be 0")
VMCHECK_RULE(GUEST_TR_G_LOW, VMCHECK_S_GUEST_SEG,
	     "TR. Bit 15 (G). If any bit in the limit field in the range 11:0 is 0, G must be 0")
VMCHECK_RULE(GUEST_TR_G_HIGH, VMCHECK_S_GUEST_SEG,
	     "TR. Bit 15 (G). If any bit in the limit field in the range 31:20 is 1, G must be 1")
VMCHECK_RULE(GUEST_TR_UNUSABLE, VMCHECK_S_GUEST_SEG,
	     "TR. Bit 16 (Unusable). The unusable bit must be 0")
VMCHECK_RULE(GUEST_TR_RESERVED_31_17, VMCHECK_S_GUEST_SEG,
	     "TR. Bits 31:17 (reserved). These bits must all be 0")
/* ... LDTR */
VMCHECK_RULE(GUEST_LDTR_TYPE, VMCHECK_S_GUEST_SEG,
	     "LDTR. If LDTR is usable, the Type must be 2 (LDT)")
VMCHECK_RULE(GUEST_LDTR_S, VMCHECK_S_GUEST_SEG,
	     "LDTR. If LDTR is usable, bit 4 (S) must be 0")
VMCHECK_RULE(GUEST_LDTR_P, VMCHECK_S_GUEST_SEG,
	     "LDTR. If LDTR is usable, bit 7 (P) must be 1")
VMCHECK_RULE(GUEST_LDTR_RESERVED_11_8, VMCHECK_S_GUEST_SEG,
	     "LDTR. If LDTR is usable, bits 11:8 (reserved) must all be 0")
VMCHECK_RULE(GUEST_LDTR_G_LOW, VMCHECK_S_GUEST_SEG,
	     "LDTR. If LDTR is usable: if any bit in the limit field in the range 11:0 is 0, G must be 0")
VMCHECK_RULE(GUEST_LDTR_G_HIGH, VMCHECK_S_GUEST_SEG,
	     "LDTR. If LDTR is usable: if any bit in the limit field in the range 31:20 is 1, G must be 1")
VMCHECK_RULE(GUEST_LDTR_RESERVED_31_17, VMCHECK_S_GUEST_SEG,
	     "LDTR. If LDTR is usable, bits 31:17 (reserved) must all be 0")

/* ---- Guest descriptor-table registers */
VMCHECK_RULE(GUEST_DT_BASE, VMCHECK_S_GUEST_DT,
	     "The GDTR and IDTR base-address fields must contain canonical addresses")
VMCHECK_RULE(GUEST_DT_LIMIT, VMCHECK_S_GUEST_DT,
	     "Bits 31:16 of each of the GDTR and IDTR limit fields must be 0")

/* ---- Guest RIP, RFLAGS and SSP */
VMCHECK_RULE(GUEST_RIP_HIGH, VMCHECK_S_GUEST_RIP,
	     "RIP. Bits 63:32 must be 0 if the \"IA-32e mode guest\" VM-entry control is 0 or if the L bit (bit 13) in the access-rights field for CS is 0")
VMCHECK_RULE(GUEST_RIP_LINEAR, VMCHECK_S_GUEST_RIP,
	     "RIP. If the processor supports N < 64 linear-address bits, bits 63:N must be identical if the \"IA-32e mode guest\" VM-entry control is 1 and the L bit in the access-rights field for CS is 1")
VMCHECK_RULE(GUEST_RFLAGS_RESERVED, VMCHECK_S_GUEST_RIP,
	     "RFLAGS. Reserved bits 63:22, bit 15, bit 5 and bit 3 must be 0 in the field, and reserved bit 1 must be 1")
VMCHECK_RULE(GUEST_RFLAGS_VM, VMCHECK_S_GUEST_RIP,
	     "RFLAGS. The VM flag (bit 17) must be 0 either if the \"IA-32e mode guest\" VM-entry control is 1 or if bit 0 in the CR0 field (corresponding to CR0.PE) is 0")
VMCHECK_RULE(GUEST_RFLAGS_IF, VMCHECK_S_GUEST_RIP,
	     "RFLAGS. The IF flag (bit 9) must be 1 if the valid bit (bit 31) in the VM-entry interruption-information field is 1 and the interruption type (bits 10:8) is external interrupt")
VMCHECK_RULE(GUEST_SSP, VMCHECK_S_GUEST_RIP,
	     "SSP. If the \"load CET state\" VM-entry control is 1, bits 1:0 must be 0, bits 63:32 must be 0 if the \"IA-32e mode guest\" VM-entry control is 0 or CS.L is 0, and bits 63:N must be identical otherwise")

/* ---- Guest non-register state */
VMCHECK_RULE(GUEST_ACTIVITY_RANGE, VMCHECK_S_GUEST_NR,
	     "The activity-state field must contain a value in the range 0-3, indicating an activity state supported by the implementation (IA32_VMX_MISC)")
VMCHECK_RULE(GUEST_ACTIVITY_HLT_DPL, VMCHECK_S_GUEST_NR,
	     "The activity-state field must not indicate the HLT state if the DPL (bits 6:5) in the access-rights field for SS is not 0")
VMCHECK_RULE(GUEST_ACTIVITY_BLOCKING, VMCHECK_S_GUEST_NR,
	     "The activity-state field must indicate the active state if the interruptibility-state field indicates blocking by either MOV-SS or by STI")
VMCHECK_RULE(GUEST_ACTIVITY_INJECTION, VMCHECK_S_GUEST_NR,
	     "If the valid bit in the VM-entry interruption-information field is 1, the interruption to be delivered must not be one that would normally be blocked while a logical processor is in the activity state corresponding to the contents of the activity-state field")
VMCHECK_RULE(GUEST_ACTIVITY_SIPI_SMM, VMCHECK_S_GUEST_NR,
	     "The activity-state field must not indicate the wait-for-SIPI state if the \"entry to SMM\" VM-entry control is 1")
VMCHECK_RULE(GUEST_INTR_RESERVED, VMCHECK_S_GUEST_NR,
	     "Interruptibility state. The reserved bits (bits 31:5) must be 0")
VMCHECK_RULE(GUEST_INTR_STI_MOVSS, VMCHECK_S_GUEST_NR,
	     "Interruptibility state. The field cannot indicate blocking by both STI and MOV SS (bits 0 and 1 cannot both be 1)")
VMCHECK_RULE(GUEST_INTR_STI_IF, VMCHECK_S_GUEST_NR,
	     "Interruptibility state. Bit 0 (blocking by STI) must be 0 if the IF flag (bit 9) is 0 in the RFLAGS field")
VMCHECK_RULE(GUEST_INTR_EXT_INT, VMCHECK_S_GUEST_NR,
	     "Interruptibility state. Bit 0 (blocking by STI) and bit 1 (blocking by MOV-SS) must both be 0 if the valid bit in the VM-entry interruption-information field is 1 and the interruption type is external interrupt")
VMCHECK_RULE(GUEST_INTR_NMI_MOVSS, VMCHECK_S_GUEST_NR,
	     "Interruptibility state. Bit 1 (blocking by MOV-SS) must be 0 if the valid bit in the VM-entry interruption-information field is 1 and the interruption type is non-maskable interrupt (NMI)")
VMCHECK_RULE(GUEST_INTR_SMI_OUTSIDE, VMCHECK_S_GUEST_NR,
	     "Interruptibility state. Bit 2 (blocking by SMI) must be 0 if the processor is not in SMM")
VMCHECK_RULE(GUEST_INTR_SMI_ENTRY, VMCHECK_S_GUEST_NR,
	     "Interruptibility state. Bit 2 (blocking by SMI) must be 1 if the \"entry to SMM\" VM-entry control is 1")
VMCHECK_RULE(GUEST_INTR_VIRTUAL_NMI, VMCHECK_S_GUEST_NR,
	     "Interruptibility state. Bit 3 (blocking by NMI) must be 0 if the \"virtual NMIs\" VM-execution control is 1, the valid bit in the VM-entry interruption-information field is 1, and the interruption type is NMI")
VMCHECK_RULE(GUEST_INTR_ENCLAVE, VMCHECK_S_GUEST_NR,
	     "Interruptibility state. If bit 4 (enclave interruption) is 1, bit 1 (blocking by MOV-SS) must be 0 and the processor must support SGX")
VMCHECK_RULE(GUEST_PENDING_DBG_RESERVED, VMCHECK_S_GUEST_NR,
	     "Pending debug exceptions. Bits 11:4, bit 13, bit 15, and bits 63:17 must be 0")
VMCHECK_RULE(GUEST_PENDING_DBG_BS_SET, VMCHECK_S_GUEST_NR,
	     "Pending debug exceptions. With blocking by STI or MOV SS, or in the HLT activity state: bit 14 (BS) must be 1 if the TF flag (bit 8) in the RFLAGS field is 1 and the BTF flag (bit 1) in the IA32_DEBUGCTL field is 0")
VMCHECK_RULE(GUEST_PENDING_DBG_BS_CLEAR, VMCHECK_S_GUEST_NR,
	     "Pending debug exceptions. With blocking by STI or MOV SS, or in the HLT activity state: bit 14 (BS) must be 0 if the TF flag (bit 8) in the RFLAGS field is 0 or the BTF flag (bit 1) in the IA32_DEBUGCTL field is 1")
VMCHECK_RULE(GUEST_PENDING_DBG_RTM_BITS, VMCHECK_S_GUEST_NR,
	     "Pending debug exceptions. If bit 16 (RTM) is 1, bits 11:0, bits 15:13, and bits 63:17 must be 0, and bit 12 must be 1")
VMCHECK_RULE(GUEST_PENDING_DBG_RTM_CPU, VMCHECK_S_GUEST_NR,
	     "Pending debug exceptions. If bit 16 (RTM) is 1, the processor must support RTM (CPUID.(EAX=07H,ECX=0):EBX[11])")
VMCHECK_RULE(GUEST_PENDING_DBG_RTM_MOVSS, VMCHECK_S_GUEST_NR,
	     "Pending debug exceptions. If bit 16 (RTM) is 1, the interruptibility-state field must not indicate blocking by MOV SS")
VMCHECK_RULE(GUEST_LINK_ALIGN, VMCHECK_S_GUEST_NR,
	     "VMCS link pointer. If it is not FFFFFFFF_FFFFFFFFH, bits 11:0 must be 0")
VMCHECK_RULE(GUEST_LINK_WIDTH, VMCHECK_S_GUEST_NR,
	     "VMCS link pointer. If it is not FFFFFFFF_FFFFFFFFH, bits beyond the processor's physical-address width must be 0")
VMCHECK_RULE(GUEST_LINK_REVISION, VMCHECK_S_GUEST_NR,
	     "VMCS link pointer. If it is not FFFFFFFF_FFFFFFFFH, bits 30:0 of the 4 bytes it references must contain the processor's VMCS revision identifier")
VMCHECK_RULE(GUEST_LINK_SHADOW, VMCHECK_S_GUEST_NR,
	     "VMCS link pointer. If it is not FFFFFFFF_FFFFFFFFH, bit 31 of the 4 bytes it references must contain the setting of the \"VMCS shadowing\" VM-execution control")
VMCHECK_RULE(GUEST_LINK_CURRENT, VMCHECK_S_GUEST_NR,
	     "VMCS link pointer. If the processor is not in SMM or the \"entry to SMM\" VM-entry control is 1, the field must not contain the current VMCS pointer")
VMCHECK_RULE(GUEST_LINK_EXECUTIVE, VMCHECK_S_GUEST_NR,
	     "VMCS link pointer. If the processor is in SMM and the \"entry to SMM\" VM-entry control is 0, the field must differ from the executive-VMCS pointer")

/* ---- Guest PDPTEs */
VMCHECK_RULE(GUEST_PDPTE_FIELDS, VMCHECK_S_PDPTE,
	     "If the CR0 field has PG = 1, the CR4 field PAE = 1 and the \"IA-32e mode guest\" VM-entry control is 0 (PAE paging), and the \"enable EPT\" VM-execution control is 1, reserved bits (2:1, 8:5, and beyond the physical-address width) must be 0 in each PDPTE field whose present bit is 1")
VMCHECK_RULE(GUEST_PDPTE_MEMORY, VMCHECK_S_PDPTE,
	     "If the guest uses PAE paging and the \"enable EPT\" VM-execution control is 0, reserved bits (2:1, 8:5, and beyond the physical-address width) must be 0 in each of the PDPTEs at CR3[31:5] whose present bit is 1")

/* ---- What the checker does not model */
VMCHECK_RULE(OWN_UNMODELLED_CONTROL, VMCHECK_S_OWN,
	     "No control whose VM-entry checks vmcheck does not make may be 1: any tertiary processor-based control, any secondary VM-exit control, the \"load UINV\" VM-entry and \"clear UINV\" VM-exit controls, and the VM-entry controls above \"load PKRS\" (bits 31:23)")
