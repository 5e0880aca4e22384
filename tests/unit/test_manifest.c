// SPDX-License-Identifier: MIT
/* Tests of lib/manifest.c, the hv/hv.conf parser. */
#include "tests/unit/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/manifest.h"

#define FILE_NAME "hv/hv.conf"

static char err[256];

/*
 * Parses text from an exact-size copy with no NUL after it, so that ASan
 * catches a parser that reads past len.
 */
static int parse_n(const char *text, size_t len, struct hv_manifest *m)
{
	char *copy = unit_dup(text, len);
	int r;

	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	r = manifest_parse(copy, len, FILE_NAME, m, err, sizeof(err));
	free(copy);
	if (!r)
		assert_string_equal(err, "");
	return r;
}

static int parse(const char *text, struct hv_manifest *m)
{
	return parse_n(text, strlen(text), m);
}

static void expect_error(const char *text, const char *msg)
{
	struct hv_manifest m;

	assert_int_equal(parse(text, &m), -1);
	assert_string_equal(err, msg);
}

static void expect_defaults(const struct hv_manifest *m)
{
	assert_int_equal(m->log_level, HV_LOG_INFO);
	assert_int_equal(m->pool_mb, HV_POOL_MB_DEFAULT);
	assert_int_equal(m->interactive, 0);
	assert_int_equal(m->slice_ms, HV_SLICE_MS_DEFAULT);
	assert_int_equal(m->entry_check, 1);
	assert_int_equal(m->entry_record, 0);
	assert_int_equal(m->partition_count, 0);
}

static void test_defaults(void **state)
{
	struct hv_manifest m;

	(void)state;
	memset(&m, 0xff, sizeof(m));
	manifest_defaults(&m);
	expect_defaults(&m);
	assert_int_equal(m.partitions[0].name[0], 0);

	memset(&m, 0xff, sizeof(m));
	assert_int_equal(parse("", &m), 0);
	expect_defaults(&m);
	assert_int_equal(parse("\n\n  \t\n# nothing here\n", &m), 0);
	expect_defaults(&m);
	assert_int_equal(manifest_parse(NULL, 0, FILE_NAME, &m, err,
					sizeof(err)),
			 0);
	expect_defaults(&m);
}

static const char example[] =
	"# hv manifest\n"
	"log_level = debug\n"
	"pool_mb=128\n"
	"   interactive   =   yes   \n"
	"\n"
	"[partition parent]\n"
	"image = hv/guest.elf   # the guest kernel\n"
	"ram_mb = 32\n"
	"parent = yes\n"
	"cmdline = console=com1 mode=#1 pm\n"
	"\n"
	"[ partition  child-1 ]\n"
	"\timage\t=\thv/child.elf\t\n"
	"cmdline =\n"
	"[partition Z_9]\n"
	"image = z.elf\n"
	"parent = no";

static void check_example(const struct hv_manifest *m)
{
	const struct hv_manifest_partition *p = m->partitions;

	assert_int_equal(m->log_level, HV_LOG_DEBUG);
	assert_int_equal(m->pool_mb, 128);
	assert_int_equal(m->interactive, 1);
	assert_int_equal(m->partition_count, 3);

	assert_string_equal(p[0].name, "parent");
	assert_string_equal(p[0].image, "hv/guest.elf");
	assert_int_equal(p[0].ram_mb, 32);
	assert_int_equal(p[0].parent, 1);
	assert_string_equal(p[0].cmdline, "console=com1 mode=#1 pm");

	assert_string_equal(p[1].name, "child-1");
	assert_string_equal(p[1].image, "hv/child.elf");
	assert_int_equal(p[1].ram_mb, MANIFEST_RAM_MB_DEFAULT);
	assert_int_equal(p[1].parent, 0);
	assert_string_equal(p[1].cmdline, "");

	assert_string_equal(p[2].name, "Z_9");
	assert_string_equal(p[2].image, "z.elf");
	assert_int_equal(p[2].parent, 0);
}

static void test_example(void **state)
{
	struct hv_manifest m;

	(void)state;
	assert_int_equal(parse(example, &m), 0);
	check_example(&m);
	/* The example ends without a newline; with one it is the same. */
	{
		char text[sizeof(example) + 1];

		memcpy(text, example, sizeof(example) - 1);
		text[sizeof(example) - 1] = '\n';
		assert_int_equal(parse_n(text, sizeof(example), &m), 0);
		check_example(&m);
	}
}

static void test_crlf(void **state)
{
	struct hv_manifest m;
	char crlf[sizeof(example) * 2];
	size_t i, n = 0;

	(void)state;
	for (i = 0; example[i]; i++) {
		if (example[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = example[i];
	}
	crlf[n++] = '\r';
	crlf[n++] = '\n';
	assert_int_equal(parse_n(crlf, n, &m), 0);
	check_example(&m);

	/* A CR anywhere but before the LF is a stray byte. */
	expect_error("pool_mb = 8\rx\n",
		     "hv/hv.conf:1: byte 0x0d is not printable text");
}

static void test_comments(void **state)
{
	struct hv_manifest m;

	(void)state;
	assert_int_equal(parse("#pool_mb = 9\n"
			       "   # pool_mb = 10\n"
			       "pool_mb = 11 # was 12\n"
			       "[partition a] # the only one\n"
			       "image = a#b.elf\n"
			       "parent = yes\n"
			       "cmdline = x\t# tab before the hash\n",
			       &m),
			 0);
	assert_int_equal(m.pool_mb, 11);
	assert_string_equal(m.partitions[0].image, "a#b.elf");
	assert_string_equal(m.partitions[0].cmdline, "x");
	/* A comment can leave a key with no value. */
	expect_error("pool_mb = # none\n",
		     "hv/hv.conf:1: pool_mb: missing value");
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_error("log_level = info\n\npool_size = 64\n",
		     "hv/hv.conf:3: unknown key 'pool_size'");
	expect_error("[partition a]\nimage = a\nram = 4\n",
		     "hv/hv.conf:3: unknown key 'ram'");
	expect_error("Pool_MB = 64\n", "hv/hv.conf:1: unknown key 'Pool_MB'");
	expect_error("[partition a]\nimage = a\npool_mb = 64\n",
		     "hv/hv.conf:3: 'pool_mb' is a global key: put it before the first [partition] section");
	expect_error("image = a.elf\n",
		     "hv/hv.conf:1: 'image' belongs in a [partition NAME] section");
}

static void test_numbers(void **state)
{
	struct hv_manifest m;

	(void)state;
	expect_error("log_level = warn\npool_mb = 12x\n",
		     "hv/hv.conf:2: pool_mb: '12x' is not a number");
	expect_error("pool_mb = -8\n",
		     "hv/hv.conf:1: pool_mb: '-8' is not a number");
	expect_error("pool_mb = 0x10\n",
		     "hv/hv.conf:1: pool_mb: '0x10' is not a number");
	expect_error("pool_mb = 1 6\n",
		     "hv/hv.conf:1: pool_mb: '1 6' is not a number");
	expect_error("\npool_mb = 4\n",
		     "hv/hv.conf:2: pool_mb: 4 is out of range (8..65536)");
	expect_error("pool_mb = 65537\n",
		     "hv/hv.conf:1: pool_mb: 65537 is out of range (8..65536)");
	expect_error("pool_mb = 4294967296\n",
		     "hv/hv.conf:1: pool_mb: 4294967296 is out of range (8..65536)");
	expect_error("pool_mb = 99999999999999999999999\n",
		     "hv/hv.conf:1: pool_mb: 99999999999999999999999 is out of range (8..65536)");
	expect_error("[partition a]\nimage = a\nram_mb = 0\n",
		     "hv/hv.conf:3: ram_mb: 0 is out of range (1..65536)");

	assert_int_equal(parse("pool_mb = 8\n", &m), 0);
	assert_int_equal(m.pool_mb, 8);
	assert_int_equal(parse("pool_mb = 0065536\n", &m), 0);
	assert_int_equal(m.pool_mb, 65536);
	assert_int_equal(parse("[partition a]\nimage=a\nparent=yes\n"
			       "ram_mb=65536\n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].ram_mb, 65536);
	assert_int_equal(parse("[partition a]\nimage=a\nparent=yes\nram_mb=1\n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].ram_mb, 1);
}

static void test_words(void **state)
{
	static const char *const levels[] = { "error", "warn", "info",
					      "debug" };
	struct hv_manifest m;
	char text[64];
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "log_level = %s\n", levels[i]);
		assert_int_equal(parse(text, &m), 0);
		assert_int_equal(m.log_level, i);
		assert_string_equal(manifest_log_level_name(i), levels[i]);
	}
	assert_string_equal(manifest_log_level_name(4), "?");
	assert_string_equal(manifest_log_level_name(UINT32_MAX), "?");
	expect_error("log_level = verbose\n",
		     "hv/hv.conf:1: log_level: 'verbose' is not one of error, warn, info, debug");
	expect_error("log_level = INFO\n",
		     "hv/hv.conf:1: log_level: 'INFO' is not one of error, warn, info, debug");

	assert_int_equal(parse("interactive = no\n", &m), 0);
	assert_int_equal(m.interactive, 0);
	assert_int_equal(parse("interactive = yes\n", &m), 0);
	assert_int_equal(m.interactive, 1);
	expect_error("interactive = true\n",
		     "hv/hv.conf:1: interactive: 'true' is not yes or no");
	assert_int_equal(parse("entry_check = no\nentry_record = yes\n", &m), 0);
	assert_int_equal(m.entry_check, 0);
	assert_int_equal(m.entry_record, 1);
	assert_int_equal(parse("entry_check = yes\n", &m), 0);
	assert_int_equal(m.entry_check, 1);
	assert_int_equal(m.entry_record, 0);
	expect_error("entry_check = off\n",
		     "hv/hv.conf:1: entry_check: 'off' is not yes or no");
	expect_error("[partition a]\nimage = a\nentry_record = yes\n",
		     "hv/hv.conf:3: 'entry_record' is a global key: put it before the first [partition] section");
	expect_error("[partition a]\nimage = a\nparent = 1\n",
		     "hv/hv.conf:3: parent: '1' is not yes or no");
}

static void test_syntax(void **state)
{
	(void)state;
	expect_error("pool_mb = 8\n\nlog_level\n\n\n",
		     "hv/hv.conf:3: expected 'key = value'");
	expect_error("= 8\n", "hv/hv.conf:1: expected 'key = value'");
	expect_error("pool_mb =\n", "hv/hv.conf:1: pool_mb: missing value");
	expect_error("[partition a]\nimage =   \n",
		     "hv/hv.conf:2: image: missing value");
	expect_error("[partition a\n",
		     "hv/hv.conf:1: expected '[partition NAME]'");
	expect_error("[partition]\n",
		     "hv/hv.conf:1: expected '[partition NAME]'");
	expect_error("[]\n", "hv/hv.conf:1: expected '[partition NAME]'");
	expect_error("[\n", "hv/hv.conf:1: expected '[partition NAME]'");
	expect_error("[device a]\n",
		     "hv/hv.conf:1: unknown section type 'device'");
	expect_error("[Partition a]\n",
		     "hv/hv.conf:1: unknown section type 'Partition'");
}

static void test_names(void **state)
{
	struct hv_manifest m;
	char text[128];

	(void)state;
	expect_error("[partition a.b]\n",
		     "hv/hv.conf:1: partition name 'a.b' is not 1..31 characters of A-Z a-z 0-9 _ -");
	expect_error("[partition a b]\n",
		     "hv/hv.conf:1: partition name 'a b' is not 1..31 characters of A-Z a-z 0-9 _ -");
	snprintf(text, sizeof(text), "[partition %s]\nimage = x\nparent = yes\n",
		 "abcdefghijklmnopqrstuvwxyz01234");
	assert_int_equal(parse(text, &m), 0);
	assert_string_equal(m.partitions[0].name,
			    "abcdefghijklmnopqrstuvwxyz01234");
	snprintf(text, sizeof(text), "[partition %s]\nimage = x\n",
		 "abcdefghijklmnopqrstuvwxyz012345");
	expect_error(text,
		     "hv/hv.conf:1: partition name 'abcdefghijklmnopqrstuvwxyz012345' is not 1..31 characters of A-Z a-z 0-9 _ -");
}

static void test_partitions(void **state)
{
	struct hv_manifest m;
	char text[1024];
	size_t n = 0;
	unsigned int i;

	(void)state;
	expect_error("[partition a]\nimage = a\n\n[partition b]\nimage = b\n"
		     "\n[partition a]\nimage = c\n",
		     "hv/hv.conf:7: duplicate partition 'a'");
	expect_error("[partition a]\nimage = a\nparent = yes\n"
		     "[partition b]\nimage = b\nparent = yes\n",
		     "hv/hv.conf: two partitions marked parent ('a' and 'b')");
	expect_error("[partition a]\nimage = a\n"
		     "[partition b]\nram_mb = 4\n"
		     "[partition c]\nimage = c\n",
		     "hv/hv.conf:3: partition 'b' has no image");
	expect_error("[partition a]\nimage = a\n[partition b]\nimage = b\n",
		     "hv/hv.conf: no partition is marked parent = yes (exactly one must be)");

	for (i = 0; i < HV_MANIFEST_MAX_PARTITIONS; i++)
		n += snprintf(text + n, sizeof(text) - n,
			      "[partition p%u]\nimage = p%u.elf\nparent = %s\n",
			      i, i, i ? "no" : "yes");
	assert_int_equal(parse(text, &m), 0);
	assert_int_equal(m.partition_count, HV_MANIFEST_MAX_PARTITIONS);
	assert_string_equal(m.partitions[7].name, "p7");
	assert_string_equal(m.partitions[7].image, "p7.elf");
	snprintf(text + n, sizeof(text) - n, "[partition p8]\nimage = x\n");
	expect_error(text, "hv/hv.conf:25: more than 8 partitions");
}

/* initrd and on_reboot: pc partitions only; restart by default. */
static void test_linux_keys(void **state)
{
	struct hv_manifest m;

	(void)state;
	assert_int_equal(parse("[partition a]\nimage = k\nparent = yes\n"
			       "[partition l]\nimage = hv/linux/vmlinux.lz4\nplatform = pc\n"
			       "initrd = hv/linux/initrd\non_reboot = stop\n"
			       "[partition r]\nimage = v\nplatform = pc\n",
			       &m),
			 0);
	assert_string_equal(m.partitions[1].initrd, "hv/linux/initrd");
	assert_int_equal(m.partitions[1].on_reboot, HV_ON_REBOOT_STOP);
	assert_string_equal(m.partitions[2].initrd, "");
	assert_int_equal(m.partitions[2].on_reboot, HV_ON_REBOOT_RESTART);
	expect_error("[partition a]\nimage = k\nparent = yes\nplatform = pc\n"
		     "on_reboot = again\n",
		     "hv/hv.conf:5: on_reboot: 'again' is not one of restart, stop");
	expect_error("[partition a]\nimage = k\nparent = yes\ninitrd = i\n",
		     "hv/hv.conf:1: partition 'a': initrd needs platform = pc");
	expect_error("[partition a]\nimage = k\nparent = yes\non_reboot = stop\n",
		     "hv/hv.conf:4: partition 'a': on_reboot needs platform = pc");
	/* restart is the default's value, and refused all the same. */
	expect_error("[partition a]\nimage = k\nparent = yes\n"
		     "[partition b]\nimage = k\nstart = manual\non_reboot = restart\n",
		     "hv/hv.conf:7: partition 'b': on_reboot needs platform = pc");
}

/* platform: hv by default, pc on request, nothing else. */
static void test_platform(void **state)
{
	struct hv_manifest m;

	(void)state;
	assert_int_equal(parse("[partition a]\nimage = k\nparent = yes\n"
			       "[partition b]\nimage = m.elf\nplatform = pc\n"
			       "[partition c]\nimage = k\nplatform = hv\n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].platform, HV_PLATFORM_HV);
	assert_int_equal(m.partitions[1].platform, HV_PLATFORM_PC);
	assert_int_equal(m.partitions[2].platform, HV_PLATFORM_HV);
	/* The parent may be a PC partition too: its end ends the run. */
	assert_int_equal(parse("[partition a]\nimage = k\nparent = yes\n"
			       "platform = pc\n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].platform, HV_PLATFORM_PC);
	expect_error("[partition a]\nimage = k\nparent = yes\nplatform = PC\n",
		     "hv/hv.conf:4: platform: 'PC' is not one of hv, pc");
	expect_error("[partition a]\nimage = k\nparent = yes\nplatform =\n",
		     "hv/hv.conf:4: platform: missing value");
	expect_error("[partition a]\nimage = k\nplatform = pc\nplatform = hv\n",
		     "hv/hv.conf:4: duplicate key 'platform'");
	expect_error("platform = pc\n",
		     "hv/hv.conf:1: 'platform' belongs in a [partition NAME] section");
}

static void test_ports(void **state)
{
	struct hv_manifest m;

	(void)state;
	assert_int_equal(parse("[partition a]\nimage = k\nparent = yes\n"
			       "ports = 0x2f8-0x2ff 96 0X3E8-0x3eF\n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].port_range_count, 3);
	assert_int_equal(m.partitions[0].ports[0].first, 0x2f8);
	assert_int_equal(m.partitions[0].ports[0].last, 0x2ff);
	assert_int_equal(m.partitions[0].ports[1].first, 96);
	assert_int_equal(m.partitions[0].ports[1].last, 96);
	assert_int_equal(m.partitions[0].ports[2].first, 0x3e8);
	assert_int_equal(m.partitions[0].ports[2].last, 0x3ef);
	assert_int_equal(m.partitions[0].ports_line, 4);

	expect_error("[partition a]\nimage = k\nparent = yes\nports = 0x2g8\n",
		     "hv/hv.conf:4: ports: '0x2g8' is not a port or range of ports (0 to 0xffff, e.g. 0x2f8-0x2ff)");
	expect_error("[partition a]\nimage = k\nparent = yes\nports = 0x10000\n",
		     "hv/hv.conf:4: ports: '0x10000' is not a port or range of ports (0 to 0xffff, e.g. 0x2f8-0x2ff)");
	expect_error("[partition a]\nimage = k\nparent = yes\nports = 9-8\n",
		     "hv/hv.conf:4: ports: '9-8' is not a port or range of ports (0 to 0xffff, e.g. 0x2f8-0x2ff)");
	expect_error("[partition a]\nimage = k\nparent = yes\nports = 1- 2\n",
		     "hv/hv.conf:4: ports: '1-' is not a port or range of ports (0 to 0xffff, e.g. 0x2f8-0x2ff)");
	expect_error("[partition a]\nimage = k\nparent = yes\n"
		     "ports = 1 2 3 4 5 6 7 8 9\n",
		     "hv/hv.conf:4: ports: more than 8 ranges");
	/* hv's own devices are never granted. */
	expect_error("[partition a]\nimage = k\nparent = yes\n"
		     "ports = 0x3f0-0x3f8\n",
		     "hv/hv.conf:4: ports: 0x3f0-0x3f8 overlaps hv's COM1 (0x3f8-0x3ff)");
	expect_error("[partition a]\nimage = k\nparent = yes\nports = 0xcfc\n",
		     "hv/hv.conf:4: ports: 0xcfc-0xcfc overlaps the PCI configuration ports (0xcf8-0xcff)");
	expect_error("[partition a]\nimage = k\nparent = yes\nports = 0x43\n",
		     "hv/hv.conf:4: ports: 0x43-0x43 overlaps the PIT (0x40-0x43)");
	/* Nor one port to two partitions. */
	expect_error("[partition a]\nimage = k\nparent = yes\n"
		     "ports = 0x2f8-0x2ff\n"
		     "[partition b]\nimage = k\nports = 0x300 0x2fc\n",
		     "hv/hv.conf:7: ports: 0x2fc-0x2fc of partition 'b' overlaps 0x2f8-0x2ff of partition 'a'");
}

static void test_slice(void **state)
{
	struct hv_manifest m;

	(void)state;
	assert_int_equal(parse("[partition a]\nimage = k\nparent = yes\n", &m),
			 0);
	assert_int_equal(m.partitions[0].vcpus, 1);
	assert_int_equal(parse("[partition a]\nimage = k\nparent = yes\n"
			       "vcpus = 4\n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].vcpus, 4);
	expect_error("[partition a]\nimage = k\nparent = yes\nvcpus = 5\n",
		     "hv/hv.conf:4: vcpus: 5 is out of range (1..4)");

	/* MSR read grants. */
	assert_int_equal(parse("[partition a]\nimage = k\nparent = yes\n"
			       "msrs = 0x200 0xC0000080 0x4b564d99\n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].msr_count, 3);
	assert_int_equal(m.partitions[0].msrs[1], 0xc0000080);
	assert_int_equal(m.partitions[0].msrs[2], 0x4b564d99);
	expect_error("[partition a]\nimage = k\nparent = yes\nmsrs = 512\n",
		     "hv/hv.conf:4: msrs: '512' is not an MSR number (0x followed by 1 to 8 hex digits)");
	expect_error("[partition a]\nimage = k\nparent = yes\n"
		     "msrs = 0x100000000\n",
		     "hv/hv.conf:4: msrs: '0x100000000' is not an MSR number (0x followed by 1 to 8 hex digits)");
	expect_error("[partition a]\nimage = k\nparent = yes\n"
		     "msrs = 0x1 0x2 0x3 0x4 0x5 0x6 0x7 0x8 0x9\n",
		     "hv/hv.conf:4: msrs: more than 8 MSRs");

	/* Pinning: one CPU per vCPU, commas or blanks between. */
	assert_int_equal(parse("[partition a]\nimage = k\nparent = yes\n"
			       "vcpus = 3\ncpus = 1,2 15\n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].cpu_count, 3);
	assert_int_equal(m.partitions[0].cpus[0], 1);
	assert_int_equal(m.partitions[0].cpus[1], 2);
	assert_int_equal(m.partitions[0].cpus[2], 15);
	assert_int_equal(parse("[partition a]\nimage = k\nparent = yes\n", &m),
			 0);
	assert_int_equal(m.partitions[0].cpu_count, 0);
	expect_error("[partition a]\nimage = k\nparent = yes\ncpus = 16\n",
		     "hv/hv.conf:4: cpus: '16' is not a CPU number (0 to 15)");
	expect_error("[partition a]\nimage = k\nparent = yes\ncpus = 1x\n",
		     "hv/hv.conf:4: cpus: '1x' is not a CPU number (0 to 15)");
	expect_error("[partition a]\nimage = k\nparent = yes\ncpus = 100\n",
		     "hv/hv.conf:4: cpus: '100' is not a CPU number (0 to 15)");
	expect_error("[partition a]\nimage = k\nparent = yes\ncpus = ,\n",
		     "hv/hv.conf:4: cpus: no CPU given");
	expect_error("[partition a]\nimage = k\nparent = yes\nvcpus = 4\n"
		     "cpus = 0 1 2 3 0\n",
		     "hv/hv.conf:5: cpus: more than 4 CPUs (one per vCPU)");
	expect_error("[partition a]\nimage = k\nparent = yes\nvcpus = 2\n"
		     "cpus = 1\n",
		     "hv/hv.conf:5: partition 'a': cpus names 1 CPU(s) but the partition has 2 vCPU(s): pin each vCPU to one CPU");

	/* How many CPUs hv may use. */
	assert_int_equal(parse("", &m), 0);
	assert_int_equal(m.max_cpus, HV_MAX_RUN_CPUS);
	assert_int_equal(parse("max_cpus = 1\n", &m), 0);
	assert_int_equal(m.max_cpus, 1);
	expect_error("max_cpus = 0\n",
		     "hv/hv.conf:1: max_cpus: 0 is out of range (1..16)");
	expect_error("max_cpus = 17\n",
		     "hv/hv.conf:1: max_cpus: 17 is out of range (1..16)");

	/* When a partition is created: by hv, or by the parent. */
	assert_int_equal(parse("[partition a]\nimage = k\nparent = yes\n"
			       "[partition b]\nimage = k\nstart = parent\n"
			       "[partition c]\nimage = k\nstart = manual\n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].start, HV_MANIFEST_START_BOOT);
	assert_int_equal(m.partitions[1].start, HV_MANIFEST_START_PARENT);
	assert_int_equal(m.partitions[2].start, HV_MANIFEST_START_MANUAL);
	expect_error("[partition a]\nimage = k\nparent = yes\nstart = later\n",
		     "hv/hv.conf:4: start: 'later' is not one of boot, parent, manual");
	expect_error("[partition a]\nimage = k\nparent = yes\nstart = manual\n",
		     "hv/hv.conf:1: partition 'a' is the parent: it must start at boot");
	assert_int_equal(parse("slice_ms = 1000\n", &m), 0);
	assert_int_equal(m.slice_ms, 1000);
	expect_error("slice_ms = 0\n",
		     "hv/hv.conf:1: slice_ms: 0 is out of range (1..1000)");
	expect_error("pool_mb = 8\nslice_ms = 1001\n",
		     "hv/hv.conf:2: slice_ms: 1001 is out of range (1..1000)");
}

static void test_programs(void **state)
{
	struct hv_manifest m;
	char text[2048];
	size_t n;
	unsigned int i;

	(void)state;
	assert_int_equal(parse("[partition a]\nimage = k.elf\nparent = yes\n"
			       "programs =  hv/p/one.elf\thv/p/two.elf  \n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].program_count, 2);
	assert_string_equal(m.partitions[0].programs[0], "hv/p/one.elf");
	assert_string_equal(m.partitions[0].programs[1], "hv/p/two.elf");

	/* An empty list is allowed: a kernel with nothing to run. */
	assert_int_equal(parse("[partition a]\nimage = k\nparent = yes\n"
			       "programs =\n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].program_count, 0);

	n = (size_t)snprintf(text, sizeof(text), "[partition a]\nimage = k\nprograms =");
	for (i = 0; i <= HV_MANIFEST_MAX_PROGRAMS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " p%u", i);
	snprintf(text + n, sizeof(text) - n, "\n");
	expect_error(text, "hv/hv.conf:3: programs: more than 8 paths");

	n = (size_t)snprintf(text, sizeof(text),
			     "[partition a]\nimage = k\nprograms = ok ");
	for (i = 0; i < HV_PATH_MAX; i++)
		text[n++] = 'x';
	text[n++] = '\n';
	text[n] = '\0';
	expect_error(text,
		     "hv/hv.conf:3: programs: path 2 is longer than 63 characters");
	expect_error("programs = a\n",
		     "hv/hv.conf:1: 'programs' belongs in a [partition NAME] section");
}

static void test_duplicate_keys(void **state)
{
	struct hv_manifest m;

	(void)state;
	expect_error("pool_mb = 8\npool_mb = 8\n",
		     "hv/hv.conf:2: duplicate key 'pool_mb'");
	expect_error("[partition a]\nimage = a\nimage = b\n",
		     "hv/hv.conf:3: duplicate key 'image'");
	/* The same key in two partitions is not a duplicate. */
	assert_int_equal(parse("[partition a]\nimage = a\nram_mb = 2\n"
			       "parent = yes\n"
			       "[partition b]\nimage = b\nram_mb = 3\n",
			       &m),
			 0);
	assert_int_equal(m.partitions[0].ram_mb, 2);
	assert_int_equal(m.partitions[1].ram_mb, 3);
}

static void test_string_lengths(void **state)
{
	struct hv_manifest m;
	char text[512], msg[512];
	char image[HV_PATH_MAX + 1], cmdline[HV_CMDLINE_MAX + 1];

	(void)state;
	memset(image, 'i', HV_PATH_MAX - 1);
	image[HV_PATH_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "[partition a]\nparent = yes\nimage = %s\n",
		 image);
	assert_int_equal(parse(text, &m), 0);
	assert_string_equal(m.partitions[0].image, image);
	strcat(image, "i");
	snprintf(text, sizeof(text), "[partition a]\nimage = %s\n", image);
	expect_error(text, "hv/hv.conf:2: image: longer than 63 characters");

	memset(cmdline, 'c', HV_CMDLINE_MAX - 1);
	cmdline[HV_CMDLINE_MAX - 1] = '\0';
	snprintf(text, sizeof(text),
		 "[partition a]\nimage=x\nparent=yes\ncmdline = %s\n", cmdline);
	assert_int_equal(parse(text, &m), 0);
	assert_string_equal(m.partitions[0].cmdline, cmdline);
	strcat(cmdline, "c");
	snprintf(text, sizeof(text), "[partition a]\nimage=x\ncmdline = %s\n",
		 cmdline);
	snprintf(msg, sizeof(msg),
		 "hv/hv.conf:3: cmdline: longer than %u characters",
		 HV_CMDLINE_MAX - 1);
	expect_error(text, msg);
}

static void test_line_length(void **state)
{
	struct hv_manifest m;
	char text[600];
	size_t n;

	(void)state;
	/* 255 characters: a comment line of exactly the limit. */
	n = snprintf(text, sizeof(text), "pool_mb = 9\n");
	memset(text + n, '#', 255);
	strcpy(text + n + 255, "\r\n");
	assert_int_equal(parse(text, &m), 0);
	assert_int_equal(m.pool_mb, 9);

	n = snprintf(text, sizeof(text), "pool_mb = 9\n\n\n");
	memset(text + n, '#', 256);
	strcpy(text + n + 256, "\n");
	expect_error(text, "hv/hv.conf:4: line is longer than 255 characters");
	/* The same without the final newline. */
	text[strlen(text) - 1] = '\0';
	expect_error(text, "hv/hv.conf:4: line is longer than 255 characters");
}

static void test_bytes(void **state)
{
	struct hv_manifest m;
	static const char nul[] = "pool_mb = 8\0\n";
	static const char high[] = "# caf\xc3\xa9\n";

	(void)state;
	assert_int_equal(parse_n(nul, sizeof(nul) - 1, &m), -1);
	assert_string_equal(err,
			    "hv/hv.conf:1: byte 0x00 is not printable text");
	assert_int_equal(parse_n("\n\n\x01", 3, &m), -1);
	assert_string_equal(err,
			    "hv/hv.conf:3: byte 0x01 is not printable text");
	expect_error(high, "hv/hv.conf:1: byte 0xc3 is not printable text");
	expect_error("pool_mb = 8\x7f\n",
		     "hv/hv.conf:1: byte 0x7f is not printable text");
	/* Tabs are blanks, not stray bytes. */
	assert_int_equal(parse("\t\tpool_mb\t=\t10\t\n", &m), 0);
	assert_int_equal(m.pool_mb, 10);
	/* The line length is judged before the bytes. */
	{
		char text[300];

		memset(text, '\x01', 299);
		text[299] = '\0';
		expect_error(text,
			     "hv/hv.conf:1: line is longer than 255 characters");
	}
}

static void test_partial_result(void **state)
{
	struct hv_manifest m;

	(void)state;
	assert_int_equal(parse("pool_mb = 100\nlog_level = warn\n"
			       "[partition a]\nimage = a.elf\nbogus = 1\n"
			       "interactive = yes\n",
			       &m),
			 -1);
	assert_string_equal(err, "hv/hv.conf:5: unknown key 'bogus'");
	assert_int_equal(m.pool_mb, 100);
	assert_int_equal(m.log_level, HV_LOG_WARN);
	assert_int_equal(m.interactive, 0);
	assert_int_equal(m.partition_count, 1);
	assert_string_equal(m.partitions[0].image, "a.elf");
}

static void test_error_buffer(void **state)
{
	struct hv_manifest m;
	char small[12];

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(manifest_parse("zzz = 1\n", 8, "hv/hv.conf", &m,
					small, sizeof(small)),
			 -1);
	assert_string_equal(small, "hv/hv.conf:");
	/* Too small even for the file name. */
	memset(small, 'x', sizeof(small));
	assert_int_equal(manifest_parse("zzz = 1\n", 8, "a/very/long/name", &m,
					small, 4),
			 -1);
	assert_string_equal(small, "a/v");
	assert_int_equal(manifest_parse("zzz = 1\n", 8, "f", &m, NULL, 0), -1);
	/* Another file name shows up in the message. */
	assert_int_equal(manifest_parse("zzz = 1\n", 8, "EFI/hv/test.conf", &m,
					err, sizeof(err)),
			 -1);
	assert_string_equal(err, "EFI/hv/test.conf:1: unknown key 'zzz'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_partitions),
		cmocka_unit_test(test_programs),
		cmocka_unit_test(test_slice),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_platform),
		cmocka_unit_test(test_linux_keys),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_string_lengths),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_partial_result),
		cmocka_unit_test(test_error_buffer),
	};

	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
