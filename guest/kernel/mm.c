// SPDX-License-Identifier: MIT
/*
 * Physical pages and page tables.
 *
 * RAM is identity-mapped for the kernel, supervisor-only: its text
 * read-execute, its read-only data read-only, everything else read-write
 * no-execute; page 0 and the guard page under each kernel stack are left
 * out. The map stops at USER_BASE (1 GiB), where user space begins; RAM
 * above it goes unused.
 *
 * Every program has its own PML4. Its first entry points at a PDPT of the
 * program's own, whose first entry is the kernel's shared page directory
 * for [0, 1 GiB), without the user bit, and whose other entries hold the
 * program's pages in [USER_BASE, USER_END), with the user bit at every
 * level (SDM Vol. 3A, "Access Rights": a user access needs U at all
 * levels of the walk).
 */
#include "guest/kernel/kernel.h"

#include "lib/string.h"

#define ENTRIES 512

/* kernel.ld */
extern const char __text_start[], __text_end[];
extern const char __rodata_start[], __rodata_end[];

static uint64_t free_list; /* the first freed page, 0 for none */
static uint64_t bump, bump_end; /* pages never handed out yet */
static uint64_t free_pages;
static uint64_t map_end;
static uint64_t kpml4, kpd;

static inline uint64_t *table(uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

/*
 * Freed pages are kept in a list threaded through the pages themselves;
 * the rest of free RAM is handed out in order and never touched before,
 * so starting costs nothing however large the partition.
 */
uint64_t page_alloc(void)
{
	uint64_t pa;

	if (free_list) {
		pa = free_list;
		free_list = *table(pa);
	} else if (bump < bump_end) {
		pa = bump;
		bump += PAGE_SIZE;
	} else {
		return 0;
	}
	free_pages--;
	memset(table(pa), 0, PAGE_SIZE);
	return pa;
}

void page_free(uint64_t pa)
{
	*table(pa) = free_list;
	free_list = pa;
	free_pages++;
}

uint64_t mm_free_pages(void)
{
	return free_pages;
}

uint64_t kernel_pml4(void)
{
	return kpml4;
}

static bool is_guard_page(uint64_t pa)
{
	uint64_t base = (uint64_t)(uintptr_t)kstacks;

	return pa >= base && pa < base + sizeof(kstacks) &&
	       (pa - base) % sizeof(struct kstack) < PAGE_SIZE;
}

/* The kernel's mapping of physical page pa; 0 leaves it unmapped. */
static uint64_t kernel_page_flags(uint64_t pa)
{
	if (pa < PAGE_SIZE || pa >= map_end || is_guard_page(pa))
		return 0;
	if (pa >= (uint64_t)(uintptr_t)__text_start &&
	    pa < (uint64_t)(uintptr_t)__text_end)
		return PTE_P;
	if (pa >= (uint64_t)(uintptr_t)__rodata_start &&
	    pa < (uint64_t)(uintptr_t)__rodata_end)
		return PTE_P | PTE_NX;
	return PTE_P | PTE_W | PTE_NX;
}

static uint64_t alloc_table(void)
{
	uint64_t pa = page_alloc();

	if (!pa)
		panic("out of memory for the kernel's page tables");
	return pa;
}

static bool touches(uint64_t base, uint64_t lo, uint64_t hi)
{
	return lo < base + LARGE_PAGE_SIZE && hi > base;
}

/*
 * Whether the 2 MiB at base holds none of the pages whose mapping can
 * differ from their neighbours': page 0, map_end, the kernel stacks'
 * guard pages, the text and the read-only data. Most of RAM does not, so
 * the map is made without a look at each of its pages: starting costs
 * the same however large the partition.
 */
static bool plain_region(uint64_t base)
{
	uint64_t ks = (uint64_t)(uintptr_t)kstacks;

	return base >= PAGE_SIZE && !touches(base, map_end, map_end + 1) &&
	       !touches(base, ks, ks + sizeof(kstacks)) &&
	       !touches(base, (uint64_t)(uintptr_t)__text_start,
			(uint64_t)(uintptr_t)__text_end) &&
	       !touches(base, (uint64_t)(uintptr_t)__rodata_start,
			(uint64_t)(uintptr_t)__rodata_end);
}

/* One 2 MiB page where all 512 small ones would be alike, else a table. */
static void map_kernel_region(uint64_t *pd, uint64_t base)
{
	uint64_t flags = kernel_page_flags(base);
	uint64_t *pt;
	bool uniform = true;

	for (uint64_t pa = base; pa < base + LARGE_PAGE_SIZE &&
				 !plain_region(base);
	     pa += PAGE_SIZE)
		if (kernel_page_flags(pa) != flags) {
			uniform = false;
			break;
		}
	if (uniform) {
		if (flags)
			pd[base / LARGE_PAGE_SIZE] = base | flags | PTE_PS;
		return;
	}
	pt = table(alloc_table());
	for (int i = 0; i < ENTRIES; i++) {
		uint64_t pa = base + i * PAGE_SIZE;
		uint64_t f = kernel_page_flags(pa);

		if (f)
			pt[i] = pa | f;
	}
	pd[base / LARGE_PAGE_SIZE] = (uint64_t)(uintptr_t)pt | PTE_P | PTE_W;
}

void mm_init(uint64_t free_start, uint64_t ram_end)
{
	uint64_t kpdpt;

	map_end = ram_end < USER_BASE ? ram_end : USER_BASE;
	map_end &= ~(PAGE_SIZE - 1);
	bump = (free_start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	bump_end = map_end;
	free_pages = bump < bump_end ? (bump_end - bump) / PAGE_SIZE : 0;

	kpml4 = alloc_table();
	kpdpt = alloc_table();
	kpd = alloc_table();
	table(kpml4)[0] = kpdpt | PTE_P | PTE_W;
	table(kpdpt)[0] = kpd | PTE_P | PTE_W;
	for (uint64_t base = 0; base < map_end; base += LARGE_PAGE_SIZE)
		map_kernel_region(table(kpd), base);

	/*
	 * hv enters with EFER.NXE set, but without it bit 63 of every entry
	 * would be reserved and the first walk would fault; WP makes the
	 * kernel's own writes honour read-only pages; SMEP stops the kernel
	 * from ever executing a program's page.
	 */
	wrmsr(IA32_EFER, rdmsr(IA32_EFER) | EFER_NXE);
	write_cr3(kpml4);
	write_cr0(read_cr0() | CR0_WP);
	if (cpuid(7, 0).ebx & CPUID7_EBX_SMEP)
		write_cr4(read_cr4() | CR4_SMEP);
}

uint64_t as_create(void)
{
	uint64_t pml4 = page_alloc(), pdpt = page_alloc();

	if (!pml4 || !pdpt) {
		if (pml4)
			page_free(pml4);
		if (pdpt)
			page_free(pdpt);
		return 0;
	}
	table(pml4)[0] = pdpt | PTE_P | PTE_W | PTE_U;
	table(pdpt)[0] = kpd | PTE_P | PTE_W;
	return pml4;
}

/* The next level's table under entry e, made if absent; NULL if no memory. */
static uint64_t *next_table(uint64_t *e)
{
	uint64_t pa;

	if (*e & PTE_P)
		return table(*e & PTE_ADDR);
	pa = page_alloc();
	if (!pa)
		return NULL;
	/* Intermediate entries grant everything; the leaf decides. */
	*e = pa | PTE_P | PTE_W | PTE_U;
	return table(pa);
}

int as_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pdpt, *pd, *pt;

	if (va < USER_BASE || va >= USER_END || (va & (PAGE_SIZE - 1)))
		return -1;
	pdpt = table(table(pml4)[0] & PTE_ADDR);
	pd = next_table(&pdpt[(va >> 30) & 511]);
	if (!pd)
		return -1;
	pt = next_table(&pd[(va >> 21) & 511]);
	if (!pt)
		return -1;
	if (pt[(va >> 12) & 511] & PTE_P)
		return -1;
	pt[(va >> 12) & 511] = pa | PTE_P | PTE_U | (flags & (PTE_W | PTE_NX));
	return 0;
}

void as_destroy(uint64_t pml4)
{
	uint64_t *pdpt = table(table(pml4)[0] & PTE_ADDR);

	/* Entry 0 is the kernel's directory, shared by everyone. */
	for (int i = 1; i < ENTRIES; i++) {
		uint64_t *pd;

		if (!(pdpt[i] & PTE_P))
			continue;
		pd = table(pdpt[i] & PTE_ADDR);
		for (int j = 0; j < ENTRIES; j++) {
			uint64_t *pt;

			if (!(pd[j] & PTE_P))
				continue;
			pt = table(pd[j] & PTE_ADDR);
			for (int k = 0; k < ENTRIES; k++)
				if (pt[k] & PTE_P)
					page_free(pt[k] & PTE_ADDR);
			page_free((uint64_t)(uintptr_t)pt);
		}
		page_free((uint64_t)(uintptr_t)pd);
	}
	page_free((uint64_t)(uintptr_t)pdpt);
	page_free(pml4);
}

/* Whether the walk to va allows a user access, writing if write. */
static bool user_page_ok(uint64_t pml4, uint64_t va, bool write)
{
	uint64_t need = PTE_P | PTE_U | (write ? PTE_W : 0);
	uint64_t e = pml4 | need;

	for (int shift = 39; shift >= 12; shift -= 9) {
		e = table(e & PTE_ADDR)[(va >> shift) & 511];
		if ((e & need) != need)
			return false;
		/* The kernel never gives a program a large page. */
		if (shift > 12 && (e & PTE_PS))
			return false;
	}
	return true;
}

bool user_range_ok(uint64_t pml4, uint64_t va, uint64_t len, bool write)
{
	if (!len)
		return true;
	if (va < USER_BASE || va >= USER_END || len > USER_END - va)
		return false;
	for (uint64_t p = va & ~(PAGE_SIZE - 1); p < va + len; p += PAGE_SIZE)
		if (!user_page_ok(pml4, p, write))
			return false;
	return true;
}
