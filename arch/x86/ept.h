/* SPDX-License-Identifier: MIT */
/* A partition's EPT: its RAM, and nothing else, at guest-physical 0.. */
#ifndef ARCH_X86_EPT_H
#define ARCH_X86_EPT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pt.h"
#include "hv/palloc.h"

/* EPT entry bits (SDM "EPT Translation Mechanism"). */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_MT_WB (6ull << 3)
/* "Ignore PAT" (bit 6): the memory type is the EPT entry's alone. */
#define EPT_IGNORE_PAT (1ull << 6)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)

/* Which large pages the CPU's EPT supports; set once at start-up. */
void ept_set_page_sizes(bool allow_2m, bool allow_1g);
/*
 * Maps guest-physical [0, size) to host-physical [hpa, hpa + size),
 * write-back, read-write-execute, with the largest pages alignment allows.
 * Table pages come from pool under owner. On failure the table is freed.
 */
int ept_build(struct pt *ept, uint64_t hpa, uint64_t size,
	      struct palloc *pool, uint32_t owner);
/* The EPTP value for the VMCS: write-back, 4-level walk. */
uint64_t ept_pointer(const struct pt *ept);

#endif
