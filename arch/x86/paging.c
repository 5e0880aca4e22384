// SPDX-License-Identifier: MIT
#include "hv/arch.h"
#include "arch/x86/paging.h"

#include "arch/x86/cpu.h"
#include "arch/x86/pt.h"
#include "hv/log.h"

/* Segment boundaries from linker.ld, at their run-time addresses. */
extern char __hv_start[], __hv_rodata_start[], __hv_data_start[], __hv_end[];

static struct pt host_pt;

static void map_or_panic(uint64_t start, uint64_t end, uint64_t flags,
			 const char *what)
{
	int r = pt_map(&host_pt, start, start, end - start, flags);

	if (r)
		panic("cannot map %s [0x%lx, 0x%lx): %d", what, start, end, r);
}

void paging_init_host(uint64_t image_base, uint64_t image_size,
		      uint64_t pool_base, uint64_t pool_size,
		      struct palloc *pool)
{
	const struct pt_ops ops = {
		.table_flags = PTE_P | PTE_W,
		.allow_2m = true,
		.allow_1g = false,
		.alloc_table = pt_pool_alloc_table,
		.free_table = pt_pool_free_table,
		.ctx = pool,
		.owner = PALLOC_OWNER_HV,
	};
	uint64_t text = (uint64_t)(uintptr_t)__hv_start;
	uint64_t rodata = (uint64_t)(uintptr_t)__hv_rodata_start;
	uint64_t data = (uint64_t)(uintptr_t)__hv_data_start;
	uint64_t end = (uint64_t)(uintptr_t)__hv_end;
	uint32_t a, b, c, d;

	cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (!(d & (1u << 20)))
		panic("the CPU has no no-execute pages (CPUID.80000001H:EDX.NX=0)");
	HV_ASSERT(text == image_base && end <= image_base + image_size);

	if (pt_init(&host_pt, &ops))
		panic("no memory for hv's page tables");
	map_or_panic(text, rodata, PTE_P, "hv code");
	map_or_panic(rodata, data, PTE_P | PTE_NX, "hv read-only data");
	map_or_panic(data, end, PTE_P | PTE_W | PTE_NX, "hv data");
	map_or_panic(pool_base, pool_base + pool_size, PTE_P | PTE_W | PTE_NX,
		     "the pool");

	/* NX must be on before a table that uses it is loaded. */
	wrmsr(IA32_EFER, rdmsr(IA32_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	write_cr3(host_pt.root);
	/* Firmware global entries survive a CR3 load; toggling PGE drops them. */
	if (read_cr4() & CR4_PGE) {
		write_cr4(read_cr4() & ~CR4_PGE);
		write_cr4(read_cr4() | CR4_PGE);
	}
	pr_debug("paging: %lu table pages", host_pt.tables);
}

void paging_map_readonly(uint64_t start, uint64_t size, const char *what)
{
	uint64_t end = (start + size + 4095) & ~4095ull;

	map_or_panic(start & ~4095ull, end, PTE_P | PTE_NX, what);
}

void paging_map_mmio(uint64_t start, uint64_t size, const char *what)
{
	uint64_t end = (start + size + 4095) & ~4095ull;

	map_or_panic(start & ~4095ull, end,
		     PTE_P | PTE_W | PTE_NX | PTE_PWT | PTE_PCD, what);
}

void paging_map_trampoline(uint64_t page)
{
	/* Written by hv, then executed by each starting CPU: the one page
	 * of hv's tables that is both writable and executable. */
	map_or_panic(page, page + 4096, PTE_P | PTE_W, "the AP start-up page");
}

uint64_t paging_host_root(void)
{
	return host_pt.root;
}
