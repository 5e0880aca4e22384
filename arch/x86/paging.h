/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_PAGING_H
#define ARCH_X86_PAGING_H

#include <stdint.h>

#include "hv/palloc.h"

/*
 * Builds hv's own page tables and loads them: the image's code
 * read-execute, its read-only data read-only, its data and the pool
 * read-write, and nothing else. hv runs 1:1 (virtual = physical). Panics
 * if the CPU lacks no-execute or memory runs out: hv cannot run without.
 */
void paging_init_host(uint64_t image_base, uint64_t image_size,
		      uint64_t pool_base, uint64_t pool_size,
		      struct palloc *pool);

/* Adds a read-only, no-execute mapping of [start, start + size). */
void paging_map_readonly(uint64_t start, uint64_t size, const char *what);
/* Maps the page below 1 MiB that other CPUs start in, executable. */
void paging_map_trampoline(uint64_t page);
/* The physical address of hv's top-level page table, for CR3. */
uint64_t paging_host_root(void);
/* Adds an uncached read-write mapping for a device's registers. */
void paging_map_mmio(uint64_t start, uint64_t size, const char *what);

#endif
