// SPDX-License-Identifier: MIT
/*
 * The vCPUs of `platform = pc` partitions (docs/platform.md): unrestricted
 * guest (SDM Vol. 3C, "Unrestricted Guests"), so that the guest itself
 * moves between real mode, protected mode with and without paging, PAE
 * and IA-32e mode. CR0.PE and CR0.PG, and CR4.PAE, are the guest's own:
 * a MOV that changes only those runs without an exit, and the CPU does
 * what it does for any MOV, IA-32e mode and the PDPTEs included. VM exits
 * store EFER.LMA into the "IA-32e mode guest" entry control (IA32_VMX_MISC
 * bit 5, which every CPU with unrestricted guest reports), so that control
 * follows the guest's paging without hv.
 *
 * hv keeps what it keeps for every partition: CD and NW (never loaded by
 * entry or exit), the bits the VMX fixed-bit MSRs pin (NE; VMXE), MCE and
 * every CR4 bit it does not virtualize. A MOV that changes one of those
 * exits, and hv then completes the whole instruction, PE, PG and PAE
 * changes and their consequences included, with the CPU's checks
 * (arch/x86/crcheck.h). So do EFER writes, which always exit.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/crcheck.h"
#include "arch/x86/ept.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx_exit_ctx.h"
#include "arch/x86/vmx_vcpu.h"
#include "hv/errno.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/upcall.h"
#include "lib/string.h"
#include "hv/vlapic.h"

#define VMX_MISC_STORES_LMA (1ull << 5)

void vmx_pc_caps_init(void)
{
	uint64_t cap2 = rdmsr(IA32_VMX_PROCBASED_CTLS2) >> 32;
	uint32_t a, b, c, d;

	vmx_caps.pc_missing = NULL;
	if (!(cap2 & PROC2_UNRESTRICTED_GUEST))
		vmx_caps.pc_missing =
			"the VMX 'unrestricted guest' control (IA32_VMX_PROCBASED_CTLS2 bit 39)";
	else if (!(rdmsr(IA32_VMX_MISC) & VMX_MISC_STORES_LMA))
		vmx_caps.pc_missing =
			"VM exits that store EFER.LMA in the IA-32e mode entry control (IA32_VMX_MISC bit 5)";
	/* RDTSCP, and with it RDPID, runs in the guest: hv switches
	 * TSC_AUX with the vCPU (arch/x86/vmx_state.c). */
	vmx_caps.proc2_pc = vmx_caps.proc2 | PROC2_UNRESTRICTED_GUEST |
			    ((uint32_t)cap2 & PROC2_ENABLE_RDTSCP);
	vmx_caps.apic_access = cap2 & PROC2_VIRTUALIZE_APIC_ACCESSES;
	vmx_apicv_caps_init(cap2);
	/* SDM "Pin-Based VM-Execution Controls": virtual NMIs let hv give
	 * a guest an NMI and see its handler's IRET; NMI-window exiting
	 * needs them. The allowed-1 settings are the MSR's high half. */
	vmx_caps.pin_pc = vmx_caps.pin;
	vmx_caps.nmi_window = false;
	if ((rdmsr(IA32_VMX_PINBASED_CTLS) >> 32) & PIN_VIRTUAL_NMIS) {
		vmx_caps.pin_pc |= PIN_VIRTUAL_NMIS;
		vmx_caps.nmi_window = (rdmsr(IA32_VMX_PROCBASED_CTLS) >> 32) &
				      PROC_NMI_WINDOW_EXITING;
	}
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	vmx_caps.maxphyaddr = 36;
	if (a >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		vmx_caps.maxphyaddr = (uint8_t)a;
	}
}

/*
 * The APIC-access page (SDM Vol. 3C, "Virtualizing Memory-Mapped APIC
 * Accesses"): with "virtualize APIC accesses" and EPT, an access whose
 * guest-physical address EPT translates to this page's address is an
 * APIC access, and without "use TPR shadow" every one of them exits
 * (arch/x86/vmx_mmio.c): the CPU never reads or writes the page itself.
 * One page for the partition, not one per vCPU: the EPT is the
 * partition's, and a vCPU whose VMCS named another page than the one
 * mapped would reach that page as memory. Allocated and freed with the
 * partition's EPT, owned by the partition, mapped in no other EPT.
 */
int vmx_pc_apic_page(struct partition *p)
{
	uint64_t pa;
	int r;

	if (p->platform != HV_PLATFORM_PC)
		return 0;
	/* RAM that reaches the APIC base is RAM there (docs/platform.md). */
	if (p->ram_size > VLAPIC_BASE_DEFAULT)
		return 0;
	if (!vmx_caps.apic_access || p->emulate_apic_access) {
		pr_info("partition %s: xAPIC page by EPT violations (%s)", p->name,
			p->emulate_apic_access ? "emulate_apic_access" :
						 "the CPU cannot virtualize APIC accesses");
		return 0;
	}
	pa = palloc_page(mem_pool(), p->id);
	if (!pa) {
		pr_err("partition %s: no memory for its APIC-access page", p->name);
		return HV_ENOMEM;
	}
	/* Read and write, never execute: a fetch there is an EPT violation
	 * and stops the partition. Memory type UC (0), as for a device. */
	r = pt_map(&p->arch.ept, VLAPIC_BASE_DEFAULT, pa, 4096, EPT_R | EPT_W);
	if (r) {
		pr_err("partition %s: cannot map its APIC-access page: %d", p->name, r);
		palloc_free(mem_pool(), pa, 4096, p->id);
		return r;
	}
	p->arch.apic_access_pa = pa;
	if (vmx_caps.apicv && !p->emulate_apic_registers)
		pr_info("partition %s: xAPIC page by APIC virtualization (virtual-APIC page per vCPU)",
			p->name);
	else
		pr_info("partition %s: xAPIC page by APIC-access exits%s", p->name,
			p->emulate_apic_registers ? " (emulate_apic_registers)" : "");
	return 0;
}

void vmx_pc_apic_page_free(struct partition *p)
{
	if (p->arch.apic_access_pa)
		palloc_free(mem_pool(), p->arch.apic_access_pa, 4096, p->id);
	p->arch.apic_access_pa = 0;
}

bool vcpu_arch_rdtscp(const struct vcpu *v)
{
	return v->arch.pc && (vmx_caps.proc2_pc & PROC2_ENABLE_RDTSCP);
}

uint8_t vcpu_arch_maxphyaddr(void)
{
	return vmx_caps.maxphyaddr;
}

const char *vcpu_arch_pc_missing(void)
{
	return vmx_caps.pc_missing;
}

/* Under unrestricted guest PE and PG may be 0 although the fixed-0 MSR
 * says 1 (SDM Vol. 3D, "VMX-Fixed Bits in CR0"): they are the guest's. */
static uint64_t pc_cr0_host_owned(void)
{
	return vmx_cr0_host_owned() & ~(CR0_PE | CR0_PG);
}

static uint64_t pc_guest_cr0(uint64_t shadow)
{
	uint64_t fixed0 = vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG);

	return ((shadow | fixed0) & vmx_caps.cr0_fixed1) & ~(CR0_CD | CR0_NW);
}

static uint64_t pc_cr4_host_owned(void)
{
	return ~(CR4_PC_GUEST_OWNED & vmx_caps.cr4_fixed1 &
		 ~vmx_caps.cr4_fixed0);
}

/* Access rights (SDM Vol. 3C, "Guest Register State"). */
#define AR_CODE32 0xc09bu /* G, D/B, P, S, execute/read, accessed */
#define AR_CODE64 0xa09bu /* G, L, P, S, execute/read, accessed */
#define AR_DATA32 0xc093u /* G, D/B, P, S, read/write, accessed */
#define AR_CODE16 0x009bu
#define AR_DATA16 0x0093u
#define AR_TSS32_BUSY 0x008bu
#define AR_UNUSABLE 0x10000u

static void pc_segments(const struct vcpu_pc_entry *e)
{
	static const uint32_t data[][4] = {
		{ VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT,
		  VMCS_GUEST_DS_AR },
		{ VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT,
		  VMCS_GUEST_ES_AR },
		{ VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT,
		  VMCS_GUEST_SS_AR },
		{ VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT,
		  VMCS_GUEST_FS_AR },
		{ VMCS_GUEST_GS_SELECTOR, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT,
		  VMCS_GUEST_GS_AR },
	};
	bool real = e->mode == VCPU_PC_REAL;
	uint32_t limit = real ? 0xffff : 0xffffffff;

	vmcs_write16(VMCS_GUEST_CS_SELECTOR,
			   real ? e->cs_selector : e->code_sel);
	vmcs_write_nat(VMCS_GUEST_CS_BASE,
			     real ? (uint64_t)e->cs_selector << 4 : 0);
	vmcs_write32(VMCS_GUEST_CS_LIMIT, limit);
	vmcs_write32(VMCS_GUEST_CS_AR, real ? AR_CODE16 :
				 e->mode == VCPU_PC_LONG64 ? AR_CODE64 :
							    AR_CODE32);
	for (unsigned i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		vmcs_write16(data[i][0], real ? 0 : e->data_sel);
		vmcs_write_nat(data[i][1], 0);
		vmcs_write32(data[i][2], limit);
		vmcs_write32(data[i][3], real ? AR_DATA16 : AR_DATA32);
	}
	/* VM entry wants a busy TSS in TR and LDTR usable or not (SDM
	 * "Checks on Guest Segment Registers"); the guest loads its own. */
	vmcs_write16(VMCS_GUEST_TR_SELECTOR, 0);
	vmcs_write_nat(VMCS_GUEST_TR_BASE, 0);
	vmcs_write32(VMCS_GUEST_TR_LIMIT, 0xffff);
	vmcs_write32(VMCS_GUEST_TR_AR, AR_TSS32_BUSY);
	vmcs_write16(VMCS_GUEST_LDTR_SELECTOR, 0);
	vmcs_write_nat(VMCS_GUEST_LDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_LDTR_LIMIT, 0);
	vmcs_write32(VMCS_GUEST_LDTR_AR, AR_UNUSABLE);
	vmcs_write_nat(VMCS_GUEST_GDTR_BASE, real ? 0 : e->gdt_base);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, real ? 0xffff : e->gdt_limit);
	vmcs_write_nat(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, real ? 0x3ff : 0);
}

/*
 * Over hv's own setup (setup_vmcs in vmx_vcpu.c, which is current): the
 * secondary controls with unrestricted guest, the pc masks, no IA-32e
 * mode, and the entry state of e. A multiboot entry's CR0 is PE and ET,
 * as QEMU leaves it; a real-mode entry's is what INIT leaves, CD and NW
 * included (in the shadow only: the CPU runs with neither).
 */
void vmx_pc_setup(struct vcpu *v, const struct vcpu_pc_entry *e)
{
	bool lm = e->mode == VCPU_PC_LONG64;
	uint64_t cr0 = e->mode == VCPU_PC_REAL ? CR0_ET | CR0_CD | CR0_NW :
			lm ? CR0_PE | CR0_ET | CR0_PG : CR0_PE | CR0_ET;
	uint64_t cr4 = lm ? CR4_PAE : 0;

	v->arch.pc = true;
	/* The registers are zero: setup_vmcs cleared them (a start-up IPI
	 * comes only to a vCPU that INIT or its creation set up). */
	v->arch.regs.rax = e->eax;
	v->arch.regs.rbx = e->ebx;
	v->arch.regs.rdx = e->edx;
	v->arch.regs.rsi = e->esi;
	vmx_apicv_update(v, true);
	if (v->part->arch.apic_access_pa)
		vmcs_write64(VMCS_APIC_ACCESS_ADDR, v->part->arch.apic_access_pa);
	vmcs_write32(VMCS_PIN_BASED_CTLS, vmx_caps.pin_pc);
	vmcs_write_nat(VMCS_CR0_GUEST_HOST_MASK, pc_cr0_host_owned());
	vmcs_write_nat(VMCS_CR4_GUEST_HOST_MASK, pc_cr4_host_owned());
	/* IA-32e mode at entry needs EFER.LME and LMA with CR0.PG and
	 * CR4.PAE (SDM "Checks on Guest Control Registers, Debug Registers,
	 * and MSRs"). */
	vmcs_write32(VMCS_ENTRY_CTLS,
		     lm ? vmx_caps.entry | ENTRY_IA32E_MODE_GUEST :
			  vmx_caps.entry & ~ENTRY_IA32E_MODE_GUEST);
	vmcs_write_nat(VMCS_GUEST_CR0, pc_guest_cr0(cr0));
	vmcs_write_nat(VMCS_CR0_READ_SHADOW, cr0);
	vmcs_write_nat(VMCS_GUEST_CR3, lm ? e->cr3 : 0);
	vmcs_write_nat(VMCS_GUEST_CR4, vmx_guest_cr4(cr4));
	vmcs_write_nat(VMCS_CR4_READ_SHADOW, cr4);
	vmcs_write64(VMCS_GUEST_IA32_EFER, lm ? EFER_LME | EFER_LMA : 0);
	pc_segments(e);
	vmcs_write_nat(VMCS_GUEST_RIP, e->eip);
	vmcs_write_nat(VMCS_GUEST_RSP, e->esp);
	vmcs_write_nat(VMCS_GUEST_RFLAGS, 0x2);
	for (uint32_t f = VMCS_GUEST_PDPTE0; f <= VMCS_GUEST_PDPTE3; f += 2)
		vmcs_write64(f, 0);
}

/*
 * The four PDPTEs of PAE paging from CR3 (bits 31:5), checked as the CPU
 * checks them, into the VMCS fields the next entry loads them from (SDM
 * "Loading Page-Directory-Pointer-Table Entries"). A table outside the
 * partition's RAM reads as all ones on a PC, which no PDPTE passes.
 */
static bool load_pdptes(struct vcpu *v, uint64_t cr3)
{
	uint64_t gpa = cr3 & 0xffffffe0ull;
	const uint64_t *t = partition_gpa_to_hva(v->part, gpa, 32);

	if (!t)
		return false;
	for (int i = 0; i < 4; i++)
		if (pdpte_bad(t[i], vmx_caps.maxphyaddr))
			return false;
	for (int i = 0; i < 4; i++)
		vmcs_write64(VMCS_GUEST_PDPTE0 + 2 * (uint32_t)i, t[i]);
	return true;
}

static bool cs_long(void)
{
	return vmcs_read32(VMCS_GUEST_CS_AR) & (1u << 13);
}

/* CS.L in 64-bit mode, else CS.D: 32-bit, else 16-bit (real and
 * virtual-8086 mode too), as the CPU sizes its IP. */
uint64_t __attribute__((noinline, cold)) vmx_pc_wrap_ip(uint64_t next)
{
	uint32_t cs = vmcs_read32(VMCS_GUEST_CS_AR);

	if ((vmcs_read64(VMCS_GUEST_IA32_EFER) & EFER_LMA) && (cs & (1u << 13)))
		return next;
	return next & (cs & (1u << 14) ? 0xffffffffull : 0xffffull);
}

/* IA-32e mode on or off with EFER.LMA: the entry control follows. */
static void set_efer(uint64_t efer)
{
	uint32_t entry = vmcs_read32(VMCS_ENTRY_CTLS) & ~ENTRY_IA32E_MODE_GUEST;

	if (efer & EFER_LMA) {
		uint32_t tr = vmcs_read32(VMCS_GUEST_TR_AR);

		entry |= ENTRY_IA32E_MODE_GUEST;
		/*
		 * A CPU activates IA-32e mode whatever TSS TR holds, but VM
		 * entry to an IA-32e guest wants a busy 64-bit TSS (SDM
		 * "Checks on Guest Segment Registers"). A 16-bit busy TSS
		 * (type 3) is read as the 64-bit one from now on, as the CPU
		 * would: its type becomes 11.
		 */
		if ((tr & 0xf) == 3)
			vmcs_write32(VMCS_GUEST_TR_AR, (tr & ~0xfu) | 11);
	}
	vmcs_write64(VMCS_GUEST_IA32_EFER, efer);
	vmcs_write32(VMCS_ENTRY_CTLS, entry);
}

/*
 * A MOV to CR0 or CR4 (or an LMSW) of a pc vCPU that changes a bit hv
 * owns. Checked as the CPU checks it, then
 * completed: the guest's value in the read shadow and, derived from it,
 * the CPU's; IA-32e mode switched with CR0.PG; the PDPTEs loaded when
 * PAE paging is in use afterwards; and the vCPU's translations dropped,
 * as the MOV would (SDM "Invalidation of TLBs and Paging-Structure
 * Caches").
 */
enum exit_action vmx_pc_cr_write(struct vcpu *v, unsigned cr, uint64_t val)
{
	uint64_t cr0 = vmx_guest_cr0_view(), cr4 = vcpu_arch_guest_cr4(v);
	uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	uint64_t cr3 = vmcs_read_nat(VMCS_GUEST_CR3);
	uint64_t new0 = cr0, new4 = cr4, real;
	uint32_t field = cr == 0 ? VMCS_GUEST_CR0 : VMCS_GUEST_CR4;

	if (cr == 0) {
		if (cr0_write_faults_any(val, cr0, cr4, efer, cs_long()))
			return inject_gp(v);
		new0 = cr0_written(val);
	} else {
		if (cr4_write_faults_any(val, cr4, efer, cr3,
					 vmx_caps.cr4_fixed1))
			return inject_gp(v);
		new4 = val;
	}
	if (pdptes_reload(cr0, new0, cr4, new4, efer) && !load_pdptes(v, cr3))
		return inject_gp(v);
	if (cr == 0) {
		real = pc_guest_cr0(new0);
		vmcs_write_nat(VMCS_CR0_READ_SHADOW, new0);
		if (efer_after_cr0(efer, cr0, new0) != efer)
			set_efer(efer_after_cr0(efer, cr0, new0));
	} else {
		real = vmx_guest_cr4(new4);
		vmcs_write_nat(VMCS_CR4_READ_SHADOW, new4);
	}
	if (real != vmcs_read_nat(field))
		vmcs_write_nat(field, real);
	if (vmx_invvpid(INVVPID_SINGLE_CONTEXT, v->arch.vpid, 0) != VMX_OK)
		panic("INVVPID after a guest CR%u write failed", cr);
	return EXIT_NEXT;
}

/* What CPUID shows a pc guest of EFER: SYSCALL, long mode, NX. */
#define EFER_PC_ALLOWED (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

/*
 * WRMSR to EFER from a pc vCPU: LME may change only while paging is off,
 * and LMA stays the CPU's, so the IA-32e mode entry control needs no
 * change. False for #GP; else *val becomes the value to store.
 */
bool vmx_pc_efer_write(uint64_t *val)
{
	uint64_t old = vmcs_read64(VMCS_GUEST_IA32_EFER);

	if (efer_write_faults_pc(*val, old, vmx_guest_cr0_view(), EFER_PC_ALLOWED))
		return false;
	*val = efer_written_pc(*val, old);
	return true;
}

/* EDX after INIT and at a start-up IPI's entry: the processor's
 * signature, CPUID.1:EAX (SDM "Initialization Overview"). */
static uint32_t signature(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return a;
}

/*
 * INIT (SDM "Processor Built-In Self-Test and INIT"): the vCPU's
 * registers, MSRs, FPU state and local APIC as after INIT (the APIC's
 * base and mode survive it), and it waits for a start-up IPI. Its VMCS,
 * current on this CPU, is rebuilt from scratch.
 */
static void pc_init(struct vcpu *v)
{
	const struct vcpu_pc_entry e = {
		.mode = VCPU_PC_REAL, .cs_selector = 0xf000, .eip = 0xfff0,
		.edx = signature(),
	};
	uint64_t base = v->apic.base;

	/* setup_vmcs clears what the vCPU ran with. */
	if (vcpu_arch_reinit_pc_here(v, &e))
		panic("%s: vcpu %u: its VMCS could not be rebuilt at INIT",
		      v->part->name, v->id);
	v->apic.base = base;
	__atomic_store_n(&v->wait, VCPU_WAIT_SIPI, __ATOMIC_RELEASE);
}

/* The start-up IPI: real mode at CS = vector << 8 (base vector << 12),
 * IP 0, over the state INIT left (SDM "MP Initialization Protocol"). */
static void pc_sipi(struct vcpu *v, uint8_t vector)
{
	const struct vcpu_pc_entry e = {
		.mode = VCPU_PC_REAL, .cs_selector = (uint16_t)(vector << 8),
		.eip = 0, .edx = signature(),
	};

	vmx_pc_setup(v, &e);
	__atomic_store_n(&v->wait, VCPU_RUNNING, __ATOMIC_RELEASE);
}

/*
 * A start-up IPI acts only on a vCPU that waits for one; a second is
 * ignored. A waiting vCPU runs again when something that ends its wait
 * has come (hv/apic.c); otherwise it waits on, with its timer.
 */
enum pc_begin vmx_pc_begin(struct vcpu *v, uint64_t now)
{
	uint8_t vector;
	uint32_t got = apic_take_startup(v, &vector);

	if (got & APIC_INBOX_INIT)
		pc_init(v);
	if ((got & APIC_INBOX_SIPI) && v->wait == VCPU_WAIT_SIPI) {
		pc_sipi(v, vector);
		pr_debug("%s: vcpu %u: start-up IPI, vector 0x%x", v->part->name,
			 v->id, vector);
	}
	if (apic_drain(v))
		v->arch.nmi |= VCPU_NMI_PENDING;
	switch (v->wait) {
	case VCPU_RUNNING:
		return PC_RUN;
	case VCPU_WAIT_SIPI:
		v->arch.nmi = 0; /* NMIs are held off there */
		break;
	case VCPU_WAIT_HLT:
		if (v->arch.apicv)
			vlapic_rescan(&v->apic); /* as pc_hlt */
		vlapic_tick(&v->apic, now);
		if (vlapic_pending(&v->apic) >= 0 ||
		    (v->arch.nmi & VCPU_NMI_PENDING))
			goto wake;
		return apic_wait(v, VCPU_WAIT_HLT,
				 vlapic_next_deadline(&v->apic)) ?
			       PC_WAIT :
			       PC_HALTED;
	case VCPU_WAIT_HLT_NOIF:
		if (v->arch.nmi & VCPU_NMI_PENDING)
			goto wake;
		break;
	}
	return apic_wait(v, (enum vcpu_wait)v->wait, 0) ? PC_WAIT : PC_HALTED;
wake:
	__atomic_store_n(&v->wait, VCPU_RUNNING, __ATOMIC_RELEASE);
	return PC_RUN;
}
