// SPDX-License-Identifier: MIT
#include "arch/x86/ept.h"

#include "hv/errno.h"

static bool ept_2m, ept_1g;

void ept_set_page_sizes(bool allow_2m, bool allow_1g)
{
	ept_2m = allow_2m;
	ept_1g = allow_1g;
}

int ept_build(struct pt *ept, uint64_t hpa, uint64_t size,
	      struct palloc *pool, uint32_t owner)
{
	const struct pt_ops ops = {
		/* Non-leaf EPT entries carry permissions but no memory type. */
		.table_flags = EPT_RWX,
		.allow_2m = ept_2m,
		.allow_1g = ept_1g,
		.alloc_table = pt_pool_alloc_table,
		.free_table = pt_pool_free_table,
		.ctx = pool,
		.owner = owner,
	};
	int r = pt_init(ept, &ops);

	if (r)
		return r;
	/*
	 * Write-back whatever the guest's PAT says (SDM "Memory Type Used
	 * for Translated Guest-Physical Addresses"): hv maps the same pages
	 * write-back, and a guest-chosen uncached alias of them is one of
	 * the mixed-type mappings the SDM warns can be unpredictable.
	 */
	r = pt_map(ept, 0, hpa, size, EPT_RWX | EPT_MT_WB | EPT_IGNORE_PAT);
	if (r)
		pt_destroy(ept);
	return r;
}

uint64_t ept_pointer(const struct pt *ept)
{
	/* SDM "Extended-Page-Table Pointer (EPTP)": type WB, walk length 4 - 1. */
	return ept->root | 6 | (3 << 3);
}
