// SPDX-License-Identifier: MIT
/*
 * The manifest parser. The text comes from a file on the ESP that anyone
 * may have edited, so every byte is checked and the first problem found is
 * reported with its line number; nothing is guessed or silently skipped.
 */
#include "lib/manifest.h"

#include "lib/manifest_int.h"

#include <stdarg.h>

#include "lib/fmt.h"
#include "lib/name.h"
#include "lib/string.h"

static const struct key keys[] = {
	{ "log_level", SCOPE_GLOBAL, TYPE_LOG_LEVEL, false,
	  offsetof(struct hv_manifest, log_level), 0, 0 },
	{ "pool_mb", SCOPE_GLOBAL, TYPE_UINT, false,
	  offsetof(struct hv_manifest, pool_mb), HV_POOL_MB_MIN,
	  HV_POOL_MB_MAX },
	{ "interactive", SCOPE_GLOBAL, TYPE_BOOL, false,
	  offsetof(struct hv_manifest, interactive), 0, 0 },
	{ "slice_ms", SCOPE_GLOBAL, TYPE_UINT, false,
	  offsetof(struct hv_manifest, slice_ms), HV_SLICE_MS_MIN,
	  HV_SLICE_MS_MAX },
	{ "max_cpus", SCOPE_GLOBAL, TYPE_UINT, false,
	  offsetof(struct hv_manifest, max_cpus), 1, HV_MAX_RUN_CPUS },
	{ "entry_check", SCOPE_GLOBAL, TYPE_BOOL, false,
	  offsetof(struct hv_manifest, entry_check), 0, 0 },
	{ "entry_record", SCOPE_GLOBAL, TYPE_BOOL, false,
	  offsetof(struct hv_manifest, entry_record), 0, 0 },
	{ "image", SCOPE_PARTITION, TYPE_STRING, false,
	  offsetof(struct hv_manifest_partition, image), 0, HV_PATH_MAX },
	{ "ram_mb", SCOPE_PARTITION, TYPE_UINT, false,
	  offsetof(struct hv_manifest_partition, ram_mb), MANIFEST_RAM_MB_MIN,
	  MANIFEST_RAM_MB_MAX },
	{ "cmdline", SCOPE_PARTITION, TYPE_STRING, true,
	  offsetof(struct hv_manifest_partition, cmdline), 0, HV_CMDLINE_MAX },
	{ "parent", SCOPE_PARTITION, TYPE_BOOL, false,
	  offsetof(struct hv_manifest_partition, parent), 0, 0 },
	{ "msrs", SCOPE_PARTITION, TYPE_MSR_LIST, false,
	  offsetof(struct hv_manifest_partition, msrs), HV_MANIFEST_MAX_MSRS,
	  0 },
	{ "start", SCOPE_PARTITION, TYPE_START, false,
	  offsetof(struct hv_manifest_partition, start), 0, 0 },
	{ "vcpus", SCOPE_PARTITION, TYPE_UINT, false,
	  offsetof(struct hv_manifest_partition, vcpus), 1, HV_MAX_VCPUS },
	{ "cpus", SCOPE_PARTITION, TYPE_CPU_LIST, false,
	  offsetof(struct hv_manifest_partition, cpus), HV_MAX_VCPUS,
	  HV_MAX_RUN_CPUS - 1 },
	{ "programs", SCOPE_PARTITION, TYPE_PATH_LIST, true,
	  offsetof(struct hv_manifest_partition, programs),
	  HV_MANIFEST_MAX_PROGRAMS, HV_PATH_MAX },
	{ "ports", SCOPE_PARTITION, TYPE_PORT_LIST, false,
	  offsetof(struct hv_manifest_partition, ports),
	  HV_MANIFEST_MAX_PORT_RANGES, 0xffff },
	{ "trace", SCOPE_PARTITION, TYPE_BOOL, false,
	  offsetof(struct hv_manifest_partition, trace), 0, 0 },
	{ "platform", SCOPE_PARTITION, TYPE_PLATFORM, false,
	  offsetof(struct hv_manifest_partition, platform), 0, 0 },
	{ "initrd", SCOPE_PARTITION, TYPE_STRING, false,
	  offsetof(struct hv_manifest_partition, initrd), 0, HV_PATH_MAX },
	{ "on_reboot", SCOPE_PARTITION, TYPE_ON_REBOOT, false,
	  offsetof(struct hv_manifest_partition, on_reboot), 0, 0 },
	{ "emulate_apic_access", SCOPE_PARTITION, TYPE_BOOL, false,
	  offsetof(struct hv_manifest_partition, emulate_apic_access), 0, 0 },
	{ "emulate_apic_registers", SCOPE_PARTITION, TYPE_BOOL, false,
	  offsetof(struct hv_manifest_partition, emulate_apic_registers), 0, 0 },
	{ "watch_eoi", SCOPE_PARTITION, TYPE_UINT, false,
	  offsetof(struct hv_manifest_partition, watch_eoi), 16, 255 },
};

/*
 * Ports hv itself drives or that steer the whole machine: never granted.
 * The power-management block is found by the loader, which checks it.
 */
static const struct {
	struct hv_port_range r;
	const char *what;
} reserved_ports[] = {
	{ { 0x20, 0x21 }, "the master PIC" },
	{ { 0x40, 0x43 }, "the PIT" },
	{ { 0xa0, 0xa1 }, "the slave PIC" },
	{ { 0x3f8, 0x3ff }, "hv's COM1" },
	{ { 0xcf8, 0xcff }, "the PCI configuration ports" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= 32, "seen-key masks are 32 bits wide");

static const char *const level_names[] = {
	[HV_LOG_ERROR] = "error",
	[HV_LOG_WARN] = "warn",
	[HV_LOG_INFO] = "info",
	[HV_LOG_DEBUG] = "debug",
};

#define NLEVELS (sizeof(level_names) / sizeof(level_names[0]))

int error_at(struct parser *p, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return -1;
	if (line)
		n = fmt_snprintf(p->err, p->errlen, "%s:%u: ", p->file, line);
	else
		n = fmt_snprintf(p->err, p->errlen, "%s: ", p->file);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		fmt_vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static char *trim(char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

void manifest_defaults(struct hv_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->log_level = HV_LOG_INFO;
	m->pool_mb = HV_POOL_MB_DEFAULT;
	m->interactive = 0;
	m->slice_ms = HV_SLICE_MS_DEFAULT;
	m->max_cpus = HV_MAX_RUN_CPUS;
	m->entry_check = 1;
	m->entry_record = 0;
	m->partition_count = 0;
}

const char *manifest_log_level_name(uint32_t level)
{
	return level < NLEVELS ? level_names[level] : "?";
}

static bool streq(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && !memcmp(a, b, n);
}

static int parse_section(struct parser *p, char *s)
{
	struct hv_manifest *m = p->m;
	struct hv_manifest_partition *part;
	size_t n = strlen(s);
	unsigned int i;
	char *type, *name;

	if (s[n - 1] != ']')
		return error_at(p, p->line, "expected '[partition NAME]'");
	s[n - 1] = '\0';
	type = trim(s + 1);
	for (name = type; *name && !is_space(*name); name++)
		;
	if (*name)
		*name++ = '\0';
	name = trim(name);
	if (!*type)
		return error_at(p, p->line, "expected '[partition NAME]'");
	if (!streq(type, "partition"))
		return error_at(p, p->line, "unknown section type '%s'", type);
	if (!*name)
		return error_at(p, p->line, "expected '[partition NAME]'");
	if (!hv_name_valid(name))
		return error_at(p, p->line,
				"partition name '%s' is not 1..%u characters of A-Z a-z 0-9 _ -",
				name, HV_NAME_MAX - 1);
	for (i = 0; i < m->partition_count; i++)
		if (streq(m->partitions[i].name, name))
			return error_at(p, p->line, "duplicate partition '%s'",
					name);
	if (m->partition_count == HV_MANIFEST_MAX_PARTITIONS)
		return error_at(p, p->line, "more than %u partitions",
				HV_MANIFEST_MAX_PARTITIONS);

	p->part_line[m->partition_count] = p->line;
	part = &m->partitions[m->partition_count++];
	memset(part, 0, sizeof(*part));
	memcpy(part->name, name, strlen(name) + 1);
	part->ram_mb = MANIFEST_RAM_MB_DEFAULT;
	part->vcpus = 1;
	part->parent = 0;
	p->part = part;
	p->seen_part = 0;
	return 0;
}

static bool ranges_overlap(struct hv_port_range a, struct hv_port_range b)
{
	return a.first <= b.last && b.first <= a.last;
}

/* Grants must not touch hv's devices or another partition's grants. */
static int check_grants(struct parser *p)
{
	const struct hv_manifest *m = p->m;

	for (uint32_t i = 0; i < m->partition_count; i++) {
		const struct hv_manifest_partition *a = &m->partitions[i];

		for (uint32_t r = 0; r < a->port_range_count; r++) {
			struct hv_port_range g = a->ports[r];

			for (size_t d = 0; d < sizeof(reserved_ports) /
						       sizeof(reserved_ports[0]);
			     d++)
				if (ranges_overlap(g, reserved_ports[d].r))
					return error_at(p, a->ports_line,
							"ports: 0x%x-0x%x overlaps %s (0x%x-0x%x)",
							g.first, g.last,
							reserved_ports[d].what,
							reserved_ports[d].r.first,
							reserved_ports[d].r.last);
			for (uint32_t j = 0; j < i; j++) {
				const struct hv_manifest_partition *b =
					&m->partitions[j];

				for (uint32_t q = 0; q < b->port_range_count; q++)
					if (ranges_overlap(g, b->ports[q]))
						return error_at(p, a->ports_line,
								"ports: 0x%x-0x%x of partition '%s' overlaps 0x%x-0x%x of partition '%s'",
								g.first, g.last, a->name,
								b->ports[q].first,
								b->ports[q].last, b->name);
			}
		}
	}
	return 0;
}

static int set_value(struct parser *p, const struct key *k, const char *val)
{
	char *base = k->scope == SCOPE_GLOBAL ? (char *)p->m : (char *)p->part;
	uint32_t v = 0;
	bool too_big;
	size_t n;

	if (!*val && !k->empty_ok)
		return error_at(p, p->line, "%s: missing value", k->name);

	switch (k->type) {
	case TYPE_LOG_LEVEL:
		for (v = 0; v < NLEVELS; v++)
			if (streq(val, level_names[v]))
				break;
		if (v == NLEVELS)
			return error_at(p, p->line,
					"%s: '%s' is not one of error, warn, info, debug",
					k->name, val);
		break;
	case TYPE_UINT:
		if (parse_uint(val, &v, &too_big))
			return error_at(p, p->line, "%s: '%s' is not a number",
					k->name, val);
		if (too_big || v < k->min || v > k->max)
			return error_at(p, p->line,
					"%s: %s is out of range (%u..%u)",
					k->name, val, k->min, k->max);
		break;
	case TYPE_START:
		if (streq(val, "boot"))
			v = HV_MANIFEST_START_BOOT;
		else if (streq(val, "parent"))
			v = HV_MANIFEST_START_PARENT;
		else if (streq(val, "manual"))
			v = HV_MANIFEST_START_MANUAL;
		else
			return error_at(p, p->line,
					"%s: '%s' is not one of boot, parent, manual",
					k->name, val);
		break;
	case TYPE_PLATFORM:
		if (streq(val, "hv"))
			v = HV_PLATFORM_HV;
		else if (streq(val, "pc"))
			v = HV_PLATFORM_PC;
		else
			return error_at(p, p->line,
					"%s: '%s' is not one of hv, pc",
					k->name, val);
		break;
	case TYPE_ON_REBOOT:
		if (streq(val, "restart"))
			v = HV_ON_REBOOT_RESTART;
		else if (streq(val, "stop"))
			v = HV_ON_REBOOT_STOP;
		else
			return error_at(p, p->line,
					"%s: '%s' is not one of restart, stop",
					k->name, val);
		p->on_reboot_line[p->part - p->m->partitions] = p->line;
		break;
	case TYPE_BOOL:
		if (streq(val, "yes"))
			v = 1;
		else if (streq(val, "no"))
			v = 0;
		else
			return error_at(p, p->line,
					"%s: '%s' is not yes or no", k->name,
					val);
		break;
	case TYPE_PATH_LIST:
		return set_path_list(p, k, val);
	case TYPE_PORT_LIST:
		return set_port_list(p, k, val);
	case TYPE_MSR_LIST:
		return set_msr_list(p, k, val);
	case TYPE_CPU_LIST:
		return set_cpu_list(p, k, val);
	case TYPE_STRING:
		n = strlen(val);
		if (n >= k->max)
			return error_at(p, p->line,
					"%s: longer than %u characters",
					k->name, k->max - 1);
		memcpy(base + k->offset, val, n + 1);
		return 0;
	}
	memcpy(base + k->offset, &v, sizeof(v));
	return 0;
}

static int parse_assignment(struct parser *p, char *s)
{
	enum key_scope scope = p->part ? SCOPE_PARTITION : SCOPE_GLOBAL;
	uint32_t *seen = p->part ? &p->seen_part : &p->seen_global;
	char *eq, *name, *val;
	unsigned int i;

	for (eq = s; *eq && *eq != '='; eq++)
		;
	if (!*eq)
		return error_at(p, p->line, "expected 'key = value'");
	*eq = '\0';
	name = trim(s);
	val = trim(eq + 1);
	if (!*name)
		return error_at(p, p->line, "expected 'key = value'");

	for (i = 0; i < NKEYS; i++)
		if (streq(keys[i].name, name))
			break;
	if (i == NKEYS)
		return error_at(p, p->line, "unknown key '%s'", name);
	if (keys[i].scope != scope) {
		if (scope == SCOPE_PARTITION)
			return error_at(p, p->line,
					"'%s' is a global key: put it before the first [partition] section",
					name);
		return error_at(p, p->line,
				"'%s' belongs in a [partition NAME] section",
				name);
	}
	if (*seen & (1u << i))
		return error_at(p, p->line, "duplicate key '%s'", name);
	*seen |= 1u << i;
	return set_value(p, &keys[i], val);
}

/* One line, terminator removed, already known to be printable. */
static int parse_line(struct parser *p, char *s)
{
	size_t i;

	/* A '#' at the start or after a blank begins a comment. */
	for (i = 0; s[i]; i++) {
		if (s[i] == '#' && (i == 0 || is_space(s[i - 1]))) {
			s[i] = '\0';
			break;
		}
	}
	s = trim(s);
	if (!*s)
		return 0;
	if (*s == '[')
		return parse_section(p, s);
	return parse_assignment(p, s);
}

static int check_partitions(struct parser *p)
{
	struct hv_manifest *m = p->m;
	const char *parent = NULL;
	unsigned int i;

	for (i = 0; i < m->partition_count; i++) {
		struct hv_manifest_partition *part = &m->partitions[i];

		if (!part->image[0])
			return error_at(p, p->part_line[i],
					"partition '%s' has no image",
					part->name);
		/* Only a pc partition has a reset to act on and a boot
		 * protocol that takes an initrd: on_reboot, even = restart,
		 * would promise a restart an hv-kernel partition never has. */
		if (part->platform != HV_PLATFORM_PC && part->initrd[0])
			return error_at(p, p->part_line[i],
					"partition '%s': initrd needs platform = pc",
					part->name);
		if (part->platform != HV_PLATFORM_PC && p->on_reboot_line[i])
			return error_at(p, p->on_reboot_line[i],
					"partition '%s': on_reboot needs platform = pc",
					part->name);
		if (part->cpu_count && part->cpu_count != part->vcpus)
			return error_at(p, part->cpus_line,
					"partition '%s': cpus names %u CPU(s) but the partition has %u vCPU(s): pin each vCPU to one CPU",
					part->name, part->cpu_count,
					part->vcpus);
		if (!part->parent)
			continue;
		if (part->start != HV_MANIFEST_START_BOOT)
			return error_at(p, p->part_line[i],
					"partition '%s' is the parent: it must start at boot",
					part->name);
		if (parent)
			return error_at(p, 0,
					"two partitions marked parent ('%s' and '%s')",
					parent, part->name);
		parent = part->name;
	}
	/* Children without a parent would have nobody to manage them. */
	if (m->partition_count && !parent)
		return error_at(p, 0,
				"no partition is marked parent = yes (exactly one must be)");
	return check_grants(p);
}

int manifest_parse(const char *text, size_t len, const char *filename,
		   struct hv_manifest *m, char *err, size_t errlen)
{
	struct parser p = {
		.file = filename ? filename : "manifest",
		.err = err,
		.errlen = errlen,
		.m = m,
	};
	char buf[MANIFEST_LINE_MAX + 1];
	size_t pos = 0;

	manifest_defaults(m);
	if (err && errlen)
		err[0] = '\0';

	while (pos < len) {
		size_t start = pos, n, i;

		while (pos < len && text[pos] != '\n')
			pos++;
		n = pos - start;
		if (pos < len)
			pos++; /* past the '\n' */
		if (n && text[start + n - 1] == '\r')
			n--;
		p.line++;

		if (n > MANIFEST_LINE_MAX)
			return error_at(&p, p.line,
					"line is longer than %u characters",
					MANIFEST_LINE_MAX);
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)text[start + i];

			if (c != '\t' && (c < 0x20 || c > 0x7e))
				return error_at(&p, p.line,
						"byte 0x%02x is not printable text",
						c);
		}
		memcpy(buf, text + start, n);
		buf[n] = '\0';
		if (parse_line(&p, buf))
			return -1;
	}
	return check_partitions(&p);
}
