// SPDX-License-Identifier: MIT
/*
 * What a multiboot kernel finds at entry (Multiboot Specification 0.6.96,
 * "Machine state" and "Boot information format"): the magic, the
 * information with its memory, memory map, command line (the image's
 * name first) and modules, all of it outside the image and page 0, and
 * the CPU in flat 32-bit protected mode with paging and interrupts off.
 * cmdline: mods=N, the modules expected, each a copy of the test module
 * (guest/tests/pc/pc.mk) whose first line is "hv pc test module";
 * image=NAME, the file name the first word must end with (pcboot.elf
 * when absent: the same code is also pcboot64.elf and pcaout.bin).
 */
#include "guest/tests/pc/rt/pcrt.h"

const char test_name[] = "pcboot";

static uint32_t entry_eflags, entry_cr0;

/* The state entry.asm found, read before anything changes it. */
static void read_entry_state(void)
{
	asm volatile("pushfl; popl %0" : "=r"(entry_eflags));
	entry_cr0 = read_cr0();
}

/* [a, b) overlaps the loaded image or page 0. */
static bool in_image(uint32_t a, uint32_t b)
{
	return (a < (uint32_t)__image_end && (uint32_t)__image_start < b) ||
	       a < 4096;
}

static void check_memory(const struct mb_info *mbi)
{
	const struct mb_mmap_entry *e;
	uint64_t top = 0;
	uint32_t off;
	bool low = false;

	test_check("mem-fields", mbi->flags & MB_INFO_MEMORY,
		   "flags 0x%x lack mem_lower/mem_upper", mbi->flags);
	test_check("mem-lower", mbi->mem_lower >= 600 && mbi->mem_lower <= 640,
		   "mem_lower %u KiB", mbi->mem_lower);
	if (!(mbi->flags & MB_INFO_MEM_MAP)) {
		test_fail("mmap", "flags 0x%x lack a memory map", mbi->flags);
		return;
	}
	test_check("mmap-outside-image",
		   !in_image(mbi->mmap_addr, mbi->mmap_addr + mbi->mmap_length),
		   "map at 0x%x", mbi->mmap_addr);
	/* The available entry from 1 MiB must agree with mem_upper, and RAM
	 * below 640 KiB must be available too. */
	for (off = 0; off + sizeof(*e) <= mbi->mmap_length;
	     off += e->size + 4) {
		e = (const struct mb_mmap_entry *)(mbi->mmap_addr + off);
		pc_printf("pcboot: mmap 0x%llx + 0x%llx type %u\n", e->addr,
			  e->len, e->type);
		if (e->type == MB_MEMORY_AVAILABLE && e->addr == 0x100000)
			top = e->addr + e->len;
		if (e->type == MB_MEMORY_AVAILABLE && e->addr == 0 &&
		    e->len >= 0x9f000)
			low = true;
	}
	test_check("mmap-low", low, "no available entry at 0 of 636 KiB or more");
	test_check("mmap-upper", top == 0x100000 + (uint64_t)mbi->mem_upper * 1024,
		   "entry from 1 MiB ends at 0x%llx, mem_upper %u KiB", top,
		   mbi->mem_upper);
}

static void check_cmdline(const struct mb_info *mbi)
{
	const char *c = (const char *)mbi->cmdline;
	char image[32];
	size_t n = 0, k;

	pc_cmdline_word("image", image, sizeof(image), "pcboot.elf");
	k = pc_strlen(image);
	if (!(mbi->flags & MB_INFO_CMDLINE)) {
		test_fail("cmdline", "flags 0x%x lack a command line", mbi->flags);
		return;
	}
	pc_printf("pcboot: cmdline '%s'\n", c);
	while (c[n] && c[n] != ' ')
		n++;
	/* GRUB's way: the first word is the image, by whatever path. */
	test_check("cmdline-image-name", n >= k && !memcmp(c + n - k, image, k),
		   "first word of '%s' does not end in %s", c, image);
	test_check("cmdline-outside-image",
		   !in_image(mbi->cmdline, mbi->cmdline + pc_strlen(c) + 1),
		   "at 0x%x", mbi->cmdline);
}

static void check_modules(const struct mb_info *mbi)
{
	static const char sig[] = "hv pc test module\n";
	uint32_t want = pc_cmdline_u32("mods", 0);
	const struct mb_module *m = (const struct mb_module *)mbi->mods_addr;

	if (!want && (!(mbi->flags & MB_INFO_MODS) || !mbi->mods_count)) {
		test_pass("modules");
		return;
	}
	if (!(mbi->flags & MB_INFO_MODS) || mbi->mods_count != want) {
		test_fail("modules", "flags 0x%x, %u module(s), want %u",
			  mbi->flags, mbi->mods_count, want);
		return;
	}
	test_pass("modules");
	for (uint32_t i = 0; i < want; i++) {
		const char *s = (const char *)m[i].string;
		size_t n = pc_strlen(s);

		pc_printf("pcboot: module %u at 0x%x-0x%x '%s'\n", i,
			  m[i].mod_start, m[i].mod_end, s);
		test_check("module-contents",
			   m[i].mod_end - m[i].mod_start >= sizeof(sig) - 1 &&
				   !memcmp((const void *)m[i].mod_start, sig,
					   sizeof(sig) - 1),
			   "module %u does not start with the test module's line", i);
		test_check("module-page-aligned", !(m[i].mod_start & 0xfff),
			   "module %u at 0x%x", i, m[i].mod_start);
		test_check("module-outside-image",
			   !in_image(m[i].mod_start, m[i].mod_end), "module %u", i);
		test_check("module-string", n >= 10 && !memcmp(s + n - 10, "module.txt", 10),
			   "module %u's string '%s'", i, s);
	}
}

/* Flat 32-bit segments: each selector's limit is 4 GiB (LSL), CS is a
 * 32-bit code segment (LAR: D bit) and the data ones are writable. */
static void check_segments(void)
{
	uint32_t cs, ds, ss, lim_cs = 0, lim_ds = 0, ar_cs = 0, ar_ds = 0;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	asm volatile("mov %%ds, %0" : "=r"(ds));
	asm volatile("mov %%ss, %0" : "=r"(ss));
	asm volatile("lsl %1, %0" : "=r"(lim_cs) : "r"(cs));
	asm volatile("lsl %1, %0" : "=r"(lim_ds) : "r"(ds));
	asm volatile("lar %1, %0" : "=r"(ar_cs) : "r"(cs));
	asm volatile("lar %1, %0" : "=r"(ar_ds) : "r"(ds));
	test_check("flat-segments",
		   lim_cs == 0xffffffff && lim_ds == 0xffffffff &&
			   (ar_cs & (1u << 22)) && (ar_cs & 0x800) &&
			   !(ar_ds & 0x800) && (ar_ds & 0x200),
		   "cs 0x%x limit 0x%x ar 0x%x, ds 0x%x limit 0x%x ar 0x%x", cs,
		   lim_cs, ar_cs, ds, lim_ds, ar_ds);
}

void test_main(uint32_t magic, const struct mb_info *mbi)
{
	volatile uint32_t *low = (volatile uint32_t *)0x7000;
	volatile uint32_t *high = (volatile uint32_t *)0x107000;

	read_entry_state();
	test_check("magic", magic == MB_BOOTLOADER_MAGIC, "eax 0x%x", magic);
	if (magic != MB_BOOTLOADER_MAGIC)
		return;
	test_check("info-outside-image",
		   !in_image((uint32_t)mbi, (uint32_t)mbi + sizeof(*mbi)),
		   "information at 0x%x, image [0x%x, 0x%x)", (uint32_t)mbi,
		   (uint32_t)__image_start, (uint32_t)__image_end);
	test_check("entry-cr0", (entry_cr0 & CR0_PE) && !(entry_cr0 & CR0_PG),
		   "cr0 0x%x", entry_cr0);
	test_check("entry-eflags", !(entry_eflags & (1u << 9 | 1u << 17)),
		   "eflags 0x%x (IF or VM set)", entry_eflags);
	check_segments();
	check_memory(mbi);
	check_cmdline(mbi);
	check_modules(mbi);
	/* A20 is on: 1 MiB up is not the first MiB again. */
	*low = 0x11111111;
	*high = 0x22222222;
	test_check("a20", *low == 0x11111111 && *high == 0x22222222,
		   "0x7000 reads 0x%x after a write at 0x107000", *low);
}
