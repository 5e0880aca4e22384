/* SPDX-License-Identifier: MIT */
/* hv's memory: its image, its pool and the page allocator over the pool. */
#ifndef HV_MEM_H
#define HV_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/boot_info.h"
#include "hv/palloc.h"

/* Takes over the pool and switches to hv's own page tables. */
void mem_init(const struct hv_boot_info *bi);
uint64_t mem_image_base(void);
/* The bytes of hv's loaded image, data and bss included. */
uint64_t mem_image_size(void);
/* True when [addr, addr + len) lies in memory hv's page tables map. */
bool mem_is_hv_mapped(uint64_t addr, uint64_t len);
struct palloc *mem_pool(void);

#endif
