/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables of a pc partition (docs/platform.md, "ACPI tables"),
 * generated from its vCPU count: an RSDP (revision 2), an XSDT, a
 * hardware-reduced FADT whose sleep control, sleep status and reset
 * registers are I/O ports of their own, an MADT with one local APIC per
 * vCPU and no I/O APIC, and a DSDT whose AML describes COM1 without an
 * IRQ and \_S5. Pure data: hv writes them into the partition's RAM, the
 * unit test reads them back with lib/acpi.c.
 */
#ifndef LIB_ACPIGEN_H
#define LIB_ACPIGEN_H

#include <stddef.h>
#include <stdint.h>

/* The FADT's registers, one byte each, in I/O space (hv/pcdev.c). */
#define ACPI_PC_SLEEP_CONTROL 0x600
#define ACPI_PC_SLEEP_STATUS 0x601
#define ACPI_PC_RESET 0x602
#define ACPI_PC_RESET_VALUE 0x06
/* The sleep type of S5 in \_S5 and so in a sleep-control write: bits
 * 4:2 SLP_TYP, bit 5 SLP_EN (ACPI 6.4, "Sleep Control Register"). */
#define ACPI_PC_S5_TYPE 5
#define ACPI_SLEEP_SLP_EN 0x20
#define ACPI_SLEEP_TYP_SHIFT 2

#define ACPI_PC_LAPIC_BASE 0xfee00000u

/*
 * Writes the tables into buf, size bytes that the guest sees at
 * guest-physical base, for cpus vCPUs (APIC ids 0 to cpus - 1). Returns
 * the bytes used, the RSDP first (at base), or 0 if size is too small.
 */
size_t acpigen_build(void *buf, size_t size, uint64_t base, uint32_t cpus);

#endif
