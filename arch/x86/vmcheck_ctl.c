// SPDX-License-Identifier: MIT
/*
 * The checks of SDM Vol. 3C "Checks on VMX Controls and Host-State Area":
 * the VM-execution, VM-exit and VM-entry control fields against the
 * capability MSRs and each other, the host's control registers, MSRs and
 * segments, and the address-space size. Each CHECK names its rule
 * (arch/x86/vmcheck_rules.h) and the field it is about.
 */
#include "arch/x86/vmcheck_int.h"

static bool aligned(uint64_t a, uint64_t bits)
{
	return !(a & ((1ull << bits) - 1));
}

/* A 4-KByte aligned pointer to a VMX data structure. */
static bool page_ptr_ok(const struct vmcheck_caps *c, uint64_t a)
{
	return aligned(a, 12) && vmc_ptr_ok(c, a);
}

static void check_tpr_shadow(struct vmcheck_run *r, uint64_t p2)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;
	uint64_t vtpr = 0;
	bool read;

	CHECK(r, EXEC_VAPIC_ALIGN, aligned(s->vapic, 12),
	      VMCS_VIRTUAL_APIC_ADDR, s->vapic);
	CHECK(r, EXEC_VAPIC_WIDTH, vmc_ptr_ok(c, s->vapic),
	      VMCS_VIRTUAL_APIC_ADDR, s->vapic);
	if (!(p2 & VMC_PROC2_VID))
		CHECK(r, EXEC_TPR_THRESHOLD_BITS, !(s->tpr_threshold >> 4),
		      VMCS_TPR_THRESHOLD, s->tpr_threshold);
	/* "If all of the above checks are satisfied": VTPR is read only
	 * from a virtual-APIC address that passed them. */
	if ((p2 & (PROC2_VIRTUALIZE_APIC_ACCESSES | VMC_PROC2_VID)) ||
	    !page_ptr_ok(c, s->vapic))
		return;
	read = r->vmcs->read_phys &&
	       r->vmcs->read_phys(r->vmcs->ctx, s->vapic + 0x80, &vtpr);
	CHECK2(r, EXEC_TPR_THRESHOLD_VTPR,
	       read && (s->tpr_threshold & 0xf) <= ((vtpr >> 4) & 0xf),
	       VMCS_TPR_THRESHOLD, s->tpr_threshold, VMCS_VIRTUAL_APIC_ADDR);
}

static void check_ept(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	uint64_t eptp = r->s.eptp, mt = eptp & 7, walk = (eptp >> 3) & 7;

	CHECK(r, EXEC_EPTP_MEMORY_TYPE,
	      (mt == 0 && (c->ept_vpid & VMC_EPT_UC)) ||
		      (mt == 6 && (c->ept_vpid & EPT_VPID_CAP_WB)),
	      VMCS_EPT_POINTER, eptp);
	CHECK(r, EXEC_EPTP_WALK_LENGTH,
	      (walk == 3 && (c->ept_vpid & EPT_VPID_CAP_WALK_4)) ||
		      (walk == 4 && (c->ept_vpid & VMC_EPT_WALK5)),
	      VMCS_EPT_POINTER, eptp);
	CHECK(r, EXEC_EPTP_AD, !(eptp & 0x40) || (c->ept_vpid & VMC_EPT_AD),
	      VMCS_EPT_POINTER, eptp);
	CHECK(r, EXEC_EPTP_RESERVED, !(eptp & 0xf80) && vmc_phys_ok(c, eptp),
	      VMCS_EPT_POINTER, eptp);
}

void vmcheck_exec(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;
	uint64_t p2 = vmc_proc2(s);

	CHECK(r, EXEC_PIN_RESERVED, vmc_ctl_ok(c->pin, s->pin),
	      VMCS_PIN_BASED_CTLS, s->pin);
	CHECK(r, EXEC_PROC_RESERVED, vmc_ctl_ok(c->proc, s->proc),
	      VMCS_PROC_BASED_CTLS, s->proc);
	if (s->proc & PROC_ACTIVATE_SECONDARY)
		CHECK(r, EXEC_PROC2_RESERVED, vmc_ctl_ok(c->proc2, s->proc2),
		      VMCS_PROC_BASED_CTLS2, s->proc2);
	if (s->proc & VMC_PROC_TERTIARY)
		CHECK(r, EXEC_PROC3_RESERVED, !(s->proc3 & ~c->proc3),
		      VMC_F_PROC3_CTLS, s->proc3);
	CHECK(r, EXEC_CR3_TARGET_COUNT,
	      s->cr3_count <= ((c->misc >> 16) & 0x1ff), VMCS_CR3_TARGET_COUNT,
	      s->cr3_count);
	if (s->proc & PROC_USE_IO_BITMAPS) {
		CHECK(r, EXEC_IO_BITMAP_ALIGN, aligned(s->io_a, 12),
		      VMCS_IO_BITMAP_A, s->io_a);
		CHECK(r, EXEC_IO_BITMAP_ALIGN, aligned(s->io_b, 12),
		      VMCS_IO_BITMAP_B, s->io_b);
		CHECK(r, EXEC_IO_BITMAP_WIDTH, vmc_ptr_ok(c, s->io_a),
		      VMCS_IO_BITMAP_A, s->io_a);
		CHECK(r, EXEC_IO_BITMAP_WIDTH, vmc_ptr_ok(c, s->io_b),
		      VMCS_IO_BITMAP_B, s->io_b);
	}
	if (s->proc & PROC_USE_MSR_BITMAPS) {
		CHECK(r, EXEC_MSR_BITMAP_ALIGN, aligned(s->msr_bitmap, 12),
		      VMCS_MSR_BITMAP, s->msr_bitmap);
		CHECK(r, EXEC_MSR_BITMAP_WIDTH, vmc_ptr_ok(c, s->msr_bitmap),
		      VMCS_MSR_BITMAP, s->msr_bitmap);
	}
	if (s->proc & PROC_USE_TPR_SHADOW) {
		check_tpr_shadow(r, p2);
		if (r->stop)
			return;
	} else {
		CHECK(r, EXEC_NO_TPR_SHADOW,
		      !(p2 & (PROC2_VIRTUALIZE_X2APIC | VMC_PROC2_APIC_REG |
			      VMC_PROC2_VID)),
		      VMCS_PROC_BASED_CTLS2, s->proc2);
	}
	if (!(s->pin & PIN_NMI_EXITING))
		CHECK(r, EXEC_VIRTUAL_NMIS, !(s->pin & PIN_VIRTUAL_NMIS),
		      VMCS_PIN_BASED_CTLS, s->pin);
	if (!(s->pin & PIN_VIRTUAL_NMIS))
		CHECK(r, EXEC_NMI_WINDOW, !(s->proc & PROC_NMI_WINDOW_EXITING),
		      VMCS_PROC_BASED_CTLS, s->proc);
	if (p2 & PROC2_VIRTUALIZE_APIC_ACCESSES) {
		CHECK(r, EXEC_APIC_ACCESS_ALIGN, aligned(s->apic_access, 12),
		      VMCS_APIC_ACCESS_ADDR, s->apic_access);
		CHECK(r, EXEC_APIC_ACCESS_WIDTH, vmc_ptr_ok(c, s->apic_access),
		      VMCS_APIC_ACCESS_ADDR, s->apic_access);
	}
	if (p2 & PROC2_VIRTUALIZE_X2APIC)
		CHECK(r, EXEC_X2APIC_APIC_ACCESS, !(p2 & PROC2_VIRTUALIZE_APIC_ACCESSES),
		      VMCS_PROC_BASED_CTLS2, s->proc2);
	if (p2 & VMC_PROC2_VID)
		CHECK(r, EXEC_VID_EXT_INT_EXITING, s->pin & PIN_EXTERNAL_INTERRUPT_EXITING,
		      VMCS_PIN_BASED_CTLS, s->pin);
	if (s->pin & PIN_POSTED_INTERRUPTS) {
		CHECK(r, EXEC_PI_VID, p2 & VMC_PROC2_VID, VMCS_PROC_BASED_CTLS2,
		      s->proc2);
		CHECK(r, EXEC_PI_ACK_ON_EXIT, s->exit & EXIT_ACK_INTERRUPT_ON_EXIT,
		      VMCS_EXIT_CTLS, s->exit);
		CHECK(r, EXEC_PI_VECTOR, !(s->pi_vector >> 8), VMC_F_PI_VECTOR,
		      s->pi_vector);
		CHECK(r, EXEC_PI_DESC_ALIGN, aligned(s->pi_desc, 6),
		      VMC_F_PI_DESC, s->pi_desc);
		CHECK(r, EXEC_PI_DESC_WIDTH, vmc_ptr_ok(c, s->pi_desc),
		      VMC_F_PI_DESC, s->pi_desc);
	}
	if (p2 & PROC2_ENABLE_VPID)
		CHECK(r, EXEC_VPID_NONZERO, s->vpid != 0, VMCS_VPID, s->vpid);
	if (p2 & PROC2_ENABLE_EPT) {
		check_ept(r);
		if (r->stop)
			return;
	}
	if (p2 & VMC_PROC2_PML) {
		CHECK(r, EXEC_PML_EPT, p2 & PROC2_ENABLE_EPT, VMCS_PROC_BASED_CTLS2,
		      s->proc2);
		CHECK(r, EXEC_PML_ADDRESS, page_ptr_ok(c, s->pml),
		      VMC_F_PML_ADDRESS, s->pml);
	}
	if (p2 & PROC2_UNRESTRICTED_GUEST)
		CHECK(r, EXEC_UG_EPT, p2 & PROC2_ENABLE_EPT, VMCS_PROC_BASED_CTLS2,
		      s->proc2);
	if (p2 & VMC_PROC2_MBEC)
		CHECK(r, EXEC_MBEC_EPT, p2 & PROC2_ENABLE_EPT,
		      VMCS_PROC_BASED_CTLS2, s->proc2);
	if (p2 & VMC_PROC2_SPP) {
		CHECK(r, EXEC_SPP_EPT, p2 & PROC2_ENABLE_EPT, VMCS_PROC_BASED_CTLS2,
		      s->proc2);
		CHECK(r, EXEC_SPPTP, aligned(s->spptp, 12) &&
					     vmc_phys_ok(c, s->spptp),
		      VMC_F_SPPTP, s->spptp);
	}
	if (p2 & VMC_PROC2_PT_GPA)
		CHECK(r, EXEC_PT_GPA,
		      (p2 & PROC2_ENABLE_EPT) && (s->entry & VMC_ENTRY_LOAD_RTIT) &&
			      (s->exit & VMC_EXIT_CLEAR_RTIT),
		      VMCS_PROC_BASED_CTLS2, s->proc2);
	if (p2 & VMC_PROC2_VMFUNC) {
		CHECK(r, EXEC_VMFUNC_RESERVED, !(s->vmfunc & ~c->vmfunc),
		      VMC_F_VMFUNC_CTLS, s->vmfunc);
		if (s->vmfunc & VMC_VMFUNC_EPTP_SWITCHING) {
			CHECK(r, EXEC_EPTP_SWITCHING_EPT, p2 & PROC2_ENABLE_EPT,
			      VMCS_PROC_BASED_CTLS2, s->proc2);
			CHECK(r, EXEC_EPTP_LIST,
			      aligned(s->eptp_list, 12) &&
				      vmc_phys_ok(c, s->eptp_list),
			      VMC_F_EPTP_LIST, s->eptp_list);
		}
	}
	if (p2 & VMC_PROC2_SHADOW_VMCS) {
		CHECK(r, EXEC_VMCS_SHADOW_BITMAPS,
		      aligned(s->vmread_bitmap, 12) &&
			      vmc_phys_ok(c, s->vmread_bitmap),
		      VMC_F_VMREAD_BITMAP, s->vmread_bitmap);
		CHECK(r, EXEC_VMCS_SHADOW_BITMAPS,
		      aligned(s->vmwrite_bitmap, 12) &&
			      vmc_phys_ok(c, s->vmwrite_bitmap),
		      VMC_F_VMWRITE_BITMAP, s->vmwrite_bitmap);
	}
	if (p2 & VMC_PROC2_EPT_VE)
		CHECK(r, EXEC_VE_INFO,
		      aligned(s->ve_info, 12) && vmc_phys_ok(c, s->ve_info),
		      VMC_F_VE_INFO, s->ve_info);
}

/* An MSR area of count 16-byte entries at a: both ends in reach. */
static bool msr_area_ok(const struct vmcheck_caps *c, uint64_t a,
			uint64_t count)
{
	return vmc_ptr_ok(c, a) && vmc_ptr_ok(c, a + count * 16 - 1);
}

/* The exceptions that deliver an error code: #DF, #TS, #NP, #SS, #GP,
 * #PF, #AC and #CP. */
static bool has_error_code(unsigned vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) ||
	       vector == 17 || vector == 21;
}

static void check_injection(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;
	uint64_t info = s->intr_info;
	unsigned type = VMC_INTR_TYPE(info), vector = VMC_INTR_VECTOR(info);
	bool mtf = (c->proc >> 32) & PROC_MONITOR_TRAP_FLAG;
	bool prot = !vmc_ug(s) || (s->cr0 & CR0_PE);
	bool code = info & INTR_INFO_DELIVER_ERROR_CODE, want;

	CHECK(r, ENTRY_INTR_TYPE,
	      type != VMC_TYPE_RESERVED && (type != VMC_TYPE_OTHER || mtf),
	      VMCS_ENTRY_INTR_INFO, info);
	if (type == VMC_TYPE_NMI)
		CHECK(r, ENTRY_INTR_NMI_VECTOR, vector == 2,
		      VMCS_ENTRY_INTR_INFO, info);
	if (type == VMC_TYPE_HW_EXC)
		CHECK(r, ENTRY_INTR_HW_VECTOR, vector <= 31,
		      VMCS_ENTRY_INTR_INFO, info);
	if (type == VMC_TYPE_OTHER)
		CHECK(r, ENTRY_INTR_OTHER_VECTOR, vector == 0,
		      VMCS_ENTRY_INTR_INFO, info);
	/* IA32_VMX_BASIC[56]: a hardware exception may then be injected
	 * with or without an error code, whatever its vector. */
	want = type == VMC_TYPE_HW_EXC && prot && has_error_code(vector);
	if (type == VMC_TYPE_HW_EXC && prot &&
	    (c->basic & VMC_BASIC_NO_ERROR_CODE_CHECK))
		want = code;
	CHECK2(r, ENTRY_INTR_ERROR_CODE, code == want, VMCS_ENTRY_INTR_INFO,
	       info, VMCS_GUEST_CR0);
	CHECK(r, ENTRY_INTR_RESERVED, !(info & 0x7ffff000ull),
	      VMCS_ENTRY_INTR_INFO, info);
	if (code)
		CHECK(r, ENTRY_ERROR_CODE_BITS, !(s->intr_error & 0xffff0000ull),
		      VMCS_ENTRY_EXCEPTION_ERROR_CODE, s->intr_error);
	if (type == VMC_TYPE_SW_INT || type == VMC_TYPE_PRIV_SW_EXC ||
	    type == VMC_TYPE_SW_EXC)
		CHECK(r, ENTRY_INSTR_LEN,
		      (s->instr_len >= 1 && s->instr_len <= 15) ||
			      (s->instr_len == 0 &&
			       (c->misc & VMC_MISC_ZERO_LENGTH)),
		      VMCS_ENTRY_INSTR_LEN, s->instr_len);
}

void vmcheck_exit_entry(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;

	CHECK(r, EXIT_RESERVED, vmc_ctl_ok(c->exit, s->exit), VMCS_EXIT_CTLS,
	      s->exit);
	if (s->exit & VMC_EXIT_SECONDARY)
		CHECK(r, EXIT2_RESERVED, !(s->exit2 & ~c->exit2),
		      VMC_F_EXIT2_CTLS, s->exit2);
	if (!(s->pin & PIN_PREEMPTION_TIMER))
		CHECK(r, EXIT_SAVE_TIMER, !(s->exit & EXIT_SAVE_PREEMPTION_TIMER),
		      VMCS_EXIT_CTLS, s->exit);
	if (s->exit_store_count) {
		CHECK(r, EXIT_MSR_STORE_ALIGN, aligned(s->exit_store, 4),
		      VMCS_EXIT_MSR_STORE_ADDR, s->exit_store);
		CHECK(r, EXIT_MSR_STORE_WIDTH,
		      msr_area_ok(c, s->exit_store, s->exit_store_count),
		      VMCS_EXIT_MSR_STORE_ADDR, s->exit_store);
	}
	if (s->exit_load_count) {
		CHECK(r, EXIT_MSR_LOAD_ALIGN, aligned(s->exit_load, 4),
		      VMCS_EXIT_MSR_LOAD_ADDR, s->exit_load);
		CHECK(r, EXIT_MSR_LOAD_WIDTH,
		      msr_area_ok(c, s->exit_load, s->exit_load_count),
		      VMCS_EXIT_MSR_LOAD_ADDR, s->exit_load);
	}
	CHECK(r, ENTRY_RESERVED, vmc_ctl_ok(c->entry, s->entry),
	      VMCS_ENTRY_CTLS, s->entry);
	if (s->entry_load_count) {
		CHECK(r, ENTRY_MSR_LOAD_ALIGN, aligned(s->entry_load, 4),
		      VMCS_ENTRY_MSR_LOAD_ADDR, s->entry_load);
		CHECK(r, ENTRY_MSR_LOAD_WIDTH,
		      msr_area_ok(c, s->entry_load, s->entry_load_count),
		      VMCS_ENTRY_MSR_LOAD_ADDR, s->entry_load);
	}
	if (!(c->flags & VMCHECK_CPU_IN_SMM))
		CHECK(r, ENTRY_SMM_OUTSIDE,
		      !(s->entry & (VMC_ENTRY_SMM | VMC_ENTRY_DEACT_DUAL)),
		      VMCS_ENTRY_CTLS, s->entry);
	CHECK(r, ENTRY_SMM_BOTH,
	      (s->entry & (VMC_ENTRY_SMM | VMC_ENTRY_DEACT_DUAL)) !=
		      (VMC_ENTRY_SMM | VMC_ENTRY_DEACT_DUAL),
	      VMCS_ENTRY_CTLS, s->entry);
}

/* Apart from the other VM-entry controls: hv changes the event to inject
 * between exits, so these are checked at every entry, memo or not. */
void vmcheck_injection(struct vmcheck_run *r)
{
	if (r->s.intr_info & INTR_INFO_VALID)
		check_injection(r);
}

/* CR3: bits 63:52, and those of 51:32 beyond the physical width. */
static bool cr3_ok(const struct vmcheck_caps *c, uint64_t cr3)
{
	unsigned w = c->phys_bits < 32 ? 32 : c->phys_bits > 52 ? 52 :
								  c->phys_bits;

	return !(cr3 >> w);
}

/* The fixed bits of VMX operation (SDM Vol. 3C "Restrictions on VMX
 * Operation"), but those in skip. */
static bool fixed_ok(uint64_t v, uint64_t fixed0, uint64_t fixed1,
		     uint64_t skip)
{
	return (v & fixed0 & ~skip) == (fixed0 & ~skip) &&
	       !(v & ~fixed1 & ~skip);
}

#define S_CET_RESERVED 0x3c0ull /* bits 9:6 */

static void check_host_cr(struct vmcheck_run *r, bool host64)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;

	/* NW and CD are never checked: VM exits do not change them. */
	CHECK(r, HOST_CR0_FIXED,
	      fixed_ok(s->h_cr0, c->cr0_fixed0, c->cr0_fixed1,
		       CR0_NW | CR0_CD),
	      VMCS_HOST_CR0, s->h_cr0);
	CHECK(r, HOST_CR4_FIXED,
	      fixed_ok(s->h_cr4, c->cr4_fixed0, c->cr4_fixed1, 0),
	      VMCS_HOST_CR4, s->h_cr4);
	if (s->h_cr4 & CR4_CET)
		CHECK(r, HOST_CET_WP, s->h_cr0 & CR0_WP, VMCS_HOST_CR0,
		      s->h_cr0);
	CHECK(r, HOST_CR3_WIDTH, cr3_ok(c, s->h_cr3), VMCS_HOST_CR3, s->h_cr3);
	CHECK(r, HOST_SYSENTER_CANONICAL, vmc_canonical(c, s->h_sysenter_esp),
	      VMCS_HOST_SYSENTER_ESP, s->h_sysenter_esp);
	CHECK(r, HOST_SYSENTER_CANONICAL, vmc_canonical(c, s->h_sysenter_eip),
	      VMCS_HOST_SYSENTER_EIP, s->h_sysenter_eip);
	if (s->exit & VMC_EXIT_LOAD_CET) {
		CHECK(r, HOST_CET_CANONICAL, vmc_canonical(c, s->h_s_cet),
		      VMC_F_HOST_S_CET, s->h_s_cet);
		CHECK(r, HOST_CET_CANONICAL, vmc_canonical(c, s->h_isst),
		      VMC_F_HOST_ISST, s->h_isst);
		CHECK(r, HOST_S_CET_RESERVED, !(s->h_s_cet & S_CET_RESERVED),
		      VMC_F_HOST_S_CET, s->h_s_cet);
		CHECK(r, HOST_SSP,
		      aligned(s->h_ssp, 2) &&
			      (host64 ? vmc_canonical(c, s->h_ssp) :
					!(s->h_ssp >> 32)),
		      VMC_F_HOST_SSP, s->h_ssp);
	}
	if (s->exit & EXIT_LOAD_PERF_GLOBAL_CTRL)
		CHECK(r, HOST_PERF_GLOBAL_CTRL, !(s->h_perf & ~c->perf_global_valid),
		      VMCS_HOST_IA32_PERF_GLOBAL_CTRL, s->h_perf);
	if (s->exit & EXIT_LOAD_PAT)
		CHECK(r, HOST_PAT, vmc_pat_ok(s->h_pat), VMCS_HOST_IA32_PAT,
		      s->h_pat);
	if (s->exit & EXIT_LOAD_EFER) {
		CHECK(r, HOST_EFER_RESERVED, !(s->h_efer & ~c->efer_valid),
		      VMCS_HOST_IA32_EFER, s->h_efer);
		CHECK(r, HOST_EFER_LMA_LME,
		      !!(s->h_efer & EFER_LMA) == host64 &&
			      !!(s->h_efer & EFER_LME) == host64,
		      VMCS_HOST_IA32_EFER, s->h_efer);
	}
	if (s->exit & VMC_EXIT_LOAD_PKRS)
		CHECK(r, HOST_PKRS, !(s->h_pkrs >> 32), VMC_F_HOST_PKRS,
		      s->h_pkrs);
}

static const uint32_t host_sel_fields[7] = {
	VMCS_HOST_ES_SELECTOR, VMCS_HOST_CS_SELECTOR, VMCS_HOST_SS_SELECTOR,
	VMCS_HOST_DS_SELECTOR, VMCS_HOST_FS_SELECTOR, VMCS_HOST_GS_SELECTOR,
	VMCS_HOST_TR_SELECTOR,
};

void vmcheck_host(struct vmcheck_run *r)
{
	const struct vmcheck_caps *c = r->caps;
	const struct vmcheck_state *s = &r->s;
	bool host64 = s->exit & EXIT_HOST_ADDR_SPACE_SIZE;
	const struct {
		uint32_t field;
		uint64_t value;
	} bases[] = {
		{ VMCS_HOST_FS_BASE, s->h_fs_base },
		{ VMCS_HOST_GS_BASE, s->h_gs_base },
		{ VMCS_HOST_GDTR_BASE, s->h_gdtr_base },
		{ VMCS_HOST_IDTR_BASE, s->h_idtr_base },
		{ VMCS_HOST_TR_BASE, s->h_tr_base },
	};

	check_host_cr(r, host64);
	if (r->stop)
		return;
	for (unsigned i = 0; i < 7; i++)
		CHECK(r, HOST_SEL_RPL_TI, !(s->h_sel[i] & 7), host_sel_fields[i],
		      s->h_sel[i]);
	CHECK(r, HOST_CS_TR_NONZERO, s->h_sel[1] != 0, VMCS_HOST_CS_SELECTOR,
	      s->h_sel[1]);
	CHECK(r, HOST_CS_TR_NONZERO, s->h_sel[6] != 0, VMCS_HOST_TR_SELECTOR,
	      s->h_sel[6]);
	if (!host64)
		CHECK(r, HOST_SS_NONZERO, s->h_sel[2] != 0,
		      VMCS_HOST_SS_SELECTOR, s->h_sel[2]);
	for (unsigned i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		CHECK(r, HOST_BASE_CANONICAL, vmc_canonical(c, bases[i].value),
		      bases[i].field, bases[i].value);

	/* "Checks Related to Address-Space Size" */
	if (!c->host_lma) {
		CHECK(r, SIZE_OUTSIDE_IA32E_GUEST, !vmc_ia32e_guest(s),
		      VMCS_ENTRY_CTLS, s->entry);
		CHECK(r, SIZE_OUTSIDE_IA32E_HOST, !host64, VMCS_EXIT_CTLS,
		      s->exit);
	} else {
		CHECK(r, SIZE_IA32E_HOST, host64, VMCS_EXIT_CTLS, s->exit);
	}
	if (!host64) {
		CHECK(r, SIZE_HOST32_GUEST, !vmc_ia32e_guest(s), VMCS_ENTRY_CTLS,
		      s->entry);
		CHECK(r, SIZE_HOST32_PCIDE, !(s->h_cr4 & CR4_PCIDE),
		      VMCS_HOST_CR4, s->h_cr4);
		CHECK(r, SIZE_HOST32_RIP, !(s->h_rip >> 32), VMCS_HOST_RIP,
		      s->h_rip);
	} else {
		CHECK(r, SIZE_HOST64_PAE, s->h_cr4 & CR4_PAE, VMCS_HOST_CR4,
		      s->h_cr4);
		CHECK(r, SIZE_HOST64_RIP, vmc_canonical(c, s->h_rip),
		      VMCS_HOST_RIP, s->h_rip);
	}
}
