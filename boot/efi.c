// SPDX-License-Identifier: MIT
/* File access and the hand-over of the machine: the loader's firmware door. */
#include "boot/loader.h"

#include "lib/exitbs.h"
#include "lib/fmt.h"
#include "lib/string.h"

static EFI_FILE_HANDLE esp_root(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li = NULL;

	if (EFI_ERROR(BS->HandleProtocol(image, &LoadedImageProtocol,
					 (void **)&li)))
		return NULL;
	return LibOpenRoot(li->DeviceHandle);
}

static const char *efi_reason(EFI_STATUS s)
{
	switch (s) {
	case EFI_NOT_FOUND:
		return "not found";
	case EFI_VOLUME_CORRUPTED:
		return "the file system is corrupted";
	case EFI_DEVICE_ERROR:
		return "device error";
	case EFI_OUT_OF_RESOURCES:
		return "out of memory";
	case EFI_ACCESS_DENIED:
		return "access denied";
	default:
		return "cannot be read";
	}
}

/* Opens path on the ESP for reading and gives its size. */
static EFI_STATUS esp_open(EFI_HANDLE image, const char *path,
			   EFI_FILE_HANDLE *fp, UINTN *size, char *why,
			   UINTN whylen)
{
	CHAR16 wpath[HV_PATH_MAX];
	EFI_FILE_HANDLE root, f = NULL;
	EFI_FILE_INFO *info;
	EFI_STATUS s;
	UINTN i;

	for (i = 0; path[i] && i + 1 < HV_PATH_MAX; i++)
		wpath[i] = path[i] == '/' ? L'\\' : (CHAR16)path[i];
	wpath[i] = 0;

	root = esp_root(image);
	if (!root) {
		fmt_snprintf(why, whylen, "the boot volume cannot be opened");
		return EFI_NOT_FOUND;
	}
	s = root->Open(root, &f, wpath, EFI_FILE_MODE_READ, 0);
	root->Close(root);
	if (EFI_ERROR(s)) {
		fmt_snprintf(why, whylen, "%s", efi_reason(s));
		return s;
	}
	info = LibFileInfo(f);
	if (!info) {
		f->Close(f);
		fmt_snprintf(why, whylen, "its size cannot be read");
		return EFI_DEVICE_ERROR;
	}
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		FreePool(info);
		f->Close(f);
		fmt_snprintf(why, whylen, "is a directory");
		return EFI_NOT_FOUND;
	}
	*size = info->FileSize;
	FreePool(info);
	*fp = f;
	return EFI_SUCCESS;
}

/* Reads all size bytes of f into data, and closes f. */
static EFI_STATUS esp_read_all(EFI_FILE_HANDLE f, void *data, UINTN size,
			       char *why, UINTN whylen)
{
	UINTN got = size;
	EFI_STATUS s = f->Read(f, &got, data);

	f->Close(f);
	if (EFI_ERROR(s) || got != size) {
		fmt_snprintf(why, whylen, "short read (%lu of %lu bytes)",
			     (uint64_t)got, (uint64_t)size);
		return EFI_ERROR(s) ? s : EFI_DEVICE_ERROR;
	}
	return EFI_SUCCESS;
}

EFI_STATUS esp_read_file(EFI_HANDLE image, const char *path, void **buf,
			 UINTN *len, char *why, UINTN whylen)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS s;
	UINTN size;
	void *data;

	s = esp_open(image, path, &f, &size, why, whylen);
	if (EFI_ERROR(s))
		return s;
	data = AllocatePool(size ? size : 1);
	if (!data) {
		f->Close(f);
		fmt_snprintf(why, whylen, "out of memory (%lu bytes)",
			     (uint64_t)size);
		return EFI_OUT_OF_RESOURCES;
	}
	s = esp_read_all(f, data, size, why, whylen);
	if (EFI_ERROR(s)) {
		FreePool(data);
		return s;
	}
	*buf = data;
	*len = size;
	return EFI_SUCCESS;
}

EFI_STATUS alloc_pages(EFI_ALLOCATE_TYPE type, UINTN pages,
		       EFI_PHYSICAL_ADDRESS *addr)
{
	return BS->AllocatePages(type, EfiLoaderData, pages, addr);
}

EFI_STATUS esp_read_pages(EFI_HANDLE image, const char *path,
			  EFI_PHYSICAL_ADDRESS *addr, UINTN *pages, UINTN *len,
			  char *why, UINTN whylen)
{
	EFI_PHYSICAL_ADDRESS a;
	EFI_FILE_HANDLE f;
	EFI_STATUS s;
	UINTN size, n;

	s = esp_open(image, path, &f, &size, why, whylen);
	if (EFI_ERROR(s))
		return s;
	n = loader_pages(size);
	s = alloc_pages(AllocateAnyPages, n, &a);
	if (EFI_ERROR(s)) {
		f->Close(f);
		fmt_snprintf(why, whylen, "out of memory (%lu bytes)",
			     (uint64_t)size);
		return EFI_OUT_OF_RESOURCES;
	}
	s = esp_read_all(f, (void *)(uintptr_t)a, size, why, whylen);
	if (EFI_ERROR(s)) {
		BS->FreePages(a, n);
		return s;
	}
	*addr = a;
	*pages = n;
	*len = size;
	return EFI_SUCCESS;
}

static uint32_t hv_mem_type(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiConventionalMemory:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiLoaderCode:
		return HV_MEM_USABLE;
	case EfiACPIReclaimMemory:
	case EfiACPIMemoryNVS:
		return HV_MEM_ACPI;
	case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData:
		return HV_MEM_RUNTIME;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace:
		return HV_MEM_MMIO;
	default:
		/* EfiLoaderData holds hv's own allocations, listed below. */
		return HV_MEM_RESERVED;
	}
}

static void add_region(struct hv_boot_info *bi, uint64_t base, uint64_t size,
		       uint32_t type)
{
	struct hv_memmap_entry *e;

	if (bi->memmap_count && type != HV_MEM_HV_IMAGE &&
	    type != HV_MEM_HV_POOL && type != HV_MEM_HV_BOOT) {
		e = &bi->memmap[bi->memmap_count - 1];
		if (e->type == type && e->base + e->size == base) {
			e->size += size;
			return;
		}
	}
	if (bi->memmap_count >= HV_MAX_MEMMAP)
		return; /* hv only needs its own regions, which come first */
	e = &bi->memmap[bi->memmap_count++];
	e->base = base;
	e->size = size;
	e->type = type;
	e->reserved = 0;
}

/* The map buffer and what GetMemoryMap last put in it. */
struct final_map {
	EFI_HANDLE image;
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN size, n, desc_size;
	UINT32 desc_version;
};

static uint64_t final_get_map(void *ctx, uint64_t *key)
{
	struct final_map *fm = ctx;
	UINTN k = 0;
	EFI_STATUS s;

	fm->n = fm->size;
	s = BS->GetMemoryMap(&fm->n, fm->map, &k, &fm->desc_size,
			     &fm->desc_version);
	*key = k;
	return EFI_ERROR(s) ? s : 0;
}

static uint64_t final_exit(void *ctx, uint64_t key)
{
	struct final_map *fm = ctx;

	EFI_STATUS s = BS->ExitBootServices(fm->image, (UINTN)key);

	return EFI_ERROR(s) ? s : 0;
}

EFI_STATUS efi_exit_boot_services(EFI_HANDLE image, struct hv_boot_info *bi)
{
	struct final_map fm = { .image = image };
	const struct exitbs_ops ops = { final_get_map, final_exit, &fm };
	UINTN key, n, desc_size;
	EFI_MEMORY_DESCRIPTOR *map;
	uint64_t status;
	EFI_STATUS s;

	s = BS->GetMemoryMap(&fm.size, NULL, &key, &fm.desc_size,
			     &fm.desc_version);
	if (s != EFI_BUFFER_TOO_SMALL)
		return s;
	/* Room for the descriptors our own allocation may add. */
	fm.size += 8 * fm.desc_size;
	fm.map = AllocatePool(fm.size);
	if (!fm.map)
		return EFI_OUT_OF_RESOURCES;

	/*
	 * No firmware allocation may happen between the two calls, so
	 * nothing is printed in lib/exitbs.h's sequence. Once it has called
	 * ExitBootServices a failure cannot be handed back to the firmware
	 * (lib/exitbs.h): COM1 says why, and this CPU stops.
	 */
	switch (exitbs_run(&ops, &status)) {
	case EXITBS_DONE:
		break;
	case EXITBS_REFUSED:
		FreePool(fm.map);
		return (EFI_STATUS)status;
	case EXITBS_BROKEN:
		blog_firmware_gone();
		blog(HV_LOG_ERROR,
		     "cannot start: ExitBootServices failed (status 0x%lx) after the firmware may have shut down part of its services: halted here, the machine must be reset",
		     status);
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	map = fm.map;
	n = fm.n;
	desc_size = fm.desc_size;
	blog_firmware_gone();

	/* hv's own regions first, so a full table never drops them. */
	bi->memmap_count = 0;
	add_region(bi, bi->image_base, bi->image_size, HV_MEM_HV_IMAGE);
	add_region(bi, bi->pool_base, bi->pool_size, HV_MEM_HV_POOL);
	add_region(bi, bi->self, (sizeof(*bi) + 4095) & ~4095ull,
		   HV_MEM_HV_BOOT);
	/* A file two partitions name is read once (boot/main.c): its
	 * pages are listed once. */
	for (uint32_t i = 0; i < bi->module_count; i++)
		if (!hv_module_shared(bi, i))
			add_region(bi, bi->modules[i].phys,
				   (bi->modules[i].size + 4095) & ~4095ull,
				   HV_MEM_HV_BOOT);
	for (UINTN off = 0; off + desc_size <= n; off += desc_size) {
		EFI_MEMORY_DESCRIPTOR *d = (void *)((char *)map + off);

		add_region(bi, d->PhysicalStart, d->NumberOfPages * 4096,
			   hv_mem_type(d->Type));
	}
	return EFI_SUCCESS;
}
