// SPDX-License-Identifier: MIT
/*
 * The guest instructions hv completes itself: MOV to and from CR0, CR4
 * and CR8, RDMSR and WRMSR of the MSRs hv switches or checks, XSETBV,
 * INVD/WBINVD and RDPMC. Each is checked as the SDM checks it, the CPL
 * first, and its #GP raised where a CPU would.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/crcheck.h"
#include "arch/x86/vmx_decode.h"
#include "arch/x86/vmx_exit_ctx.h"
#include "arch/x86/vmx_vcpu.h"
#include "hv/log.h"
#include "hv/upcall.h"

/*
 * SDM "Guest/Host Masks and Read Shadows for CR0 and CR4": the guest owns
 * the bits clear in the mask, which live in GUEST_CR4; for the bits hv
 * owns, the guest's own value is the read shadow.
 */
uint64_t vcpu_arch_guest_cr4(const struct vcpu *v)
{
	uint64_t mask = vmcs_read_nat(VMCS_CR4_GUEST_HOST_MASK);

	(void)v; /* its VMCS is the current one */
	return (vmcs_read_nat(VMCS_GUEST_CR4) & ~mask) |
	       (vmcs_read_nat(VMCS_CR4_READ_SHADOW) & mask);
}

uint64_t vcpu_arch_xcr0(const struct vcpu *v)
{
	return v->arch.xcr0;
}

/*
 * A MOV to CR0 or CR4 (or an LMSW) that changes a bit hv owns. The
 * checks are the instruction's own (arch/x86/crcheck.h); the guest's
 * value goes to the read shadow and the CPU's is derived from it. The
 * VMWRITE does not flush what the TLB holds for the vCPU as the MOV
 * would when paging bits change, so hv drops the vCPU's translations
 * itself (SDM "Invalidation of TLBs and Paging-Structure Caches").
 */
static enum exit_action cr_write(struct vcpu *v, unsigned cr, uint64_t val)
{
	uint32_t field = cr == 0 ? VMCS_GUEST_CR0 : VMCS_GUEST_CR4;
	uint64_t real, old;

	if (v->arch.pc)
		return vmx_pc_cr_write(v, cr, val);
	if (cr == 0) {
		if (cr0_write_faults(val, vcpu_arch_guest_cr4(v)))
			return inject_gp(v);
		val = cr0_written(val);
		real = vmx_guest_cr0(val);
		vmcs_write_nat(VMCS_CR0_READ_SHADOW, val);
	} else {
		old = vcpu_arch_guest_cr4(v);
		if (cr4_write_faults(val, old, vmcs_read_nat(VMCS_GUEST_CR3),
				     vmx_caps.cr4_fixed1))
			return inject_gp(v);
		real = vmx_guest_cr4(val);
		vmcs_write_nat(VMCS_CR4_READ_SHADOW, val);
	}
	if (real != vmcs_read_nat(field)) {
		vmcs_write_nat(field, real);
		if (vmx_invvpid(INVVPID_SINGLE_CONTEXT, v->arch.vpid, 0) != VMX_OK)
			panic("INVVPID after a guest CR%u write failed", cr);
	}
	return EXIT_NEXT;
}

enum exit_action handle_cr_access(struct vcpu *v, struct exit_ctx *e)
{
	struct cr_exit c;
	uint8_t before, after;

	if (!vmx_decode_cr(e->qual, &c))
		return stop(v, e, "undecodable control-register access");
	if (user_mode())
		return inject_gp(v);
	if (c.cr == 8 && c.type == CR_ACCESS_MOV_TO) {
		uint64_t val = gpr_read(v, c.gpr);

		/* SDM "MOV-Move to/from Control Registers": bits 63:4 are
		 * reserved and setting one is #GP(0). */
		if (val & ~15ull)
			return inject_gp(v);
		before = (uint8_t)read_cr8();
		vlapic_set_cr8(&v->apic, val);
		after = (uint8_t)read_cr8();
		policy_cr8_written(v, (uint8_t)val, before, after);
		return EXIT_NEXT;
	}
	if (c.cr == 8 && c.type == CR_ACCESS_MOV_FROM) {
		gpr_write(v, c.gpr, vlapic_get_cr8(&v->apic));
		return EXIT_NEXT;
	}
	if ((c.cr == 0 || c.cr == 4) && c.type == CR_ACCESS_MOV_TO)
		return cr_write(v, c.cr, gpr_read(v, c.gpr));
	if (c.type == CR_ACCESS_LMSW) {
		/* LMSW: only its low four bits, and it cannot clear PE. The
		 * rest is the guest's CR0, its own bits from GUEST_CR0: the
		 * shadow holds hv's bits only. */
		uint64_t cr0 = vmx_guest_cr0_view();

		return cr_write(v, 0, (cr0 & ~0xeull) | (c.lmsw_src & 0xf) |
					      (cr0 & 1));
	}
	return stop(v, e, "unexpected control-register access");
}

enum exit_action handle_rdmsr(struct vcpu *v, struct exit_ctx *e)
{
	uint64_t value;

	(void)e;
	if (user_mode() || policy_rdmsr(v, (uint32_t)v->arch.regs.rcx, &value))
		return inject_gp(v);
	v->arch.regs.rax = (uint32_t)value;
	v->arch.regs.rdx = value >> 32;
	return EXIT_NEXT;
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* SDM "IA32_PAT MSR": each entry is UC, WC, WT, WP, WB or UC-. */
static bool valid_pat(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (8 * i));

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/*
 * A write to an MSR the guest owns. The value goes to the vCPU's own copy
 * (its VMCS guest-state field, or hv's copy that is loaded while it runs);
 * values the CPU would refuse, and changes to the 64-bit mode hv gives
 * every guest, are #GP. Then the host's own value, which the VM exit
 * loaded from the host-state area, is read back: were it the guest's, hv
 * itself would now run with it.
 */
static enum exit_action guest_msr_write(struct vcpu *v, uint32_t msr,
					uint64_t value)
{
	uint32_t field = 0;
	uint64_t host = 0;

	switch (msr) {
	case IA32_EFER: /* only SCE and NXE are the guest's to change */
		if (v->arch.pc) {
			/* A pc guest's: LME too, while paging is off. */
			if (!vmx_pc_efer_write(&value))
				return inject_gp(v);
		} else if ((value & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) ||
			   !(value & EFER_LME)) {
			return inject_gp(v);
		} else {
			value |= EFER_LMA;
		}
		field = VMCS_GUEST_IA32_EFER;
		host = vmcs_read64(VMCS_HOST_IA32_EFER);
		break;
	case IA32_PAT:
		if (!valid_pat(value))
			return inject_gp(v);
		field = VMCS_GUEST_IA32_PAT;
		host = vmcs_read64(VMCS_HOST_IA32_PAT);
		break;
	case IA32_DEBUGCTL: /* LBR and BTF only; a VM exit clears it */
		if (value & ~(DEBUGCTL_LBR | DEBUGCTL_BTF))
			return inject_gp(v);
		field = VMCS_GUEST_IA32_DEBUGCTL;
		break;
	case IA32_SYSENTER_CS: /* the host's three SYSENTER MSRs are 0 */
		field = VMCS_GUEST_SYSENTER_CS;
		break;
	case IA32_SYSENTER_ESP:
	case IA32_SYSENTER_EIP:
		if (!canonical(value))
			return inject_gp(v);
		field = msr == IA32_SYSENTER_ESP ? VMCS_GUEST_SYSENTER_ESP :
				       VMCS_GUEST_SYSENTER_EIP;
		break;
	case IA32_STAR:
		v->arch.star = value;
		break;
	case IA32_LSTAR:
	case IA32_CSTAR:
		if (!canonical(value))
			return inject_gp(v);
		*(msr == IA32_LSTAR ? &v->arch.lstar : &v->arch.cstar) = value;
		break;
	case IA32_FMASK: /* bits 63:32 are reserved */
		if (value >> 32)
			return inject_gp(v);
		v->arch.sfmask = value;
		break;
	default:
		panic("%s: no emulation of a write to audited MSR 0x%x",
		      v->part->name, msr);
	}
	if (field == VMCS_GUEST_SYSENTER_CS)
		vmcs_write32(field, (uint32_t)value);
	else if (field == VMCS_GUEST_SYSENTER_ESP ||
		 field == VMCS_GUEST_SYSENTER_EIP)
		vmcs_write_nat(field, value);
	else if (field)
		vmcs_write64(field, value);
	else
		wrmsr(msr, value); /* hv's switched copy: live while it runs */
	if (field && rdmsr(msr) != host)
		panic("%s: the host's MSR 0x%x is 0x%lx, not its own 0x%lx, after a guest write",
		      v->part->name, msr, rdmsr(msr), host);
	policy_msr_audited(v, msr, value);
	return EXIT_NEXT;
}

enum exit_action handle_wrmsr(struct vcpu *v, struct exit_ctx *e)
{
	uint32_t msr = (uint32_t)v->arch.regs.rcx;
	uint64_t value = (v->arch.regs.rdx << 32) | (uint32_t)v->arch.regs.rax;

	(void)e;
	if (user_mode())
		return inject_gp(v);
	if (policy_msr_kind(msr) == MSR_GUEST_AUDITED)
		return guest_msr_write(v, msr, value);
	if (policy_wrmsr(v, msr, value))
		return inject_gp(v);
	return EXIT_NEXT;
}

enum exit_action handle_xsetbv(struct vcpu *v, struct exit_ctx *e)
{
	uint64_t value = (v->arch.regs.rdx << 32) | (uint32_t)v->arch.regs.rax;

	(void)e;
	/*
	 * The SDM's XSETBV #GP conditions, all checked here so that hv's own
	 * XSETBV can never fault: CPL 0 only (a CPU checks it before the
	 * exit, Bochs after); only XCR0; x87 always on; nothing outside the
	 * components hv switches; AVX only with SSE; the AVX-512 trio (bits
	 * 7:5) all or none and only with AVX.
	 */
	if (user_mode() || (uint32_t)v->arch.regs.rcx != 0 ||
	    !(value & XCR0_X87) || (value & ~vcpu_arch_xfeatures()) ||
	    ((value & XCR0_AVX) && !(value & XCR0_SSE)) ||
	    ((value & 0xe0) && ((value & 0xe0) != 0xe0 || !(value & XCR0_AVX))))
		return inject_gp(v);
	/* Every component's state is already the vCPU's own: it was loaded
	 * with hv's whole mask (guest_state_load). */
	v->arch.xcr0 = value;
	xsetbv(value);
	return EXIT_NEXT;
}

enum exit_action handle_cache_flush(struct vcpu *v, struct exit_ctx *e)
{
	/*
	 * INVD would discard other partitions' dirty lines and WBINVD lets a
	 * guest stall the machine; with write-back RAM neither is needed
	 * for correctness, so both complete as no-ops, at CPL 0.
	 */
	(void)e;
	return user_mode() ? inject_gp(v) : EXIT_NEXT;
}

/*
 * RDPMC: no counters are offered (CPUID leaf 0AH reads 0), so no ECX
 * names a valid one, and SDM "RDPMC-Read Performance-Monitoring
 * Counters" makes that #GP(0), as it does CPL > 0 without CR4.PCE; the
 * instruction has no #UD but for LOCK, which the CPU raises itself.
 */
enum exit_action handle_rdpmc(struct vcpu *v, struct exit_ctx *e)
{
	(void)e;
	return inject_gp(v);
}
