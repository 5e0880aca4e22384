// SPDX-License-Identifier: MIT
/*
 * The manifest's values that are numbers or lists: paths, port ranges,
 * MSRs and CPUs. Each item is checked on its own and against the list's
 * bound, and the first problem is reported with the key and the item.
 */
#include "lib/manifest_int.h"

#include "lib/fmt.h"
#include "lib/string.h"

/* Decimal only; a value that does not fit 32 bits is out of range. */
int parse_uint(const char *s, uint32_t *out, bool *too_big)
{
	uint64_t v = 0;

	*too_big = false;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX) {
			*too_big = true;
			v = UINT32_MAX;
		}
	}
	*out = (uint32_t)v;
	return 0;
}

/* Space-separated paths into the partition's programs[]. */
int set_path_list(struct parser *p, const struct key *k,
			 const char *val)
{
	struct hv_manifest_partition *part = p->part;

	part->program_count = 0;
	while (*val) {
		size_t n = 0;

		while (is_space(*val))
			val++;
		if (!*val)
			break;
		while (val[n] && !is_space(val[n]))
			n++;
		if (part->program_count == k->min)
			return error_at(p, p->line, "%s: more than %u paths",
					k->name, k->min);
		if (n >= k->max)
			return error_at(p, p->line,
					"%s: path %u is longer than %u characters",
					k->name, part->program_count + 1,
					k->max - 1);
		memcpy(part->programs[part->program_count], val, n);
		part->programs[part->program_count][n] = '\0';
		part->program_count++;
		val += n;
	}
	return 0;
}

/*
 * The next space-separated item of a list value: copied into item (cut
 * short if it does not fit, which the caller sees from the length), with
 * *val moved past it. Returns its full length, 0 at the end.
 */
static size_t next_item(const char **val, char *item, size_t size)
{
	const char *v = *val;
	size_t n = 0;

	while (is_space(*v))
		v++;
	while (v[n] && !is_space(v[n]))
		n++;
	fmt_snprintf(item, size, "%s", v);
	if (n < size)
		item[n] = '\0';
	*val = v + n;
	return n;
}

/* A port number: decimal, or hexadecimal after 0x. */
static int parse_port(const char **s, uint32_t *out)
{
	const char *c = *s;
	unsigned base = 10;
	uint32_t v = 0;
	int digits = 0;

	if (c[0] == '0' && (c[1] == 'x' || c[1] == 'X')) {
		base = 16;
		c += 2;
	}
	for (;; c++, digits++) {
		unsigned d;

		if (*c >= '0' && *c <= '9')
			d = (unsigned)(*c - '0');
		else if (base == 16 && *c >= 'a' && *c <= 'f')
			d = (unsigned)(*c - 'a' + 10);
		else if (base == 16 && *c >= 'A' && *c <= 'F')
			d = (unsigned)(*c - 'A' + 10);
		else
			break;
		v = v * base + d;
		if (v > 0xffff)
			return -1;
	}
	if (!digits)
		return -1;
	*s = c;
	*out = v;
	return 0;
}

/* "0x2f8-0x2ff 0x60": ranges and single ports, space separated. */
int set_port_list(struct parser *p, const struct key *k,
			 const char *val)
{
	struct hv_manifest_partition *part = p->part;

	part->port_range_count = 0;
	part->ports_line = p->line;
	for (;;) {
		char item[24];
		const char *c = item;
		uint32_t first, last;
		size_t n = next_item(&val, item, sizeof(item));

		if (!n)
			break;
		if (n >= sizeof(item) || parse_port(&c, &first))
			goto bad;
		last = first;
		if (*c == '-') {
			c++;
			if (parse_port(&c, &last) || last < first)
				goto bad;
		}
		if (*c)
			goto bad;
		if (part->port_range_count == k->min)
			return error_at(p, p->line, "%s: more than %u ranges",
					k->name, k->min);
		part->ports[part->port_range_count].first = (uint16_t)first;
		part->ports[part->port_range_count].last = (uint16_t)last;
		part->port_range_count++;
		continue;
bad:
		return error_at(p, p->line,
				"%s: '%s' is not a port or range of ports (0 to 0xffff, e.g. 0x2f8-0x2ff)",
				k->name, item);
	}
	return 0;
}

/* "0x10 0xce": MSR numbers in hexadecimal, space separated. */
int set_msr_list(struct parser *p, const struct key *k, const char *val)
{
	struct hv_manifest_partition *part = p->part;

	part->msr_count = 0;
	for (;;) {
		char item[24];
		uint64_t v = 0;
		size_t n = next_item(&val, item, sizeof(item)), i;

		if (!n)
			break;
		/* 0x and one to eight hex digits: MSR numbers are 32 bits. */
		if (n < 3 || n > 10 || item[0] != '0' || item[1] != 'x')
			goto bad;
		for (i = 2; i < n; i++) {
			char c = item[i];

			if (c >= '0' && c <= '9')
				v = v * 16 + (uint64_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (uint64_t)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v = v * 16 + (uint64_t)(c - 'A' + 10);
			else
				goto bad;
		}
		if (part->msr_count == k->min)
			return error_at(p, p->line, "%s: more than %u MSRs",
					k->name, k->min);
		part->msrs[part->msr_count++] = (uint32_t)v;
		continue;
bad:
		return error_at(p, p->line,
				"%s: '%s' is not an MSR number (0x followed by 1 to 8 hex digits)",
				k->name, item);
	}
	return 0;
}

/*
 * "1,2" or "1 2": the CPU each vCPU is pinned to, vCPU 0 first, as
 * decimal CPU numbers (0 is the boot CPU).
 */
int set_cpu_list(struct parser *p, const struct key *k,
			const char *val)
{
	struct hv_manifest_partition *part = p->part;

	part->cpu_count = 0;
	part->cpus_line = p->line;
	for (;;) {
		char item[16];
		size_t n = 0;
		uint32_t cpu = 0;

		while (is_space(*val) || *val == ',')
			val++;
		if (!*val)
			break;
		while (val[n] && !is_space(val[n]) && val[n] != ',')
			n++;
		memcpy(item, val, n < sizeof(item) ? n : sizeof(item) - 1);
		item[n < sizeof(item) ? n : sizeof(item) - 1] = '\0';
		val += n;
		if (n > 2)
			goto bad;
		for (size_t i = 0; i < n; i++) {
			if (item[i] < '0' || item[i] > '9')
				goto bad;
			cpu = cpu * 10 + (uint32_t)(item[i] - '0');
		}
		if (cpu > k->max)
			goto bad;
		if (part->cpu_count == k->min)
			return error_at(p, p->line,
					"%s: more than %u CPUs (one per vCPU)",
					k->name, k->min);
		part->cpus[part->cpu_count++] = cpu;
		continue;
bad:
		return error_at(p, p->line,
				"%s: '%s' is not a CPU number (0 to %u)",
				k->name, item, k->max);
	}
	if (!part->cpu_count)
		return error_at(p, p->line, "%s: no CPU given", k->name);
	return 0;
}
