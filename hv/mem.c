// SPDX-License-Identifier: MIT
#include "hv/mem.h"

#include "hv/arch.h"
#include "hv/log.h"

static struct palloc pool;
static uint64_t image_base, image_size;

void mem_init(const struct hv_boot_info *bi)
{
	int r;

	image_base = bi->image_base;
	image_size = bi->image_size;
	r = palloc_init(&pool, bi->pool_base, bi->pool_size);
	if (r)
		panic("pool at 0x%lx (%lu bytes) is unusable: %d",
		      bi->pool_base, bi->pool_size, r);
	paging_init_host(image_base, image_size, bi->pool_base, bi->pool_size,
			 &pool);
	/* Mapping a page twice is refused: a shared file once. An empty
	 * file has the one page the loader gave it (boot/loader.h), and a
	 * mapping of nothing would be refused. */
	for (uint32_t i = 0; i < bi->module_count; i++)
		if (!hv_module_shared(bi, i))
			paging_map_readonly(bi->modules[i].phys,
					    bi->modules[i].size ?
						    bi->modules[i].size :
						    1,
					    bi->modules[i].path);
	pr_info("memory: own page tables loaded; pool %lu MiB, %lu pages free",
		bi->pool_size >> 20, pool.free_pages);
}

uint64_t mem_image_base(void)
{
	return image_base;
}

uint64_t mem_image_size(void)
{
	return image_size;
}

bool mem_is_hv_mapped(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;

	if (end < addr)
		return false;
	return (addr >= image_base && end <= image_base + image_size) ||
	       (addr >= pool.base && end <= pool.base + pool.pages * 4096);
}

struct palloc *mem_pool(void)
{
	return &pool;
}
