// SPDX-License-Identifier: MIT
/*
 * A vCPU's VMCS, set up area by area (SDM Vol. 3C, "Organization of VMCS
 * Data"): host state, execution controls, guest state, exit and entry
 * controls. Every control is adjusted to the capability MSRs; every
 * VMWRITE is checked by its accessor (arch/x86/vmcs.h), which halts hv
 * naming the field, the value and the error.
 */
#include "arch/x86/vmx_vcpu.h"

#include "arch/x86/cpu.h"
#include "arch/x86/crcheck.h"
#include "arch/x86/ept.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcheck_hv.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmx_names.h"
#include "hv/errno.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/upcall.h"
#include "hv/start_info.h"
#include "lib/string.h"
#include "lib/vmxcap.h"

struct vmx_caps vmx_caps;

/*
 * The VMCS accessors' failure paths: all are hv bugs, never guest acts.
 * After VMfailValid the current VMCS holds the error number; after
 * VMfailInvalid there is no current VMCS to hold it, and reading the
 * error field fails too.
 */
static const char *vmx_last_error(uint64_t *err)
{
	if (vmcs_read_checked(VMCS_VM_INSTRUCTION_ERROR, err))
		return vmx_instruction_error_text((uint32_t)*err);
	return "VMfailInvalid: no current VMCS";
}

void vmcs_read_failed(uint32_t field)
{
	uint64_t err;
	const char *why = vmx_last_error(&err);

	panic("VMREAD of VMCS field 0x%x (%s) failed: VM-instruction error %lu (%s)",
	      field, vmcs_field_name(field), err, why);
}

void vmcs_write_failed(uint32_t field, uint64_t value)
{
	uint64_t err;
	const char *why = vmx_last_error(&err);

	panic("VMWRITE of 0x%lx to VMCS field 0x%x (%s) failed: VM-instruction error %lu (%s)",
	      value, field, vmcs_field_name(field), err, why);
}

void vmcs_width_mismatch(uint32_t field)
{
	panic("VMCS field 0x%x (%s) accessed with the wrong width", field,
	      vmcs_field_name(field));
}

/* One MSR bitmap serves every vCPU: the MSR policy is the same for all. */
static uint64_t msr_bitmap_pa;

static void msr_bitmap_pass(uint8_t *bitmap, uint32_t msr, bool writes)
{
	/* Read-low at 0, read-high at 1024, write-low 2048, write-high 3072. */
	uint32_t base = msr >= 0xc0000000 ? 1024 : 0;
	uint32_t bit = msr & 0x1fff;

	bitmap[base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
	if (writes)
		bitmap[base + 2048 + bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

static void build_msr_bitmap(void)
{
	uint8_t *msr;

	msr_bitmap_pa = palloc_page(mem_pool(), PALLOC_OWNER_HV);
	if (!msr_bitmap_pa)
		panic("no memory for the MSR bitmap");
	msr = (uint8_t *)(uintptr_t)msr_bitmap_pa;
	/* Every MSR exits but the guest-owned ones; the audited ones exit
	 * on writes only. */
	memset(msr, 0xff, 4096);
	for (uint32_t m = 0; m < 0x2000; m++) {
		for (uint32_t hi = 0; hi <= 1; hi++) {
			uint32_t n = hi ? 0xc0000000 + m : m;
			enum msr_kind k = policy_msr_kind(n);

			if (k == MSR_GUEST_OWNED || k == MSR_GUEST_AUDITED)
				msr_bitmap_pass(msr, n, k == MSR_GUEST_OWNED);
		}
	}
}

void vmx_caps_init(void)
{
	static struct vmx_cap_report report;
	struct vmx_cap_msrs m;
	struct vmx_controls c;
	uint32_t a, b, ecx, d;

	cpuid(1, 0, &a, &b, &ecx, &d);
	vmx_cap_read(&m, ecx, rdmsr);
	/* The loader checked the same table (lib/vmxcap.c). */
	vmx_cap_decode(&m, &report);
	if (!report.ok)
		panic("VT-x: %s", report.reason);
	vmx_cap_controls(&m, &c);
	vmx_caps.pin = c.pin;
	vmx_caps.proc = c.proc;
	vmx_caps.proc2 = c.proc2;
	vmx_caps.exit = c.exit;
	vmx_caps.entry = c.entry;
	vmx_caps.revision = (uint32_t)(m.basic & VMX_BASIC_REVISION_MASK);
	ept_set_page_sizes(m.ept_vpid & EPT_VPID_CAP_2M_PAGES,
			   m.ept_vpid & EPT_VPID_CAP_1G_PAGES);
	vmx_caps.preemption_shift = m.misc & VMX_MISC_PREEMPTION_SHIFT;
	vmx_caps.cr0_fixed0 = rdmsr(IA32_VMX_CR0_FIXED0);
	vmx_caps.cr0_fixed1 = rdmsr(IA32_VMX_CR0_FIXED1);
	vmx_caps.cr4_fixed0 = rdmsr(IA32_VMX_CR4_FIXED0);
	vmx_caps.cr4_fixed1 = rdmsr(IA32_VMX_CR4_FIXED1);
	vmx_pc_caps_init();
	build_msr_bitmap();
	vmx_xsave_init();
	pr_info("vmx: controls pin 0x%x proc 0x%x proc2 0x%x exit 0x%x entry 0x%x",
		vmx_caps.pin, vmx_caps.proc, vmx_caps.proc2, vmx_caps.exit,
		vmx_caps.entry);
}

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* The exit stub pushes the guest's registers from HOST_RSP down, and
 * then stands at the vCPU's start (arch/x86/vmx_entry.asm). */
_Static_assert(offsetof(struct vcpu, arch.regs) == 0,
	       "the guest registers start struct vcpu");

/* Host state is per CPU: rewritten whenever a vCPU is loaded on a CPU. */
void vmx_setup_host_state(const struct vcpu *v)
{
	struct percpu *pc = this_cpu();
	struct desc_ptr gdtr, idtr;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	vmcs_write_nat(VMCS_HOST_CR0, read_cr0());
	vmcs_write_nat(VMCS_HOST_CR3, read_cr3());
	vmcs_write_nat(VMCS_HOST_CR4, read_cr4());
	vmcs_write16(VMCS_HOST_CS_SELECTOR, GDT_CODE);
	vmcs_write16(VMCS_HOST_SS_SELECTOR, GDT_DATA);
	vmcs_write16(VMCS_HOST_DS_SELECTOR, GDT_DATA);
	vmcs_write16(VMCS_HOST_ES_SELECTOR, GDT_DATA);
	vmcs_write16(VMCS_HOST_FS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_GS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_TR_SELECTOR, GDT_TSS);
	vmcs_write_nat(VMCS_HOST_FS_BASE, 0);
	vmcs_write_nat(VMCS_HOST_GS_BASE, (uint64_t)(uintptr_t)pc);
	vmcs_write_nat(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)&pc->tss);
	vmcs_write_nat(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmcs_write_nat(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write32(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write_nat(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write_nat(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write64(VMCS_HOST_IA32_EFER, rdmsr(IA32_EFER));
	vmcs_write64(VMCS_HOST_IA32_PAT, rdmsr(IA32_PAT));
	/* Every exit lands at the same place, with RSP at the end of the
	 * vCPU's guest registers, where the stub pushes them. */
	vmcs_write_nat(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_stub);
	vmcs_write_nat(VMCS_HOST_RSP, (uint64_t)(uintptr_t)(&v->arch.regs + 1));
}

static void setup_controls(struct vcpu *v, uint64_t eptp)
{
	vmcs_write32(VMCS_PIN_BASED_CTLS, vmx_caps.pin);
	v->arch.proc = vmx_caps.proc;
	v->arch.apicv = false;
	vmcs_write32(VMCS_PROC_BASED_CTLS, vmx_caps.proc);
	vmcs_write32(VMCS_PROC_BASED_CTLS2, vmx_caps.proc2);
	/*
	 * #DB and #AC exit, so that no guest can hold a CPU in an endless
	 * delivery loop out of hv's reach (XSA-156: a #DB or #AC that
	 * re-raises itself as it is delivered); hv reflects both. #MC exits
	 * so that hv, not the guest, handles the machine's errors.
	 */
	vmcs_write32(VMCS_EXCEPTION_BITMAP, EXCEPTION_BITMAP_HV);
	vmcs_write32(VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write64(VMCS_IO_BITMAP_A, v->part->arch.io_bitmap_pa);
	vmcs_write64(VMCS_IO_BITMAP_B, v->part->arch.io_bitmap_pa + 4096);
	vmcs_write64(VMCS_MSR_BITMAP, msr_bitmap_pa);
	vmcs_write64(VMCS_EPT_POINTER, eptp);
	vmcs_write16(VMCS_VPID, v->arch.vpid);
	/*
	 * CR0 and CR4 bits the VMX fixed-bit MSRs pin are owned by hv; the
	 * guest reads its own values from the shadows, and writes that would
	 * change them exit.
	 */
	vmcs_write_nat(VMCS_CR0_GUEST_HOST_MASK, vmx_cr0_host_owned());
	vmcs_write_nat(VMCS_CR4_GUEST_HOST_MASK, vmx_cr4_host_owned());
	vmcs_write64(VMCS_VMCS_LINK_POINTER, ~0ull);
}

static void setup_guest(uint64_t rip, uint64_t rsp, uint64_t cr3)
{
	/* Access rights (SDM "Format of the VMCS Region" / segment AR bytes). */
	const uint32_t ar_code = 0xa09b; /* G, L, P, S, execute/read accessed */
	const uint32_t ar_data = 0xc093; /* G, D/B, P, S, read/write accessed */
	const uint32_t ar_tss = 0x008b; /* P, busy 64-bit TSS */
	const uint32_t ar_unusable = 0x10000;
	uint64_t cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	uint64_t cr4 = CR4_PAE;
	static const uint32_t data_segs[][4] = {
		{ VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_DS_BASE,
		  VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR },
		{ VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE,
		  VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR },
		{ VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_SS_BASE,
		  VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR },
		{ VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_FS_BASE,
		  VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR },
		{ VMCS_GUEST_GS_SELECTOR, VMCS_GUEST_GS_BASE,
		  VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR },
	};

	vmcs_write_nat(VMCS_GUEST_CR0, vmx_guest_cr0(cr0));
	vmcs_write_nat(VMCS_CR0_READ_SHADOW, cr0);
	vmcs_write_nat(VMCS_GUEST_CR3, cr3);
	vmcs_write_nat(VMCS_GUEST_CR4, vmx_guest_cr4(cr4));
	vmcs_write_nat(VMCS_CR4_READ_SHADOW, cr4);
	vmcs_write_nat(VMCS_GUEST_DR7, 0x400);

	vmcs_write16(VMCS_GUEST_CS_SELECTOR, HV_GUEST_SEL_CODE);
	vmcs_write_nat(VMCS_GUEST_CS_BASE, 0);
	vmcs_write32(VMCS_GUEST_CS_LIMIT, 0xffffffff);
	vmcs_write32(VMCS_GUEST_CS_AR, ar_code);
	for (unsigned i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++) {
		vmcs_write16(data_segs[i][0], HV_GUEST_SEL_DATA);
		vmcs_write_nat(data_segs[i][1], 0);
		vmcs_write32(data_segs[i][2], 0xffffffff);
		vmcs_write32(data_segs[i][3], ar_data);
	}
	/* A 64-bit guest needs a usable TR even before it loads its own. */
	vmcs_write16(VMCS_GUEST_TR_SELECTOR, 0);
	vmcs_write_nat(VMCS_GUEST_TR_BASE, 0);
	vmcs_write32(VMCS_GUEST_TR_LIMIT, 0x67);
	vmcs_write32(VMCS_GUEST_TR_AR, ar_tss);
	vmcs_write16(VMCS_GUEST_LDTR_SELECTOR, 0);
	vmcs_write_nat(VMCS_GUEST_LDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_LDTR_LIMIT, 0);
	vmcs_write32(VMCS_GUEST_LDTR_AR, ar_unusable);
	vmcs_write_nat(VMCS_GUEST_GDTR_BASE, HV_GUEST_GDT);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, 3 * 8 - 1);
	vmcs_write_nat(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, 0);

	vmcs_write_nat(VMCS_GUEST_RIP, rip);
	vmcs_write_nat(VMCS_GUEST_RSP, rsp);
	vmcs_write_nat(VMCS_GUEST_RFLAGS, 0x2);
	vmcs_write64(VMCS_GUEST_IA32_EFER, EFER_LME | EFER_LMA | EFER_NXE);
	vmcs_write64(VMCS_GUEST_IA32_PAT, 0x0007040600070406ull);
	vmcs_write64(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmcs_write32(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write_nat(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write_nat(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write_nat(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
}

static void setup_exit_entry(void)
{
	vmcs_write32(VMCS_EXIT_CTLS, vmx_caps.exit);
	vmcs_write32(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_CTLS, vmx_caps.entry);
	vmcs_write32(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
}

/*
 * Bits fixed to 1, and bits fixed to 0, are hv's, and so are CD and NW:
 * neither VM entry nor VM exit loads them (SDM "Loading Guest Control
 * Registers, Debug Registers, and MSRs" and "Loading Host Control
 * Registers, Debug Registers, MSRs"), so a guest's CD would stay set for
 * hv and for the next partition on the CPU. The guest's CD and NW live
 * in the read shadow only; the CPU's stay 0.
 */
uint64_t vmx_cr0_host_owned(void)
{
	return vmx_caps.cr0_fixed0 | ~vmx_caps.cr0_fixed1 | CR0_CD | CR0_NW;
}

/* Everything but the bits a guest may own outright (arch/x86/crcheck.h). */
uint64_t vmx_cr4_host_owned(void)
{
	return ~(CR4_GUEST_OWNED & vmx_caps.cr4_fixed1 & ~vmx_caps.cr4_fixed0);
}

uint64_t vmx_guest_cr0(uint64_t shadow)
{
	return ((shadow | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1) &
	       ~(CR0_CD | CR0_NW);
}

/* MCE stays on while a guest runs, so that a machine check exits to hv
 * through the exception bitmap rather than shutting the CPU down. */
uint64_t vmx_guest_cr4(uint64_t shadow)
{
	return (shadow | vmx_caps.cr4_fixed0 | CR4_MCE) & vmx_caps.cr4_fixed1;
}

static uint64_t alloc_for(struct vcpu *v, uint64_t pages)
{
	return palloc_run(mem_pool(), pages, 1, v->part->id);
}

static uint64_t current_vmcs(void)
{
	uint64_t pa;

	/* VMPTRST cannot fail in VMX root at CPL 0 (SDM, VMPTRST). */
	__asm__ volatile("vmptrst %0" : "=m"(pa) : : "memory");
	return pa;
}

static int setup_vmcs(struct vcpu *v, uint64_t eptp,
		      const struct vcpu_pc_entry *pc, uint64_t rip,
		      uint64_t rdi, uint64_t rsp, uint64_t cr3);

/*
 * A parent's partition_create runs in the middle of the parent's own VM
 * exit, with the parent's VMCS current: the new vCPU's VMCS is loaded to
 * be filled in, and the parent's is made current again afterwards.
 */
static int init_vmcs(struct vcpu *v, const struct vcpu_pc_entry *pc,
		     uint64_t rip, uint64_t rdi, uint64_t rsp, uint64_t cr3)
{
	uint64_t eptp = ept_pointer(&v->part->arch.ept);
	uint64_t caller = current_vmcs();
	int r;

	HV_ASSERT(v->arch.vmcs_cpu == HV_CPU_NONE && v->running_on == HV_CPU_NONE);
	r = setup_vmcs(v, eptp, pc, rip, rdi, rsp, cr3);
	/*
	 * Written back to memory and inactive: the vCPU may first run on
	 * another CPU, which must VMLAUNCH it (SDM "Software Use of
	 * Virtual-Machine Control Structures").
	 */
	if (vmx_vmclear(v->arch.vmcs_pa) != VMX_OK)
		panic("VMCLEAR of the new VMCS 0x%lx failed", v->arch.vmcs_pa);
	vmx_entry_clear(v);
	v->arch.host_cpu = HV_CPU_NONE;
	if (caller != ~0ull && vmx_vmptrld(caller) != VMX_OK)
		panic("VMPTRLD of the calling vCPU's VMCS 0x%lx failed", caller);
	return r;
}

int vcpu_arch_init(struct vcpu *v, uint64_t rip, uint64_t rdi, uint64_t rsp,
		   uint64_t cr3)
{
	return init_vmcs(v, NULL, rip, rdi, rsp, cr3);
}

int vcpu_arch_init_pc(struct vcpu *v, const struct vcpu_pc_entry *e)
{
	if (vmx_caps.pc_missing)
		return HV_ENOSYS;
	return init_vmcs(v, e, 0, 0, 0, 0);
}

int vcpu_arch_reinit_pc_here(struct vcpu *v, const struct vcpu_pc_entry *e)
{
	HV_ASSERT(v->arch.vmcs_cpu == this_cpu()->index);
	/* setup_vmcs leaves the VMCS current here, with this CPU's host
	 * state: vmcs_cpu and host_cpu stay right. */
	return setup_vmcs(v, ept_pointer(&v->part->arch.ept), e, 0, 0, 0, 0);
}

int vcpu_arch_alloc(struct vcpu *v)
{
	v->arch.vmcs_cpu = HV_CPU_NONE;
	v->arch.host_cpu = HV_CPU_NONE;
	/*
	 * Every vCPU has its own VPID: entries and exits flush nothing, so a
	 * shared one would let vCPUs use each other's translations.
	 */
	v->arch.vpid = (uint16_t)((v->part->id - 1) * HV_MAX_VCPUS + v->id + 1);
	v->arch.vmcs_pa = alloc_for(v, 1);
	v->arch.xsave_area = (uint8_t *)(uintptr_t)alloc_for(v, vmx_xsave_pages());
	if (!v->arch.vmcs_pa || !v->arch.xsave_area)
		return HV_ENOMEM;
	/* Its own page, owned by its partition and mapped in no EPT: no
	 * guest reaches another vCPU's registers through it. */
	v->arch.vapic_pa = alloc_for(v, 1);
	if (!v->arch.vapic_pa)
		return HV_ENOMEM;
	memset((void *)(uintptr_t)v->arch.vapic_pa, 0, 4096);
	return vmcheck_vcpu_alloc(v);
}

/* hv's own 64-bit entry, or pc's over it (arch/x86/vmx_pc.c). */
static int setup_vmcs(struct vcpu *v, uint64_t eptp,
		      const struct vcpu_pc_entry *pc, uint64_t rip,
		      uint64_t rdi, uint64_t rsp, uint64_t cr3)
{
	*(uint32_t *)(uintptr_t)v->arch.vmcs_pa = vmx_caps.revision;
	/* SDM "Software Use of Virtual-Machine Control Structures": a new
	 * VMCS is cleared before its first VMPTRLD. */
	if (vmx_vmclear(v->arch.vmcs_pa) != VMX_OK ||
	    vmx_vmptrld(v->arch.vmcs_pa) != VMX_OK) {
		pr_err("VMCLEAR/VMPTRLD of a new VMCS at 0x%lx failed",
		       v->arch.vmcs_pa);
		return HV_EIO;
	}
	vmx_entry_clear(v);
	/* setup_controls writes vmx_caps.proc: no window exits. */
	v->arch.window_exiting = false;
	/*
	 * Nothing of the vCPU's last run survives a new set-up (a pc reset
	 * or INIT, or a slot used before): not its registers, the MSRs and
	 * debug registers hv switches for it, nor an event it was to get.
	 */
	v->arch.regs = (struct guest_regs){ 0 };
	v->arch.cr2 = 0;
	v->arch.kernel_gs_base = v->arch.star = v->arch.lstar = 0;
	v->arch.cstar = v->arch.sfmask = v->arch.tsc_aux = 0;
	for (int i = 0; i < 4; i++)
		v->arch.dr[i] = 0;
	v->arch.reinject_info = 0;
	v->arch.timer_until = 0;
	v->arch.nmi = 0;
	v->arch.leave = 0;
	v->arch.regs.rdi = rdi;
	/* pc vCPUs start in xAPIC mode as after RESET; hv's in x2APIC. */
	vlapic_init_page(&v->apic, v->id,
			 (v->id ? 0 : VLAPIC_INIT_BSP) |
				 (pc ? 0 : VLAPIC_INIT_X2APIC_ONLY),
			 (uint32_t *)(uintptr_t)v->arch.vapic_pa);
	if (pc && v->part->watch_eoi)
		vlapic_watch_eoi(&v->apic, (int)v->part->watch_eoi, true);
	v->arch.xcr0 = XCR0_X87; /* the reset values */
	vmx_xsave_area_init(v->arch.xsave_area);
	v->arch.dr6 = 0xffff0ff0;
	vmx_setup_host_state(v);
	setup_controls(v, eptp);
	setup_guest(rip, rsp, cr3);
	setup_exit_entry();
	v->arch.pc = false;
	if (pc)
		vmx_pc_setup(v, pc);
	/* The guest's translations start from nothing. */
	if (vmx_invept(INVEPT_SINGLE_CONTEXT, eptp) != VMX_OK ||
	    vmx_invvpid(INVVPID_SINGLE_CONTEXT, v->arch.vpid, 0) != VMX_OK)
		return HV_EIO;
	return 0;
}

void vcpu_arch_leave(struct vcpu *v)
{
	HV_ASSERT(v->arch.vmcs_cpu == this_cpu()->index);
	if (vmx_vmclear(v->arch.vmcs_pa) != VMX_OK)
		panic("VMCLEAR of %s's VMCS 0x%lx failed", v->part->name,
		      v->arch.vmcs_pa);
	vmx_entry_clear(v);
	__atomic_store_n(&v->arch.vmcs_cpu, HV_CPU_NONE, __ATOMIC_RELEASE);
}

void vcpu_arch_flush_here(struct vcpu *v)
{
	if (vmx_invept(INVEPT_SINGLE_CONTEXT, ept_pointer(&v->part->arch.ept)) !=
		    VMX_OK ||
	    vmx_invvpid(INVVPID_SINGLE_CONTEXT, v->arch.vpid, 0) != VMX_OK)
		panic("INVEPT/INVVPID for %s vcpu %u failed on cpu %u",
		      v->part->name, v->id, this_cpu()->index);
}

/*
 * Whenever the vCPU has a VMCS, not only while host_cpu names a CPU: a
 * pc restart forgets host_cpu on every vCPU (its VMCSs are set up again),
 * and the CPUs it ran on before still hold what they cached for its EPTP
 * and VPID.
 */
void vcpu_arch_flush(struct vcpu *v)
{
	if (v->arch.vmcs_pa)
		vcpu_arch_flush_here(v);
}

void vcpu_arch_release(struct vcpu *v)
{
	uint32_t owner = v->part ? v->part->id : PALLOC_OWNER_HV;

	vmcheck_vcpu_release(v, owner);
	if (v->arch.vmcs_pa) {
		/*
		 * Never free a VMCS that could still be active: every CPU
		 * clears a vCPU's VMCS when it lets the vCPU go, so a VMCS
		 * still marked active here is a broken invariant.
		 */
		HV_ASSERT(__atomic_load_n(&v->arch.vmcs_cpu, __ATOMIC_ACQUIRE) ==
				  HV_CPU_NONE &&
			  __atomic_load_n(&v->running_on, __ATOMIC_ACQUIRE) ==
				  HV_CPU_NONE);
		palloc_free(mem_pool(), v->arch.vmcs_pa, 4096, owner);
		v->arch.vmcs_pa = 0;
	}
	if (v->arch.vapic_pa) {
		/* The model must not keep writing into a freed page. */
		v->apic.regs = NULL;
		palloc_free(mem_pool(), v->arch.vapic_pa, 4096, owner);
		v->arch.vapic_pa = 0;
	}
	if (v->arch.xsave_area) {
		palloc_free(mem_pool(), (uint64_t)(uintptr_t)v->arch.xsave_area,
			    (uint64_t)vmx_xsave_pages() * 4096, owner);
		v->arch.xsave_area = NULL;
	}
}
