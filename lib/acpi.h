/* SPDX-License-Identifier: MIT */
/*
 * ACPI table parsing for the loader: finding tables from the RSDP, the CPUs
 * in the MADT, the PM1 control ports in the FADT and the S5 sleep type in
 * the DSDT. Physical memory is reached only through a mapping callback, so
 * the unit tests can supply a fake one.
 */
#ifndef LIB_ACPI_H
#define LIB_ACPI_H

#include <stdint.h>

#include "hv/boot_info.h"

/*
 * A pointer to [phys, phys + len), or NULL if that range is not mappable.
 * Pointers it returned must stay valid until acpi_find_table() returns.
 */
typedef const void *(*acpi_map_fn)(uint64_t phys, uint64_t len, void *ctx);

/*
 * Finds the table with signature sig through the RSDP: the XSDT when the
 * RSDP revision is 2 or more and the XSDT address is not 0, else the RSDT.
 * "DSDT" is found through the FADT. Checks the RSDP checksums and each
 * table's length and checksum; a table that fails is skipped. Returns 0
 * with the table's physical address and length, or -1.
 */
int acpi_find_table(uint64_t rsdp_phys, const char sig[4], acpi_map_fn map,
		    void *ctx, uint64_t *phys, uint32_t *len);

/*
 * MADT ("APIC"): stores the APIC ids of processors that are enabled or
 * online-capable (Processor Local APIC and Processor Local x2APIC
 * entries); flags has HV_CPU_ENABLED for those that are enabled now, 0 for
 * those that could be onlined later. A repeated APIC id is counted once.
 * Returns the number found, which may exceed max (only max are stored), or
 * -1 if the table is malformed.
 */
int acpi_parse_madt(const void *madt, uint32_t len, struct hv_cpu_desc *cpus,
		    uint32_t max);

struct acpi_fadt_info {
	uint16_t pm1a_cnt, pm1b_cnt; /* I/O ports; 0 if absent */
	uint64_t dsdt; /* physical address */
};

/*
 * FADT ("FACP"): the PM1a/PM1b control block ports (from the X_ fields when
 * the table is long enough and they are in system I/O space, else from the
 * 32-bit fields) and the DSDT address (X_DSDT when set). -1 if malformed.
 */
int acpi_parse_fadt(const void *fadt, uint32_t len,
		    struct acpi_fadt_info *out);

/*
 * Finds \_S5 in DSDT (or SSDT) AML, Name(_S5, Package() {...}), and returns
 * SLP_TYPa and SLP_TYPb from its first two elements. -1 if there is none.
 */
int acpi_find_s5(const void *dsdt, uint32_t len, uint16_t *slp_typ_a,
		 uint16_t *slp_typ_b);

#endif
