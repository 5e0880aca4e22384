// SPDX-License-Identifier: MIT
/*
 * Valid images of each guest mode, and for every rule of the checker an
 * image that breaks it (tests/unit/vmcheck_cases.h). A case is a base
 * image and a few changes: a field's bits cleared and set, a capability
 * changed, or a word of memory. "also" lists the rules the SDM makes
 * break together with the case's own, where no image can break one
 * alone; the comment says why.
 */
#include "tests/unit/vmcheck_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/vmcheck_fields.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *const vmcheck_base_names[BASE_COUNT] = {
	"64-bit",     "compatibility", "protected-32", "pae-32",
	"virtual-8086", "real (unrestricted)", "32-bit host",
	"pc real", "pc protected-16", "pc protected-32", "pc paging",
	"pc pae", "pc long",
};

/* The recorded image of pcmodes' vCPU at its first entry in a mode. */
static void pc_image(const char *point, struct vmcheck_image *img)
{
	char path[512], text[8192], err[128];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/vmcs/pc-guests-pcmodes-0-%s.vmcs",
		 UNIT_DATA_DIR, point);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vmcheck_cases: cannot open %s\n", path);
		abort();
	}
	len = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (len == sizeof(text) || vmcheck_image_parse(text, len, img, err, sizeof(err))) {
		fprintf(stderr, "vmcheck_cases: %s: %s\n", path,
			len == sizeof(text) ? "too long" : err);
		abort();
	}
}

void vmcheck_test_caps(struct vmcheck_caps *c)
{
	memset(c, 0, sizeof(*c));
	/* Revision 0x12, TRUE control MSRs (bit 55), no 32-bit limit. */
	c->basic = (1ull << 55) | (1ull << 54) | (6ull << 50) |
		   (0x1000ull << 32) | 0x12;
	/* allowed 0-settings in 31:0, allowed 1-settings in 63:32 */
	c->pin = 0x000000ff00000016ull;
	c->proc = 0xffffffff00000002ull;
	c->proc2 = 0x01ffffff00000000ull; /* bits 0-24 */
	c->exit = 0xffffffff00036dffull;
	c->entry = 0x007fffff000011ffull; /* bits 0-22 */
	c->proc3 = 0xff;
	c->exit2 = 0xff;
	/* 4 CR3 targets; HLT, shutdown and wait-for-SIPI; no zero-length
	 * injection. */
	c->misc = (4ull << 16) | (7ull << 6) | 5;
	c->cr0_fixed0 = 0x80000021; /* PE, NE, PG */
	c->cr0_fixed1 = 0xffffffff;
	c->cr4_fixed0 = 0x2000; /* VMXE */
	c->cr4_fixed1 = 0x01ff7fff;
	c->ept_vpid = EPT_VPID_CAP_WALK_4 | VMC_EPT_UC | EPT_VPID_CAP_WB | VMC_EPT_AD;
	c->vmfunc = VMC_VMFUNC_EPTP_SWITCHING;
	c->phys_bits = 39;
	c->linear_bits = 48;
	c->efer_valid = 0xd01;
	c->debugctl_valid = 0xffc3;
	c->perf_global_valid = 0x70000000full;
	c->rtit_ctl_valid = 1;
	c->lbr_ctl_valid = 1;
	c->host_lma = 1;
	c->current_vmcs = 0x1000000;
}

static void set(struct vmcheck_image *img, uint32_t field, uint64_t v)
{
	if (!vmcheck_image_set(img, field, v)) {
		fprintf(stderr, "vmcheck_cases: field 0x%x is not one the checker reads\n",
			field);
		abort();
	}
}

static uint64_t get(const struct vmcheck_image *img, uint32_t field)
{
	uint64_t v = 0;

	vmcheck_image_get(img, field, &v);
	return v;
}

static void seg(struct vmcheck_image *img, unsigned n, uint64_t sel,
		uint64_t base, uint64_t limit, uint64_t ar)
{
	set(img, VMCS_GUEST_ES_SELECTOR + 2 * n, sel);
	set(img, VMCS_GUEST_ES_BASE + 2 * n, base);
	set(img, VMCS_GUEST_ES_LIMIT + 2 * n, limit);
	set(img, VMCS_GUEST_ES_AR + 2 * n, ar);
}

enum { ES, CS, SS, DS, FS, GS, LDTR, TR };

static const uint64_t pin64 = 0x16 | PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING |
			      PIN_PREEMPTION_TIMER;
static const uint64_t proc64 = 0x2 | (1u << 7) | PROC_USE_IO_BITMAPS |
			       PROC_USE_MSR_BITMAPS | PROC_ACTIVATE_SECONDARY;
static const uint64_t exit64 = 0x36dff | EXIT_HOST_ADDR_SPACE_SIZE | EXIT_ACK_INTERRUPT_ON_EXIT |
			       (1u << 18) | EXIT_LOAD_PAT | (1u << 20) |
			       EXIT_LOAD_EFER;
static const uint64_t entry64 = 0x11ff | ENTRY_IA32E_MODE_GUEST |
				ENTRY_LOAD_PAT | ENTRY_LOAD_EFER;

/* hv's own guest, as vmx_vcpu.c sets it up. */
static void base64(struct vmcheck_image *img)
{
	memset(img, 0, sizeof(*img));
	vmcheck_test_caps(&img->caps);
	set(img, VMCS_PIN_BASED_CTLS, pin64);
	set(img, VMCS_PROC_BASED_CTLS, proc64);
	set(img, VMCS_PROC_BASED_CTLS2, PROC2_ENABLE_EPT | PROC2_ENABLE_VPID);
	set(img, VMCS_EXIT_CTLS, exit64);
	set(img, VMCS_ENTRY_CTLS, entry64);
	set(img, VMCS_VPID, 1);
	set(img, VMCS_IO_BITMAP_A, 0x100000);
	set(img, VMCS_IO_BITMAP_B, 0x101000);
	set(img, VMCS_MSR_BITMAP, 0x102000);
	set(img, VMCS_EPT_POINTER, 0x103000 | 6 | (3 << 3));
	set(img, VMCS_CR3_TARGET_COUNT, 0);
	set(img, VMCS_EXIT_MSR_STORE_COUNT, 0);
	set(img, VMCS_EXIT_MSR_LOAD_COUNT, 0);
	set(img, VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	set(img, VMCS_ENTRY_INTR_INFO, 0);
	set(img, VMCS_ENTRY_EXCEPTION_ERROR_CODE, 0);
	set(img, VMCS_ENTRY_INSTR_LEN, 0);
	/* host */
	set(img, VMCS_HOST_CR0, 0x80050033);
	set(img, VMCS_HOST_CR3, 0x200000);
	set(img, VMCS_HOST_CR4, 0x2020);
	set(img, VMCS_HOST_CS_SELECTOR, 8);
	set(img, VMCS_HOST_SS_SELECTOR, 0x10);
	set(img, VMCS_HOST_DS_SELECTOR, 0x10);
	set(img, VMCS_HOST_ES_SELECTOR, 0x10);
	set(img, VMCS_HOST_FS_SELECTOR, 0);
	set(img, VMCS_HOST_GS_SELECTOR, 0);
	set(img, VMCS_HOST_TR_SELECTOR, 0x18);
	set(img, VMCS_HOST_FS_BASE, 0);
	set(img, VMCS_HOST_GS_BASE, 0x300000);
	set(img, VMCS_HOST_TR_BASE, 0x301000);
	set(img, VMCS_HOST_GDTR_BASE, 0x302000);
	set(img, VMCS_HOST_IDTR_BASE, 0x303000);
	set(img, VMCS_HOST_SYSENTER_ESP, 0);
	set(img, VMCS_HOST_SYSENTER_EIP, 0);
	set(img, VMCS_HOST_RIP, 0x400000);
	set(img, VMCS_HOST_IA32_PAT, 0x0007040600070406ull);
	set(img, VMCS_HOST_IA32_EFER, 0xd00);
	/* guest */
	set(img, VMCS_GUEST_CR0, 0x80010033);
	set(img, VMCS_GUEST_CR3, 0x5000);
	set(img, VMCS_GUEST_CR4, 0x2060);
	set(img, VMCS_GUEST_DR7, 0x400);
	set(img, VMCS_GUEST_RSP, 0x1ff000);
	set(img, VMCS_GUEST_RIP, 0x200000);
	set(img, VMCS_GUEST_RFLAGS, 2);
	set(img, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	set(img, VMCS_GUEST_SYSENTER_CS, 0);
	set(img, VMCS_GUEST_SYSENTER_ESP, 0);
	set(img, VMCS_GUEST_SYSENTER_EIP, 0);
	set(img, VMCS_GUEST_IA32_DEBUGCTL, 0);
	set(img, VMCS_GUEST_IA32_PAT, 0x0007040600070406ull);
	set(img, VMCS_GUEST_IA32_EFER, 0xd00);
	set(img, VMCS_VMCS_LINK_POINTER, ~0ull);
	seg(img, CS, 0x8, 0, 0xffffffff, 0xa09b);
	seg(img, SS, 0x10, 0, 0xffffffff, 0xc093);
	seg(img, DS, 0x10, 0, 0xffffffff, 0xc093);
	seg(img, ES, 0x10, 0, 0xffffffff, 0xc093);
	seg(img, FS, 0x10, 0, 0xffffffff, 0xc093);
	seg(img, GS, 0x10, 0, 0xffffffff, 0xc093);
	seg(img, LDTR, 0, 0, 0, 0x10000);
	seg(img, TR, 0, 0, 0x67, 0x8b);
	set(img, VMCS_GUEST_GDTR_BASE, 0x1000);
	set(img, VMCS_GUEST_GDTR_LIMIT, 0x17);
	set(img, VMCS_GUEST_IDTR_BASE, 0);
	set(img, VMCS_GUEST_IDTR_LIMIT, 0);
	set(img, VMCS_GUEST_INTERRUPTIBILITY, 0);
	set(img, VMCS_GUEST_ACTIVITY_STATE, 0);
	for (unsigned i = 0; i < 4; i++)
		set(img, VMCS_GUEST_PDPTE0 + 2 * i, 0);
}

/* 32-bit protected mode with 32-bit paging, no IA-32e mode. */
static void prot32(struct vmcheck_image *img)
{
	base64(img);
	set(img, VMCS_ENTRY_CTLS, entry64 & ~ENTRY_IA32E_MODE_GUEST);
	set(img, VMCS_GUEST_IA32_EFER, 0x800);
	set(img, VMCS_GUEST_CR4, 0x2050); /* VMXE, MCE, PSE */
	set(img, VMCS_GUEST_CS_AR, 0xc09b);
}

void vmcheck_base_image(enum vmcheck_base base, struct vmcheck_image *img)
{
	switch (base) {
	case BASE_64:
	case BASE_COUNT:
		base64(img);
		break;
	case BASE_COMPAT:
		base64(img);
		set(img, VMCS_GUEST_CS_AR, 0xc09b);
		break;
	case BASE_PROT32:
		prot32(img);
		break;
	case BASE_PAE32:
		prot32(img);
		set(img, VMCS_GUEST_CR4, 0x2060);
		set(img, VMCS_GUEST_CR3, 0x6000);
		set(img, VMCS_GUEST_PDPTE0, 0x7001);
		break;
	case BASE_V86:
		prot32(img);
		set(img, VMCS_GUEST_RFLAGS, 0x20002);
		for (unsigned n = ES; n <= GS; n++)
			seg(img, n, 0x100 + n, (0x100 + n) << 4, 0xffff, 0xf3);
		break;
	case BASE_REAL:
		prot32(img);
		set(img, VMCS_PROC_BASED_CTLS2,
		    PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST);
		set(img, VMCS_GUEST_CR0, 0x10030); /* ET, NE, WP: PE and PG clear */
		set(img, VMCS_GUEST_CR4, 0x2040);
		set(img, VMCS_GUEST_IA32_EFER, 0);
		set(img, VMCS_GUEST_RIP, 0xfff0);
		seg(img, CS, 0xf000, 0xf0000, 0xffff, 0x9b);
		for (unsigned n = ES; n <= GS; n++)
			if (n != CS)
				seg(img, n, 0, 0, 0xffff, 0x93);
		break;
	case BASE_HOST32:
		prot32(img);
		img->caps.host_lma = 0;
		set(img, VMCS_EXIT_CTLS, exit64 & ~EXIT_HOST_ADDR_SPACE_SIZE);
		set(img, VMCS_HOST_IA32_EFER, 0x800);
		break;
	case BASE_PC_REAL:
		pc_image("real", img);
		break;
	case BASE_PC_PM16:
		pc_image("pm16", img);
		break;
	case BASE_PC_PM32:
		pc_image("first", img); /* the multiboot entry state */
		break;
	case BASE_PC_PAGING:
		pc_image("paging", img);
		break;
	case BASE_PC_PAE:
		pc_image("pae", img);
		break;
	case BASE_PC_LONG:
		pc_image("long", img);
		break;
	}
}

/* ---- the cases */

enum op_kind { OP_END, OP_FIELD, OP_CAP, OP_MEM };

struct op {
	uint8_t kind, size;
	uint32_t key; /* field, capability offset, or memory address */
	uint64_t clear, set;
};

struct vcase {
	unsigned rule;
	enum vmcheck_base base;
	struct op ops[10];
	unsigned also[3];
};

/* A field's bits cleared then set; a field's value; a capability's bits;
 * eight bytes of memory. */
#define B(f, c, s) { OP_FIELD, 8, (f), (c), (s) }
#define V(f, v) B(f, ~0ull, v)
#define SETB(f, s) B(f, 0, s)
#define CLR(f, c) B(f, c, 0)
#define CAPB(m, c, s)                                                   \
	{ OP_CAP, sizeof(((struct vmcheck_caps *)0)->m),               \
	  offsetof(struct vmcheck_caps, m), (c), (s) }
#define MEM(pa, v) { OP_MEM, 8, (pa), ~0ull, (v) }
#define R(id) VMCHECK_##id

/* A valid posted-interrupt set-up, TPR shadow and its page included. */
#define TPR_SHADOW_OK                                                   \
	SETB(VMCS_PROC_BASED_CTLS, PROC_USE_TPR_SHADOW),                \
		V(VMCS_VIRTUAL_APIC_ADDR, 0x104000),                    \
		V(VMCS_TPR_THRESHOLD, 0), MEM(0x104080, 0)
#define POSTED_OK                                                       \
	SETB(VMCS_PIN_BASED_CTLS, PIN_POSTED_INTERRUPTS),                      \
		V(VMCS_PROC_BASED_CTLS2,                                \
		  PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | VMC_PROC2_VID),      \
		V(VMC_F_PI_VECTOR, 0xf2), V(VMC_F_PI_DESC, 0x106000)
#define LDTR_OK                                                         \
	V(VMCS_GUEST_LDTR_SELECTOR, 0x20), V(VMCS_GUEST_LDTR_BASE, 0x2000), \
		V(VMCS_GUEST_LDTR_LIMIT, 0xff), V(VMCS_GUEST_LDTR_AR, 0x82)
#define P2(bits) V(VMCS_PROC_BASED_CTLS2, PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | (bits))
#define P2_NO_EPT(bits) V(VMCS_PROC_BASED_CTLS2, PROC2_ENABLE_VPID | (bits))
#define INJECT(type, vector) \
	V(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | ((type) << 8) | (vector))
#define SMM CAPB(flags, 0, VMCHECK_CPU_IN_SMM)
#define USER_CS_SS                                                      \
	V(VMCS_GUEST_CS_SELECTOR, 0xb), V(VMCS_GUEST_CS_AR, 0xa0fb),    \
		V(VMCS_GUEST_SS_SELECTOR, 0x13), V(VMCS_GUEST_SS_AR, 0xc0f3)
#define BIG (1ull << 40) /* beyond the 39-bit physical-address width */
#define NONCANON 0x800000000000ull

/* A case names only the changes and the extra rules it has; the rest
 * of its arrays is zero, which ends them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "tests/unit/vmcheck_cases_table.h"
#pragma GCC diagnostic pop

unsigned vmcheck_case_count(void)
{
	return ARRAY_LEN(cases);
}

unsigned vmcheck_case_rule(unsigned i)
{
	return cases[i].rule;
}

bool vmcheck_case_expects(unsigned i, unsigned rule)
{
	if (cases[i].rule == rule)
		return true;
	for (unsigned k = 0; k < ARRAY_LEN(cases[i].also); k++)
		if (cases[i].also[k] == rule)
			return true;
	return false;
}

static void apply(struct vmcheck_image *img, const struct op *op)
{
	uint64_t v;

	switch (op->kind) {
	case OP_FIELD:
		v = (get(img, op->key) & ~op->clear) | op->set;
		set(img, op->key, v);
		break;
	case OP_CAP: {
		char *p = (char *)&img->caps + op->key;

		if (op->size == 4) {
			uint32_t v32;

			memcpy(&v32, p, 4);
			v32 = (uint32_t)((v32 & ~op->clear) | op->set);
			memcpy(p, &v32, 4);
		} else {
			memcpy(&v, p, 8);
			v = (v & ~op->clear) | op->set;
			memcpy(p, &v, 8);
		}
		break;
	}
	case OP_MEM:
		if (!vmcheck_image_set_mem(img, op->key, op->set))
			abort();
		break;
	}
}

void vmcheck_case_image(unsigned i, struct vmcheck_image *img)
{
	vmcheck_base_image(cases[i].base, img);
	for (unsigned k = 0; k < ARRAY_LEN(cases[i].ops) && cases[i].ops[k].kind;
	     k++)
		apply(img, &cases[i].ops[k]);
}

struct seen {
	bool rules[VMCHECK_RULE_COUNT];
};

static bool note(void *arg, const struct vmcheck_verdict *v)
{
	struct seen *s = arg;

	if (v->rule < VMCHECK_RULE_COUNT)
		s->rules[v->rule] = true;
	return true;
}

bool vmcheck_case_run(unsigned i, char *why, size_t len)
{
	const struct vcase *c = &cases[i];
	struct vmcheck_image img;
	struct vmcheck_vmcs vmcs;
	struct vmcheck_verdict first;
	struct seen seen = { { false } };
	bool want[VMCHECK_RULE_COUNT] = { false };
	size_t used = 0;
	bool ok = true;

	vmcheck_case_image(i, &img);
	vmcheck_image_vmcs(&img, &vmcs);
	vmcheck(&img.caps, &vmcs, NULL, note, &seen);
	/* Stopping at the first broken rule must name one of them. */
	vmcheck(&img.caps, &vmcs, &first, NULL, NULL);
	want[c->rule] = true;
	for (unsigned k = 0; k < ARRAY_LEN(c->also) && c->also[k]; k++)
		want[c->also[k]] = true;
	if (!want[first.rule])
		ok = false;
	for (unsigned r = 1; r < VMCHECK_RULE_COUNT; r++)
		if (want[r] != seen.rules[r])
			ok = false;
	if (ok)
		return true;
	used += (size_t)snprintf(why + used, len - used,
				 "case %u (%s, %s base): first %s; broken:", i,
				 vmcheck_rule_id(c->rule),
				 vmcheck_base_names[c->base],
				 vmcheck_rule_id(first.rule));
	for (unsigned r = 1; r < VMCHECK_RULE_COUNT && used < len; r++)
		if (seen.rules[r])
			used += (size_t)snprintf(why + used, len - used, " %s",
						 vmcheck_rule_id(r));
	return false;
}
