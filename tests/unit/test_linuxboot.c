// SPDX-License-Identifier: MIT
/*
 * Tests of lib/linuxboot.c on small synthetic images shaped like Debian's
 * (a bzImage with protocol 2.15, a vmlinux with a PVH note): each field
 * it refuses, by the line it names, and what lx_load() leaves in RAM.
 */
#include "tests/unit/common.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/linuxboot.h"

#define MIB (1ull << 20)
#define RAM (64 * MIB)
#define PM_OFFSET 0x400 /* setup_sects 1 */
#define BZ_LEN (PM_OFFSET + 0x1000)

static char why[256];

static void put(uint8_t *p, uint64_t v, unsigned n)
{
	memcpy(p, &v, n);
}

static uint64_t get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

/* A bzImage as Debian's setup header describes it, 4 KiB of payload. */
static uint8_t *bzimage(void)
{
	uint8_t *f = calloc(1, BZ_LEN);

	f[0x1f1] = 1; /* setup_sects */
	put(f + 0x1fe, 0xaa55, 2);
	f[0x200] = 0xeb;
	f[0x201] = 0x6a; /* the header ends at 0x26c */
	memcpy(f + 0x202, "HdrS", 4);
	put(f + 0x206, 0x020f, 2);
	f[0x211] = 0x01; /* LOADED_HIGH */
	put(f + 0x22c, 0x7fffffff, 4); /* initrd_addr_max */
	put(f + 0x230, 0x200000, 4); /* kernel_alignment */
	f[0x234] = 1; /* relocatable */
	put(f + 0x236, 0x7f, 2); /* xloadflags */
	put(f + 0x238, 0x7ff, 4); /* cmdline_size */
	put(f + 0x258, 0x1000000, 8); /* pref_address */
	put(f + 0x260, 0x400000, 4); /* init_size */
	for (unsigned i = PM_OFFSET; i < BZ_LEN; i++)
		f[i] = (uint8_t)(i * 7);
	return f;
}

static int parse(const uint8_t *f, size_t len, uint64_t ram, uint64_t initrd,
		 uint64_t cmdline, struct lx_image *img)
{
	void *copy = unit_dup(f, len);
	int r;

	why[0] = '\0';
	r = lx_parse(copy, len, ram, initrd, cmdline, img, why, sizeof(why));
	free(copy);
	return r;
}

static void refuse_bz(uint8_t *f, size_t len, uint64_t ram, uint64_t initrd,
		      uint64_t cmdline, const char *msg)
{
	struct lx_image img;

	assert_int_equal(parse(f, len, ram, initrd, cmdline, &img), -1);
	assert_string_equal(why, msg);
	free(f);
}

static void test_bzimage_refusals(void **state)
{
	uint8_t *f;

	(void)state;
	refuse_bz(bzimage(), 0x260, RAM, 0, 10,
		  "bzImage: truncated: 0x260 bytes, the setup header up to init_size needs 0x268");
	f = bzimage();
	put(f + 0x1fe, 0x1234, 2);
	refuse_bz(f, BZ_LEN, RAM, 0, 10, "bzImage: boot_flag 0x1234 at 0x1fe is not 0xaa55");
	f = bzimage();
	put(f + 0x206, 0x020b, 2);
	refuse_bz(f, BZ_LEN, RAM, 0, 10,
		  "bzImage: boot protocol version 2.11 is older than 2.12 (the 64-bit entry needs xloadflags)");
	f = bzimage();
	put(f + 0x236, 0x7e, 2);
	refuse_bz(f, BZ_LEN, RAM, 0, 10,
		  "bzImage: xloadflags 0x7e has no XLF_KERNEL_64 (bit 0): no 64-bit entry");
	f = bzimage();
	f[0x234] = 0;
	refuse_bz(f, BZ_LEN, RAM, 0, 10,
		  "bzImage: relocatable_kernel is 0: hv places kernels at an aligned address of its choice");
	f = bzimage();
	put(f + 0x230, 0x300000, 4);
	refuse_bz(f, BZ_LEN, RAM, 0, 10,
		  "bzImage: kernel_alignment 0x300000 is not a power of two from 4 KiB to 1 GiB");
	f = bzimage();
	f[0x1f1] = 20; /* the protected-mode part at 0x2a00, past the file */
	refuse_bz(f, BZ_LEN, RAM, 0, 10,
		  "bzImage: truncated: setup_sects 20 puts the protected-mode part at 0x2a00, past the file's 0x1400 bytes");
	f = bzimage();
	put(f + 0x260, 0x100, 4);
	refuse_bz(f, BZ_LEN, RAM, 0, 10,
		  "bzImage: init_size 0x100 is smaller than the protected-mode part (0x1000 bytes)");
	refuse_bz(bzimage(), BZ_LEN, 18 * MIB, 0, 10,
		  "bzImage: init_size: the kernel's [0x1000000, 0x1400000) does not fit its RAM [0, 0x1200000)");
	refuse_bz(bzimage(), BZ_LEN, RAM, 0, 0x800,
		  "the command line (2048 bytes) is longer than cmdline_size 2047");
	refuse_bz(bzimage(), BZ_LEN, 24 * MIB, 5 * MIB, 10,
		  "initrd: 0x500000 bytes do not fit between the kernel's end 0x1400000 and 0x1800000 (the RAM's end or initrd_addr_max)");
}

static void test_bzimage_loads(void **state)
{
	static uint8_t ram[RAM];
	uint8_t *f = bzimage(), initrd[5000];
	struct lx_image img;
	struct lx_entry e;
	const char *cmd = "console=ttyS0 reboot=acpi";
	struct lx_boot boot = {
		.ram_size = RAM,
		.cmdline = cmd,
		.initrd = initrd,
		.initrd_size = sizeof(initrd),
		.rsdp = 0xe0000,
	};
	const uint8_t *zp = ram + LX_BOOT_PARAMS;

	(void)state;
	memset(initrd, 0x5a, sizeof(initrd));
	memset(ram, 0xee, sizeof(ram));
	assert_int_equal(parse(f, BZ_LEN, RAM, sizeof(initrd), strlen(cmd), &img), 0);
	assert_int_equal(img.kind, LX_KIND_BZIMAGE);
	assert_int_equal(img.load_addr, 0x1000000);
	lx_load(f, &img, &boot, ram, &e);
	assert_true(e.long_mode);
	assert_int_equal(e.rip, 0x1000200);
	assert_int_equal(e.rsi, LX_BOOT_PARAMS);
	assert_memory_equal(ram + 0x1000000, f + PM_OFFSET, 0x1000);
	/* zeros to init_size after the file */
	assert_int_equal(ram[0x1000000 + 0x1000], 0);
	assert_int_equal(ram[0x1000000 + 0x3fffff], 0);
	/* the header copied, the loader's fields filled */
	assert_memory_equal(zp + 0x202, "HdrS", 4);
	assert_int_equal(zp[0x210], 0xff);
	assert_int_equal(zp[0x211] & 1, 1);
	assert_int_equal(get(zp + 0x228, 4), LX_CMDLINE);
	assert_string_equal((const char *)ram + LX_CMDLINE, cmd);
	assert_int_equal(get(zp + 0x070, 8), 0xe0000);
	/* the initrd at the top of RAM, page-aligned */
	assert_int_equal(get(zp + 0x218, 4), (RAM - sizeof(initrd)) & ~0xfffull);
	assert_int_equal(get(zp + 0x21c, 4), sizeof(initrd));
	assert_memory_equal(ram + get(zp + 0x218, 4), initrd, sizeof(initrd));
	/* the past-the-header area of boot_params is zero, not the file's */
	assert_int_equal(zp[0x26c], 0);
	/* e820: low RAM, the legacy hole, RAM from 1 MiB */
	assert_int_equal(zp[0x1e8], 3);
	assert_int_equal(get(zp + 0x2d0 + 8, 8), LX_LOW_RAM_END);
	assert_int_equal(get(zp + 0x2d0 + 20 + 16, 4), 2);
	assert_int_equal(get(zp + 0x2d0 + 40, 8), MIB);
	assert_int_equal(get(zp + 0x2d0 + 48, 8), RAM - MIB);
	/* identity map: 2 MiB pages, the kernel's 0x1000000 in PD 0 */
	assert_int_equal(get(ram + LX_PML4, 8) & ~0xfffull, LX_PML4 + 0x1000);
	assert_int_equal(get(ram + LX_PML4 + 0x2000 + 8 * 8, 8), 0x1000000 | 0x83);
	assert_int_equal(get(ram + LX_PML4 + 0x5000 + 511 * 8, 8),
			 0xffe00000ull | 0x83);
	/* __BOOT_CS: 64-bit code */
	assert_int_equal(get(ram + LX_GDT + LX_GDT_CODE64, 8), 0x00af9a000000ffffull);
	free(f);
}

/* An ELF64 vmlinux: one PT_LOAD of 0x2000 bytes at vaddr
 * 0xffffffff81000000, paddr 0x1000000, and a PT_NOTE with two notes,
 * the PVH one last. */
#define ELF_LEN 0x3000
static uint8_t *vmlinux(uint32_t entry)
{
	uint8_t *f = calloc(1, ELF_LEN), *ph, *n;

	memcpy(f, "\x7f" "ELF", 4);
	f[4] = 2;
	f[5] = 1;
	f[6] = 1;
	put(f + 16, 2, 2); /* ET_EXEC */
	put(f + 18, 62, 2);
	put(f + 20, 1, 4);
	put(f + 24, 0x1000000, 8); /* e_entry, as Linux's (a physical one) */
	put(f + 32, 64, 8);
	put(f + 54, 56, 2);
	put(f + 56, 2, 2);
	ph = f + 64;
	put(ph, 1, 4);
	put(ph + 8, 0x1000, 8);
	put(ph + 16, 0xffffffff81000000ull, 8);
	put(ph + 24, 0x1000000, 8);
	put(ph + 32, 0x1000, 8);
	put(ph + 40, 0x2000, 8);
	ph += 56;
	put(ph, 4, 4);
	put(ph + 8, 0x200, 8);
	put(ph + 32, 48, 8);
	n = f + 0x200;
	put(n, 4, 4);
	put(n + 4, 4, 4);
	put(n + 8, 6, 4);
	memcpy(n + 12, "Xen", 4);
	memcpy(n + 16, "linu", 4);
	n += 20;
	put(n, 4, 4);
	put(n + 4, 8, 4);
	put(n + 8, 18, 4);
	memcpy(n + 12, "Xen", 4);
	put(n + 16, entry, 8);
	for (unsigned i = 0x1000; i < 0x2000; i++)
		f[i] = (uint8_t)(i * 3);
	return f;
}

static void test_pvh_loads(void **state)
{
	static uint8_t ram[RAM];
	uint8_t *f = vmlinux(0x1000850), initrd[100];
	struct lx_image img;
	struct lx_entry e;
	struct lx_boot boot = {
		.ram_size = RAM,
		.cmdline = "console=ttyS0",
		.initrd = initrd,
		.initrd_size = sizeof(initrd),
		.rsdp = 0xe0000,
	};
	const uint8_t *si = ram + LX_BOOT_PARAMS, *mm;

	(void)state;
	memset(ram, 0xee, sizeof(ram));
	memset(initrd, 0x11, sizeof(initrd));
	assert_int_equal(lx_kind(f, ELF_LEN), LX_KIND_PVH);
	assert_int_equal(parse(f, ELF_LEN, RAM, sizeof(initrd), 13, &img), 0);
	lx_load(f, &img, &boot, ram, &e);
	assert_false(e.long_mode);
	assert_int_equal(e.rip, 0x1000850);
	assert_int_equal(e.ebx, LX_BOOT_PARAMS);
	assert_memory_equal(ram + 0x1000000, f + 0x1000, 0x1000);
	assert_int_equal(ram[0x1001000], 0); /* bss */
	assert_int_equal(get(si, 4), 0x336ec578);
	assert_int_equal(get(si + 4, 4), 1);
	assert_int_equal(get(si + 12, 4), 1);
	assert_int_equal(get(ram + get(si + 16, 8), 8), e.initrd_addr);
	assert_int_equal(get(ram + get(si + 16, 8) + 8, 8), sizeof(initrd));
	assert_memory_equal(ram + e.initrd_addr, initrd, sizeof(initrd));
	assert_string_equal((const char *)ram + get(si + 24, 8), "console=ttyS0");
	assert_int_equal(get(si + 32, 8), 0xe0000);
	assert_int_equal(get(si + 48, 4), 3);
	mm = ram + get(si + 40, 8);
	assert_int_equal(get(mm + 48, 8), MIB);
	assert_int_equal(get(mm + 56, 8), RAM - MIB);
	assert_int_equal(get(mm + 64, 4), 1);
	assert_int_equal(get(ram + LX_GDT + LX_GDT_CODE32, 8), 0x00cf9a000000ffffull);
	free(f);
}

static void refuse_elf(uint8_t *f, size_t len, uint64_t ram, const char *msg)
{
	struct lx_image img;

	assert_int_equal(parse(f, len, ram, 0, 10, &img), -1);
	assert_string_equal(why, msg);
	free(f);
}

static void test_pvh_refusals(void **state)
{
	uint8_t *f;

	(void)state;
	f = vmlinux(0x1000850);
	put(f + 0x200 + 20 + 8, 17, 4);
	refuse_elf(f, ELF_LEN, RAM,
		   "ELF: no XEN_ELFNOTE_PHYS32_ENTRY note (Xen note type 18) and no multiboot header: neither a PVH kernel nor a multiboot image");
	refuse_elf(vmlinux(0x3000000), ELF_LEN, RAM,
		   "ELF: XEN_ELFNOTE_PHYS32_ENTRY 0x3000000 is outside every loaded segment");
	f = vmlinux(0x1000850);
	put(f + 0x200 + 24, 13, 4); /* descsz 13: runs past the segment */
	refuse_elf(f, ELF_LEN, RAM,
		   "ELF: a note at offset 0x214 (namesz 4, descsz 13) runs past its PT_NOTE segment");
	refuse_elf(vmlinux(0x1000850), 0x1800, RAM,
		   "ELF: segment 0: p_offset 0x1000 + p_filesz 0x1000 lies past the end of the file");
	refuse_elf(vmlinux(0x1000850), ELF_LEN, 0x1001000,
		   "ELF: segments: the kernel's [0x1000000, 0x1002000) does not fit its RAM [0, 0x1001000)");
	f = vmlinux(0x50);
	put(f + 64 + 24, 0, 8); /* paddr 0 */
	put(f + 24, 0x50, 8);
	refuse_elf(f, ELF_LEN, RAM,
		   "ELF: a segment starts at 0x0, below 1 MiB, where hv puts the boot information");
}

static void test_kind(void **state)
{
	uint8_t *f = bzimage();

	(void)state;
	assert_int_equal(lx_kind(f, BZ_LEN), LX_KIND_BZIMAGE);
	put(f + 0x100, 0x1badb002, 4); /* a multiboot magic wins */
	assert_int_equal(lx_kind(f, BZ_LEN), LX_KIND_MULTIBOOT);
	assert_int_equal(lx_kind("junk", 4), LX_KIND_MULTIBOOT);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bzimage_refusals),
		cmocka_unit_test(test_bzimage_loads),
		cmocka_unit_test(test_pvh_loads),
		cmocka_unit_test(test_pvh_refusals),
		cmocka_unit_test(test_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
