/* SPDX-License-Identifier: MIT */
/*
 * A partition's images, copied in bounded steps (hv/load.c): while hv
 * builds a partition, the loaders' large copies into its RAM are written
 * down instead of done, and its create call answers PENDING until each
 * further call of it has copied HV_CREATE_STEP more.
 */
#ifndef HV_LOAD_H
#define HV_LOAD_H

#include <stdbool.h>
#include <stdint.h>

struct partition;

/* From here on copies into p's RAM wait for load_step; zeroing it is
 * skipped (the pool hands RAM out zero). HV_ENOMEM without a page. */
int load_begin(struct partition *p);
/* The loaders are done: copies into p's RAM happen at once again. False
 * when they asked for more large copies than one list holds, or for one
 * that runs past the end of p's RAM (not made). */
bool load_end(struct partition *p);
/* Bytes still to copy. */
uint64_t load_left(const struct partition *p);
/* Copies up to budget bytes of what is left; true once nothing is. */
bool load_step(struct partition *p, uint64_t budget);
/* Gives the list's page back; nothing if p has none. */
void load_release(struct partition *p);

#endif
