/* SPDX-License-Identifier: MIT */
/*
 * struct hv_boot_info: everything the loader learned from the firmware,
 * handed to the hv core at its entry point. The loader fills it before
 * ExitBootServices; the core copies it into its own memory first thing and
 * never calls the firmware.
 */
#ifndef HV_BOOT_INFO_H
#define HV_BOOT_INFO_H

#include <stdint.h>
#include "hv/manifest.h"

#define HV_BOOT_INFO_MAGIC 0x4f464e49544f4f42ULL /* "BOOTINFO" */
#define HV_BOOT_INFO_VERSION 1

#define HV_MAX_CPUS 64
#define HV_MAX_MEMMAP 256

enum hv_mem_type {
	HV_MEM_USABLE = 1, /* free RAM after ExitBootServices */
	HV_MEM_RESERVED = 2,
	HV_MEM_ACPI = 3, /* ACPI reclaimable or NVS */
	HV_MEM_MMIO = 4,
	HV_MEM_RUNTIME = 5, /* UEFI runtime code/data */
	HV_MEM_HV_IMAGE = 6, /* the hv core's loaded image */
	HV_MEM_HV_POOL = 7, /* hv's page pool */
	HV_MEM_HV_BOOT = 8, /* loader data still used by hv: boot_info */
};

struct hv_memmap_entry {
	uint64_t base;
	uint64_t size;
	uint32_t type; /* enum hv_mem_type */
	uint32_t reserved;
};

#define HV_CPU_BSP 1u
#define HV_CPU_ENABLED 2u

struct hv_cpu_desc {
	uint32_t apic_id;
	uint32_t flags; /* HV_CPU_* */
};

enum hv_cpu_source {
	HV_CPUS_NONE = 0,
	HV_CPUS_MADT = 1,
	HV_CPUS_MP_SERVICES = 2,
};

enum hv_poweroff_method {
	HV_POWEROFF_NONE = 0,
	HV_POWEROFF_ACPI = 1, /* write SLP_TYP|SLP_EN to PM1a (and PM1b) control */
	HV_POWEROFF_PIIX4 = 2, /* PIIX4 PM block: write 0x2000 to base + 4 */
};

struct hv_poweroff {
	uint32_t method; /* enum hv_poweroff_method */
	uint16_t pm1a_cnt; /* I/O port; 0 if absent */
	uint16_t pm1b_cnt; /* I/O port; 0 if absent */
	uint16_t slp_typ_a; /* from \_S5, already shifted out: 0..7 */
	uint16_t slp_typ_b;
	uint16_t piix4_base; /* PIIX4 PM I/O base */
	uint16_t reserved;
};

#define HV_MAX_MODULES 64

enum hv_module_kind {
	HV_MODULE_KERNEL = 1, /* a partition's kernel image */
	HV_MODULE_PROGRAM = 2, /* a user program for a partition's kernel */
	HV_MODULE_INITRD = 3, /* a pc partition's Linux initrd */
};

/*
 * A file the loader read for hv: a partition's kernel image, a program.
 * A path named more than once (two partitions with one kernel) is read
 * once: every record of it has the first one's phys and size, and hv
 * only ever reads the bytes, so the records share the pages.
 */
struct hv_boot_module {
	uint64_t phys; /* 4 KiB aligned, in loader memory listed as HV_BOOT */
	uint64_t size;
	uint32_t partition; /* index in the manifest */
	uint32_t kind; /* enum hv_module_kind */
	char path[HV_PATH_MAX]; /* as named in the manifest */
};

struct hv_boot_info {
	uint64_t magic;
	uint32_t version;
	uint32_t size; /* sizeof(struct hv_boot_info) as the loader saw it */

	uint64_t image_base; /* physical, 4 KiB aligned */
	uint64_t image_size;
	uint64_t pool_base; /* physical, 2 MiB aligned */
	uint64_t pool_size;
	uint64_t trampoline; /* physical page below 1 MiB for AP start-up */
	uint64_t self; /* physical address of this struct */

	uint64_t tsc_hz;
	uint64_t rsdp; /* physical, 0 when the firmware has no ACPI */

	uint32_t cpu_count;
	uint32_t cpu_source; /* enum hv_cpu_source */
	struct hv_cpu_desc cpus[HV_MAX_CPUS];

	struct hv_poweroff poweroff;

	struct hv_manifest manifest; /* parsed hv/hv.conf */

	uint32_t module_count;
	uint32_t reserved_modules;
	struct hv_boot_module modules[HV_MAX_MODULES];

	char version_str[32];
	char revision[48];
	char build_date[32];

	uint32_t memmap_count;
	uint32_t reserved;
	struct hv_memmap_entry memmap[HV_MAX_MEMMAP];

	/* The firmware's clock (UEFI GetTime) when the loader read it, as
	 * seconds since 1970-01-01 00:00:00, and the TSC then; 0 if the
	 * firmware has no clock. A pc partition's RTC shows it. */
	uint64_t wallclock;
	uint64_t wallclock_tsc;
};

/* Whether module i shares its pages with an earlier record: what maps or
 * lists module memory does so once. */
static inline int hv_module_shared(const struct hv_boot_info *bi, uint32_t i)
{
	for (uint32_t j = 0; j < i; j++)
		if (bi->modules[j].phys == bi->modules[i].phys)
			return 1;
	return 0;
}

#endif
