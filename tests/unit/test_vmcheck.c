// SPDX-License-Identifier: MIT
/*
 * Tests of the VM-entry checker (arch/x86/vmcheck*.c): every rule has an
 * image that breaks it and is refused with that rule's name and no other
 * (tests/unit/vmcheck_cases.c); the valid images of every guest mode and
 * the images hv's partitions really entered with (tests/unit/data/vmcs/,
 * recorded by `make vmcs-images`) are accepted; the text form of an
 * image reads back as written and refuses what is malformed; and
 * docs/vmcheck.md lists every rule.
 */
#include "tests/unit/common.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/vmcheck_fields.h"
#include "arch/x86/vmcheck_image.h"
#include "tests/unit/vmcheck_cases.h"

#define FIXTURES UNIT_DATA_DIR "/vmcs"

/* Prints every broken rule, for a failure message. */
static bool print_broken(void *arg, const struct vmcheck_verdict *v)
{
	(void)arg;
	print_message("  broken: %s at %s = 0x%llx\n", vmcheck_rule_id(v->rule),
		      vmcheck_field_name(v->field),
		      (unsigned long long)v->value);
	return true;
}

static void assert_accepted(struct vmcheck_image *img, const char *what)
{
	struct vmcheck_vmcs vmcs;
	struct vmcheck_verdict v;

	vmcheck_image_vmcs(img, &vmcs);
	if (!vmcheck(&img->caps, &vmcs, &v, NULL, NULL)) {
		vmcheck(&img->caps, &vmcs, NULL, print_broken, NULL);
		fail_msg("%s refused: %s", what, vmcheck_rule_id(v.rule));
	}
}

static void test_bases_accepted(void **state)
{
	struct vmcheck_image img;

	(void)state;
	for (unsigned b = 0; b < BASE_COUNT; b++) {
		vmcheck_base_image(b, &img);
		assert_accepted(&img, vmcheck_base_names[b]);
	}
}

/* Every case breaks its rule and nothing the case does not name. */
static void test_each_rule_refused(void **state)
{
	char why[512];
	unsigned failed = 0;

	(void)state;
	for (unsigned i = 0; i < vmcheck_case_count(); i++) {
		if (vmcheck_case_run(i, why, sizeof(why)))
			continue;
		print_message("%s\n", why);
		failed++;
	}
	assert_int_equal(failed, 0);
}

/*
 * The memo hv keeps from one entry to the next hides no broken rule: a
 * case checked after its base image passed with the same memo gets the
 * verdict it gets alone, and the base then passes again.
 */
static void test_memo_hides_nothing(void **state)
{
	unsigned failed = 0;

	(void)state;
	for (unsigned i = 0; i < vmcheck_case_count(); i++) {
		struct vmcheck_image base, img;
		struct vmcheck_vmcs vb, vi;
		struct vmcheck_verdict alone, memoed;
		struct vmcheck_memo memo;
		bool ok;

		memset(&memo, 0, sizeof(memo));
		vmcheck_case_image(i, &img);
		vmcheck_image_vmcs(&img, &vi);
		/* the case's own base: the image before its changes */
		vmcheck_base_image(BASE_64, &base);
		for (unsigned b = 0; b < BASE_COUNT; b++) {
			vmcheck_base_image(b, &base);
			if (!memcmp(&base.caps, &img.caps, sizeof(img.caps)))
				break;
		}
		vmcheck_image_vmcs(&base, &vb);
		vmcheck_cached(&base.caps, &vb, &memo, &memoed);
		ok = vmcheck_cached(&img.caps, &vi, &memo, &memoed);
		vmcheck(&img.caps, &vi, &alone, NULL, NULL);
		if (ok || memoed.rule != alone.rule) {
			print_message("case %u (%s): with the memo %s, alone %s\n", i,
				      vmcheck_rule_id(vmcheck_case_rule(i)),
				      ok ? "accepted" : vmcheck_rule_id(memoed.rule),
				      vmcheck_rule_id(alone.rule));
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* Every rule has a case: none is left untested. */
static void test_every_rule_has_a_case(void **state)
{
	bool covered[VMCHECK_RULE_COUNT] = { false };
	unsigned missing = 0;

	(void)state;
	for (unsigned i = 0; i < vmcheck_case_count(); i++)
		covered[vmcheck_case_rule(i)] = true;
	for (unsigned r = 1; r < VMCHECK_RULE_COUNT; r++)
		if (!covered[r]) {
			print_message("no case for %s\n", vmcheck_rule_id(r));
			missing++;
		}
	assert_int_equal(missing, 0);
	assert_int_equal(vmcheck_rule_count(), VMCHECK_RULE_COUNT - 1);
}

/* Rule ids are unique and found by name; sections and texts exist. */
static void test_rule_table(void **state)
{
	(void)state;
	for (unsigned r = 1; r < VMCHECK_RULE_COUNT; r++) {
		assert_int_equal(vmcheck_rule_by_id(vmcheck_rule_id(r)), r);
		assert_true(strlen(vmcheck_rule_section(r)) > 10);
		assert_true(strlen(vmcheck_rule_text(r)) > 20);
	}
	assert_int_equal(vmcheck_rule_by_id("NO_SUCH_RULE"), VMCHECK_NONE);
	assert_null(vmcheck_rule_id(VMCHECK_RULE_COUNT));
}

static void test_field_table(void **state)
{
	(void)state;
	assert_true(vmcheck_field_count() <= VMCHECK_IMAGE_FIELDS);
	for (unsigned i = 0; i < vmcheck_field_count(); i++) {
		uint32_t e = vmcheck_field_encoding(i);

		assert_int_equal(vmcheck_field_index(e), (int)i);
		assert_string_not_equal(vmcheck_field_name(e), "UNKNOWN");
	}
	assert_string_equal(vmcheck_field_name(VMCS_GUEST_RIP), "GUEST_RIP");
	assert_string_equal(vmcheck_field_name(0x7fff), "UNKNOWN");
}

/* The RIP a CPU leaves after an instruction that ends at the top of the
 * lower canonical half: not canonical, and entered all the same, since
 * the rule asks only that bits 63:48 be identical. */
static void test_rip_past_canonical_half(void **state)
{
	struct vmcheck_image img;

	(void)state;
	vmcheck_base_image(BASE_64, &img);
	vmcheck_image_set(&img, VMCS_GUEST_RIP, 0x800000000000ull);
	assert_accepted(&img, "RIP 0x800000000000");
	vmcheck_image_set(&img, VMCS_GUEST_RIP, 0xffff800000000000ull);
	assert_accepted(&img, "RIP 0xffff800000000000");
}

static bool note_broken(void *arg, const struct vmcheck_verdict *v)
{
	bool *broken = arg;

	if (v->rule < VMCHECK_RULE_COUNT)
		broken[v->rule] = true;
	return true;
}

/*
 * What unrestricted guest relaxes, on the real-mode state a pc partition
 * entered with: an SS whose RPL is not CS's, nor its own DPL, and a data
 * segment whose DPL is below its RPL, are accepted with the control and
 * refused by those rules without it, as are PE = 0 and Bochs' data CS.
 */
static void test_unrestricted_guest_relaxations(void **state)
{
	static const unsigned relaxed[] = {
		VMCHECK_GUEST_CR0_FIXED, VMCHECK_GUEST_SS_RPL,
		VMCHECK_GUEST_SS_DPL_RPL, VMCHECK_GUEST_DATA_DPL,
		VMCHECK_GUEST_CS_TYPE,
	};
	bool broken[VMCHECK_RULE_COUNT] = { false };
	struct vmcheck_image img;
	struct vmcheck_vmcs vmcs;
	uint64_t proc2 = 0;

	(void)state;
	vmcheck_base_image(BASE_PC_REAL, &img);
	vmcheck_image_set(&img, VMCS_GUEST_SS_SELECTOR, 0x2003);
	vmcheck_image_set(&img, VMCS_GUEST_DS_SELECTOR, 0x2003);
	assert_accepted(&img, "pc real mode, RPL 3 in SS and DS");
	assert_true(vmcheck_image_get(&img, VMCS_PROC_BASED_CTLS2, &proc2));
	vmcheck_image_set(&img, VMCS_PROC_BASED_CTLS2, proc2 & ~PROC2_UNRESTRICTED_GUEST);
	vmcheck_image_vmcs(&img, &vmcs);
	assert_false(vmcheck(&img.caps, &vmcs, NULL, note_broken, broken));
	for (unsigned i = 0; i < sizeof(relaxed) / sizeof(relaxed[0]); i++)
		if (!broken[relaxed[i]])
			fail_msg("without unrestricted guest %s holds",
				 vmcheck_rule_id(relaxed[i]));
}

/* The verdict on an image, stopping at the first broken rule. */
static struct vmcheck_verdict verdict_of(struct vmcheck_image *img)
{
	struct vmcheck_vmcs vmcs;
	struct vmcheck_verdict v;

	vmcheck_image_vmcs(img, &vmcs);
	assert_false(vmcheck(&img->caps, &vmcs, &v, NULL, NULL));
	return v;
}

/*
 * Whose doing: the SS a real CPU's SYSCALL loads from an IA32_STAR with
 * RPL 3 is the guest's (hv writes no selector after set-up); a RIP hv
 * advanced, a control, the injected event and a pending-debug state hv
 * manages are hv's.
 */
static void test_whose_doing(void **state)
{
	struct vmcheck_image img;
	struct vmcheck_verdict v;

	(void)state;
	vmcheck_base_image(BASE_64, &img);
	vmcheck_image_set(&img, VMCS_GUEST_SS_SELECTOR, 0x13);
	v = verdict_of(&img);
	assert_int_equal(v.rule, VMCHECK_GUEST_SS_RPL);
	assert_int_equal(v.field, VMCS_GUEST_SS_SELECTOR);
	assert_int_equal(v.value, 0x13);
	assert_true(vmcheck_guest_caused(&v));

	vmcheck_base_image(BASE_COMPAT, &img);
	vmcheck_image_set(&img, VMCS_GUEST_RIP, 1ull << 32);
	v = verdict_of(&img);
	assert_int_equal(v.rule, VMCHECK_GUEST_RIP_HIGH);
	assert_false(vmcheck_guest_caused(&v));

	vmcheck_base_image(BASE_64, &img);
	vmcheck_image_set(&img, VMCS_VPID, 0);
	v = verdict_of(&img);
	assert_int_equal(v.rule, VMCHECK_EXEC_VPID_NONZERO);
	assert_false(vmcheck_guest_caused(&v));

	vmcheck_base_image(BASE_64, &img);
	vmcheck_image_set(&img, VMCS_ENTRY_INTR_INFO,
			  INTR_INFO_VALID | (VMC_TYPE_EXT_INT << 8) | 0x30);
	v = verdict_of(&img);
	assert_int_equal(v.rule, VMCHECK_GUEST_RFLAGS_IF);
	assert_false(vmcheck_guest_caused(&v));

	vmcheck_base_image(BASE_64, &img);
	vmcheck_image_set(&img, VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_MOV_SS);
	vmcheck_image_set(&img, VMCS_GUEST_RFLAGS, 0x102);
	v = verdict_of(&img);
	assert_int_equal(v.rule, VMCHECK_GUEST_PENDING_DBG_BS_SET);
	assert_false(vmcheck_guest_caused(&v));

	/* A segment hv never writes: the guest's. */
	vmcheck_base_image(BASE_64, &img);
	vmcheck_image_set(&img, VMCS_GUEST_FS_BASE, 0x800000000000ull);
	v = verdict_of(&img);
	assert_int_equal(v.rule, VMCHECK_GUEST_TR_FS_GS_BASE);
	assert_true(vmcheck_guest_caused(&v));
}

/* The canonical test at the ends of the linear width: the fuzz target
 * found a shift by 64 for a CPU that reports no linear-address bits. */
static void test_linear_width_extremes(void **state)
{
	struct vmcheck_image img;
	struct vmcheck_vmcs vmcs;
	struct vmcheck_verdict v;

	(void)state;
	vmcheck_base_image(BASE_64, &img);
	img.caps.linear_bits = 0;
	vmcheck_image_vmcs(&img, &vmcs);
	/* With no linear bits only 0 is canonical: the host's GS base is
	 * not, and the guest's RIP fails its rule. */
	assert_false(vmcheck(&img.caps, &vmcs, &v, NULL, NULL));
	assert_int_equal(v.rule, VMCHECK_HOST_BASE_CANONICAL);
	img.caps.linear_bits = 64;
	vmcheck_image_set(&img, VMCS_GUEST_RIP, 0x8000000000000000ull);
	assert_accepted(&img, "64 linear bits");
}

struct text {
	char buf[16384];
	size_t len;
};

static void collect(void *ctx, const char *line)
{
	struct text *t = ctx;
	size_t n = strlen(line);

	assert_true(t->len + n + 1 < sizeof(t->buf));
	memcpy(t->buf + t->len, line, n);
	t->len += n;
	t->buf[t->len++] = '\n';
}

static void test_image_round_trip(void **state)
{
	struct vmcheck_image a, b;
	struct text t = { .len = 0 };
	char err[128];

	(void)state;
	for (unsigned i = 0; i < vmcheck_case_count(); i++) {
		vmcheck_case_image(i, &a);
		t.len = 0;
		vmcheck_image_format(&a, collect, &t);
		assert_int_equal(vmcheck_image_parse(t.buf, t.len, &b, err,
						     sizeof(err)),
				 0);
		assert_memory_equal(&a.caps, &b.caps, sizeof(a.caps));
		assert_memory_equal(a.present, b.present, sizeof(a.present));
		for (unsigned f = 0; f < vmcheck_field_count(); f++)
			if (a.present[f])
				assert_int_equal(a.values[f], b.values[f]);
		assert_int_equal(a.mem_count, b.mem_count);
	}
}

static void assert_parse_fails(const char *text, const char *what)
{
	struct vmcheck_image img;
	char err[128];

	assert_int_equal(vmcheck_image_parse(text, strlen(text), &img, err,
					     sizeof(err)),
			 -1);
	if (!strstr(err, what))
		fail_msg("'%s' gave '%s', not '%s'", text, err, what);
}

static void test_image_parse_errors(void **state)
{
	(void)state;
	assert_parse_fails("", "empty");
	assert_parse_fails("vmcheck-image 2\nend\n", "expected 'vmcheck-image 1'");
	assert_parse_fails("vmcheck-image 1\n", "no 'end'");
	assert_parse_fails("vmcheck-image 1\nend\nfields 681e=1\n",
			   "text after end");
	assert_parse_fails("vmcheck-image 1\nregs rip=1\nend\n",
			   "expected caps, fields, mem or end");
	assert_parse_fails("vmcheck-image 1\ncaps nope=1\nend\n",
			   "unknown capability");
	assert_parse_fails("vmcheck-image 1\ncaps phys_bits=100000000\nend\n",
			   "out of range");
	assert_parse_fails("vmcheck-image 1\ncaps basic=1 basic=2\nend\n",
			   "given twice");
	assert_parse_fails("vmcheck-image 1\nfields 681e=1 681e=2\nend\n",
			   "given twice");
	assert_parse_fails("vmcheck-image 1\nfields 7fff=1\nend\n",
			   "not a field");
	assert_parse_fails("vmcheck-image 1\nfields 681e=x\nend\n",
			   "not a hexadecimal");
	assert_parse_fails("vmcheck-image 1\nfields 681e=11112222333344445\nend\n",
			   "not a hexadecimal");
	assert_parse_fails("vmcheck-image 1\nfields 681e\nend\n", "key=value");
	assert_parse_fails("vmcheck-image 1\nfields 681e=1\x01\nend\n",
			   "printable");
	assert_parse_fails("vmcheck-image 1\nmem 1=1 2=2 3=3 4=4 5=5 6=6 7=7 8=8 9=9\nend\n",
			   "too many");
}

/* The recorded images: what hv's partitions really entered with. */
static void test_recorded_images_accepted(void **state)
{
	DIR *d = opendir(FIXTURES);
	struct dirent *e;
	unsigned n = 0;

	(void)state;
	if (!d)
		fail_msg("cannot open %s", FIXTURES);
	while ((e = readdir(d))) {
		struct vmcheck_image img;
		size_t len, nl = strlen(e->d_name);
		char err[128];
		char *text;

		if (nl < 6 || strcmp(e->d_name + nl - 5, ".vmcs"))
			continue;
		text = unit_read_file(FIXTURES, e->d_name, &len);
		if (vmcheck_image_parse(text, len, &img, err, sizeof(err)))
			fail_msg("%s: %s", e->d_name, err);
		assert_accepted(&img, e->d_name);
		free(text);
		n++;
	}
	closedir(d);
	/* A missing or emptied directory must not pass unnoticed. */
	assert_true(n >= 4);
}

/* docs/vmcheck.md names every rule by its id. */
static void test_rules_documented(void **state)
{
	size_t len;
	char *doc = unit_read_file(UNIT_REPO_DIR "/docs", "vmcheck.md", &len);
	char *text = malloc(len + 1);
	unsigned missing = 0;

	(void)state;
	assert_non_null(text);
	memcpy(text, doc, len);
	text[len] = '\0';
	for (unsigned r = 1; r < VMCHECK_RULE_COUNT; r++) {
		char want[80];

		snprintf(want, sizeof(want), "`%s`", vmcheck_rule_id(r));
		if (!strstr(text, want)) {
			print_message("docs/vmcheck.md lacks %s\n", want);
			missing++;
		}
	}
	free(text);
	free(doc);
	assert_int_equal(missing, 0);
}

/* Writes every case's image to dir as case-NNN.vmcs: the seeds of the
 * fuzz target (tests/fuzz/corpus/vmcheck/, see tests/fuzz/fuzz.mk). */
static int write_seeds(const char *dir)
{
	for (unsigned i = 0; i < vmcheck_case_count(); i++) {
		static struct vmcheck_image img;
		static struct text t;
		char path[4096];
		FILE *f;

		vmcheck_case_image(i, &img);
		t.len = 0;
		vmcheck_image_format(&img, collect, &t);
		snprintf(path, sizeof(path), "%s/case-%03u.vmcs", dir, i);
		f = fopen(path, "wb");
		if (!f || fwrite(t.buf, 1, t.len, f) != t.len || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write-seeds"))
		return write_seeds(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bases_accepted),
		cmocka_unit_test(test_each_rule_refused),
		cmocka_unit_test(test_memo_hides_nothing),
		cmocka_unit_test(test_every_rule_has_a_case),
		cmocka_unit_test(test_rule_table),
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_rip_past_canonical_half),
		cmocka_unit_test(test_linear_width_extremes),
		cmocka_unit_test(test_whose_doing),
		cmocka_unit_test(test_unrestricted_guest_relaxations),
		cmocka_unit_test(test_image_round_trip),
		cmocka_unit_test(test_image_parse_errors),
		cmocka_unit_test(test_recorded_images_accepted),
		cmocka_unit_test(test_rules_documented),
	};

	return cmocka_run_group_tests_name("vmcheck", tests, NULL, NULL);
}
