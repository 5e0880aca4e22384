/* SPDX-License-Identifier: MIT */
/*
 * Checks on hypercall arguments that name guest memory. Every guest
 * pointer is a guest-physical address; a buffer must lie wholly inside
 * the caller's RAM, and its length within the call's bound. Pure logic,
 * tested on the host.
 */
#ifndef HV_HCARGS_H
#define HV_HCARGS_H

#include <stdint.h>

#include "hv/errno.h"

#include "hv/hypercall.h"

/*
 * HV_OK when [gpa, gpa + len) lies inside RAM [0, ram_size) and
 * len <= max; HV_E2BIG when len exceeds max (checked first, so
 * a huge length is never added to anything); HV_EFAULT when
 * any byte lies outside RAM, including a range that wraps past 2^64.
 */
static inline int hc_check_buffer(uint64_t ram_size, uint64_t gpa,
				  uint64_t len, uint64_t max)
{
	if (len > max)
		return HV_E2BIG;
	if (gpa >= ram_size || len > ram_size - gpa)
		return HV_EFAULT;
	return HV_OK;
}

#endif
