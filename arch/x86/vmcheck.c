// SPDX-License-Identifier: MIT
/*
 * The VM-entry checker's frame: the rule table, the fields it reads and
 * how they are loaded through the accessor, and the order the rule groups
 * run in. The rules themselves are in vmcheck_ctl.c and vmcheck_guest.c.
 */
#include "arch/x86/vmcheck_int.h"

#include <stddef.h>

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
 * hv's load: VMREAD of every field that exists, in straight-line code
 * (the table unrolled), about five instructions a field; a loop over the
 * table with a call a field costs six times that, on every VM entry.
 */
static void load_vmread(struct vmcheck_state *s)
{
#define VMCHECK_FIELD(enc, name, m, need, mask)                              \
	if (!exists_in(s, need, mask) ||                                     \
	    !vmcs_vmread((enum vmcs_field)(enc), &s->m))                      \
		s->m = 0;
#include "arch/x86/vmcheck_fieldlist.h"
#undef VMCHECK_FIELD
}

void vmcheck_snapshot(uint64_t *words)
{
	load_vmread((struct vmcheck_state *)words);
}

bool vmcheck_snapshot_get(const uint64_t *words, uint32_t field, uint64_t *v)
{
	int i = vmcheck_field_index(field);

	if (i < 0)
		return false;
	*v = *(const uint64_t *)((const char *)words + fields[i].offset);
	return true;
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
_Static_assert(VMCHECK_SNAPSHOT_WORDS == ARRAY_LEN(fields),
	       "a snapshot is a struct vmcheck_state");

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
	if (!r->report || !r->report(r->arg, &v))
		r->stop = true;
	return !r->stop;
}

bool vmcheck(const struct vmcheck_caps *caps, const struct vmcheck_vmcs *vmcs,
	     struct vmcheck_verdict *first,
	     bool (*report)(void *arg, const struct vmcheck_verdict *v),
	     void *arg)
{
	static void (*const groups[])(struct vmcheck_run *) = {
		vmcheck_exec,	     vmcheck_exit_entry,     vmcheck_host,
		vmcheck_guest_regs, vmcheck_guest_segments, vmcheck_guest_other,
	};
	struct vmcheck_run r; /* not zeroed: load() writes all of r.s */
	unsigned count = 0;

	r.caps = caps;
	r.vmcs = vmcs;
	r.first = first;
	r.report = report;
	r.arg = arg;
	r.broken = false;
	r.stop = false;

	if (first)
		*first = (struct vmcheck_verdict){ 0 };
	if (vmcs->vmread)
		load_vmread(&r.s);
	else
		load(vmcs, &r.s, false, NULL, NULL, &count);
	for (unsigned i = 0; i < ARRAY_LEN(groups) && !r.stop; i++)
		groups[i](&r);
	return !r.broken;
}
