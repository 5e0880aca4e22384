// SPDX-License-Identifier: MIT
/*
 * A pc partition that boots Linux (docs/linux.md): its bzImage or PVH
 * vmlinux, initrd and command line laid out by lib/linuxboot.c, its ACPI
 * tables by lib/acpigen.c, and its first vCPU's entry: 64-bit mode at the
 * protected-mode part's +0x200 with RSI at the zero page (Linux's
 * "64-bit Boot Protocol"), or 32-bit protected mode with paging off at
 * the PVH note's address with EBX at hvm_start_info.
 */
#include "hv/partition.h"

#include "hv/errno.h"
#include "hv/log.h"
#include "lib/acpigen.h"
#include "lib/linuxboot.h"
#include "lib/string.h"

int linux_load(struct partition *p, const struct partition_spec *sp,
	       struct vcpu_pc_entry *entry)
{
	const struct hv_boot_module *k = sp->kernel, *rd = sp->initrd;
	const void *file = (const void *)(uintptr_t)k->phys;
	const char *cmdline = sp->cmdline ? sp->cmdline : "";
	void *ram = partition_gpa_to_hva(p, 0, p->ram_size);
	struct lx_boot boot = {
		.ram_size = p->ram_size,
		.cmdline = cmdline,
		.initrd = rd ? (const void *)(uintptr_t)rd->phys : NULL,
		.initrd_size = rd ? rd->size : 0,
		.rsdp = LX_ACPI,
	};
	struct lx_image img;
	struct lx_entry e;
	char why[200];

	if (lx_parse(file, k->size, p->ram_size, boot.initrd_size,
		     strlen(cmdline), &img, why, sizeof(why))) {
		pr_err("partition %s: %s: %s", p->name, k->path, why);
		return HV_EINVAL;
	}
	if (!acpigen_build((char *)ram + LX_ACPI, LX_ACPI_SIZE, LX_ACPI,
			   sp->vcpus)) {
		pr_err("partition %s: no room for its ACPI tables", p->name);
		return HV_ENOSPC;
	}
	lx_load(file, &img, &boot, ram, &e);
	*entry = (struct vcpu_pc_entry){
		.mode = e.long_mode ? VCPU_PC_LONG64 : VCPU_PC_PROTECTED32,
		.eip = e.rip,
		.ebx = e.ebx,
		.esi = e.rsi,
		.cr3 = LX_PML4,
		.gdt_base = LX_GDT,
		.gdt_limit = lx_gdt_limit(),
		.code_sel = e.long_mode ? LX_GDT_CODE64 : LX_GDT_CODE32,
		.data_sel = LX_GDT_DATA,
	};
	if (!p->restart_quiet)
		pr_info("partition %s: Linux %s by %s, [0x%lx, 0x%lx), entry 0x%x; initrd %s at 0x%lx (%lu bytes); ACPI at 0x%x",
			p->name, k->path,
			img.kind == LX_KIND_BZIMAGE ? "bzImage, 64-bit boot protocol" :
						      "vmlinux, PVH entry",
			img.load_addr, img.load_end, e.rip, rd ? rd->path : "none",
			e.initrd_addr, boot.initrd_size, LX_ACPI);
	return 0;
}
