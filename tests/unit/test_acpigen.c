// SPDX-License-Identifier: MIT
/*
 * Tests of lib/acpigen.c: the tables a pc partition gets, read back with
 * hv's own parser of the host's tables (lib/acpi.c), which checks every
 * length and checksum, and then field by field where lib/acpi.c does not
 * look (the FADT's flags and I/O-space registers).
 */
#include "tests/unit/common.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/acpi.h"
#include "lib/acpigen.h"

#define BASE 0xe0000ull

static uint8_t mem[0x10000];

static const void *map(uint64_t phys, uint64_t len, void *ctx)
{
	(void)ctx;
	if (phys < BASE || phys - BASE > sizeof(mem) ||
	    len > sizeof(mem) - (phys - BASE))
		return NULL;
	return mem + (phys - BASE);
}

static const uint8_t *table(const char *sig, uint32_t *len)
{
	uint64_t phys;

	assert_int_equal(acpi_find_table(BASE, sig, map, NULL, &phys, len), 0);
	return mem + (phys - BASE);
}

static uint64_t get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

static void build(uint32_t cpus)
{
	memset(mem, 0xcc, sizeof(mem));
	assert_true(acpigen_build(mem, sizeof(mem), BASE, cpus) > 0);
}

static void test_madt_one_lapic_per_cpu(void **state)
{
	(void)state;
	for (uint32_t cpus = 1; cpus <= 4; cpus++) {
		struct hv_cpu_desc d[8];
		uint32_t len;
		const uint8_t *m;

		build(cpus);
		m = table("APIC", &len);
		assert_int_equal(acpi_parse_madt(m, len, d, 8), (int)cpus);
		for (uint32_t i = 0; i < cpus; i++) {
			assert_int_equal(d[i].apic_id, i);
			assert_true(d[i].flags & HV_CPU_ENABLED);
		}
		assert_int_equal(get(m + 36, 4), ACPI_PC_LAPIC_BASE);
		/* No I/O APIC entry (type 1) anywhere. */
		for (uint32_t at = 44; at + 2 <= len; at += m[at + 1]) {
			assert_int_not_equal(m[at], 1);
			assert_true(m[at + 1] >= 2);
		}
	}
}

static void test_fadt_hw_reduced_io_registers(void **state)
{
	struct acpi_fadt_info fi;
	uint32_t len, dlen;
	const uint8_t *f, *dsdt;
	uint64_t dphys;

	(void)state;
	build(2);
	f = table("FACP", &len);
	assert_int_equal(len, 276);
	assert_int_equal(acpi_parse_fadt(f, len, &fi), 0);
	assert_int_equal(fi.pm1a_cnt, 0); /* hardware-reduced: no PM1 */
	dsdt = table("DSDT", &dlen);
	assert_int_equal(acpi_find_table(BASE, "DSDT", map, NULL, &dphys, &dlen), 0);
	assert_int_equal(fi.dsdt, dphys);
	assert_ptr_equal(dsdt, mem + (dphys - BASE));
	/* HW_REDUCED_ACPI (bit 20) and RESET_REG_SUP (bit 10) */
	assert_int_equal(get(f + 112, 4), (1u << 20) | (1u << 10));
	/* RESET_REG, SLEEP_CONTROL_REG, SLEEP_STATUS_REG: system I/O,
	 * 8 bits, byte access, at hv's ports. */
	const struct {
		unsigned off;
		uint16_t port;
	} regs[] = { { 116, ACPI_PC_RESET },
		     { 244, ACPI_PC_SLEEP_CONTROL },
		     { 256, ACPI_PC_SLEEP_STATUS } };
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *g = f + regs[i].off;

		assert_int_equal(g[0], 1);
		assert_int_equal(g[1], 8);
		assert_int_equal(g[3], 1);
		assert_int_equal(get(g + 4, 8), regs[i].port);
	}
	assert_int_equal(f[128], ACPI_PC_RESET_VALUE);
}

static void test_dsdt_s5_and_com1(void **state)
{
	uint32_t len;
	const uint8_t *d;
	uint16_t a = 99, b = 99;
	static const uint8_t io[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08 };
	bool found = false;

	(void)state;
	build(1);
	d = table("DSDT", &len);
	assert_int_equal(acpi_find_s5(d, len, &a, &b), 0);
	assert_int_equal(a, ACPI_PC_S5_TYPE);
	assert_int_equal(b, 0);
	for (uint32_t i = 0; i + sizeof(io) <= len; i++)
		if (!memcmp(d + i, io, sizeof(io)))
			found = true;
	assert_true(found);
	/* COM1 without an IRQ descriptor (small item 0x22 or 0x23), nor an
	 * extended interrupt one (0x89). */
	for (uint32_t i = 0; i < len; i++)
		assert_true(d[i] != 0x89);
	/* The scope's PkgLength covers the whole \_SB: AML that ends where
	 * the table ends. The first op is Scope (0x10). */
	assert_int_equal(d[36], 0x10);
}

static void test_rsdp_checksums_and_too_small(void **state)
{
	uint8_t s = 0;

	(void)state;
	build(4);
	assert_memory_equal(mem, "RSD PTR ", 8);
	for (int i = 0; i < 20; i++)
		s = (uint8_t)(s + mem[i]);
	assert_int_equal(s, 0);
	for (int i = 20; i < 36; i++)
		s = (uint8_t)(s + mem[i]);
	assert_int_equal(s, 0);
	/* A corrupted byte makes lib/acpi.c refuse the table. */
	{
		uint32_t len;
		uint64_t phys;
		uint8_t *m;

		assert_int_equal(acpi_find_table(BASE, "APIC", map, NULL, &phys, &len), 0);
		m = mem + (phys - BASE);
		m[40] ^= 1;
		assert_int_equal(acpi_find_table(BASE, "APIC", map, NULL, &phys, &len), -1);
	}
	assert_int_equal(acpigen_build(mem, 200, BASE, 1), 0);
	assert_int_equal(acpigen_build(mem, sizeof(mem), BASE, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_madt_one_lapic_per_cpu),
		cmocka_unit_test(test_fadt_hw_reduced_io_registers),
		cmocka_unit_test(test_dsdt_s5_and_com1),
		cmocka_unit_test(test_rsdp_checksums_and_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
