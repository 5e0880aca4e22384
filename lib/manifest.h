/* SPDX-License-Identifier: MIT */
/*
 * Parser for the manifest hv/hv.conf. docs/manifest.md describes the
 * format; include/hv/manifest.h the parsed result.
 */
#ifndef LIB_MANIFEST_H
#define LIB_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "hv/manifest.h"

#define MANIFEST_LINE_MAX 255
#define MANIFEST_RAM_MB_MIN 1
#define MANIFEST_RAM_MB_MAX 65536
#define MANIFEST_RAM_MB_DEFAULT 16

/* Log level info, pool HV_POOL_MB_DEFAULT, not interactive, no partitions. */
void manifest_defaults(struct hv_manifest *m);

/*
 * Parses len bytes of text (no NUL terminator needed) into m, starting from
 * the defaults. Returns 0, or -1 after writing one message into err that
 * names filename, the line and the problem, e.g.
 * "hv/hv.conf:3: unknown key 'pool_size'". Parsing stops at the first error;
 * m then holds the defaults plus whatever was parsed before it.
 */
int manifest_parse(const char *text, size_t len, const char *filename,
		   struct hv_manifest *m, char *err, size_t errlen);

/* "error", "warn", "info" or "debug"; "?" for anything else. */
const char *manifest_log_level_name(uint32_t level);

#endif
