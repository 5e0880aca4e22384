// SPDX-License-Identifier: MIT
/*
 * A pc vCPU's accesses to its xAPIC's page (docs/platform.md, "The local
 * APIC"), by either of two exits:
 *
 * - APIC-access exits (basic reason 44), where the CPU has "virtualize
 *   APIC accesses": the partition's APIC-access page is mapped in its EPT
 *   at the default APIC base (arch/x86/space.c), and without "use TPR
 *   shadow" every access to it exits, with the page offset and the access
 *   type in the qualification (SDM Vol. 3C, "APIC-Access VM Exits" and
 *   "Exit Qualification for APIC-Access VM Exits").
 * - EPT violations at the APIC base, where the page is not mapped: on
 *   CPUs without the control, and with the manifest's emulate_apic_access
 *   (docs/manifest.md), which forces this path to test it.
 *
 * Both give an offset and a direction. Neither gives an instruction
 * length (SDM "VM-Exit Instruction Length": only exits caused by an
 * instruction have one), so the instruction is fetched and decoded
 * (arch/x86/mmio.c), and RIP set past it here.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/mmio.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx_exit_ctx.h"
#include "hv/apic.h"
#include "hv/log.h"
#include "hv/upcall.h"
#include "lib/string.h"

#define RFLAGS_VM (1ull << 17)
#define CS_AR_L (1u << 13)
#define CS_AR_DB (1u << 14)

/* SDM "Exit Qualification for APIC-Access VM Exits", bits 15:12. */
#define APIC_ACCESS_LINEAR_READ 0
#define APIC_ACCESS_LINEAR_WRITE 1

/* Guest memory for the walk: the partition's RAM and nothing else. */
static bool read_ram(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	const void *src = partition_gpa_to_hva(ctx, gpa, len);

	if (!src)
		return false;
	memcpy(buf, src, len);
	return true;
}

struct apic_dev_ctx {
	struct vcpu *v;
	uint64_t now;
};

static int apic_read(void *ctx, uint32_t offset, uint32_t *val)
{
	struct apic_dev_ctx *a = ctx;

	return vlapic_mmio_read(a->v, offset, a->now, val);
}

static int apic_write(void *ctx, uint32_t offset, uint32_t val)
{
	struct apic_dev_ctx *a = ctx;

	return vlapic_mmio_write(a->v, offset, a->now, val);
}

/* The code segment's default sizes (SDM "Code-Segment Descriptor"). */
static enum x86_cpu_mode code_mode(uint64_t efer)
{
	uint32_t ar = vmcs_read32(VMCS_GUEST_CS_AR);

	if ((efer & EFER_LMA) && (ar & CS_AR_L))
		return X86_MODE_64;
	if (vmcs_read_nat(VMCS_GUEST_RFLAGS) & RFLAGS_VM)
		return X86_MODE_16;
	return ar & CS_AR_DB ? X86_MODE_32 : X86_MODE_16;
}

/* EIP and IP wrap with the code's size; RIP does not. */
static uint64_t ip_mask(enum x86_cpu_mode mode)
{
	return mode == X86_MODE_64 ? ~0ull :
	       mode == X86_MODE_32 ? 0xffffffffull : 0xffffull;
}

static void walk_regs(struct vcpu *v, uint64_t efer, struct x86_walk_regs *w)
{
	*w = (struct x86_walk_regs){
		.cr0 = vmx_guest_cr0_view(),
		.cr3 = vmcs_read_nat(VMCS_GUEST_CR3),
		/* PAE, PSE, SMEP and LA57 as the CPU runs them. */
		.cr4 = vmcs_read_nat(VMCS_GUEST_CR4),
		.efer = efer,
		.maxphyaddr = vmx_caps.maxphyaddr,
		.cpl = (uint8_t)guest_cpl(),
		.read_gpa = read_ram,
		.ctx = v->part,
	};
	/* Saved by every exit under EPT with PAE paging in use (SDM
	 * "Saving Guest State"). */
	for (unsigned i = 0; i < 4; i++)
		w->pdpte[i] = vmcs_read64(VMCS_GUEST_PDPTE0 + 2 * i);
}

static uint64_t get_reg(void *ctx, unsigned n)
{
	return gpr_read(ctx, n);
}

static void set_reg(void *ctx, unsigned n, uint64_t val)
{
	gpr_write(ctx, n, val);
}

static enum exit_action complete(struct vcpu *v, struct exit_ctx *e,
				 uint32_t offset, enum mmio_dir dir)
{
	uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	uint64_t rip = vmcs_read_nat(VMCS_GUEST_RIP);
	struct apic_dev_ctx a = { v, rdtsc() };
	const struct mmio_dev dev = { apic_read, apic_write, &a };
	struct mmio_cpu c = { .get_reg = get_reg, .set_reg = set_reg, .reg_ctx = v };
	struct mmio_report r;
	enum mmio_status s;
	char line[MMIO_LINE_MAX + 1];

	/* An access of the event delivery itself (an IDT, a stack in the
	 * page) has no instruction to complete. */
	if (v->arch.reinject_info & INTR_INFO_VALID)
		return stop(v, e, "xAPIC page accessed while delivering an event");
	walk_regs(v, efer, &c.walk);
	c.mode = code_mode(efer);
	c.fetch_la = c.mode == X86_MODE_64 ?
			     rip :
			     (vmcs_read_nat(VMCS_GUEST_CS_BASE) + rip) & 0xffffffffull;
	/* The CPU checked the limit for the bytes it ran; another vCPU may
	 * since have written a longer instruction there. */
	c.fetch_max = mmio_fetch_max(c.mode, rip, vmcs_read32(VMCS_GUEST_CS_LIMIT),
				     c.walk.cr4 & CR4_LA57);
	s = apic_mmio(&c, offset, dir, &dev, &r);
	if (s != MMIO_DONE) {
		apic_mmio_describe(s, &c, &r, line, sizeof(line));
		stat_add_shared(&v->part->refused.ept, 1);
		vcpu_fault(v, "%s at rip 0x%lx", line, rip);
		return EXIT_STOP;
	}
	set_rip_after(v, (rip + r.insn.len) & ip_mask(c.mode));
	return EXIT_RETRY;
}

enum exit_action handle_apic_access(struct vcpu *v, struct exit_ctx *e)
{
	unsigned type = (unsigned)(e->qual >> 12) & 0xf;
	uint64_t base = vlapic_xapic_base(v);

	/*
	 * The page sits at the default base for every vCPU of the partition;
	 * a vCPU whose APIC is disabled or in x2APIC mode has nothing there,
	 * as a PC has nothing outside RAM.
	 */
	if (base != VLAPIC_BASE_DEFAULT) {
		stat_add_shared(&v->part->refused.ept, 1);
		vcpu_fault(v,
			   "access to guest-physical 0x%lx, outside its RAM: its local APIC is not in xAPIC mode at that base (rip 0x%lx)",
			   (uint64_t)(VLAPIC_BASE_DEFAULT + (e->qual & 0xfff)),
			   vmcs_read_nat(VMCS_GUEST_RIP));
		return EXIT_STOP;
	}
	/* Fetches, event delivery and asynchronous accesses (bit 16) have
	 * no data instruction behind them. */
	if ((type != APIC_ACCESS_LINEAR_READ && type != APIC_ACCESS_LINEAR_WRITE) ||
	    (e->qual & (1ull << 16)))
		return stop(v, e, "xAPIC page access that is not a data load or store");
	return complete(v, e, (uint32_t)(e->qual & 0xfff),
			type == APIC_ACCESS_LINEAR_WRITE ? MMIO_WRITE : MMIO_READ);
}

bool vmx_mmio_ept(struct vcpu *v, struct exit_ctx *e, uint64_t gpa, bool write,
		  enum exit_action *a)
{
	uint64_t base;

	if (!v->arch.pc)
		return false;
	base = vlapic_xapic_base(v);
	if (!base || (gpa & ~0xfffull) != base)
		return false;
	*a = complete(v, e, (uint32_t)(gpa & 0xfff), write ? MMIO_WRITE : MMIO_READ);
	return true;
}
