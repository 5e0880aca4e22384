// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for lib/manifest.c. Besides the sanitizers' checks, it
 * holds every accepted manifest to the promises docs/manifest.md makes, and
 * every refusal to the promise of one message naming the file and a line.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/manifest.h"

#define FILE_NAME "hv/hv.conf"

/* abort() rather than assert(): these checks must survive -DNDEBUG. */
#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The string fits its array, terminator included, holds only the bytes a
 * manifest line may hold, and has no blank at either end.
 */
static void check_string(const char *s, size_t size, bool empty_ok)
{
	size_t n = strnlen(s, size), i;

	CHECK(n < size);
	CHECK(empty_ok || n > 0);
	for (i = 0; i < n; i++)
		CHECK(s[i] == '\t' || (s[i] >= 0x20 && s[i] <= 0x7e));
	CHECK(!n || (!is_blank(s[0]) && !is_blank(s[n - 1])));
}

static void check_name(const char *s)
{
	size_t i;

	check_string(s, HV_NAME_MAX, false);
	for (i = 0; s[i]; i++)
		CHECK((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-');
}

/* The ports docs/manifest.md says are never granted. */
static const struct hv_port_range never_granted[] = {
	{ 0x20, 0x21 }, { 0x40, 0x43 }, { 0xa0, 0xa1 },
	{ 0x3f8, 0x3ff }, { 0xcf8, 0xcff },
};

#define NEVER_GRANTED (sizeof(never_granted) / sizeof(never_granted[0]))

static bool overlap(struct hv_port_range a, struct hv_port_range b)
{
	return a.first <= b.last && b.first <= a.last;
}

static void check_ports(const struct hv_manifest *m, unsigned int i)
{
	const struct hv_manifest_partition *p = &m->partitions[i];
	unsigned int r, d, j, q;

	CHECK(p->port_range_count <= HV_MANIFEST_MAX_PORT_RANGES);
	CHECK(!p->port_range_count || p->ports_line > 0);
	for (r = 0; r < p->port_range_count; r++) {
		struct hv_port_range g = p->ports[r];

		CHECK(g.first <= g.last);
		for (d = 0; d < NEVER_GRANTED; d++)
			CHECK(!overlap(g, never_granted[d]));
		for (j = 0; j < i; j++)
			for (q = 0; q < m->partitions[j].port_range_count; q++)
				CHECK(!overlap(g, m->partitions[j].ports[q]));
	}
}

static void check_accepted(const struct hv_manifest *m)
{
	unsigned int i, j, parents = 0;

	CHECK(m->log_level <= HV_LOG_DEBUG);
	CHECK(strcmp(manifest_log_level_name(m->log_level), "?"));
	CHECK(m->pool_mb >= HV_POOL_MB_MIN && m->pool_mb <= HV_POOL_MB_MAX);
	CHECK(m->interactive <= 1);
	CHECK(m->slice_ms >= HV_SLICE_MS_MIN && m->slice_ms <= HV_SLICE_MS_MAX);
	CHECK(m->partition_count <= HV_MANIFEST_MAX_PARTITIONS);
	for (i = 0; i < m->partition_count; i++) {
		const struct hv_manifest_partition *p = &m->partitions[i];

		check_name(p->name);
		check_string(p->image, sizeof(p->image), false);
		check_string(p->cmdline, sizeof(p->cmdline), true);
		CHECK(p->ram_mb >= MANIFEST_RAM_MB_MIN &&
		      p->ram_mb <= MANIFEST_RAM_MB_MAX);
		CHECK(p->vcpus >= 1 && p->vcpus <= HV_MAX_VCPUS);
		CHECK(p->start <= HV_MANIFEST_START_MANUAL);
		CHECK(!p->parent || p->start == HV_MANIFEST_START_BOOT);
		CHECK(p->msr_count <= HV_MANIFEST_MAX_MSRS);
		CHECK(p->parent <= 1);
		parents += p->parent;
		CHECK(p->program_count <= HV_MANIFEST_MAX_PROGRAMS);
		for (j = 0; j < p->program_count; j++) {
			check_string(p->programs[j], sizeof(p->programs[j]),
				     false);
			/* The list is split at blanks, so none survive. */
			CHECK(!strpbrk(p->programs[j], " \t"));
		}
		for (j = 0; j < i; j++)
			CHECK(strcmp(m->partitions[j].name, p->name));
		check_ports(m, i);
	}
	CHECK(m->partition_count ? parents == 1 : parents == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_manifest m, m_small;
	char err[256];
	/*
	 * A second parse with a tiny error buffer of exactly its size, so
	 * that ASan sees any write past a truncated message.
	 */
	const size_t small_len = 12;
	char *small = malloc(small_len);
	int r, r_small;

	CHECK(small);
	memset(err, 'x', sizeof(err));
	r = manifest_parse((const char *)data, size, FILE_NAME, &m, err,
			   sizeof(err));
	r_small = manifest_parse((const char *)data, size, FILE_NAME,
				 &m_small, small, small_len);
	CHECK(r == 0 || r == -1);
	CHECK(r == r_small);
	/* No error buffer at all is allowed too. */
	CHECK(manifest_parse((const char *)data, size, FILE_NAME, &m_small,
			     NULL, 0) == r);
	/* Parsing depends on the text alone, not on the error buffer. */
	CHECK(!memcmp(&m, &m_small, sizeof(m)));
	CHECK(memchr(err, '\0', sizeof(err)));
	CHECK(memchr(small, '\0', small_len));
	if (r == 0) {
		CHECK(err[0] == '\0' && small[0] == '\0');
		check_accepted(&m);
	} else {
		CHECK(!strncmp(err, FILE_NAME ":", strlen(FILE_NAME ":")));
		CHECK(strlen(err) > strlen(FILE_NAME ": "));
		/* The short message is the long one, cut off. */
		CHECK(!strncmp(small, err, small_len - 1));
	}
	free(small);
	return 0;
}
