// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the VM-entry checker (arch/x86/vmcheck*.c) and
 * the text form of its images. An input that starts with "vmcheck-image"
 * is an image in text; any other input mutates a recorded image (one hv
 * really entered, tests/unit/data/vmcs/), nine bytes a change: a field's
 * index, then eight bytes XORed into its value. Either way the checker
 * must not crash, and must name exactly one rule, and a real one, for an
 * image it refuses: the first it reports stopping at the first broken
 * rule is one of those it reports checking them all, and it names none
 * for an image it accepts; and with the memo hv keeps between entries,
 * primed by the recorded image (for an image of the same CPU), the
 * verdict must be the same. A parsed
 * image must also read back as written.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/vmcheck_image.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define BASE FUZZ_DATA_DIR "/vmcs/vmcheck-kern-0-user.vmcs"

static struct vmcheck_image base;

static void load_base(void)
{
	static char text[16384];
	char err[128];
	size_t n;
	FILE *f = fopen(BASE, "rb");

	if (!f) {
		fprintf(stderr, "fuzz_vmcheck: cannot open %s\n", BASE);
		abort();
	}
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (vmcheck_image_parse(text, n, &base, err, sizeof(err))) {
		fprintf(stderr, "fuzz_vmcheck: %s: %s\n", BASE, err);
		abort();
	}
}

struct all {
	bool rules[VMCHECK_RULE_COUNT];
	unsigned count;
};

static bool note(void *arg, const struct vmcheck_verdict *v)
{
	struct all *a = arg;

	CHECK(v->rule > VMCHECK_NONE && v->rule < VMCHECK_RULE_COUNT);
	CHECK(vmcheck_field_index(v->field) >= 0);
	a->rules[v->rule] = true;
	a->count++;
	return true;
}

static void check(struct vmcheck_image *img)
{
	struct vmcheck_vmcs vmcs, base_vmcs;
	struct vmcheck_verdict first, memoed;
	struct vmcheck_memo memo;
	struct all all = { { false }, 0 };
	bool ok, ok_all;

	vmcheck_image_vmcs(img, &vmcs);
	ok = vmcheck(&img->caps, &vmcs, &first, NULL, NULL);
	ok_all = vmcheck(&img->caps, &vmcs, NULL, note, &all);
	CHECK(ok == ok_all);
	/* hv's memo, primed by the recorded image that passed, must hide
	 * no rule this one breaks. */
	memset(&memo, 0, sizeof(memo));
	memoed = first;
	if (!memcmp(&base.caps, &img->caps, sizeof(base.caps))) {
		vmcheck_image_vmcs(&base, &base_vmcs);
		CHECK(vmcheck_cached(&base.caps, &base_vmcs, &memo, &memoed));
		CHECK(vmcheck_cached(&img->caps, &vmcs, &memo, &memoed) == ok);
	}
	CHECK(ok == (all.count == 0));
	if (ok) {
		CHECK(first.rule == VMCHECK_NONE);
		return;
	}
	CHECK(first.rule > VMCHECK_NONE && first.rule < VMCHECK_RULE_COUNT);
	CHECK(all.rules[first.rule]);
	CHECK(memoed.rule == first.rule);
	CHECK(vmcheck_rule_id(first.rule) && vmcheck_rule_text(first.rule));
	CHECK(strcmp(vmcheck_field_name(first.field), "UNKNOWN") != 0);
}

struct text {
	char buf[32768];
	size_t len;
};

static void collect(void *ctx, const char *line)
{
	struct text *t = ctx;
	size_t n = strlen(line);

	CHECK(t->len + n + 1 < sizeof(t->buf));
	memcpy(t->buf + t->len, line, n);
	t->len += n;
	t->buf[t->len++] = '\n';
}

static void round_trip(const struct vmcheck_image *img)
{
	static struct text t;
	static struct vmcheck_image back;
	char err[128];

	t.len = 0;
	vmcheck_image_format(img, collect, &t);
	CHECK(vmcheck_image_parse(t.buf, t.len, &back, err, sizeof(err)) == 0);
	CHECK(!memcmp(&back.caps, &img->caps, sizeof(back.caps)));
	CHECK(!memcmp(back.present, img->present, sizeof(back.present)));
	for (unsigned i = 0; i < vmcheck_field_count(); i++)
		CHECK(!img->present[i] || back.values[i] == img->values[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char magic[] = "vmcheck-image";
	static struct vmcheck_image img;
	char err[128];

	if (!base.present[0])
		load_base();
	if (size >= sizeof(magic) - 1 && !memcmp(data, magic, sizeof(magic) - 1)) {
		if (vmcheck_image_parse((const char *)data, size, &img, err,
					sizeof(err)))
			return 0;
		round_trip(&img);
		check(&img);
		return 0;
	}
	img = base;
	for (size_t i = 0; i + 9 <= size; i += 9) {
		unsigned f = data[i] % vmcheck_field_count();
		uint64_t x;

		memcpy(&x, data + i + 1, 8);
		img.values[f] ^= x;
		img.present[f] = 1;
	}
	check(&img);
	return 0;
}
