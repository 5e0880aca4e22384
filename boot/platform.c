// SPDX-License-Identifier: MIT
/* What the loader learns about the machine: CPUs, power-off, VT-x, TSC. */
#include "boot/loader.h"

#include "arch/x86/io.h"
#include "lib/acpi.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/vmxcap.h"

/* UEFI PI's MP services protocol; gnu-efi does not define it. */
static EFI_GUID mp_services_guid = { 0x3fdda605, 0xa76e, 0x4f46,
				     { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b,
				       0x3d, 0x08 } };

struct efi_processor_info {
	UINT64 processor_id; /* the APIC id */
	UINT32 status_flag; /* bit 0 BSP, bit 1 enabled, bit 2 healthy */
	UINT32 package, core, thread;
};

struct efi_mp_services {
	EFI_STATUS(EFIAPI *get_number_of_processors)
	(struct efi_mp_services *self, UINTN *total, UINTN *enabled);
	EFI_STATUS(EFIAPI *get_processor_info)
	(struct efi_mp_services *self, UINTN n,
	 struct efi_processor_info *info);
	/* The remaining members are not used. */
};

/* The loader runs identity-mapped, so a physical address is a pointer. */
static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;

static const void *identity_map(uint64_t phys, uint64_t len, void *ctx)
{
	(void)len;
	(void)ctx;
	return (const void *)(uintptr_t)phys;
}

uint64_t platform_find_rsdp(void)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		/* CompareGuid answers 0 for equal GUIDs. */
		if (!CompareGuid(&t->VendorGuid, &acpi20_guid))
			return (uint64_t)(uintptr_t)t->VendorTable;
	}
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &AcpiTableGuid))
			return (uint64_t)(uintptr_t)t->VendorTable;
	}
	return 0;
}

static uint32_t current_apic_id(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 0xb) {
		cpuid(0xb, 0, &a, &b, &c, &d);
		if (b)
			return d; /* x2APIC id */
	}
	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

static int cpus_from_madt(uint64_t rsdp, struct hv_cpu_desc *cpus,
			  uint32_t max)
{
	uint64_t phys;
	uint32_t len;

	if (!rsdp || acpi_find_table(rsdp, "APIC", identity_map, NULL, &phys,
				     &len))
		return -1;
	return acpi_parse_madt((const void *)(uintptr_t)phys, len, cpus, max);
}

static int cpus_from_mp_services(struct hv_cpu_desc *cpus, uint32_t max)
{
	struct efi_mp_services *mp = NULL;
	UINTN total, enabled, i;
	uint32_t n = 0;

	if (EFI_ERROR(LibLocateProtocol(&mp_services_guid, (void **)&mp)) ||
	    !mp)
		return -1;
	if (EFI_ERROR(mp->get_number_of_processors(mp, &total, &enabled)))
		return -1;
	for (i = 0; i < total; i++) {
		struct efi_processor_info info;

		if (EFI_ERROR(mp->get_processor_info(mp, i, &info)))
			continue;
		if (!(info.status_flag & 2))
			continue;
		if (n < max) {
			cpus[n].apic_id = (uint32_t)info.processor_id;
			cpus[n].flags = HV_CPU_ENABLED;
		}
		n++;
	}
	return (int)n;
}

void platform_find_cpus(struct hv_boot_info *bi)
{
	static struct hv_cpu_desc other[HV_MAX_CPUS];
	uint32_t bsp = current_apic_id();
	int madt, mp;
	char ids[200];
	int len = 0;

	madt = cpus_from_madt(bi->rsdp, bi->cpus, HV_MAX_CPUS);
	mp = cpus_from_mp_services(other, HV_MAX_CPUS);
	if (madt > 0) {
		bi->cpu_source = HV_CPUS_MADT;
		bi->cpu_count = (uint32_t)madt;
		/* Two firmware sources that disagree are worth a warning. */
		if (mp > 0 && mp != madt)
			bwarn("cpus: the MADT lists %d, MP services %d; following the MADT",
			      madt, mp);
	} else if (mp > 0) {
		bi->cpu_source = HV_CPUS_MP_SERVICES;
		bi->cpu_count = (uint32_t)mp;
		memcpy(bi->cpus, other, sizeof(other));
	} else {
		/* Neither source answered: the CPU running this is certain. */
		bi->cpu_source = HV_CPUS_NONE;
		bi->cpu_count = 1;
		bi->cpus[0].apic_id = bsp;
		bi->cpus[0].flags = HV_CPU_ENABLED;
	}
	if (bi->cpu_count > HV_MAX_CPUS) {
		bwarn("cpus: %u found, hv supports %u", bi->cpu_count,
		      HV_MAX_CPUS);
		bi->cpu_count = HV_MAX_CPUS;
	}
	for (uint32_t i = 0; i < bi->cpu_count; i++) {
		if (bi->cpus[i].apic_id == bsp)
			bi->cpus[i].flags |= HV_CPU_BSP;
		if (len < (int)sizeof(ids) - 16)
			len += fmt_snprintf(ids + len, sizeof(ids) - len, " %u%s",
					    bi->cpus[i].apic_id,
					    bi->cpus[i].apic_id == bsp ? "*" :
									 "");
	}
	binfo("cpus: %u (%s)", bi->cpu_count,
	      bi->cpu_source == HV_CPUS_MADT	    ? "madt" :
	      bi->cpu_source == HV_CPUS_MP_SERVICES ? "mp-services" :
						      "boot cpu only");
	binfo("cpu apic ids (* boot cpu):%s", ids);
}

static bool poweroff_acpi(struct hv_boot_info *bi)
{
	struct acpi_fadt_info fadt;
	const uint8_t *dsdt;
	uint64_t phys;
	uint32_t len, dsdt_len;
	uint16_t a, b;

	if (!bi->rsdp ||
	    acpi_find_table(bi->rsdp, "FACP", identity_map, NULL, &phys, &len))
		return false;
	if (acpi_parse_fadt((const void *)(uintptr_t)phys, len, &fadt) ||
	    !fadt.pm1a_cnt) {
		bwarn("power: the FADT has no PM1a control block");
		return false;
	}
	/* Found through the FADT again, with its length and checksum checked. */
	if (acpi_find_table(bi->rsdp, "DSDT", identity_map, NULL, &phys,
			    &dsdt_len)) {
		bwarn("power: the DSDT is missing or corrupt");
		return false;
	}
	dsdt = (const uint8_t *)(uintptr_t)phys;
	if (acpi_find_s5(dsdt, dsdt_len, &a, &b)) {
		bwarn("power: the DSDT has no \\_S5 object");
		return false;
	}
	bi->poweroff.method = HV_POWEROFF_ACPI;
	bi->poweroff.pm1a_cnt = fadt.pm1a_cnt;
	bi->poweroff.pm1b_cnt = fadt.pm1b_cnt;
	bi->poweroff.slp_typ_a = a;
	bi->poweroff.slp_typ_b = b;
	binfo("power off: acpi (pm1a_cnt 0x%x, s5 type %u)", fadt.pm1a_cnt, a);
	return true;
}

/*
 * Without ACPI (Bochs' OVMF installs none), the PIIX4 power-management
 * function, bus 0 device 1 function 3, holds its I/O base at 0x40.
 */
static bool poweroff_piix4(struct hv_boot_info *bi)
{
	uint32_t id = pci_cfg_read32(0, 1, 3, 0x00);
	uint32_t base;

	if (id != 0x71138086)
		return false;
	if (!(pci_cfg_read32(0, 1, 3, 0x80) & 1)) {
		bwarn("power: the PIIX4 PM I/O space is disabled");
		return false;
	}
	base = pci_cfg_read32(0, 1, 3, 0x40) & 0xffc0;
	if (!base)
		return false;
	bi->poweroff.method = HV_POWEROFF_PIIX4;
	bi->poweroff.piix4_base = (uint16_t)base;
	binfo("power off: piix4 pm block at 0x%x", base);
	return true;
}

void platform_find_poweroff(struct hv_boot_info *bi)
{
	if (poweroff_acpi(bi) || poweroff_piix4(bi))
		return;
	bi->poweroff.method = HV_POWEROFF_NONE;
	bwarn("power off: no method found; hv will halt instead");
}

bool platform_check_vtx(char *why, UINTN whylen)
{
	static struct vmx_cap_report r;
	struct vmx_cap_msrs m;
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	vmx_cap_read(&m, c, rdmsr);
	vmx_cap_decode(&m, &r);
	binfo("cap vmx: %s", r.vmx ? "yes" : "no");
	if (r.vmx) {
		binfo("cap feature_control: %s, vmx outside smx %s",
		      r.fc_locked ? "locked" : "unlocked",
		      r.fc_vmx_outside_smx ? "on" : "off");
		for (unsigned i = 0; i < r.count; i++)
			binfo("cap %s: %s%s", r.caps[i].name,
			      r.caps[i].present ? "yes" : "no",
			      r.caps[i].required && !r.caps[i].present ?
				      " (required)" :
				      "");
	}
	if (!r.ok)
		fmt_snprintf(why, whylen, "%s", r.reason);
	return r.ok;
}

/* Days from 1970-01-01 to y-m-d, Gregorian (the inverse of the civil
 * date the pc RTC shows, hv/pcdev.c). */
static uint64_t days_from_civil(uint64_t y, uint64_t m, uint64_t d)
{
	uint64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void platform_wallclock(struct hv_boot_info *bi)
{
	EFI_TIME t;

	bi->wallclock = 0;
	bi->wallclock_tsc = rdtsc();
	if (EFI_ERROR(RT->GetTime(&t, NULL)) || t.Year < 1970 || !t.Month ||
	    t.Month > 12 || !t.Day || t.Day > 31 || t.Hour > 23 ||
	    t.Minute > 59 || t.Second > 59)
		return;
	bi->wallclock = days_from_civil(t.Year, t.Month, t.Day) * 86400 +
			t.Hour * 3600u + t.Minute * 60u + t.Second;
}

uint64_t platform_tsc_hz(void)
{
	uint64_t t0, t1;

	/* 10 ms is long enough for 0.1% and short enough not to be noticed. */
	t0 = rdtsc();
	BS->Stall(10000);
	t1 = rdtsc();
	return (t1 - t0) * 100;
}
