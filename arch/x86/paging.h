/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_PAGING_H
#define ARCH_X86_PAGING_H

#include <stdint.h>

#include "hv/palloc.h"


/* Maps the page below 1 MiB that other CPUs start in, executable. */
void paging_map_trampoline(uint64_t page);
/* The physical address of hv's top-level page table, for CR3. */
uint64_t paging_host_root(void);
/* Adds an uncached read-write mapping for a device's registers. */
void paging_map_mmio(uint64_t start, uint64_t size, const char *what);

#endif
