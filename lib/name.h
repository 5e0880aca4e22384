/* SPDX-License-Identifier: MIT */
/*
 * The one rule for a partition name, which the manifest's [partition NAME]
 * and partition_create's name and template both follow: 1 to
 * HV_NAME_MAX - 1 characters of A-Z a-z 0-9 _ - (include/hv/manifest.h,
 * docs/manifest.md, docs/hypercalls.md), so that it fits every name field
 * of the ABI with its NUL.
 */
#ifndef LIB_NAME_H
#define LIB_NAME_H

#include <stdbool.h>

/*
 * Whether s is a valid name. Reads at most HV_NAME_MAX bytes of s, so
 * that a fixed-size field without its NUL is refused, not overrun.
 */
bool hv_name_valid(const char *s);

#endif
