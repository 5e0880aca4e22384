// SPDX-License-Identifier: MIT
/*
 * Recorded VMCS images: the accessor over one, and its text form
 * (arch/x86/vmcheck_image.h). The parser reads files anyone may have
 * edited and whatever the fuzz target makes of them, so it checks every
 * byte and every bound and never trusts a length.
 */
#include "arch/x86/vmcheck_image.h"

#include <stddef.h>

#include "lib/fmt.h"
#include "lib/string.h"

_Static_assert(VMCHECK_IMAGE_FIELDS >= 130, "room for every checked field");

static bool image_read(void *ctx, uint32_t field, uint64_t *value)
{
	return vmcheck_image_get(ctx, field, value);
}

static bool image_read_phys(void *ctx, uint64_t pa, uint64_t *value)
{
	const struct vmcheck_image *img = ctx;

	for (unsigned i = 0; i < img->mem_count; i++)
		if (img->mem[i].pa == pa) {
			*value = img->mem[i].value;
			return true;
		}
	return false;
}

void vmcheck_image_vmcs(struct vmcheck_image *img, struct vmcheck_vmcs *out)
{
	out->read = image_read;
	out->read_phys = image_read_phys;
	out->ctx = img;
	out->vmread = false;
}

bool vmcheck_image_get(const struct vmcheck_image *img, uint32_t field,
		       uint64_t *value)
{
	int i = vmcheck_field_index(field);

	if (i < 0 || !img->present[i])
		return false;
	*value = img->values[i];
	return true;
}

bool vmcheck_image_set(struct vmcheck_image *img, uint32_t field,
		       uint64_t value)
{
	int i = vmcheck_field_index(field);

	if (i < 0)
		return false;
	img->values[i] = value;
	img->present[i] = 1;
	return true;
}

void vmcheck_image_clear(struct vmcheck_image *img, uint32_t field)
{
	int i = vmcheck_field_index(field);

	if (i >= 0) {
		img->values[i] = 0;
		img->present[i] = 0;
	}
}

bool vmcheck_image_set_mem(struct vmcheck_image *img, uint64_t pa,
			   uint64_t value)
{
	for (unsigned i = 0; i < img->mem_count; i++)
		if (img->mem[i].pa == pa) {
			img->mem[i].value = value;
			return true;
		}
	if (img->mem_count >= VMCHECK_IMAGE_MEM)
		return false;
	img->mem[img->mem_count].pa = pa;
	img->mem[img->mem_count].value = value;
	img->mem_count++;
	return true;
}

/* The capability keys of the "caps" line. */
#define CAP(m) { #m, offsetof(struct vmcheck_caps, m), sizeof(((struct vmcheck_caps *)0)->m) }
static const struct {
	const char *key;
	size_t offset, size;
} cap_keys[] = {
	CAP(basic),	      CAP(pin),		    CAP(proc),
	CAP(proc2),	      CAP(exit),	    CAP(entry),
	CAP(proc3),	      CAP(exit2),	    CAP(misc),
	CAP(cr0_fixed0),      CAP(cr0_fixed1),	    CAP(cr4_fixed0),
	CAP(cr4_fixed1),      CAP(ept_vpid),	    CAP(vmfunc),
	CAP(phys_bits),	      CAP(linear_bits),	    CAP(efer_valid),
	CAP(debugctl_valid),  CAP(perf_global_valid), CAP(rtit_ctl_valid),
	CAP(lbr_ctl_valid),   CAP(flags),	    CAP(host_lma),
	CAP(current_vmcs),    CAP(executive_vmcs),
};
#undef CAP
#define NCAPS (sizeof(cap_keys) / sizeof(cap_keys[0]))

static uint64_t cap_get(const struct vmcheck_caps *c, unsigned k)
{
	const char *p = (const char *)c + cap_keys[k].offset;
	uint32_t v32;
	uint64_t v64;

	if (cap_keys[k].size == 4) {
		memcpy(&v32, p, 4);
		return v32;
	}
	memcpy(&v64, p, 8);
	return v64;
}

static bool cap_set(struct vmcheck_caps *c, unsigned k, uint64_t v)
{
	char *p = (char *)c + cap_keys[k].offset;
	uint32_t v32 = (uint32_t)v;

	if (cap_keys[k].size == 4) {
		if (v >> 32)
			return false;
		memcpy(p, &v32, 4);
	} else {
		memcpy(p, &v, 8);
	}
	return true;
}

/* ---- formatting */

struct out {
	char buf[200];
	size_t len;
	void (*line)(void *ctx, const char *text);
	void *ctx;
};

static void out_flush(struct out *o)
{
	if (o->len) {
		o->buf[o->len] = '\0';
		o->line(o->ctx, o->buf);
		o->len = 0;
	}
}

/* Appends " word" to a line that starts with head, starting a new line
 * when the word would not fit. */
static void out_word(struct out *o, const char *head, const char *word)
{
	size_t w = strlen(word);

	if (o->len && o->len + 1 + w >= sizeof(o->buf) - 1)
		out_flush(o);
	if (!o->len) {
		o->len = strlen(head);
		memcpy(o->buf, head, o->len);
	}
	o->buf[o->len++] = ' ';
	memcpy(o->buf + o->len, word, w);
	o->len += w;
}

void vmcheck_image_format(const struct vmcheck_image *img,
			  void (*line)(void *ctx, const char *text), void *ctx)
{
	struct out o = { .len = 0, .line = line, .ctx = ctx };
	char word[64];

	line(ctx, "vmcheck-image 1");
	for (unsigned k = 0; k < NCAPS; k++) {
		fmt_snprintf(word, sizeof(word), "%s=%lx", cap_keys[k].key,
			     (unsigned long)cap_get(&img->caps, k));
		out_word(&o, "caps", word);
	}
	out_flush(&o);
	for (unsigned i = 0; i < vmcheck_field_count(); i++) {
		if (!img->present[i])
			continue;
		fmt_snprintf(word, sizeof(word), "%x=%lx",
			     vmcheck_field_encoding(i),
			     (unsigned long)img->values[i]);
		out_word(&o, "fields", word);
	}
	out_flush(&o);
	for (unsigned i = 0; i < img->mem_count; i++) {
		fmt_snprintf(word, sizeof(word), "%lx=%lx",
			     (unsigned long)img->mem[i].pa,
			     (unsigned long)img->mem[i].value);
		out_word(&o, "mem", word);
	}
	out_flush(&o);
	line(ctx, "end");
}

/* ---- parsing */

struct in {
	const char *p, *end;
	unsigned line;
	char *err;
	size_t errlen;
};

static int fail(struct in *in, const char *what)
{
	if (in->errlen)
		fmt_snprintf(in->err, in->errlen, "line %u: %s", in->line, what);
	return -1;
}

/* A hexadecimal number of 1 to 16 digits, ending where s ends. */
static bool hex(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		x = x << 4 | d;
	}
	*v = x;
	return true;
}

static bool word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && !memcmp(w, s, n);
}

/* Splits "key=value" at w (n bytes). */
static bool pair(const char *w, size_t n, size_t *eq)
{
	for (size_t i = 0; i < n; i++)
		if (w[i] == '=') {
			*eq = i;
			return i > 0 && i + 1 < n;
		}
	return false;
}

enum line_kind { L_CAPS, L_FIELDS, L_MEM };

static int parse_item(struct in *in, struct vmcheck_image *img,
		      enum line_kind kind, const char *w, size_t n,
		      uint32_t *caps_seen)
{
	uint64_t a, v;
	size_t eq;

	if (!pair(w, n, &eq))
		return fail(in, "expected key=value");
	if (!hex(w + eq + 1, n - eq - 1, &v))
		return fail(in, "value is not a hexadecimal number");
	if (kind == L_CAPS) {
		for (unsigned k = 0; k < NCAPS; k++) {
			if (!word_is(w, eq, cap_keys[k].key))
				continue;
			if (*caps_seen & (1u << k))
				return fail(in, "capability given twice");
			*caps_seen |= 1u << k;
			return cap_set(&img->caps, k, v) ?
				       0 :
				       fail(in, "capability out of range");
		}
		return fail(in, "unknown capability");
	}
	if (!hex(w, eq, &a))
		return fail(in, "key is not a hexadecimal number");
	if (kind == L_MEM) {
		for (unsigned i = 0; i < img->mem_count; i++)
			if (img->mem[i].pa == a)
				return fail(in, "memory given twice");
		return vmcheck_image_set_mem(img, a, v) ?
			       0 :
			       fail(in, "too many memory words");
	}
	if (a >> 32 || vmcheck_field_index((uint32_t)a) < 0)
		return fail(in, "not a field the checker reads");
	if (img->present[vmcheck_field_index((uint32_t)a)])
		return fail(in, "field given twice");
	vmcheck_image_set(img, (uint32_t)a, v);
	return 0;
}

int vmcheck_image_parse(const char *text, size_t len,
			struct vmcheck_image *img, char *err, size_t errlen)
{
	struct in in = { text, text + len, 0, err, errlen };
	uint32_t caps_seen = 0;
	bool header = false, ended = false;

	_Static_assert(NCAPS <= 32, "caps_seen is 32 bits");
	memset(img, 0, sizeof(*img));
	if (errlen)
		err[0] = '\0';
	while (in.p < in.end) {
		const char *ls = in.p, *le = in.p;
		enum line_kind kind;
		const char *w;

		while (le < in.end && *le != '\n')
			le++;
		in.p = le < in.end ? le + 1 : le;
		in.line++;
		if (le > ls && le[-1] == '\r')
			le--;
		if (ended) {
			if (le != ls)
				return fail(&in, "text after end");
			continue;
		}
		for (const char *q = ls; q < le; q++)
			if (*q < 0x20 || *q > 0x7e)
				return fail(&in, "a byte that is not printable ASCII");
		if (!header) {
			if (!word_is(ls, (size_t)(le - ls), "vmcheck-image 1"))
				return fail(&in, "expected 'vmcheck-image 1'");
			header = true;
			continue;
		}
		if (word_is(ls, (size_t)(le - ls), "end")) {
			ended = true;
			continue;
		}
		w = ls;
		while (w < le && *w != ' ')
			w++;
		if (word_is(ls, (size_t)(w - ls), "caps"))
			kind = L_CAPS;
		else if (word_is(ls, (size_t)(w - ls), "fields"))
			kind = L_FIELDS;
		else if (word_is(ls, (size_t)(w - ls), "mem"))
			kind = L_MEM;
		else
			return fail(&in, "expected caps, fields, mem or end");
		while (w < le) {
			const char *ws;

			while (w < le && *w == ' ')
				w++;
			ws = w;
			while (w < le && *w != ' ')
				w++;
			if (w > ws && parse_item(&in, img, kind, ws,
						 (size_t)(w - ws), &caps_seen))
				return -1;
		}
	}
	if (!header)
		return fail(&in, "empty");
	if (!ended)
		return fail(&in, "no 'end' line");
	return 0;
}
