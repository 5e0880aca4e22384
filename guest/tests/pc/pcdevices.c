// SPDX-License-Identifier: MIT
/*
 * The small devices a pc partition sees (docs/platform.md), as a kernel
 * probes them: fw_cfg's signature, RAM size and CPU count; ports with no
 * device (all ones, writes ignored, and the kernel goes on); the PIC's
 * mask registers; PCI configuration space with no device; COM1's
 * transmitter always empty; isa-debug-exit, with the cmdline's pass=N
 * as the value written when every check passed. cmdline: cpus=N, what
 * fw_cfg must count.
 */
#include "guest/tests/pc/rt/pcrt.h"

const char test_name[] = "pcdevices";

#define fw_cfg_read pc_fw_cfg_read

static void check_fw_cfg(const struct mb_info *mbi)
{
	char sig[5] = { 0 };
	uint32_t id = 0, cpus = 0, max_cpus = 0, want = pc_cmdline_u32("cpus", 1);
	uint64_t ram = 0, top, zeros = ~0ull;

	fw_cfg_read(0x0000, sig, 4);
	test_check("fw-cfg-signature", !memcmp(sig, "QEMU", 4),
		   "signature '%s'", sig);
	fw_cfg_read(0x0001, &id, 4);
	test_check("fw-cfg-id", id & 1, "features 0x%x lack the I/O interface", id);
	fw_cfg_read(0x0003, &ram, 8);
	/* The same memory as mem_upper counts from 1 MiB up: exactly under
	 * hv, whose RAM is all available; QEMU keeps its top 128 KiB for
	 * its own tables. */
	top = ((uint64_t)mbi->mem_upper + 1024) * 1024;
	test_check("fw-cfg-ram-size",
		   pc_under_hv() ? ram == top : ram >= top && ram - top < 0x100000,
		   "0x%llx bytes, mem_upper %u KiB", ram, mbi->mem_upper);
	fw_cfg_read(0x0005, &cpus, 2);
	fw_cfg_read(0x000f, &max_cpus, 2);
	test_check("fw-cfg-cpus", cpus == want && max_cpus == want,
		   "%u cpus, %u at most, want %u", cpus, max_cpus, want);
	/* A key nobody defines reads as zeros. */
	fw_cfg_read(0x3fff, &zeros, 8);
	test_check("fw-cfg-unknown-key", zeros == 0, "0x%llx", zeros);
	/* Selecting again starts the item again. */
	fw_cfg_read(0x0000, sig, 2);
	test_check("fw-cfg-rewind", sig[0] == 'Q' && sig[1] == 'E', "'%c%c'",
		   sig[0], sig[1]);
}

static void check_unknown_ports(void)
{
	uint8_t b;
	uint16_t w;
	uint32_t l;

	outb(0x220, 0x5a);
	outw(0x1e0, 0x1234);
	outl(0x1e4, 0x89abcdef);
	b = inb(0x220);
	w = inw(0x1e0);
	l = inl(0x1e4);
	test_check("unknown-ports-all-ones", b == 0xff && w == 0xffff && l == 0xffffffff,
		   "0x220 0x%x, 0x1e0 0x%x, 0x1e4 0x%x", b, w, l);
	/* Many of them: each is logged once, rate-limited, and the kernel
	 * is not stopped for any. */
	l = 0xffffffff;
	for (uint16_t p = 0x6000; p < 0x6400; p += 4)
		l &= inl(p);
	test_check("unknown-ports-scan", l == 0xffffffff, "and of 256 reads 0x%x", l);
}

static void check_pic(void)
{
	/* The initialization Linux does, then masks read back. */
	outb(0x20, 0x11);
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, 0x28);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0xfb);
	outb(0xa1, 0xff);
	test_check("pic-masks", inb(0x21) == 0xfb && inb(0xa1) == 0xff,
		   "masks 0x%x 0x%x", inb(0x21), inb(0xa1));
	outb(0x21, 0xff);
	test_check("pic-mask-all", inb(0x21) == 0xff, "mask 0x%x", inb(0x21));
}

static uint32_t pci_read(uint32_t bus, uint32_t dev, uint32_t fn, uint32_t reg)
{
	outl(0xcf8, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | reg);
	return inl(0xcfc);
}

static void check_pci(void)
{
	uint32_t v;

	/* A bus no PC has: no device, on any machine. */
	v = pci_read(0x42, 0x1f, 7, 0);
	test_check("pci-absent-device", v == 0xffffffff, "vendor/device 0x%x", v);
	test_check("pci-address-reads-back", inl(0xcf8) == 0x80420000u + (0x1f << 11) + (7 << 8),
		   "0xcf8 0x%x", inl(0xcf8));
	/* hv's platform has no PCI device at all; QEMU's has a host bridge. */
	if (pc_under_hv()) {
		v = pci_read(0, 0, 0, 0);
		test_check("pci-no-device", v == 0xffffffff && inw(0xcfc) == 0xffff &&
					  inb(0xcfe) == 0xff,
			   "bus 0 device 0 reads 0x%x", v);
	} else {
		test_skip("pci-no-device", "QEMU's PC has a host bridge at 0:0.0");
	}
}

static void check_uart(void)
{
	uint8_t lsr;

	/* Right after a byte, the transmitter is empty again. */
	outb(0x3f8, '.');
	lsr = inb(0x3fd);
	pc_putc('\n');
	test_check("uart-transmitter-empty", (lsr & 0x60) == 0x60, "lsr 0x%x", lsr);
}

void test_main(uint32_t magic, const struct mb_info *mbi)
{
	if (magic != MB_BOOTLOADER_MAGIC) {
		test_fail("magic", "eax 0x%x", magic);
		return;
	}
	check_fw_cfg(mbi);
	check_unknown_ports();
	check_pic();
	check_pci();
	check_uart();
	test_check("debug-exit-reads", inb(0xf4) == 0,
		   "0xf4 reads 0x%x", inb(0xf4));
}
