// SPDX-License-Identifier: MIT
/*
 * The UEFI loader: reads the manifest, checks hv.elf and the CPU, reserves
 * hv's memory, leaves the firmware and enters the core. Until the last step
 * every refusal returns to the firmware with everything it allocated freed.
 */
#include "boot/loader.h"

#include "lib/elf.h"
#include "lib/fmt.h"
#include "lib/manifest.h"
#include "lib/linuxboot.h"
#include "lib/lz4.h"
#include "lib/multiboot.h"
#include "lib/string.h"
#include "lib/vmxcap.h"
#include "hv/start_info.h"

#define MANIFEST_PATH "hv/hv.conf"
#define CORE_PATH "hv/hv.elf"
#define MIB ((uint64_t)1 << 20)
#define PAGE ((uint64_t)4096)

typedef void __attribute__((sysv_abi, noreturn)) (*hv_entry_fn)(
	struct hv_boot_info *bi);

/* What the loader holds, so one function can give it all back. */
struct loader_state {
	void *conf;
	void *core;
	UINTN core_len;
	EFI_PHYSICAL_ADDRESS pool_alloc;
	UINTN pool_pages;
	EFI_PHYSICAL_ADDRESS image;
	UINTN image_pages;
	EFI_PHYSICAL_ADDRESS trampoline;
	EFI_PHYSICAL_ADDRESS bi;
	UINTN bi_pages;
	EFI_PHYSICAL_ADDRESS modules[HV_MAX_MODULES];
	UINTN module_pages[HV_MAX_MODULES];
};

static void release(struct loader_state *ls)
{
	if (ls->conf)
		FreePool(ls->conf);
	if (ls->core)
		FreePool(ls->core);
	if (ls->pool_alloc)
		BS->FreePages(ls->pool_alloc, ls->pool_pages);
	if (ls->image)
		BS->FreePages(ls->image, ls->image_pages);
	if (ls->trampoline)
		BS->FreePages(ls->trampoline, 1);
	if (ls->bi)
		BS->FreePages(ls->bi, ls->bi_pages);
	for (int i = 0; i < HV_MAX_MODULES; i++)
		if (ls->modules[i])
			BS->FreePages(ls->modules[i], ls->module_pages[i]);
}

/* The one way out of a refusal: a clear reason, and nothing kept. */
static EFI_STATUS refuse(struct loader_state *ls, EFI_STATUS status,
			 const char *why)
{
	blog(HV_LOG_ERROR, "cannot start: %s", why);
	release(ls);
	return status;
}

/*
 * A pc partition's kernel is a multiboot image (lib/multiboot.c) whose
 * segments lie inside its RAM; hv loads it again the same way.
 */
static int check_multiboot(const void *buf, UINTN len, uint64_t ram,
			   uint32_t ram_mb, char *detail, UINTN detaillen)
{
	struct mb_image img;

	if (mb_parse(buf, len, &img, detail, detaillen))
		return -1;
	if (img.hi > ram) {
		fmt_snprintf(detail, detaillen,
			     "the image's segments [0x%lx, 0x%lx) do not fit its RAM [0, 0x%lx) (ram_mb = %u)",
			     img.lo, img.hi, ram, ram_mb);
		return -1;
	}
	return 0;
}

/*
 * A pc partition's kernel: a multiboot image, or a Linux bzImage or PVH
 * vmlinux (lib/linuxboot.c), told apart by content; a Linux kernel is
 * checked with its initrd (loaded before it) and its command line.
 */
static int check_pc_kernel(const void *buf, UINTN len,
			   const struct hv_boot_info *bi, uint32_t part,
			   char *detail, UINTN detaillen)
{
	const struct hv_manifest_partition *mp = &bi->manifest.partitions[part];
	uint64_t ram = (uint64_t)mp->ram_mb * MIB, initrd = 0;
	struct lx_image img;

	if (lx_kind(buf, len) == LX_KIND_MULTIBOOT) {
		if (mp->initrd[0]) {
			fmt_snprintf(detail, detaillen,
				     "initrd = %s is for a Linux kernel, and this is a multiboot image (its files are programs)",
				     mp->initrd);
			return -1;
		}
		return check_multiboot(buf, len, ram, mp->ram_mb, detail,
				       detaillen);
	}
	/* hv's Linux boot passes the initrd alone (hv/linux.c): files it
	 * would read and then drop are refused, as initrd is above. */
	if (mp->program_count) {
		fmt_snprintf(detail, detaillen,
			     "programs (%u, the first %s) are a multiboot image's modules, and this is a Linux kernel (its one file is initrd)",
			     mp->program_count, mp->programs[0]);
		return -1;
	}
	for (uint32_t i = 0; i < bi->module_count; i++)
		if (bi->modules[i].partition == part &&
		    bi->modules[i].kind == HV_MODULE_INITRD)
			initrd = bi->modules[i].size;
	return lx_parse(buf, len, ram, initrd, strlen(mp->cmdline), &img,
			detail, detaillen);
}

/*
 * An LZ4 frame (lib/lz4.h) read into *addr: decoded into pages of its
 * own, which replace it. Kernels are shipped compressed because the
 * firmware's disk reads cost more than the decoding in an emulator.
 */
static int inflate_module(const struct hv_manifest_partition *mp,
			  const char *path, EFI_PHYSICAL_ADDRESS *addr,
			  UINTN *pages, UINTN *len, char *why, UINTN whylen)
{
	const void *src = (const void *)(uintptr_t)*addr;
	EFI_PHYSICAL_ADDRESS out;
	char detail[200];
	uint64_t size;
	UINTN n;

	if (lz4_frame_size(src, *len, &size, detail, sizeof(detail))) {
		fmt_snprintf(why, whylen, "partition %s: %s: %s", mp->name,
			     path, detail);
		return -1;
	}
	/* No module comes near this; it keeps the page count exact. */
	if (size > ((uint64_t)1 << 32)) {
		fmt_snprintf(why, whylen,
			     "partition %s: %s: LZ4: content size %lu is over 4 GiB",
			     mp->name, path, size);
		return -1;
	}
	n = loader_pages(size);
	if (EFI_ERROR(alloc_pages(AllocateAnyPages, n, &out))) {
		fmt_snprintf(why, whylen,
			     "partition %s: %s: out of memory for its %lu bytes decompressed",
			     mp->name, path, size);
		return -1;
	}
	if (lz4_frame_decode(src, *len, (void *)(uintptr_t)out, size, detail,
			     sizeof(detail))) {
		BS->FreePages(out, n);
		fmt_snprintf(why, whylen, "partition %s: %s: %s", mp->name,
			     path, detail);
		return -1;
	}
	binfo("partition %s: %s: LZ4, %lu bytes decompressed to %lu",
	      mp->name, path, (uint64_t)*len, size);
	BS->FreePages(*addr, *pages);
	*addr = out;
	*pages = n;
	*len = size;
	return 0;
}

/*
 * Reads one file for partition mp into pages of its own, after checking
 * it: an hv partition's kernel must be a fixed-address ELF inside its RAM
 * above HV_GUEST_IMAGE_MIN, a pc partition's a multiboot image inside
 * its RAM; an hv partition's program only a well-formed ELF, since its
 * kernel places it, and a pc partition's module anything (the kernel
 * reads it). An LZ4 frame is decompressed first and the checks see its
 * content. A file an earlier record holds is not read again (the ESP's
 * reads are slow in an emulator): this record shares its pages, which
 * nothing writes, and is checked for this partition. Refusals name the
 * partition and the file.
 */
static EFI_STATUS load_module(EFI_HANDLE image, struct loader_state *ls,
			      struct hv_boot_info *bi, uint32_t part,
			      uint32_t kind, const char *path, char *why,
			      UINTN whylen)
{
	const struct hv_manifest_partition *mp = &bi->manifest.partitions[part];
	uint32_t i = bi->module_count, first;
	struct hv_boot_module *mod = &bi->modules[i];
	uint64_t ram = (uint64_t)mp->ram_mb * MIB;
	EFI_PHYSICAL_ADDRESS addr = 0;
	UINTN len, pages = 0;
	char detail[200];
	struct elf_info elf;
	const void *buf;
	EFI_STATUS s;

	if (i == HV_MAX_MODULES) {
		fmt_snprintf(why, whylen,
			     "%s: more than %u images and programs in all",
			     MANIFEST_PATH, HV_MAX_MODULES);
		return EFI_OUT_OF_RESOURCES;
	}
	for (first = 0; first < i; first++)
		if (!strncmp(bi->modules[first].path, path, HV_PATH_MAX))
			break;
	if (first < i) {
		addr = bi->modules[first].phys;
		len = bi->modules[first].size;
		binfo("partition %s: %s: already read for partition %s",
		      mp->name, path,
		      bi->manifest.partitions[bi->modules[first].partition]
			      .name);
	} else {
		s = esp_read_pages(image, path, &addr, &pages, &len, detail,
				   sizeof(detail));
		if (EFI_ERROR(s)) {
			fmt_snprintf(why, whylen, "partition %s: %s: %s",
				     mp->name, path, detail);
			return EFI_LOAD_ERROR;
		}
		if (lz4_is_frame((const void *)(uintptr_t)addr, len) &&
		    inflate_module(mp, path, &addr, &pages, &len, why,
				   whylen)) {
			BS->FreePages(addr, pages);
			return EFI_LOAD_ERROR;
		}
	}
	buf = (const void *)(uintptr_t)addr;
	detail[0] = 0;
	if (mp->platform == HV_PLATFORM_PC) {
		if (kind == HV_MODULE_KERNEL &&
		    check_pc_kernel(buf, len, bi, part, detail,
				    sizeof(detail)))
			goto refused;
	} else if (elf_check(buf, len, &elf, detail, sizeof(detail))) {
		goto refused;
	} else if (kind == HV_MODULE_KERNEL &&
	    (elf.type != ELF_ET_EXEC || elf.min_vaddr < HV_GUEST_IMAGE_MIN ||
	     elf.max_vaddr > ram)) {
		fmt_snprintf(detail, sizeof(detail),
			     "needs a fixed-address image inside [0x%lx, 0x%lx) (ram_mb = %u); it spans [0x%lx, 0x%lx)",
			     HV_GUEST_IMAGE_MIN, ram, mp->ram_mb,
			     elf.min_vaddr, elf.max_vaddr);
		goto refused;
	}
	/* Only the record that read the file frees it (release()). */
	ls->modules[i] = pages ? addr : 0;
	ls->module_pages[i] = pages;
	mod->phys = addr;
	mod->size = len;
	mod->partition = part;
	mod->kind = kind;
	fmt_snprintf(mod->path, sizeof(mod->path), "%s", path);
	bi->module_count = i + 1;
	return EFI_SUCCESS;

refused:
	if (pages)
		BS->FreePages(addr, pages);
	fmt_snprintf(why, whylen, "partition %s: %s: %s", mp->name, path,
		     detail);
	return EFI_LOAD_ERROR;
}

/* Every partition's kernel and programs, and a check that all fit. */
static EFI_STATUS load_partition_images(EFI_HANDLE image,
					struct loader_state *ls,
					struct hv_boot_info *bi, char *why,
					UINTN whylen)
{
	const struct hv_manifest *m = &bi->manifest;
	uint64_t ram_total = 0;
	EFI_STATUS s;

	for (uint32_t i = 0; i < m->partition_count; i++) {
		const struct hv_manifest_partition *mp = &m->partitions[i];

		/* The initrd first: the kernel's check needs its size. */
		s = EFI_SUCCESS;
		if (mp->initrd[0])
			s = load_module(image, ls, bi, i, HV_MODULE_INITRD,
					mp->initrd, why, whylen);
		if (!EFI_ERROR(s))
			s = load_module(image, ls, bi, i, HV_MODULE_KERNEL,
					mp->image, why, whylen);
		for (uint32_t j = 0; !EFI_ERROR(s) && j < mp->program_count;
		     j++)
			s = load_module(image, ls, bi, i, HV_MODULE_PROGRAM,
					mp->programs[j], why, whylen);
		if (EFI_ERROR(s))
			return s;
		/* RAM is handed out in 2 MiB chunks. */
		ram_total += ((uint64_t)mp->ram_mb + 1) / 2 * 2;
		binfo("partition %s: %s, %u %s, %u MiB RAM%s%s", mp->name,
		      mp->image, mp->program_count,
		      mp->platform == HV_PLATFORM_PC ? "module(s)" :
						       "program(s)",
		      mp->ram_mb, mp->parent ? ", parent" : "",
		      mp->platform == HV_PLATFORM_PC ? ", platform pc" : "");
	}
	/* hv keeps a few MiB of the pool for its own tables and vCPUs. */
	if (ram_total + 4 > m->pool_mb) {
		fmt_snprintf(why, whylen,
			     "%s: the partitions need %lu MiB of RAM but pool_mb = %u (hv keeps 4 MiB for itself)",
			     MANIFEST_PATH, ram_total, m->pool_mb);
		return EFI_OUT_OF_RESOURCES;
	}
	return EFI_SUCCESS;
}

/*
 * The manifest parser refuses grants of the ports it knows hv uses; the
 * power-management block's ports are known only now.
 */
static bool grants_overlap_power(const struct hv_boot_info *bi, char *why,
				 UINTN whylen)
{
	const struct hv_poweroff *po = &bi->poweroff;
	uint32_t first[3], last[3], n = 0;

	if (po->method == HV_POWEROFF_ACPI) {
		first[n] = last[n] = po->pm1a_cnt;
		last[n++] += 1;
		if (po->pm1b_cnt) {
			first[n] = last[n] = po->pm1b_cnt;
			last[n++] += 1;
		}
	} else if (po->method == HV_POWEROFF_PIIX4) {
		first[n] = po->piix4_base;
		last[n++] = po->piix4_base + 0x3fu;
	}
	for (uint32_t i = 0; i < bi->manifest.partition_count; i++) {
		const struct hv_manifest_partition *mp =
			&bi->manifest.partitions[i];

		for (uint32_t r = 0; r < mp->port_range_count; r++)
			for (uint32_t k = 0; k < n; k++)
				if (mp->ports[r].first <= last[k] &&
				    first[k] <= mp->ports[r].last) {
					fmt_snprintf(why, whylen,
						     "%s:%u: ports: 0x%x-0x%x of partition '%s' overlaps the power-management ports 0x%x-0x%x",
						     MANIFEST_PATH, mp->ports_line,
						     mp->ports[r].first,
						     mp->ports[r].last, mp->name,
						     first[k], last[k]);
					return true;
				}
	}
	return false;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	static struct loader_state ls;
	struct hv_manifest manifest;
	struct hv_boot_info *bi;
	struct elf_info elf;
	char why[320], detail[200];
	const char *cr4_why;
	uint64_t cr4, cr4_hv;
	UINTN conf_len;
	EFI_STATUS s;
	uint64_t pool_bytes, entry;

	InitializeLib(image, systab);
	blog_init();
	binfo("hv %s (revision %s, built %s)", HV_VERSION, HV_REVISION,
	      HV_BUILD_DATE);

	/* 1. The manifest. */
	s = esp_read_file(image, MANIFEST_PATH, &ls.conf, &conf_len, detail,
			  sizeof(detail));
	if (EFI_ERROR(s)) {
		fmt_snprintf(why, sizeof(why), "%s: %s", MANIFEST_PATH, detail);
		return refuse(&ls, EFI_LOAD_ERROR, why);
	}
	if (manifest_parse(ls.conf, conf_len, MANIFEST_PATH, &manifest, why,
			   sizeof(why)))
		return refuse(&ls, EFI_LOAD_ERROR, why);
	blog_set_level(manifest.log_level);
	binfo("manifest: log_level %s, pool %u MiB, %u partition(s)%s",
	      manifest_log_level_name(manifest.log_level), manifest.pool_mb,
	      manifest.partition_count,
	      manifest.interactive ? ", interactive" : "");

	/* 2. The core image, checked before anything is reserved for it. */
	s = esp_read_file(image, CORE_PATH, &ls.core, &ls.core_len, detail,
			  sizeof(detail));
	if (EFI_ERROR(s)) {
		fmt_snprintf(why, sizeof(why), "%s: %s", CORE_PATH, detail);
		return refuse(&ls, EFI_LOAD_ERROR, why);
	}
	if (elf_check(ls.core, ls.core_len, &elf, detail, sizeof(detail))) {
		fmt_snprintf(why, sizeof(why), "%s: %s", CORE_PATH, detail);
		return refuse(&ls, EFI_LOAD_ERROR, why);
	}
	if (elf.type != ELF_ET_DYN) {
		fmt_snprintf(why, sizeof(why),
			     "%s: not position-independent (ET_DYN expected)",
			     CORE_PATH);
		return refuse(&ls, EFI_LOAD_ERROR, why);
	}
	binfo("%s: %lu bytes, %u segments, %lu KiB in memory", CORE_PATH,
	      (uint64_t)ls.core_len, elf.load_count,
	      (elf.max_vaddr - elf.min_vaddr) / 1024);

	/* 3. CPUs and power-off: before the VT-x check, so every engine runs them. */
	s = alloc_pages(AllocateAnyPages,
			(sizeof(struct hv_boot_info) + PAGE - 1) / PAGE, &ls.bi);
	if (EFI_ERROR(s))
		return refuse(&ls, s, "no memory for boot_info");
	ls.bi_pages = (sizeof(struct hv_boot_info) + PAGE - 1) / PAGE;
	bi = (struct hv_boot_info *)(uintptr_t)ls.bi;
	memset(bi, 0, ls.bi_pages * PAGE);
	bi->magic = HV_BOOT_INFO_MAGIC;
	bi->version = HV_BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
	bi->self = ls.bi;
	bi->manifest = manifest;
	fmt_snprintf(bi->version_str, sizeof(bi->version_str), "%s", HV_VERSION);
	fmt_snprintf(bi->revision, sizeof(bi->revision), "%s", HV_REVISION);
	fmt_snprintf(bi->build_date, sizeof(bi->build_date), "%s",
		     HV_BUILD_DATE);
	bi->rsdp = platform_find_rsdp();

	s = load_partition_images(image, &ls, bi, why, sizeof(why));
	if (EFI_ERROR(s))
		return refuse(&ls, s, why);
	platform_find_cpus(bi);
	platform_find_poweroff(bi);
	if (grants_overlap_power(bi, why, sizeof(why)))
		return refuse(&ls, EFI_LOAD_ERROR, why);

	/* 4. The CPU must have what hv needs. */
	if (!platform_check_vtx(why, sizeof(why)))
		return refuse(&ls, EFI_UNSUPPORTED, why);
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4_hv = cr4_firmware_check(cr4, &cr4_why);
	if (cr4_why)
		return refuse(&ls, EFI_UNSUPPORTED, cr4_why);
	if (cr4_hv != cr4)
		binfo("cpu: the firmware left CR4.CET or CR4.PKS set (cr4 0x%lx): hv clears them when it starts",
		      cr4);

	/* 5. Memory: the pool (2 MiB aligned, for large EPT pages), the core
	 * image, and one page below 1 MiB to start the other CPUs from. */
	pool_bytes = (uint64_t)manifest.pool_mb * MIB;
	ls.pool_pages = (pool_bytes + 2 * MIB) / PAGE;
	/*
	 * Below 4 GiB where the firmware can: hv's page-table root comes from
	 * the pool, and the AP start-up code loads CR3 in 32-bit mode, so a
	 * pool above 4 GiB (the firmware's choice for AllocateAnyPages on a
	 * machine with more RAM) leaves hv on the boot CPU alone.
	 */
	ls.pool_alloc = 0xffffffffull;
	s = alloc_pages(AllocateMaxAddress, ls.pool_pages, &ls.pool_alloc);
	if (EFI_ERROR(s))
		s = alloc_pages(AllocateAnyPages, ls.pool_pages, &ls.pool_alloc);
	if (EFI_ERROR(s)) {
		fmt_snprintf(why, sizeof(why),
			     "%s: pool_mb = %u: the firmware has not that much free memory",
			     MANIFEST_PATH, manifest.pool_mb);
		return refuse(&ls, EFI_OUT_OF_RESOURCES, why);
	}
	bi->pool_base = (ls.pool_alloc + 2 * MIB - 1) & ~(2 * MIB - 1);
	bi->pool_size = pool_bytes;

	ls.image_pages = (elf.max_vaddr - elf.min_vaddr) / PAGE;
	s = alloc_pages(AllocateAnyPages, ls.image_pages, &ls.image);
	if (EFI_ERROR(s))
		return refuse(&ls, s, "no memory for the hv image");
	elf_load(ls.core, ls.core_len, &elf, (void *)(uintptr_t)ls.image);
	if (elf_relocate(ls.core, ls.core_len, &elf, (void *)(uintptr_t)ls.image,
			 ls.image, detail, sizeof(detail))) {
		fmt_snprintf(why, sizeof(why), "%s: %s", CORE_PATH, detail);
		return refuse(&ls, EFI_LOAD_ERROR, why);
	}
	bi->image_base = ls.image;
	bi->image_size = ls.image_pages * PAGE;
	entry = ls.image + (elf.entry - elf.min_vaddr);

	ls.trampoline = 0xff000; /* highest page the SIPI vector can name */
	s = alloc_pages(AllocateMaxAddress, 1, &ls.trampoline);
	if (EFI_ERROR(s)) {
		ls.trampoline = 0;
		return refuse(&ls, s, "no free page below 1 MiB for CPU start-up");
	}
	bi->trampoline = ls.trampoline;

	bi->tsc_hz = platform_tsc_hz();
	binfo("tsc: %lu kHz", bi->tsc_hz / 1000);
	platform_wallclock(bi);
	binfo("memory: pool %lu MiB at 0x%lx, image at 0x%lx, trampoline 0x%lx",
	      bi->pool_size / MIB, bi->pool_base, bi->image_base,
	      bi->trampoline);
	FreePool(ls.conf);
	FreePool(ls.core);
	ls.conf = ls.core = NULL;

	/* 6. Leave the firmware. From here on only COM1 works. */
	binfo("exiting boot services");
	s = efi_exit_boot_services(image, bi);
	if (EFI_ERROR(s))
		return refuse(&ls, s, "ExitBootServices failed");

	__asm__ volatile("cli");
	/* The firmware no longer runs: CET and PKS go now, before any hv
	 * code (lib/vmxcap.h). The APs copy the boot CPU's CR4. */
	if (cr4_hv != cr4)
		__asm__ volatile("mov %0, %%cr4" : : "r"(cr4_hv) : "memory");
	((hv_entry_fn)(uintptr_t)entry)(bi);
}
