// SPDX-License-Identifier: MIT
/*
 * The VM-entry checker's frame: the rule table, the fields it reads and
 * how they are loaded through the accessor, and the order the rule groups
 * run in. The rules themselves are in vmcheck_ctl.c and vmcheck_guest.c.
 */
#include "arch/x86/vmcheck_int.h"

#include <stddef.h>

#include "lib/string.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *id, *section, *text;
} rules[VMCHECK_RULE_COUNT] = {
	[VMCHECK_NONE] = { "NONE", "", "no rule" },
#define VMCHECK_RULE(id, section, text) [VMCHECK_##id] = { #id, section, text },
#include "arch/x86/vmcheck_rules.h"
#undef VMCHECK_RULE
};

unsigned vmcheck_rule_count(void)
{
	return VMCHECK_RULE_COUNT - 1;
}

const char *vmcheck_rule_id(unsigned rule)
{
	return rule < VMCHECK_RULE_COUNT ? rules[rule].id : NULL;
}

const char *vmcheck_rule_section(unsigned rule)
{
	return rule < VMCHECK_RULE_COUNT ? rules[rule].section : NULL;
}

const char *vmcheck_rule_text(unsigned rule)
{
	return rule < VMCHECK_RULE_COUNT ? rules[rule].text : NULL;
}

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

unsigned vmcheck_rule_by_id(const char *id)
{
	for (unsigned i = 1; i < VMCHECK_RULE_COUNT; i++)
		if (same(rules[i].id, id))
			return i;
	return VMCHECK_NONE;
}

/*
 * When a field exists: always, or while a control bit is 1 in one of
 * the control words (the secondary, tertiary and secondary-exit words
 * only while the primary word activates them). The controls come first
 * in the table, so each condition reads words already loaded.
 */
enum need { ALWAYS, PIN, PROC, PROC2, EXIT, ENTRY, VMFUNC };

struct load_field {
	uint32_t encoding;
	const char *name;
	uint16_t offset;
	uint8_t need;
	uint64_t mask; /* the bits of the word named by need, any of them */
};

#define ST(m) ((uint16_t)offsetof(struct vmcheck_state, m))
#define VMCHECK_SEG(SEG)                                                    \
	VMCHECK_FIELD(VMCS_GUEST_##SEG##_SELECTOR, "GUEST_" #SEG "_SELECTOR", \
		      seg[SEG_##SEG].sel, ALWAYS, 0)                         \
	VMCHECK_FIELD(VMCS_GUEST_##SEG##_BASE, "GUEST_" #SEG "_BASE",         \
		      seg[SEG_##SEG].base, ALWAYS, 0)                        \
	VMCHECK_FIELD(VMCS_GUEST_##SEG##_LIMIT, "GUEST_" #SEG "_LIMIT",       \
		      seg[SEG_##SEG].limit, ALWAYS, 0)                       \
	VMCHECK_FIELD(VMCS_GUEST_##SEG##_AR, "GUEST_" #SEG "_AR",             \
		      seg[SEG_##SEG].ar, ALWAYS, 0)

static const struct load_field fields[] = {
#define VMCHECK_FIELD(enc, name, m, need, mask) { enc, name, ST(m), need, mask },
#include "arch/x86/vmcheck_fieldlist.h"
#undef VMCHECK_FIELD
};

unsigned vmcheck_field_count(void)
{
	return ARRAY_LEN(fields);
}

uint32_t vmcheck_field_encoding(unsigned index)
{
	return index < ARRAY_LEN(fields) ? fields[index].encoding : 0;
}

int vmcheck_field_index(uint32_t encoding)
{
	for (unsigned i = 0; i < ARRAY_LEN(fields); i++)
		if (fields[i].encoding == encoding)
			return (int)i;
	return -1;
}

const char *vmcheck_field_name(uint32_t encoding)
{
	int i = vmcheck_field_index(encoding);

	return i < 0 ? "UNKNOWN" : fields[i].name;
}

static uint64_t *slot(struct vmcheck_state *s, const struct load_field *f)
{
	return (uint64_t *)((char *)s + f->offset);
}

/* Whether a field exists, given the controls loaded so far into s. */
static inline __attribute__((always_inline)) bool
exists_in(const struct vmcheck_state *s, unsigned need, uint64_t mask)
{
	switch (need) {
	case PIN:
		return s->pin & mask;
	case PROC:
		return s->proc & mask;
	case PROC2:
		return vmc_proc2(s) & mask;
	case EXIT:
		return s->exit & mask;
	case ENTRY:
		return s->entry & mask;
	case VMFUNC:
		return (vmc_proc2(s) & VMC_PROC2_VMFUNC) && (s->vmfunc & mask);
	}
	return true;
}

static bool exists(const struct vmcheck_state *s, const struct load_field *f)
{
	return exists_in(s, f->need, f->mask);
}

/*
 * The memo's groups, and which one the member of struct vmcheck_state at
 * byte offset off is in (G_NONE: checked every time).
 */
enum { G_STATIC, G_REGS, G_SEG, G_NONE };
#define MEMO_GROUP(off)                                               \
	((off) < MEMO_STATIC_END ? G_STATIC :                          \
	 (off) >= MEMO_REGS_FIRST && (off) < MEMO_REGS_END ? G_REGS :  \
	 (off) >= MEMO_SEG_FIRST ? G_SEG : G_NONE)

/*
 * hv's load: VMREAD of every field that exists, in straight-line code
 * (the table unrolled), about five instructions a field; a loop over the
 * table with a call a field costs six times that, on every VM entry.
 * Each word the memo keeps is compared as it is read with the memo's,
 * last: diff[group] is 0 when every word of the group is the same.
 */
static void load_vmread(struct vmcheck_state *s, const uint64_t *last,
			uint64_t *diff)
{
	uint64_t d_static = 0, d_regs = 0, d_seg = 0;

#define VMCHECK_FIELD(enc, name, m, need, mask)                              \
	{                                                                    \
		uint64_t v_;                                                 \
                                                                             \
		if (!exists_in(s, need, mask) ||                             \
		    !vmcs_vmread((enum vmcs_field)(enc), &v_))                \
			v_ = 0;                                              \
		s->m = v_;                                                   \
		if (MEMO_GROUP(ST(m)) == G_STATIC)                           \
			d_static |= v_ ^ last[ST(m) / 8];                    \
		else if (MEMO_GROUP(ST(m)) == G_REGS)                        \
			d_regs |= v_ ^ last[ST(m) / 8];                      \
		else if (MEMO_GROUP(ST(m)) == G_SEG)                         \
			d_seg |= v_ ^ last[ST(m) / 8];                       \
	}
#include "arch/x86/vmcheck_fieldlist.h"
#undef VMCHECK_FIELD
	diff[G_STATIC] = d_static;
	diff[G_REGS] = d_regs;
	diff[G_SEG] = d_seg;
}

/* The same comparison for a state loaded through the accessor. */
static void diff_words(const struct vmcheck_state *s, const uint64_t *last,
		       uint64_t *diff)
{
	const uint64_t *w = (const uint64_t *)s;

	diff[G_STATIC] = diff[G_REGS] = diff[G_SEG] = 0;
	for (size_t i = 0; i < VMCHECK_MEMO_WORDS; i++) {
		unsigned g = MEMO_GROUP(8 * i);

		if (g != G_NONE)
			diff[g] |= w[i] ^ last[i];
	}
}

/* A guest-state field: type 2 in bits 11:10 of its encoding. */
static bool guest_field(uint32_t encoding)
{
	return ((encoding >> 10) & 3) == 2;
}

static void load(const struct vmcheck_vmcs *vmcs, struct vmcheck_state *s,
		 bool guest_only, uint64_t *values, uint8_t *present,
		 unsigned *count)
{
	for (unsigned i = 0; i < ARRAY_LEN(fields); i++) {
		const struct load_field *f = &fields[i];
		bool want = !guest_only || guest_field(f->encoding) ||
			    i < 8; /* the control words decide what exists */
		uint64_t v = 0;
		bool got = false;

		if (want && exists(s, f))
			got = vmcs->vmread ?
				      vmcs_vmread((enum vmcs_field)f->encoding, &v) :
				      vmcs->read(vmcs->ctx, f->encoding, &v);
		if (!got)
			v = 0;
		*slot(s, f) = v;
		if (values && (!guest_only || guest_field(f->encoding))) {
			values[i] = v;
			present[i] = got;
			*count += got;
		} else if (present) {
			present[i] = 0;
		}
	}
}

/* Every member of the state is one field's: loading writes all of it. */
_Static_assert(sizeof(struct vmcheck_state) == 8 * ARRAY_LEN(fields),
	       "one field for each member of struct vmcheck_state");

unsigned vmcheck_read_fields(const struct vmcheck_vmcs *vmcs, bool guest_only,
			     uint64_t *values, uint8_t *present)
{
	struct vmcheck_state s;
	unsigned count = 0;

	load(vmcs, &s, guest_only, values, present, &count);
	return count;
}

bool vmcheck_broken(struct vmcheck_run *r, unsigned rule, uint32_t field,
		    uint64_t value, uint32_t f1, uint32_t f2, uint32_t f3,
		    bool injection)
{
	struct vmcheck_verdict v = {
		.rule = rule,
		.field = field,
		.value = value,
		.fields = { field, f1, f2, f3 },
		.injection = injection,
	};

	if (!r->broken && r->first)
		*r->first = v;
	r->broken = true;
	r->nbroken++;
	if (!r->report || !r->report(r->arg, &v))
		r->stop = true;
	return !r->stop;
}

/* The bits of mode the segment rules read besides the segments. */
static uint64_t seg_mode(const struct vmcheck_state *s)
{
	return (s->rflags & VMC_RFLAGS_VM) | (s->cr0 & CR0_PE) |
	       (vmc_proc2(s) & PROC2_UNRESTRICTED_GUEST) | (s->entry & ENTRY_IA32E_MODE_GUEST);
}

/* The controls the register rules read: the entry controls and
 * "unrestricted guest". */
static uint64_t regs_mode(const struct vmcheck_state *s)
{
	return (s->entry & 0xffffffffull) | (vmc_proc2(s) & PROC2_UNRESTRICTED_GUEST) << 32;
}

/* Keeps the words of a group that passed in the memo. */
static void keep(struct vmcheck_memo *memo, const struct vmcheck_state *s,
		 size_t first, size_t end)
{
	memcpy((char *)memo->words + first, (const char *)s + first,
	       end - first);
}

/*
 * The groups in the SDM's order (GDTR and IDTR come with the registers,
 * before the segments). With a memo, a group whose inputs are all as
 * when it last passed is skipped, and a group that passes is kept.
 */
static void run_groups(struct vmcheck_run *r, struct vmcheck_memo *memo,
		       const uint64_t *diff)
{
	const struct vmcheck_state *s = &r->s;
	uint64_t smode = seg_mode(s), rmode = regs_mode(s);
	unsigned before = r->nbroken;

	if (!memo || !memo->static_valid || diff[G_STATIC]) {
		vmcheck_exec(r);
		if (!r->stop)
			vmcheck_exit_entry(r);
		if (!r->stop)
			vmcheck_host(r);
		if (r->stop)
			return;
		if (memo && r->nbroken == before) {
			keep(memo, s, MEMO_STATIC_FIRST, MEMO_STATIC_END);
			memo->static_valid = true;
		}
	}
	vmcheck_injection(r);
	if (r->stop)
		return;
	if (!memo || !memo->regs_valid || diff[G_REGS] ||
	    memo->regs_mode != rmode) {
		before = r->nbroken;
		vmcheck_guest_regs(r);
		if (!r->stop)
			vmcheck_guest_dt(r);
		if (r->stop)
			return;
		if (memo && r->nbroken == before) {
			keep(memo, s, MEMO_REGS_FIRST, MEMO_REGS_END);
			memo->regs_mode = rmode;
			memo->regs_valid = true;
		}
	}
	if (!memo || !memo->seg_valid || diff[G_SEG] ||
	    memo->seg_mode != smode) {
		before = r->nbroken;
		vmcheck_guest_segments(r);
		if (r->stop)
			return;
		if (memo && r->nbroken == before) {
			keep(memo, s, MEMO_SEG_FIRST, MEMO_SEG_END);
			memo->seg_mode = smode;
			memo->seg_valid = true;
		}
	}
	vmcheck_guest_other(r);
}

static void run_init(struct vmcheck_run *r, const struct vmcheck_caps *caps,
		     const struct vmcheck_vmcs *vmcs,
		     struct vmcheck_verdict *first,
		     bool (*report)(void *arg, const struct vmcheck_verdict *v),
		     void *arg, const struct vmcheck_memo *memo,
		     uint64_t *diff)
{
	static const uint64_t none[VMCHECK_MEMO_WORDS];
	const uint64_t *last = memo ? memo->words : none;
	unsigned count = 0;

	/* Not zeroed: loading writes all of r->s. */
	r->caps = caps;
	r->vmcs = vmcs;
	r->first = first;
	r->report = report;
	r->arg = arg;
	r->broken = false;
	r->stop = false;
	r->nbroken = 0;
	if (first)
		*first = (struct vmcheck_verdict){ 0 };
	if (vmcs->vmread) {
		load_vmread(&r->s, last, diff);
	} else {
		load(vmcs, &r->s, false, NULL, NULL, &count);
		diff_words(&r->s, last, diff);
	}
}

bool vmcheck(const struct vmcheck_caps *caps, const struct vmcheck_vmcs *vmcs,
	     struct vmcheck_verdict *first,
	     bool (*report)(void *arg, const struct vmcheck_verdict *v),
	     void *arg)
{
	struct vmcheck_run r;
	uint64_t diff[G_NONE];

	run_init(&r, caps, vmcs, first, report, arg, NULL, diff);
	run_groups(&r, NULL, diff);
	return !r.broken;
}

bool vmcheck_cached(const struct vmcheck_caps *caps,
		    const struct vmcheck_vmcs *vmcs, struct vmcheck_memo *memo,
		    struct vmcheck_verdict *first)
{
	struct vmcheck_run r;
	uint64_t diff[G_NONE];

	run_init(&r, caps, vmcs, first, NULL, NULL, memo, diff);
	run_groups(&r, memo, diff);
	return !r.broken;
}

/*
 * The guest-state fields hv writes after a vCPU's set-up, on the guest's
 * behalf (arch/x86/vmx_*.c, arch/x86/vmcheck_hv.c); tools/
 * test_vmcheck_written.py checks that every VMWRITE of a guest field
 * there names one of them.
 */
const uint32_t vmcheck_hv_written[] = {
	VMCS_GUEST_RIP,		 VMCS_GUEST_RSP,
	VMCS_GUEST_INTERRUPTIBILITY, VMCS_GUEST_PENDING_DBG_EXCEPTIONS,
	VMCS_GUEST_DR7,		 VMCS_GUEST_CR0,
	VMCS_GUEST_CR4,		 VMCS_GUEST_IA32_EFER,
	VMCS_GUEST_IA32_PAT,	 VMCS_GUEST_IA32_DEBUGCTL,
	VMCS_GUEST_SYSENTER_CS,	 VMCS_GUEST_SYSENTER_ESP,
	VMCS_GUEST_SYSENTER_EIP,
	/* A pc vCPU's PAE PDPTEs, loaded by hv when it completes a CR write
	 * (arch/x86/vmx_pc.c); a CPU saves only PDPTEs its checks passed. */
	VMCS_GUEST_PDPTE0,	 VMCS_GUEST_PDPTE1,
	VMCS_GUEST_PDPTE2,	 VMCS_GUEST_PDPTE3,
	/* RVI and SVI of a pc vCPU under virtual-interrupt delivery, which
	 * hv sets from its APIC before entry (arch/x86/vmx_apicv.c). */
	VMCS_GUEST_INTR_STATUS,
	/* A pc vCPU's 16-bit busy TSS made the 64-bit one when it enters
	 * IA-32e mode (arch/x86/vmx_pc.c, set_efer). */
	VMCS_GUEST_TR_AR,
};
const unsigned vmcheck_hv_written_count = ARRAY_LEN(vmcheck_hv_written);

bool vmcheck_guest_caused(const struct vmcheck_verdict *v)
{
	unsigned guest_fields = 0;

	if (v->injection || v->rule < VMCHECK_GUEST_CR0_FIXED ||
	    v->rule >= VMCHECK_OWN_UNMODELLED_CONTROL)
		return false;
	for (unsigned i = 0; i < VMCHECK_MAX_FIELDS; i++) {
		uint32_t f = v->fields[i];

		if (!f || !guest_field(f))
			continue; /* a control: the condition, not the cause */
		for (unsigned k = 0; k < ARRAY_LEN(vmcheck_hv_written); k++)
			if (vmcheck_hv_written[k] == f)
				return false;
		guest_fields++;
	}
	return guest_fields > 0;
}
