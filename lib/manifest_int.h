/* SPDX-License-Identifier: MIT */
/*
 * Inside the manifest parser: the key table's shape, the parser's state,
 * and the value parsers lib/manifest_lists.c provides to lib/manifest.c.
 */
#ifndef LIB_MANIFEST_INT_H
#define LIB_MANIFEST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/manifest.h"

enum key_scope { SCOPE_GLOBAL, SCOPE_PARTITION };
enum key_type {
	TYPE_LOG_LEVEL,
	TYPE_UINT,
	TYPE_BOOL,
	TYPE_STRING,
	TYPE_PATH_LIST,
	TYPE_PORT_LIST,
	TYPE_START,
	TYPE_MSR_LIST,
	TYPE_CPU_LIST,
	TYPE_PLATFORM,
	TYPE_ON_REBOOT,
};

/*
 * Every key the manifest knows. offset is into struct hv_manifest for
 * global keys and into struct hv_manifest_partition for partition keys.
 * For TYPE_UINT, [min, max] is the accepted range; for TYPE_STRING, max is
 * the size of the destination buffer, terminating NUL included; for
 * TYPE_PATH_LIST, min is the most paths and max the size of each.
 */
struct key {
	const char *name;
	enum key_scope scope;
	enum key_type type;
	bool empty_ok;
	size_t offset;
	uint32_t min, max;
};

struct parser {
	const char *file;
	char *err;
	size_t errlen;
	unsigned int line;
	struct hv_manifest *m;
	struct hv_manifest_partition *part; /* NULL before the first section */
	uint32_t seen_global, seen_part; /* bit i: keys[i] already set */
	unsigned int part_line[HV_MANIFEST_MAX_PARTITIONS];
	/* Where each partition's on_reboot was given, 0 where it was not:
	 * its value restart is also the default, so only this tells an
	 * explicit "on_reboot = restart" from none. */
	unsigned int on_reboot_line[HV_MANIFEST_MAX_PARTITIONS];
};

/* Writes "file:line: message" (or "file: message" when line is 0) and
 * returns -1. */
int error_at(struct parser *p, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* lib/manifest_lists.c: each sets the key's field from val, or reports
 * the first problem through error_at. */
int parse_uint(const char *s, uint32_t *out, bool *too_big);
int set_path_list(struct parser *p, const struct key *k, const char *val);
int set_port_list(struct parser *p, const struct key *k, const char *val);
int set_msr_list(struct parser *p, const struct key *k, const char *val);
int set_cpu_list(struct parser *p, const struct key *k, const char *val);

#endif
