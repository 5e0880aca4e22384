/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the UEFI loader. boot/ is the only part of hv that
 * calls the firmware; everything it learns goes into struct hv_boot_info.
 */
#ifndef BOOT_LOADER_H
#define BOOT_LOADER_H

#include <stdbool.h>

#include <efi.h>
#include <efilib.h>

#include "hv/boot_info.h"

/* Console: COM1 and the UEFI text console, every line prefixed "hv: ". */
void blog_init(void);
void blog_set_level(uint32_t level);
/* After ExitBootServices only COM1 may be used. */
void blog_firmware_gone(void);
void blog(uint32_t level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define binfo(...) blog(HV_LOG_INFO, __VA_ARGS__)
#define bwarn(...) blog(HV_LOG_WARN, __VA_ARGS__)
#define bdebug(...) blog(HV_LOG_DEBUG, __VA_ARGS__)

/*
 * Reads a whole file from the ESP the loader came from. path uses '/'.
 * On failure returns an error and puts the reason (without the path) in
 * why. The buffer comes from the UEFI pool: free it with FreePool.
 */
EFI_STATUS esp_read_file(EFI_HANDLE image, const char *path, void **buf,
			 UINTN *len, char *why, UINTN whylen);

/* Pages for a buffer of bytes bytes: at least one, so an empty file too
 * has an address. */
static inline UINTN loader_pages(uint64_t bytes)
{
	return bytes ? (UINTN)((bytes + 4095) / 4096) : 1;
}

/* Pages of the loader's own (EfiLoaderData), which hv's memory map
 * lists as HV_BOOT or the loader frees. */
EFI_STATUS alloc_pages(EFI_ALLOCATE_TYPE type, UINTN pages,
		       EFI_PHYSICAL_ADDRESS *addr);

/*
 * The same into pages of its own (alloc_pages, at least one): *addr,
 * *pages to free them with FreePages, and the file's size in *len.
 */
EFI_STATUS esp_read_pages(EFI_HANDLE image, const char *path,
			  EFI_PHYSICAL_ADDRESS *addr, UINTN *pages, UINTN *len,
			  char *why, UINTN whylen);

/* Physical address of the ACPI RSDP, or 0 when the firmware has none. */
uint64_t platform_find_rsdp(void);
/* Fills bi->cpus, cpu_count and cpu_source; prints the cpus line. */
void platform_find_cpus(struct hv_boot_info *bi);
/* Fills bi->poweroff; prints how hv will power off. */
void platform_find_poweroff(struct hv_boot_info *bi);
/* Prints one line per VT-x capability. Returns false with the reason. */
bool platform_check_vtx(char *why, UINTN whylen);
/* TSC frequency in Hz, measured against the firmware's Stall(). */
uint64_t platform_tsc_hz(void);
/* The firmware's clock into bi->wallclock, with the TSC it was read at. */
void platform_wallclock(struct hv_boot_info *bi);

/*
 * Takes the final memory map, exits boot services and converts the map
 * into bi. Returns only on failure, with the firmware still in charge; a
 * failure after ExitBootServices was called prints on COM1 and halts.
 */
EFI_STATUS efi_exit_boot_services(EFI_HANDLE image, struct hv_boot_info *bi);

#endif
