// SPDX-License-Identifier: MIT
/*
 * The VM-entry checker in hv (arch/x86/vmcheck_hv.h). Before every VM
 * entry the live VMCS is checked against every rule; a broken rule is
 * either the guest's doing, and stops its partition, or hv's, and is a
 * panic: hv never attempts an entry the SDM says a CPU would refuse.
 *
 * Whose doing: a CPU saves at a VM exit the guest state its execution
 * made, and hv then writes a few guest fields on the guest's behalf
 * (vmcheck_hv_written in arch/x86/vmcheck.c: the RIP past an
 * instruction it completed, the interruptibility and pending debug
 * exceptions that go with it, control registers and MSRs the guest
 * wrote, ...). A rule of the guest-state checks that reads none of
 * those fields, nor the event hv injects, is broken by a state the guest
 * made (the SS a real CPU's SYSCALL loaded, say); any other is hv's,
 * since what hv writes, or leaves as the CPU saved it in a field it
 * manages, hv must make right. Before a vCPU's first entry everything in
 * its VMCS is hv's.
 */
#include "arch/x86/vmcheck_hv.h"

#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcheck_fields.h"
#include "arch/x86/vmcheck_image.h"
#include "arch/x86/vmx_exit_ctx.h"
#include "hv/errno.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/palloc.h"
#include "hv/partition.h"
#include "lib/compiler.h"
#include "lib/spinlock.h"
#include "lib/string.h"

extern char vmx_launch[], vmx_resume[], vmcheck_enter[];
void *vmx_launch_fn = vmx_launch, *vmx_resume_fn = vmx_resume;

static bool enabled, recording;
/* One copy a CPU: only current_vmcs differs, set at each check. */
static struct vmcheck_caps caps, cpu_caps[HV_INFO_MAX_CPUS];

/* What each CPU counted; only that CPU writes its own. */
struct cpu_counts {
	uint64_t checks, check_tsc, refused;
} __attribute__((aligned(64)));
static struct cpu_counts counts[HV_INFO_MAX_CPUS];

/* A vCPU's page: the memo of its VMCS's last check, and what it did. */
struct vmcheck_vcpu {
	bool entered; /* a checked entry was made: the guest has run */
	uint16_t recorded; /* RECORD_* points already printed */
	uint64_t entries;
	struct vmcheck_memo memo;
};
_Static_assert(sizeof(struct vmcheck_vcpu) <= 4096, "one page per vCPU");

enum {
	RECORD_FIRST = 1,
	RECORD_USER = 2,
	RECORD_LATER = 4,
	RECORD_MODE = 8,
	/* A pc vCPU's first entry in each mode (pc_mode) */
	RECORD_PC = 16,
};
/* The modes a pc vCPU may enter in, by what the checks tell apart: the
 * point names of their records, in RECORD_PC << mode order. */
static const char *const pc_points[] = { "real", "v86", "pm16", "pm32",
					 "paging", "pae", "compat", "long" };
#define RECORD_LATER_EXITS 100 /* entries, one an exit after the first */

bool vmcheck_enabled(void)
{
	return enabled;
}

/* ---- the live VMCS */

static bool live_read(void *ctx, uint32_t field, uint64_t *value)
{
	(void)ctx;
	return vmcs_read_checked((enum vmcs_field)field, value);
}

/* hv reads no memory for the checker: it uses none of the features whose
 * rules look into memory (a VMCS link, a TPR shadow, PAE guests without
 * EPT), so such a rule breaking is hv's bug, reported as one. */
static bool live_read_phys(void *ctx, uint64_t pa, uint64_t *value)
{
	(void)ctx;
	(void)pa;
	(void)value;
	return false;
}

static const struct vmcheck_vmcs live = { live_read, live_read_phys, NULL,
					  true };

/* ---- set-up */

static uint64_t perf_global_valid(void)
{
	uint32_t a, b, c, d, max;
	uint64_t gp, fixed = 0;

	cpuid(0, 0, &max, &b, &c, &d);
	if (max < 0xa)
		return 0;
	cpuid(0xa, 0, &a, &b, &c, &d);
	gp = (a >> 8) & 0xff;
	if ((a & 0xff) >= 2)
		fixed = d & 0x1f;
	return (gp >= 64 ? ~0ull : (1ull << gp) - 1) |
	       (((1ull << fixed) - 1) << 32);
}

static void read_caps(void)
{
	uint64_t basic = rdmsr(IA32_VMX_BASIC);
	bool true_msrs = basic & VMX_BASIC_TRUE_CTLS;
	uint32_t a, b, c, d;

	caps.basic = basic;
	caps.pin = rdmsr(true_msrs ? IA32_VMX_TRUE_PINBASED_CTLS :
				      IA32_VMX_PINBASED_CTLS);
	caps.proc = rdmsr(true_msrs ? IA32_VMX_TRUE_PROCBASED_CTLS :
				       IA32_VMX_PROCBASED_CTLS);
	caps.exit = rdmsr(true_msrs ? IA32_VMX_TRUE_EXIT_CTLS :
				       IA32_VMX_EXIT_CTLS);
	caps.entry = rdmsr(true_msrs ? IA32_VMX_TRUE_ENTRY_CTLS :
					IA32_VMX_ENTRY_CTLS);
	caps.misc = rdmsr(IA32_VMX_MISC);
	caps.cr0_fixed0 = rdmsr(IA32_VMX_CR0_FIXED0);
	caps.cr0_fixed1 = rdmsr(IA32_VMX_CR0_FIXED1);
	caps.cr4_fixed0 = rdmsr(IA32_VMX_CR4_FIXED0);
	caps.cr4_fixed1 = rdmsr(IA32_VMX_CR4_FIXED1);
	/* The MSRs that exist only with the controls that use them. */
	if ((caps.proc >> 32) & PROC_ACTIVATE_SECONDARY)
		caps.proc2 = rdmsr(IA32_VMX_PROCBASED_CTLS2);
	if ((caps.proc >> 32) & VMC_PROC_TERTIARY)
		caps.proc3 = rdmsr(IA32_VMX_PROCBASED_CTLS3);
	if ((caps.exit >> 32) & VMC_EXIT_SECONDARY)
		caps.exit2 = rdmsr(IA32_VMX_EXIT_CTLS2);
	if ((caps.proc2 >> 32) & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID))
		caps.ept_vpid = rdmsr(IA32_VMX_EPT_VPID_CAP);
	if ((caps.proc2 >> 32) & VMC_PROC2_VMFUNC)
		caps.vmfunc = rdmsr(IA32_VMX_VMFUNC);
	caps.phys_bits = 36;
	caps.linear_bits = 48;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		caps.phys_bits = a & 0xff;
		caps.linear_bits = (a >> 8) & 0xff;
	}
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	caps.efer_valid = EFER_SCE | EFER_LME | EFER_LMA |
			  ((d & (1u << 20)) ? EFER_NXE : 0);
	/* Architectural DEBUGCTL bits: LBR, BTF, 6-15. */
	caps.debugctl_valid = 0xffc3;
	caps.perf_global_valid = perf_global_valid();
	cpuid(7, 0, &a, &b, &c, &d);
	caps.flags = ((b & (1u << 11)) ? VMCHECK_CPU_RTM : 0) |
		     ((b & (1u << 2)) ? VMCHECK_CPU_SGX : 0);
	caps.host_lma = !!(rdmsr(IA32_EFER) & EFER_LMA);
}

void vmcheck_setup(const struct hv_manifest *m)
{
	read_caps();
	enabled = m->entry_check;
	recording = enabled && m->entry_record;
	if (!enabled) {
		pr_info("vmcheck: off (entry_check = no): VM entries are not checked against the SDM");
		return;
	}
	for (unsigned i = 0; i < HV_INFO_MAX_CPUS; i++)
		cpu_caps[i] = caps;
	vmx_launch_fn = vmx_resume_fn = vmcheck_enter;
	pr_info("vmcheck: every VM entry is checked first against %u rules of the SDM's VM-entry checks%s",
		vmcheck_rule_count(),
		recording ? "; first entries are recorded" : "");
}

int vmcheck_vcpu_alloc(struct vcpu *v)
{
	uint64_t pa;

	v->arch.vmcheck = NULL;
	if (!enabled)
		return 0;
	pa = palloc_page(mem_pool(), v->part->id);
	if (!pa)
		return HV_ENOMEM;
	v->arch.vmcheck = (void *)(uintptr_t)pa;
	memset(v->arch.vmcheck, 0, sizeof(struct vmcheck_vcpu));
	return 0;
}

void vmcheck_vcpu_release(struct vcpu *v, uint32_t owner)
{
	if (!v->arch.vmcheck)
		return;
	palloc_free(mem_pool(), (uint64_t)(uintptr_t)v->arch.vmcheck, 4096, owner);
	v->arch.vmcheck = NULL;
}

/* ---- recording */

struct record_ctx {
	const struct vcpu *v;
	const char *point;
};

static void record_line(void *ctx, const char *text)
{
	const struct record_ctx *r = ctx;

	pr_info("vmcs-record %s/%u/%s: %s", r->v->part->name, r->v->id,
		r->point, text);
}

/* The mode of the guest state about to be entered: an index into
 * pc_points. */
static unsigned pc_mode(uint64_t cs_ar)
{
	uint64_t cr0 = vmcs_read_nat(VMCS_GUEST_CR0);
	uint64_t cr4 = vmcs_read_nat(VMCS_GUEST_CR4);
	uint64_t rflags = vmcs_read_nat(VMCS_GUEST_RFLAGS);
	uint32_t entry = vmcs_read32(VMCS_ENTRY_CTLS);
	if (!(cr0 & CR0_PE))
		return 0;
	if (rflags & VMC_RFLAGS_VM)
		return 1;
	if (entry & ENTRY_IA32E_MODE_GUEST)
		return cs_ar & VMC_AR_L ? 7 : 6;
	if (cr0 & CR0_PG)
		return cr4 & CR4_PAE ? 5 : 4;
	return cs_ar & VMC_AR_DB ? 3 : 2;
}

/* Prints the VMCS about to be entered as an image (tools/vmcs_images.py
 * turns the lines back into files), at each vCPU's first entry, its
 * first entry in ring 3, and its first entry after RECORD_LATER_EXITS
 * exits, when the guest has set up its own descriptor tables; and a pc
 * vCPU's first entry in each mode it goes through, since the checks
 * differ by mode under unrestricted guest. */
static void record(const struct vcpu *v, struct vmcheck_vcpu *c)
{
	/* One image for all CPUs, too big for a stack: under a lock. */
	static struct vmcheck_image img;
	static struct spinlock lock = SPINLOCK_INIT;
	struct record_ctx ctx = { v, NULL };
	uint64_t ss_ar = 0, cs_ar = 0;
	uint16_t point = 0;

	if (!vmcs_read_checked(VMCS_GUEST_SS_AR, &ss_ar) ||
	    !vmcs_read_checked(VMCS_GUEST_CS_AR, &cs_ar))
		return;
	if (!(c->recorded & RECORD_FIRST)) {
		point = RECORD_FIRST, ctx.point = "first";
		/* That is also the first entry in the mode it starts in. */
		if (v->arch.pc)
			point |= (uint16_t)(RECORD_PC << pc_mode(cs_ar));
	} else if (v->arch.pc) {
		unsigned m = pc_mode(cs_ar);

		if (!(c->recorded & (RECORD_PC << m)))
			point = (uint16_t)(RECORD_PC << m), ctx.point = pc_points[m];
	} else if (!(c->recorded & RECORD_USER) && ((ss_ar >> 5) & 3) == 3)
		point = RECORD_USER, ctx.point = "user";
	else if (!(c->recorded & RECORD_MODE) && !(cs_ar & VMC_AR_L))
		point = RECORD_MODE, ctx.point = "mode";
	else if (!(c->recorded & RECORD_LATER) && c->entries > RECORD_LATER_EXITS)
		point = RECORD_LATER, ctx.point = "later";
	if (!point)
		return;
	c->recorded |= point;
	spin_lock(&lock);
	memset(&img, 0, sizeof(img));
	img.caps = caps;
	img.caps.current_vmcs = v->arch.vmcs_pa;
	vmcheck_read_fields(&live, false, img.values, img.present);
	vmcheck_image_format(&img, record_line, &ctx);
	spin_unlock(&lock);
}

/* ---- the check */

/* Whether the broken rule is the guest's doing (see the top of the file). */
static bool guest_caused(const struct vmcheck_vcpu *c,
			 const struct vmcheck_verdict *v)
{
	return c && c->entered && vmcheck_guest_caused(v);
}

static void print_vmcs_line(const char *line, void *ctx)
{
	(void)ctx;
	pr_err("  vmcs: %s", line);
}

static int refuse(struct vcpu *v, struct vmcheck_vcpu *c,
		  const struct vmcheck_verdict *verdict)
{
	const char *id = vmcheck_rule_id(verdict->rule);
	const char *field = vmcheck_field_name(verdict->field);
	bool guest = guest_caused(c, verdict);

	pr_err("vmcheck: %s vcpu %u: VM entry refused: rule %s broken by %s: %s = 0x%lx",
	       v->part->name, v->id, id,
	       guest ? "the guest's own state" : "a field hv wrote", field,
	       verdict->value);
	pr_err("vmcheck:   SDM, %s: %s", vmcheck_rule_section(verdict->rule),
	       vmcheck_rule_text(verdict->rule));
	if (guest) {
		counts[this_cpu()->index].refused++;
		vcpu_fault(v, "VM entry refused: its state breaks SDM rule %s (%s = 0x%lx)",
			   id, field, verdict->value);
		return VMCHECK_REFUSED;
	}
	vmcs_dump(print_vmcs_line, NULL);
	panic("vmcheck: hv wrote a VMCS that breaks SDM rule %s (%s = 0x%lx) for %s vcpu %u",
	      id, field, verdict->value, v->part->name, v->id);
}

/* Called by vmcheck_enter before every entry; 0 to enter. */
int vmcheck_before_entry(struct vcpu *v);
int vmcheck_before_entry(struct vcpu *v)
{
	uint32_t cpu = this_cpu()->index;
	struct cpu_counts *k = &counts[cpu];
	struct vmcheck_vcpu *c = v->arch.vmcheck;
	struct vmcheck_verdict verdict;
	uint64_t t0 = rdtsc(), spent;
	bool ok;

	cpu_caps[cpu].current_vmcs = v->arch.vmcs_pa;
	ok = vmcheck_cached(&cpu_caps[cpu], &live, c ? &c->memo : NULL,
			    &verdict);
	/* hv's own RIP that ran past 4 GiB, repaired as the CPU would have
	 * it, and checked again. */
	if (unlikely(!ok) && verdict.rule == VMCHECK_GUEST_RIP_HIGH &&
	    vmcheck_rip_wrap(v))
		ok = vmcheck_cached(&cpu_caps[cpu], &live, c ? &c->memo : NULL,
				    &verdict);
	if (unlikely(recording) && c)
		record(v, c);
	spent = rdtsc() - t0;
	k->checks++;
	k->check_tsc += spent;
	/* The check is the test bed's, not the guest's: its time does not
	 * shorten the vCPU's slice, or guests whose exits are many would
	 * get much less done in one (Bochs' slice is 40,000 instructions). */
	v->slice_end += spent;
	if (likely(ok)) {
		if (c) {
			c->entered = true;
			c->entries++;
		}
		return 0;
	}
	return refuse(v, c, &verdict);
}

void vmcheck_report(void)
{
	uint64_t checks = 0, check_tsc = 0, refused = 0;

	if (!enabled)
		return;
	for (unsigned i = 0; i < HV_INFO_MAX_CPUS; i++) {
		checks += counts[i].checks;
		check_tsc += counts[i].check_tsc;
		refused += counts[i].refused;
	}
	pr_info("vmcheck: %lu VM entries checked against %u rules: %lu refused for the guest's state; the check took %lu tsc an entry",
		checks, vmcheck_rule_count(), refused,
		checks ? check_tsc / checks : 0);
}

/* ---- what hv does as a CPU would */

bool vmcheck_rip_wrap(struct vcpu *v)
{
	static uint32_t lines; /* a guest could make one an exit: a few */
	uint64_t rip, cs_ar, entry;

	if (!vmcs_read_checked(VMCS_GUEST_RIP, &rip) ||
	    !vmcs_read_checked(VMCS_GUEST_CS_AR, &cs_ar) ||
	    !vmcs_read_checked(VMCS_ENTRY_CTLS, &entry))
		return false;
	if (((entry & ENTRY_IA32E_MODE_GUEST) && (cs_ar & VMC_AR_L)) ||
	    (rip >> 32) != 1 || (uint32_t)rip >= 16)
		return false;
	vmcs_write_nat(VMCS_GUEST_RIP, (uint32_t)rip);
	if (__atomic_add_fetch(&lines, 1, __ATOMIC_RELAXED) <= 8)
		pr_info("partition %s: vcpu %u: RIP 0x%lx past 4 GiB outside 64-bit mode wrapped to 0x%x, as the CPU wraps EIP",
			v->part->name, v->id, rip, (uint32_t)rip);
	return true;
}
