// SPDX-License-Identifier: MIT
/*
 * A pc partition's start (docs/platform.md): its kernel, a multiboot v1
 * image, loaded into its RAM by lib/multiboot.c with its modules and the
 * boot information, and its first vCPU's entry as the Multiboot
 * Specification's "Machine state" says: 32-bit protected mode, paging
 * off, flat segments, EAX = 0x2BADB002, EBX = the information.
 */
#include "hv/partition.h"

#include "hv/errno.h"
#include "hv/log.h"
#include "lib/fmt.h"
#include "lib/linuxboot.h"
#include "lib/multiboot.h"

static const char *const formats[] = {
	[MB_FORMAT_AOUT_KLUDGE] = "address fields (flag 16)",
	[MB_FORMAT_ELF32] = "ELF32",
	[MB_FORMAT_ELF64] = "ELF64",
};

int pc_load(struct partition *p, const struct partition_spec *sp,
	    struct vcpu_pc_entry *entry)
{
	const struct hv_boot_module *k = sp->kernel;
	const void *file = (const void *)(uintptr_t)k->phys;
	/* GRUB's way: the command line begins with the image's name. Two
	 * vCPUs of the parent may build partitions at once: on the stack. */
	char cmdline[HV_PATH_MAX + HV_CMDLINE_MAX + 1];
	struct mb_boot boot = {
		.ram_size = p->ram_size,
		.cmdline = cmdline,
		.loader_name = "hv",
		.module_count = sp->program_count,
	};
	struct mb_placed placed;
	struct mb_image img;
	const char *missing = vcpu_arch_pc_missing();
	char why[200];

	if (missing) {
		pr_err("partition %s: platform = pc needs %s, which this CPU lacks",
		       p->name, missing);
		return HV_ENOSYS;
	}
	if (lx_kind(file, k->size) != LX_KIND_MULTIBOOT)
		return linux_load(p, sp, entry);
	if (mb_parse(file, k->size, &img, why, sizeof(why))) {
		pr_err("partition %s: %s: %s", p->name, k->path, why);
		return HV_EINVAL;
	}
	if (img.hi > p->ram_size) {
		pr_err("partition %s: %s: the image's segments [0x%lx, 0x%lx) do not fit its RAM [0, 0x%lx)",
		       p->name, k->path, img.lo, img.hi, p->ram_size);
		return HV_EINVAL;
	}
	fmt_snprintf(cmdline, sizeof(cmdline), "%s%s%s", k->path,
		     sp->cmdline && sp->cmdline[0] ? " " : "",
		     sp->cmdline ? sp->cmdline : "");
	for (uint32_t i = 0; i < sp->program_count && i < MB_MAX_MODULES; i++) {
		boot.modules[i].data =
			(const void *)(uintptr_t)sp->programs[i]->phys;
		boot.modules[i].size = sp->programs[i]->size;
		boot.modules[i].string = sp->programs[i]->path;
	}
	mb_load(file, k->size, &img, partition_gpa_to_hva(p, 0, p->ram_size));
	if (mb_build_info(partition_gpa_to_hva(p, 0, p->ram_size), &img, &boot,
			  &placed, why, sizeof(why))) {
		pr_err("partition %s: %s: %s", p->name, k->path, why);
		return HV_ENOSPC;
	}
	*entry = (struct vcpu_pc_entry){
		.mode = VCPU_PC_PROTECTED32,
		.eip = img.entry,
		/* The specification leaves ESP undefined: the kernel sets
		 * its own stack before it uses one. */
		.esp = 0,
		.eax = MB_BOOTLOADER_MAGIC,
		.ebx = placed.info,
		.gdt_base = placed.gdt,
		.gdt_limit = placed.gdt_limit,
		.code_sel = MB_GDT_CODE,
		.data_sel = MB_GDT_DATA,
	};
	if (!p->restart_quiet)
		pr_info("partition %s: multiboot image by %s, [0x%lx, 0x%lx), entry 0x%x; information at 0x%x, %u module(s)",
			p->name, formats[img.format], img.lo, img.hi, img.entry,
			placed.info, boot.module_count);
	return 0;
}
