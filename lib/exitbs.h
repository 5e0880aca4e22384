/* SPDX-License-Identifier: MIT */
/*
 * The loader's last talk with the firmware: GetMemoryMap, then
 * ExitBootServices with the map's key, once more with a fresh map if the
 * key was stale. The UEFI specification (ExitBootServices) lets the
 * firmware shut part of its services down in a call that fails, and
 * allows nothing but GetMemoryMap after the first call: from then on the
 * loader can neither print on the firmware's console, nor free what it
 * allocated, nor return to the firmware. What the sequence came to tells
 * the caller which of those it may still do. Kept apart from boot/efi.c
 * so the unit tests run it against a scripted firmware.
 */
#ifndef LIB_EXITBS_H
#define LIB_EXITBS_H

#include <stdint.h>

/* Tries of the pair: the second answers a map changed in between. */
#define EXITBS_TRIES 2

enum exitbs_result {
	/* Boot services are gone and the last map read is the final one. */
	EXITBS_DONE,
	/* GetMemoryMap failed before any ExitBootServices: the firmware is
	 * whole, the loader may refuse and return as before. */
	EXITBS_REFUSED,
	/* ExitBootServices was called and the sequence failed after it: the
	 * firmware may be partly shut down, nothing of it may be used. */
	EXITBS_BROKEN,
};

/* The firmware's two calls; each answers 0 (EFI_SUCCESS) or its status. */
struct exitbs_ops {
	uint64_t (*get_map)(void *ctx, uint64_t *key);
	uint64_t (*exit)(void *ctx, uint64_t key);
	void *ctx;
};

static inline enum exitbs_result exitbs_run(const struct exitbs_ops *ops,
					    uint64_t *status)
{
	uint64_t key = 0, s = 0;

	for (int tries = 0; tries < EXITBS_TRIES; tries++) {
		s = ops->get_map(ops->ctx, &key);
		if (s) {
			*status = s;
			return tries ? EXITBS_BROKEN : EXITBS_REFUSED;
		}
		s = ops->exit(ops->ctx, key);
		if (!s) {
			*status = 0;
			return EXITBS_DONE;
		}
	}
	*status = s;
	return EXITBS_BROKEN;
}

#endif
