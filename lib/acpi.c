// SPDX-License-Identifier: MIT
/*
 * ACPI table parsing. Layouts are from the ACPI specification, chapter
 * "ACPI Software Programming Model": "Root System Description Pointer
 * (RSDP) Structure", "System Description Table Header", "Multiple APIC
 * Description Table (MADT)" and "Fixed ACPI Description Table (FADT)"; the
 * AML encoding is from chapter "ACPI Machine Language (AML) Specification".
 *
 * Firmware tables are trusted no more than a file: every length is checked
 * before the bytes it covers are read, and fields are read with memcpy
 * because tables need not be aligned.
 */
#include "lib/acpi.h"

#include <stdbool.h>
#include <stddef.h>

#include "lib/string.h"

#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36
#define SDT_HDR_LEN 36
/* Refuses lengths that could only come from garbage, before mapping them. */
#define TABLE_MAX_LEN (16u << 20)

#define MADT_ENTRIES 44 /* header, local APIC address, flags */
#define MADT_LAPIC 0
#define MADT_LAPIC_LEN 8
#define MADT_X2APIC 9
#define MADT_X2APIC_LEN 16
#define MADT_ENABLED (1u << 0)
#define MADT_ONLINE_CAPABLE (1u << 1)

#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM1B_CNT 184
#define GAS_LEN 12
#define GAS_SYSTEM_IO 1

#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE 0x0a
#define AML_WORD 0x0b
#define AML_DWORD 0x0c
#define AML_QWORD 0x0e
#define AML_PACKAGE 0x12
#define AML_ROOT 0x5c
#define AML_ONES 0xff

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum == 0;
}

/*
 * Maps the table at phys if it has signature sig (any when NULL) and a
 * sane length and checksum.
 */
static const uint8_t *map_table(uint64_t phys, const char *sig,
				acpi_map_fn map, void *ctx, uint32_t *len)
{
	const uint8_t *t;
	uint32_t n;

	if (!phys)
		return NULL;
	t = map(phys, SDT_HDR_LEN, ctx);
	if (!t || (sig && memcmp(t, sig, 4)))
		return NULL;
	n = rd32(t + 4);
	if (n < SDT_HDR_LEN || n > TABLE_MAX_LEN)
		return NULL;
	t = map(phys, n, ctx);
	if (!t || !checksum_ok(t, n))
		return NULL;
	*len = n;
	return t;
}

static int find_dsdt(uint64_t rsdp_phys, acpi_map_fn map, void *ctx,
		     uint64_t *phys, uint32_t *len)
{
	struct acpi_fadt_info fi;
	const uint8_t *fadt;
	uint64_t fphys;
	uint32_t flen;

	if (acpi_find_table(rsdp_phys, "FACP", map, ctx, &fphys, &flen))
		return -1;
	fadt = map(fphys, flen, ctx);
	if (!fadt || acpi_parse_fadt(fadt, flen, &fi))
		return -1;
	if (!map_table(fi.dsdt, "DSDT", map, ctx, len))
		return -1;
	*phys = fi.dsdt;
	return 0;
}

int acpi_find_table(uint64_t rsdp_phys, const char sig[4], acpi_map_fn map,
		    void *ctx, uint64_t *phys, uint32_t *len)
{
	const uint8_t *rsdp, *root;
	uint64_t root_phys;
	uint32_t root_len, esize, i;

	if (!memcmp(sig, "DSDT", 4))
		return find_dsdt(rsdp_phys, map, ctx, phys, len);

	rsdp = map(rsdp_phys, RSDP_V1_LEN, ctx);
	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8) ||
	    !checksum_ok(rsdp, RSDP_V1_LEN))
		return -1;
	root_phys = rd32(rsdp + 16);
	esize = 4;
	if (rsdp[15] >= 2) {
		/* The extended checksum covers the whole ACPI 2.0 structure. */
		rsdp = map(rsdp_phys, RSDP_V2_LEN, ctx);
		if (!rsdp || rd32(rsdp + 20) < RSDP_V2_LEN ||
		    !checksum_ok(rsdp, RSDP_V2_LEN))
			return -1;
		if (rd64(rsdp + 24)) {
			root_phys = rd64(rsdp + 24);
			esize = 8;
		}
	}
	root = map_table(root_phys, esize == 8 ? "XSDT" : "RSDT", map, ctx,
			 &root_len);
	if (!root)
		return -1;

	for (i = SDT_HDR_LEN; root_len - i >= esize; i += esize) {
		uint64_t tphys = esize == 8 ? rd64(root + i) : rd32(root + i);
		uint32_t tlen;

		if (map_table(tphys, sig, map, ctx, &tlen)) {
			*phys = tphys;
			*len = tlen;
			return 0;
		}
	}
	return -1;
}

/* Remembers id unless it is there already; returns the new count. */
static uint32_t add_cpu(struct hv_cpu_desc *cpus, uint32_t max, uint32_t n,
			uint32_t id, uint32_t flags)
{
	uint32_t i;

	for (i = 0; i < n && i < max; i++)
		if (cpus[i].apic_id == id)
			return n;
	if (n < max) {
		cpus[n].apic_id = id;
		cpus[n].flags = flags & MADT_ENABLED ? HV_CPU_ENABLED : 0;
	}
	return n + 1;
}

int acpi_parse_madt(const void *madt, uint32_t len, struct hv_cpu_desc *cpus,
		    uint32_t max)
{
	const uint8_t *t = madt;
	uint32_t tlen, off, n = 0;

	if (!t || len < MADT_ENTRIES || memcmp(t, "APIC", 4))
		return -1;
	tlen = rd32(t + 4);
	if (tlen < MADT_ENTRIES || tlen > len)
		return -1;

	for (off = MADT_ENTRIES; off < tlen;) {
		uint8_t type, elen;
		uint32_t id, flags;

		if (tlen - off < 2)
			return -1;
		type = t[off];
		elen = t[off + 1];
		if (elen < 2 || elen > tlen - off)
			return -1;

		if (type == MADT_LAPIC) {
			if (elen < MADT_LAPIC_LEN)
				return -1;
			id = t[off + 3];
			flags = rd32(t + off + 4);
		} else if (type == MADT_X2APIC) {
			if (elen < MADT_X2APIC_LEN)
				return -1;
			id = rd32(t + off + 4);
			flags = rd32(t + off + 8);
		} else {
			off += elen;
			continue;
		}
		if (flags & (MADT_ENABLED | MADT_ONLINE_CAPABLE))
			n = add_cpu(cpus, max, n, id, flags);
		off += elen;
	}
	return n > INT32_MAX ? -1 : (int)n;
}

/* The port of a PM1 control block given as a Generic Address Structure. */
static bool gas_io_port(const uint8_t *gas, uint16_t *port)
{
	uint64_t addr = rd64(gas + 4);

	if (gas[0] != GAS_SYSTEM_IO || !addr || addr > 0xffff)
		return false;
	*port = (uint16_t)addr;
	return true;
}

static uint16_t io_port(uint32_t v)
{
	return v <= 0xffff ? (uint16_t)v : 0;
}

int acpi_parse_fadt(const void *fadt, uint32_t len,
		    struct acpi_fadt_info *out)
{
	const uint8_t *t = fadt;
	uint32_t tlen;

	if (!t || len < SDT_HDR_LEN || memcmp(t, "FACP", 4))
		return -1;
	tlen = rd32(t + 4);
	if (tlen > len || tlen < FADT_PM1B_CNT + 4)
		return -1;

	out->dsdt = rd32(t + FADT_DSDT);
	if (tlen >= FADT_X_DSDT + 8 && rd64(t + FADT_X_DSDT))
		out->dsdt = rd64(t + FADT_X_DSDT);
	if (tlen < FADT_X_PM1A_CNT + GAS_LEN ||
	    !gas_io_port(t + FADT_X_PM1A_CNT, &out->pm1a_cnt))
		out->pm1a_cnt = io_port(rd32(t + FADT_PM1A_CNT));
	if (tlen < FADT_X_PM1B_CNT + GAS_LEN ||
	    !gas_io_port(t + FADT_X_PM1B_CNT, &out->pm1b_cnt))
		out->pm1b_cnt = io_port(rd32(t + FADT_PM1B_CNT));
	return 0;
}

/*
 * Decodes a PkgLength at p[0..avail): the top two bits of the lead byte
 * count the bytes that follow; with none, bits 5:0 are the length, else
 * bits 3:0 are its low nibble. Returns the bytes used, or 0 if malformed.
 */
static uint32_t pkg_length(const uint8_t *p, uint32_t avail, uint32_t *plen)
{
	uint32_t extra, i, v;

	if (!avail)
		return 0;
	extra = p[0] >> 6;
	if (extra >= avail)
		return 0;
	if (!extra) {
		*plen = p[0] & 0x3f;
		return 1;
	}
	v = p[0] & 0x0f;
	for (i = 0; i < extra; i++)
		v |= (uint32_t)p[1 + i] << (4 + 8 * i);
	*plen = v;
	return 1 + extra;
}

/* Decodes one integer package element; returns the bytes used, or 0. */
static uint32_t aml_integer(const uint8_t *p, uint32_t avail, uint64_t *v)
{
	static const uint8_t size[] = {
		[AML_BYTE] = 1, [AML_WORD] = 2, [AML_DWORD] = 4,
		[AML_QWORD] = 8,
	};
	uint32_t n, i;

	if (!avail)
		return 0;
	switch (p[0]) {
	case AML_ZERO:
		*v = 0;
		return 1;
	case AML_ONE:
		*v = 1;
		return 1;
	case AML_ONES:
		*v = UINT64_MAX;
		return 1;
	case AML_BYTE:
	case AML_WORD:
	case AML_DWORD:
	case AML_QWORD:
		n = size[p[0]];
		if (avail - 1 < n)
			return 0;
		*v = 0;
		for (i = 0; i < n; i++)
			*v |= (uint64_t)p[1 + i] << (8 * i);
		return 1 + n;
	}
	return 0;
}

/* Parses the package that follows "Name(_S5," at p[0..avail). */
static int parse_s5_package(const uint8_t *p, uint32_t avail, uint16_t *a,
			    uint16_t *b)
{
	uint32_t used, plen, end, off, count, i;
	uint64_t v[2];

	if (!avail || p[0] != AML_PACKAGE)
		return -1;
	used = pkg_length(p + 1, avail - 1, &plen);
	/* PkgLength counts itself and the package contents, not the opcode. */
	if (!used || plen < used + 1 || plen > avail - 1)
		return -1;
	end = 1 + plen;
	off = 1 + used;
	count = p[off++];
	if (count > 2)
		count = 2;
	for (i = 0; i < count; i++) {
		used = aml_integer(p + off, end - off, &v[i]);
		if (!used)
			return -1;
		off += used;
	}
	if (!count || v[0] > 7 || (count == 2 && v[1] > 7))
		return -1;
	/* A lone element (old firmware) serves PM1b, rarely present, too. */
	*a = (uint16_t)v[0];
	*b = (uint16_t)v[count - 1];
	return 0;
}

int acpi_find_s5(const void *dsdt, uint32_t len, uint16_t *slp_typ_a,
		 uint16_t *slp_typ_b)
{
	const uint8_t *t = dsdt;
	uint32_t i;

	if (!t)
		return -1;
	/*
	 * A scan rather than an AML parse: "_S5_" right after NameOp (with
	 * an optional root prefix) is what the package looks like in every
	 * DSDT, and a false match fails the package checks and the scan goes
	 * on.
	 */
	for (i = 0; i + 5 <= len; i++) {
		uint32_t at;

		if (t[i] != AML_NAME)
			continue;
		at = i + 1;
		if (t[at] == AML_ROOT)
			at++;
		if (len - at < 4 || memcmp(t + at, "_S5_", 4))
			continue;
		at += 4;
		if (!parse_s5_package(t + at, len - at, slp_typ_a, slp_typ_b))
			return 0;
	}
	return -1;
}
