// SPDX-License-Identifier: MIT
/*
 * Tests of lib/acpi.c against tables dumped from QEMU 7.2 with OVMF
 * (tests/unit/data/qemu-{pc,q35}-*.bin, "-smp 4 -m 256") placed in a fake
 * physical memory at the addresses they had there, and against hand-built
 * malformed tables.
 */
#define _GNU_SOURCE /* memmem */
#include "tests/unit/common.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/acpi.h"

struct region {
	const char *file;
	uint64_t phys;
	uint8_t *data;
	size_t len;
};

struct fake_mem {
	struct region r[16];
	unsigned int n;
	unsigned int maps;
};

static const void *fake_map(uint64_t phys, uint64_t len, void *ctx)
{
	struct fake_mem *fm = ctx;
	unsigned int i;

	fm->maps++;
	for (i = 0; i < fm->n; i++) {
		struct region *r = &fm->r[i];

		if (r->data && phys >= r->phys && phys - r->phys <= r->len &&
		    len <= r->len - (phys - r->phys))
			return r->data + (phys - r->phys);
	}
	return NULL;
}

#define RSDP_PHYS 0xf77e014

/* The tables of one QEMU machine, where OVMF put them. */
static const struct region pc_tables[] = {
	{ "qemu-pc-rsdp.bin", RSDP_PHYS, NULL, 0 },
	{ "qemu-pc-rsdt.bin", 0xf77d074, NULL, 0 },
	{ "qemu-pc-xsdt.bin", 0xf77d0e8, NULL, 0 },
	{ "qemu-pc-facp.bin", 0xf77a000, NULL, 0 },
	{ "qemu-pc-smp4-apic.bin", 0xf779000, NULL, 0 },
	{ "qemu-pc-hpet.bin", 0xf778000, NULL, 0 },
	{ "qemu-pc-waet.bin", 0xf777000, NULL, 0 },
	{ "qemu-pc-bgrt.bin", 0xf776000, NULL, 0 },
	{ "qemu-pc-dsdt.bin", 0xf77b000, NULL, 0 },
	{ "qemu-pc-facs.bin", 0xf7dd000, NULL, 0 },
	{ NULL, 0, NULL, 0 },
};

static const struct region q35_tables[] = {
	{ "qemu-q35-rsdp.bin", RSDP_PHYS, NULL, 0 },
	{ "qemu-q35-rsdt.bin", 0xf77d074, NULL, 0 },
	{ "qemu-q35-xsdt.bin", 0xf77d0e8, NULL, 0 },
	{ "qemu-q35-facp.bin", 0xf779000, NULL, 0 },
	{ "qemu-q35-smp4-apic.bin", 0xf778000, NULL, 0 },
	{ "qemu-q35-hpet.bin", 0xf777000, NULL, 0 },
	{ "qemu-q35-mcfg.bin", 0xf776000, NULL, 0 },
	{ "qemu-q35-waet.bin", 0xf775000, NULL, 0 },
	{ "qemu-q35-bgrt.bin", 0xf774000, NULL, 0 },
	{ "qemu-q35-dsdt.bin", 0xf77a000, NULL, 0 },
	{ "qemu-q35-facs.bin", 0xf7dd000, NULL, 0 },
	{ NULL, 0, NULL, 0 },
};

static void fake_load(struct fake_mem *fm, const struct region *tables)
{
	memset(fm, 0, sizeof(*fm));
	for (; tables->file; tables++) {
		struct region *r = &fm->r[fm->n++];

		*r = *tables;
		r->data = unit_read_file(UNIT_DATA_DIR, r->file, &r->len);
	}
}

static void fake_free(struct fake_mem *fm)
{
	unsigned int i;

	for (i = 0; i < fm->n; i++)
		free(fm->r[i].data);
}

static struct region *fake_find(struct fake_mem *fm, const char *suffix)
{
	unsigned int i;

	for (i = 0; i < fm->n; i++) {
		size_t a = strlen(fm->r[i].file), b = strlen(suffix);

		if (a >= b && !strcmp(fm->r[i].file + a - b, suffix))
			return &fm->r[i];
	}
	fail_msg("no region %s", suffix);
	return NULL;
}

static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;
	size_t i;

	p[at] = 0;
	for (i = 0; i < len; i++)
		sum += p[i];
	p[at] = (uint8_t)-sum;
}

static int find(struct fake_mem *fm, const char *sig, uint64_t *phys,
		uint32_t *len)
{
	return acpi_find_table(RSDP_PHYS, sig, fake_map, fm, phys, len);
}

static void expect_found(struct fake_mem *fm, const char *sig,
			 uint64_t phys, uint32_t len)
{
	uint64_t p = 0;
	uint32_t l = 0;

	assert_int_equal(find(fm, sig, &p, &l), 0);
	assert_int_equal(p, phys);
	assert_int_equal(l, len);
}

static void expect_not_found(struct fake_mem *fm, const char *sig)
{
	uint64_t p;
	uint32_t l;

	assert_int_equal(find(fm, sig, &p, &l), -1);
}

static void test_find_qemu_pc(void **state)
{
	struct fake_mem fm;

	(void)state;
	fake_load(&fm, pc_tables);
	expect_found(&fm, "APIC", 0xf779000, 0x90);
	expect_found(&fm, "FACP", 0xf77a000, 0x74);
	expect_found(&fm, "HPET", 0xf778000, 0x38);
	expect_found(&fm, "BGRT", 0xf776000, 0x38);
	expect_found(&fm, "DSDT", 0xf77b000, 0x1a4b);
	/* The FACS has no checksum and is not listed in the XSDT. */
	expect_not_found(&fm, "FACS");
	expect_not_found(&fm, "MCFG");
	expect_not_found(&fm, "SSDT");
	fake_free(&fm);
}

static void test_find_qemu_q35(void **state)
{
	struct fake_mem fm;

	(void)state;
	fake_load(&fm, q35_tables);
	expect_found(&fm, "APIC", 0xf778000, 0x90);
	expect_found(&fm, "FACP", 0xf779000, 0xf4);
	expect_found(&fm, "MCFG", 0xf776000, 0x3c);
	expect_found(&fm, "DSDT", 0xf77a000, 0x2198);
	expect_not_found(&fm, "XSDT");
	fake_free(&fm);
}

static void test_find_root_choice(void **state)
{
	struct fake_mem fm;
	struct region *rsdp, *xsdt;

	(void)state;
	fake_load(&fm, pc_tables);
	rsdp = fake_find(&fm, "-rsdp.bin");
	xsdt = fake_find(&fm, "-xsdt.bin");

	/* Revision 2 uses the XSDT: without it nothing is found. */
	xsdt->data[0] = 'Y';
	expect_not_found(&fm, "APIC");
	xsdt->data[0] = 'X';

	/* An ACPI 1.0 RSDP leads to the RSDT. */
	rsdp->data[15] = 0;
	fix_checksum(rsdp->data, 20, 8);
	xsdt->data[0] = 'Y';
	expect_found(&fm, "APIC", 0xf779000, 0x90);
	xsdt->data[0] = 'X';

	/* So does a revision 2 RSDP whose XSDT address is 0. */
	rsdp->data[15] = 2;
	fix_checksum(rsdp->data, 20, 8);
	memset(rsdp->data + 24, 0, 8);
	fix_checksum(rsdp->data, 36, 32);
	xsdt->data[0] = 'Y';
	expect_found(&fm, "FACP", 0xf77a000, 0x74);
	fake_free(&fm);
}

static void test_find_bad_rsdp(void **state)
{
	struct fake_mem fm;
	struct region *rsdp;
	uint64_t p;
	uint32_t l;

	(void)state;
	fake_load(&fm, pc_tables);
	rsdp = fake_find(&fm, "-rsdp.bin");

	rsdp->data[0] = 'r';
	expect_not_found(&fm, "APIC");
	rsdp->data[0] = 'R';
	expect_found(&fm, "APIC", 0xf779000, 0x90);

	/* The ACPI 1.0 checksum, then the extended one. */
	rsdp->data[9] ^= 1;
	expect_not_found(&fm, "APIC");
	rsdp->data[9] ^= 1;
	rsdp->data[33] ^= 1;
	expect_not_found(&fm, "APIC");
	rsdp->data[33] ^= 1;

	/* An RSDP that cannot be mapped, or is not at the address given. */
	assert_int_equal(acpi_find_table(0x1000, "APIC", fake_map, &fm, &p,
					 &l),
			 -1);
	assert_int_equal(acpi_find_table(RSDP_PHYS + 16, "APIC", fake_map, &fm,
					 &p, &l),
			 -1);
	fake_free(&fm);
}

static void test_find_bad_tables(void **state)
{
	struct fake_mem fm;
	struct region *apic, *xsdt;

	(void)state;
	fake_load(&fm, pc_tables);
	apic = fake_find(&fm, "-apic.bin");
	xsdt = fake_find(&fm, "-xsdt.bin");

	/* A table with a bad checksum is skipped; the others still work. */
	apic->data[50] ^= 0x80;
	expect_not_found(&fm, "APIC");
	expect_found(&fm, "HPET", 0xf778000, 0x38);
	apic->data[50] ^= 0x80;

	/* Lengths below the header, or past what can be mapped. */
	apic->data[4] = 20;
	expect_not_found(&fm, "APIC");
	apic->data[4] = 0x91;
	expect_not_found(&fm, "APIC");
	apic->data[4] = 0x90;
	apic->data[7] = 0x40; /* over the sanity limit */
	expect_not_found(&fm, "APIC");
	apic->data[7] = 0;
	expect_found(&fm, "APIC", 0xf779000, 0x90);

	/* A bad XSDT checksum hides everything. */
	xsdt->data[40] ^= 1;
	expect_not_found(&fm, "FACP");
	xsdt->data[40] ^= 1;

	/* A trailing partial entry is ignored, so the last table is gone. */
	xsdt->data[4] = 0x4c - 1;
	fix_checksum(xsdt->data, 0x4c - 1, 9);
	expect_not_found(&fm, "BGRT");
	expect_found(&fm, "FACP", 0xf77a000, 0x74);

	/* Entries pointing at 0 or at unmapped memory are skipped. */
	xsdt->data[4] = 0x4c;
	memset(xsdt->data + 36, 0, 8);
	fix_checksum(xsdt->data, 0x4c, 9);
	expect_not_found(&fm, "FACP");
	expect_found(&fm, "APIC", 0xf779000, 0x90);
	fake_free(&fm);
}

static void test_find_dsdt_via_fadt(void **state)
{
	struct fake_mem fm;
	struct region *dsdt, *facp;

	(void)state;
	fake_load(&fm, q35_tables);
	dsdt = fake_find(&fm, "-dsdt.bin");
	facp = fake_find(&fm, "-facp.bin");

	dsdt->data[100] ^= 1;
	expect_not_found(&fm, "DSDT");
	dsdt->data[100] ^= 1;

	/* X_DSDT wins over DSDT. */
	memset(facp->data + 40, 0, 4);
	fix_checksum(facp->data, facp->len, 9);
	expect_found(&fm, "DSDT", 0xf77a000, 0x2198);
	memset(facp->data + 140, 0, 8);
	fix_checksum(facp->data, facp->len, 9);
	expect_not_found(&fm, "DSDT");
	fake_free(&fm);
}

static void expect_qemu_cpus(const char *file)
{
	struct hv_cpu_desc cpus[8];
	uint8_t *t;
	size_t len;
	unsigned int i;

	t = unit_read_file(UNIT_DATA_DIR, file, &len);
	memset(cpus, 0xee, sizeof(cpus));
	assert_int_equal(acpi_parse_madt(t, len, cpus, 8), 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(cpus[i].apic_id, i);
		assert_int_equal(cpus[i].flags, HV_CPU_ENABLED);
	}
	assert_int_equal(cpus[4].apic_id, 0xeeeeeeee);

	/* Room for two: all four are counted, two stored. */
	memset(cpus, 0xee, sizeof(cpus));
	assert_int_equal(acpi_parse_madt(t, len, cpus, 2), 4);
	assert_int_equal(cpus[1].apic_id, 1);
	assert_int_equal(cpus[2].apic_id, 0xeeeeeeee);
	assert_int_equal(acpi_parse_madt(t, len, NULL, 0), 4);
	free(t);
}

static void test_madt_qemu(void **state)
{
	(void)state;
	expect_qemu_cpus("qemu-pc-smp4-apic.bin");
	expect_qemu_cpus("qemu-q35-smp4-apic.bin");
}

/* A MADT of the given entries, which are copied after the fixed part. */
static size_t build_madt(uint8_t *buf, const uint8_t *entries, size_t n)
{
	uint32_t len = 44 + (uint32_t)n;

	memset(buf, 0, 44);
	memcpy(buf, "APIC", 4);
	memcpy(buf + 4, &len, 4);
	buf[8] = 5;
	if (n)
		memcpy(buf + 44, entries, n);
	fix_checksum(buf, len, 9);
	return len;
}

static int parse_madt_entries(const uint8_t *entries, size_t n,
			      struct hv_cpu_desc *cpus, uint32_t max)
{
	uint8_t buf[256];
	size_t len = build_madt(buf, entries, n);
	void *copy = unit_dup(buf, len);
	int r = acpi_parse_madt(copy, (uint32_t)len, cpus, max);

	free(copy);
	return r;
}

static void test_madt_entries(void **state)
{
	static const uint8_t mixed[] = {
		/* I/O APIC: not a CPU */
		1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0,
		/* Local APIC id 7: enabled */
		0, 8, 0, 7, 1, 0, 0, 0,
		/* Local APIC id 8: disabled, not online capable: absent */
		0, 8, 1, 8, 0, 0, 0, 0,
		/* Local APIC id 9: online capable only */
		0, 8, 2, 9, 2, 0, 0, 0,
		/* x2APIC id 0x100, enabled */
		9, 16, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0,
		/* x2APIC id 7 again: counted once */
		9, 16, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0,
		/* an unknown type, longer than usual: skipped */
		0x7f, 3, 0,
	};
	struct hv_cpu_desc cpus[8];

	(void)state;
	memset(cpus, 0, sizeof(cpus));
	assert_int_equal(parse_madt_entries(mixed, sizeof(mixed), cpus, 8), 3);
	assert_int_equal(cpus[0].apic_id, 7);
	assert_int_equal(cpus[0].flags, HV_CPU_ENABLED);
	assert_int_equal(cpus[1].apic_id, 9);
	assert_int_equal(cpus[1].flags, 0);
	assert_int_equal(cpus[2].apic_id, 0x100);
	assert_int_equal(cpus[2].flags, HV_CPU_ENABLED);

	/* No entries at all is a valid, if useless, MADT. */
	assert_int_equal(parse_madt_entries(NULL, 0, cpus, 8), 0);
}

static void test_madt_malformed(void **state)
{
	static const uint8_t zero_len[] = { 0, 8, 0, 0, 1, 0, 0, 0, 0, 0 };
	static const uint8_t one_len[] = { 2, 1 };
	static const uint8_t past_end[] = { 0, 8, 0, 1, 1, 0, 0, 0, 0, 9, 0 };
	static const uint8_t short_lapic[] = { 0, 6, 0, 1, 1, 0 };
	static const uint8_t short_x2apic[] = { 9, 12, 0, 0, 1, 0, 0, 0,
						1, 0, 0, 0 };
	static const uint8_t lone_byte[] = { 0, 8, 0, 1, 1, 0, 0, 0, 4 };
	struct hv_cpu_desc cpus[4];
	uint8_t buf[256];
	size_t len;

	(void)state;
	assert_int_equal(parse_madt_entries(zero_len, sizeof(zero_len), cpus,
					    4),
			 -1);
	assert_int_equal(parse_madt_entries(one_len, sizeof(one_len), cpus, 4),
			 -1);
	assert_int_equal(parse_madt_entries(past_end, sizeof(past_end), cpus,
					    4),
			 -1);
	assert_int_equal(parse_madt_entries(short_lapic, sizeof(short_lapic),
					    cpus, 4),
			 -1);
	assert_int_equal(parse_madt_entries(short_x2apic,
					    sizeof(short_x2apic), cpus, 4),
			 -1);
	assert_int_equal(parse_madt_entries(lone_byte, sizeof(lone_byte), cpus,
					    4),
			 -1);

	/* Header problems: signature, short buffer, length fields. */
	len = build_madt(buf, NULL, 0);
	assert_int_equal(acpi_parse_madt(buf, (uint32_t)len, cpus, 4), 0);
	assert_int_equal(acpi_parse_madt(buf, 43, cpus, 4), -1);
	assert_int_equal(acpi_parse_madt(NULL, 44, cpus, 4), -1);
	buf[0] = 'X';
	assert_int_equal(acpi_parse_madt(buf, (uint32_t)len, cpus, 4), -1);
	buf[0] = 'A';
	buf[4] = 45; /* says longer than the buffer */
	assert_int_equal(acpi_parse_madt(buf, 44, cpus, 4), -1);
	buf[4] = 40;
	assert_int_equal(acpi_parse_madt(buf, 44, cpus, 4), -1);
}

/* The QEMU MADT cut at every length, with its length field made to agree. */
static void test_madt_truncated(void **state)
{
	struct hv_cpu_desc cpus[8];
	uint8_t *t, *copy;
	size_t len, n;

	(void)state;
	t = unit_read_file(UNIT_DATA_DIR, "qemu-q35-smp4-apic.bin", &len);
	for (n = 0; n < len; n++) {
		uint32_t l32 = (uint32_t)n;
		int r;

		copy = unit_dup(t, n);
		if (n >= 8)
			memcpy(copy + 4, &l32, 4);
		r = acpi_parse_madt(copy, (uint32_t)n, cpus, 8);
		/* A cut inside an entry is malformed; one between is not. */
		assert_true(r == -1 || (r >= 0 && r <= 4));
		if (n == 44 + 8 * 2)
			assert_int_equal(r, 2);
		if (n == 44 + 8 * 2 + 3)
			assert_int_equal(r, -1);
		free(copy);
	}
	free(t);
}

static void test_fadt_qemu(void **state)
{
	struct acpi_fadt_info fi;
	uint8_t *t;
	size_t len;

	(void)state;
	/* pc: an ACPI 1.0 FADT (116 bytes), no X_ fields. */
	t = unit_read_file(UNIT_DATA_DIR, "qemu-pc-facp.bin", &len);
	assert_int_equal(len, 116);
	memset(&fi, 0xee, sizeof(fi));
	assert_int_equal(acpi_parse_fadt(t, len, &fi), 0);
	assert_int_equal(fi.pm1a_cnt, 0xb004);
	assert_int_equal(fi.pm1b_cnt, 0);
	assert_int_equal(fi.dsdt, 0xf77b000);
	free(t);

	/* q35: revision 3 with X_ fields (the ICH9 PM block at 0x600). */
	t = unit_read_file(UNIT_DATA_DIR, "qemu-q35-facp.bin", &len);
	assert_int_equal(len, 244);
	memset(&fi, 0xee, sizeof(fi));
	assert_int_equal(acpi_parse_fadt(t, len, &fi), 0);
	assert_int_equal(fi.pm1a_cnt, 0x604);
	assert_int_equal(fi.pm1b_cnt, 0);
	assert_int_equal(fi.dsdt, 0xf77a000);
	free(t);
}

static void set32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void set64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void test_fadt_fields(void **state)
{
	struct acpi_fadt_info fi;
	uint8_t *t;
	size_t len;

	(void)state;
	t = unit_read_file(UNIT_DATA_DIR, "qemu-q35-facp.bin", &len);

	/* The X_ field is used when it is in system I/O space... */
	set32(t + 64, 0x1234);
	set64(t + 172 + 4, 0x5678);
	assert_int_equal(acpi_parse_fadt(t, len, &fi), 0);
	assert_int_equal(fi.pm1a_cnt, 0x5678);
	/* ...but not in memory space, nor when 0 or past 16 bits. */
	t[172] = 0;
	assert_int_equal(acpi_parse_fadt(t, len, &fi), 0);
	assert_int_equal(fi.pm1a_cnt, 0x1234);
	t[172] = 1;
	set64(t + 172 + 4, 0);
	assert_int_equal(acpi_parse_fadt(t, len, &fi), 0);
	assert_int_equal(fi.pm1a_cnt, 0x1234);
	set64(t + 172 + 4, 0x10000);
	assert_int_equal(acpi_parse_fadt(t, len, &fi), 0);
	assert_int_equal(fi.pm1a_cnt, 0x1234);
	/* A 32-bit port past 16 bits is no port. */
	set32(t + 64, 0x12345);
	assert_int_equal(acpi_parse_fadt(t, len, &fi), 0);
	assert_int_equal(fi.pm1a_cnt, 0);

	/* PM1b, both ways. */
	set32(t + 68, 0x700);
	assert_int_equal(acpi_parse_fadt(t, len, &fi), 0);
	assert_int_equal(fi.pm1b_cnt, 0x700);
	t[184] = 1;
	set64(t + 184 + 4, 0x800);
	assert_int_equal(acpi_parse_fadt(t, len, &fi), 0);
	assert_int_equal(fi.pm1b_cnt, 0x800);

	/* A table too short for X_PM1b_CNT falls back to PM1b_CNT. */
	set32(t + 4, 190);
	assert_int_equal(acpi_parse_fadt(t, 190, &fi), 0);
	assert_int_equal(fi.pm1b_cnt, 0x700);
	/* Too short for X_DSDT: the 32-bit DSDT. */
	set32(t + 40, 0xabc000);
	set32(t + 4, 147);
	assert_int_equal(acpi_parse_fadt(t, 147, &fi), 0);
	assert_int_equal(fi.dsdt, 0xabc000);
	set32(t + 4, 148);
	assert_int_equal(acpi_parse_fadt(t, 148, &fi), 0);
	assert_int_equal(fi.dsdt, 0xf77a000);

	/* Malformed: too short, longer than the buffer, wrong signature. */
	set32(t + 4, 71);
	assert_int_equal(acpi_parse_fadt(t, len, &fi), -1);
	set32(t + 4, 72);
	assert_int_equal(acpi_parse_fadt(t, 72, &fi), 0);
	assert_int_equal(acpi_parse_fadt(t, 71, &fi), -1);
	assert_int_equal(acpi_parse_fadt(t, 20, &fi), -1);
	set32(t + 4, (uint32_t)len + 1);
	assert_int_equal(acpi_parse_fadt(t, len, &fi), -1);
	set32(t + 4, (uint32_t)len);
	t[0] = 'f';
	assert_int_equal(acpi_parse_fadt(t, len, &fi), -1);
	assert_int_equal(acpi_parse_fadt(NULL, len, &fi), -1);
	free(t);
}

/* The whole way the loader goes: RSDP to MADT, FADT and \_S5. */
static void loader_path(const struct region *tables, uint16_t pm1a)
{
	struct fake_mem fm;
	struct hv_cpu_desc cpus[HV_MAX_CPUS];
	struct acpi_fadt_info fi;
	uint64_t p;
	uint32_t l;
	uint16_t a = 0xee, b = 0xee;

	fake_load(&fm, tables);
	assert_int_equal(find(&fm, "APIC", &p, &l), 0);
	assert_int_equal(acpi_parse_madt(fake_map(p, l, &fm), l, cpus,
					 HV_MAX_CPUS),
			 4);
	assert_int_equal(find(&fm, "FACP", &p, &l), 0);
	assert_int_equal(acpi_parse_fadt(fake_map(p, l, &fm), l, &fi), 0);
	assert_int_equal(fi.pm1a_cnt, pm1a);
	assert_int_equal(find(&fm, "DSDT", &p, &l), 0);
	assert_int_equal(p, fi.dsdt);
	assert_int_equal(acpi_find_s5(fake_map(p, l, &fm), l, &a, &b), 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 0);
	fake_free(&fm);
}

static void test_loader_path(void **state)
{
	(void)state;
	loader_path(pc_tables, 0xb004);
	loader_path(q35_tables, 0x604);
}

static int s5(const uint8_t *aml, size_t len, uint16_t *a, uint16_t *b)
{
	void *copy = unit_dup(aml, len);
	int r;

	*a = *b = 0xee;
	r = acpi_find_s5(copy, (uint32_t)len, a, b);
	free(copy);
	return r;
}

static void test_s5_qemu(void **state)
{
	static const char *const files[] = { "qemu-pc-dsdt.bin",
					     "qemu-q35-dsdt.bin" };
	unsigned int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		uint8_t *t;
		size_t len, n, at;
		uint16_t a, b;

		t = unit_read_file(UNIT_DATA_DIR, files[i], &len);
		/* QEMU: Name (_S5, Package (4) { Zero, Zero, Zero, Zero }) */
		assert_int_equal(s5(t, len, &a, &b), 0);
		assert_int_equal(a, 0);
		assert_int_equal(b, 0);

		/*
		 * Every cut of the DSDT: found only once the first two
		 * elements are inside, never a read past the cut.
		 */
		at = (size_t)((uint8_t *)memmem(t, len, "\x08_S5_\x12", 6) - t);
		for (n = 0; n <= len; n++) {
			int r = s5(t, n, &a, &b);

			/* 08 _S5_ 12 06 04 00 00 00 00: whole package. */
			assert_int_equal(r, n >= at + 12 ? 0 : -1);
		}
		free(t);
	}
}

static void test_s5_encodings(void **state)
{
	/* Name(_S5, Package(2) {5, 5}) with BytePrefix. */
	static const uint8_t bytes[] = { 0x10, 0x08, '_', 'S', '5', '_', 0x12,
					 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x06 };
	/* \_S5 with WordPrefix and DWordPrefix, and a 2-byte PkgLength. */
	static const uint8_t wide[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12,
					0x4b, 0x00, 0x02, 0x0b, 0x07, 0x00,
					0x0c, 0x03, 0x00, 0x00, 0x00 };
	/* One, then QWordPrefix. */
	static const uint8_t qword[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x0c,
					 0x02, 0x01, 0x0e, 2, 0, 0, 0, 0, 0,
					 0, 0 };
	/* A lone element serves both registers. */
	static const uint8_t one[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04,
				       0x01, 0x0a, 0x07 };
	/* A decoy: "_S5_" in a string, then as a Name of an integer. */
	static const uint8_t decoy[] = { 0x0d, '_', 'S', '5', '_', 0x00, 0x08,
					 '_', 'S', '5', '_', 0x0a, 0x03, 0x08,
					 '_', 'S', '5', '_', 0x12, 0x04, 0x02,
					 0x01, 0x00, 0x00 };
	uint16_t a, b;

	(void)state;
	assert_int_equal(s5(bytes, sizeof(bytes), &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 6);
	assert_int_equal(s5(wide, sizeof(wide), &a, &b), 0);
	assert_int_equal(a, 7);
	assert_int_equal(b, 3);
	assert_int_equal(s5(qword, sizeof(qword), &a, &b), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(s5(one, sizeof(one), &a, &b), 0);
	assert_int_equal(a, 7);
	assert_int_equal(b, 7);
	assert_int_equal(s5(decoy, sizeof(decoy), &a, &b), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 0);
}

static void test_s5_malformed(void **state)
{
	/* Each is refused: the values or the structure are wrong. */
	static const struct {
		uint8_t aml[16];
		size_t len;
	} bad[] = {
		/* SLP_TYP has 3 bits: 8 does not fit. */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x08,
		    0x00 }, 11 },
		/* OnesOp */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0xff },
		  10 },
		/* No elements */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00 }, 8 },
		/* A method call, a string: not integers */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0d, 'a',
		    0x00 }, 11 },
		/* PkgLength shorter than itself plus NumElements */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x01, 0x00, 0x00, 0x00 },
		  10 },
		/* PkgLength past the end of the table */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x02, 0x00, 0x00 },
		  10 },
		/* PkgLength says 2 bytes follow, 1 is there */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x80, 0x01 }, 8 },
		/* Elements run past the package (ends after one) */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x02, 0x00, 0x00,
		    0x00 }, 11 },
		/* A WordPrefix cut by the package end */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x0b,
		    0x00, 0x00 }, 12 },
		/* Name(_S5, 5): not a package */
		{ { 0x08, '_', 'S', '5', '_', 0x0a, 0x05 }, 7 },
		/* _S4 only */
		{ { 0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0x00, 0x00 },
		  10 },
		/* Nothing after the name */
		{ { 0x08, '_', 'S', '5', '_' }, 5 },
		{ { 0x08, '\\', '_', 'S', '5' }, 5 },
	};
	uint16_t a, b;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (s5(bad[i].aml, bad[i].len, &a, &b) != -1)
			fail_msg("case %u accepted", i);
	}
	assert_int_equal(s5((const uint8_t *)"", 0, &a, &b), -1);
	assert_int_equal(acpi_find_s5(NULL, 10, &a, &b), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_qemu_pc),
		cmocka_unit_test(test_find_qemu_q35),
		cmocka_unit_test(test_find_root_choice),
		cmocka_unit_test(test_find_bad_rsdp),
		cmocka_unit_test(test_find_bad_tables),
		cmocka_unit_test(test_find_dsdt_via_fadt),
		cmocka_unit_test(test_madt_qemu),
		cmocka_unit_test(test_madt_entries),
		cmocka_unit_test(test_madt_malformed),
		cmocka_unit_test(test_madt_truncated),
		cmocka_unit_test(test_fadt_qemu),
		cmocka_unit_test(test_fadt_fields),
		cmocka_unit_test(test_loader_path),
		cmocka_unit_test(test_s5_qemu),
		cmocka_unit_test(test_s5_encodings),
		cmocka_unit_test(test_s5_malformed),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
