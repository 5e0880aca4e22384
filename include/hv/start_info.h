/* SPDX-License-Identifier: MIT */
/*
 * What a guest kernel finds at entry. hv enters the kernel's ELF entry
 * point in 64-bit mode at CPL 0 with RDI = guest-physical address of this
 * struct. docs/guest.md describes the whole entry state.
 */
#ifndef HV_START_INFO_H
#define HV_START_INFO_H

#include <stdint.h>

#define HV_START_INFO_MAGIC 0x4f464e4954525453ULL /* "STRTINFO" */
#define HV_START_INFO_VERSION 1
#define HV_START_PARENT 1u /* this partition may manage others */
#define HV_START_INTERACTIVE 2u /* parent only: a person is at the console */

#define HV_START_MAX_MODULES 8

struct hv_start_module {
	uint64_t gpa; /* where hv placed it in the partition's RAM */
	uint64_t size;
	char name[32];
};

struct hv_start_info {
	uint64_t magic;
	uint32_t version;
	uint32_t partition_id;
	char name[32];
	uint64_t ram_size; /* RAM is guest-physical [0, ram_size) */
	uint32_t flags; /* HV_START_* */
	uint32_t module_count;
	char cmdline[128];
	struct hv_start_module modules[HV_START_MAX_MODULES];
};

/*
 * The guest-physical layout hv builds before entry. The kernel image is
 * linked at or above HV_GUEST_IMAGE_MIN; everything below belongs to the
 * entry state and may be reused once the kernel has its own.
 */
#define HV_GUEST_START_INFO ((uint64_t)0x1000)
#define HV_GUEST_GDT ((uint64_t)0x2000)
#define HV_GUEST_PAGE_TABLES ((uint64_t)0x3000) /* PML4, PDPT, 4 PDs: 0..4 GiB */
#define HV_GUEST_STACK_TOP ((uint64_t)0x20000)
#define HV_GUEST_IMAGE_MIN ((uint64_t)0x100000)

/* Selectors in hv's entry GDT. */
#define HV_GUEST_SEL_CODE 0x08
#define HV_GUEST_SEL_DATA 0x10

#endif
