// SPDX-License-Identifier: MIT
/*
 * A pc partition's ACPI tables (lib/acpigen.h). Layouts from the ACPI
 * Specification 6.4: "Root System Description Pointer (RSDP) Structure",
 * "Extended System Description Table (XSDT)", "Fixed ACPI Description
 * Table (FADT)" (revision 6, 276 bytes), "Multiple APIC Description Table
 * (MADT)", and the AML grammar of "ACPI Machine Language (AML)
 * Specification" for the DSDT, which is written here byte by byte.
 */
#include "lib/acpigen.h"

#include "lib/string.h"

#define HDR 36
#define OEM_ID "HVPC  "
#define OEM_TABLE "HVPLAT  "

/* FADT offsets and flags. */
#define FADT_SIZE 276
#define FADT_DSDT 40
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR 131
#define FADT_X_DSDT 140
#define FADT_SLEEP_CONTROL 244
#define FADT_SLEEP_STATUS 256
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED (1u << 20)
#define GAS_SYSTEM_IO 1
#define GAS_BYTE_ACCESS 1

static void put(uint8_t *p, uint64_t v, unsigned size)
{
	memcpy(p, &v, size);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* The header every table but the RSDP begins with, checksummed last. */
static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put(t + 4, len, 4);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE, 8);
	put(t + 24, 1, 4); /* OEM revision */
	memcpy(t + 28, "HV  ", 4); /* creator id */
	put(t + 32, 1, 4);
}

static void checksum(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = (uint8_t)-sum(t, len);
}

/* A Generic Address Structure: one byte at an I/O port. */
static void gas_port(uint8_t *g, uint16_t port)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = 8; /* bit width */
	g[2] = 0;
	g[3] = GAS_BYTE_ACCESS;
	put(g + 4, port, 8);
}

/*
 * AML: PkgLength (one byte up to 63, else two: the low 4 bits in the
 * lead byte with bit 6 set, the rest in the next), counting itself.
 * Returns the bytes written at out for a body of n bytes.
 */
static size_t pkg_length(uint8_t *out, size_t n)
{
	if (n + 1 < 64) {
		out[0] = (uint8_t)(n + 1);
		return 1;
	}
	out[0] = (uint8_t)(0x40 | ((n + 2) & 0xf));
	out[1] = (uint8_t)((n + 2) >> 4);
	return 2;
}

/* op bytes, PkgLength, then the body: the encoding of Scope, Device,
 * Buffer and Package. Returns the bytes written. */
static size_t aml_pkg(uint8_t *out, const uint8_t *op, size_t opn,
		      const uint8_t *body, size_t n)
{
	size_t at = opn;

	memcpy(out, op, opn);
	at += pkg_length(out + at, n);
	memcpy(out + at, body, n);
	return at + n;
}

static const uint8_t AML_SCOPE[] = { 0x10 };
static const uint8_t AML_DEVICE[] = { 0x5b, 0x82 };
static const uint8_t AML_BUFFER[] = { 0x11 };
static const uint8_t AML_PACKAGE[] = { 0x12 };

/* The DSDT's body: \_SB.COM1 and \_S5. At most 128 bytes. */
static size_t dsdt_aml(uint8_t *out)
{
	/* _CRS: BufferSize 10, an I/O port descriptor (decodes 16 bits,
	 * 0x3f8 to 0x3f8, alignment 1, length 8), the end tag. No IRQ
	 * descriptor: 8250_pnp then gives the port irq 0, polled. */
	static const uint8_t crs[] = { 0x0a, 0x0a, 0x47, 0x01, 0xf8, 0x03,
				       0xf8, 0x03, 0x01, 0x08, 0x79, 0x00 };
	static const uint8_t names[] = {
		'C', 'O', 'M', '1',
		/* Name (_HID, EisaId ("PNP0501")), a 16550 */
		0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01,
		0x08, '_', 'U', 'I', 'D', 0x01, /* One */
		0x08, '_', 'S', 'T', 'A', 0x0a, 0x0f, /* present, enabled */
		0x08, '_', 'C', 'R', 'S',
	};
	/* Package (4) {5, 0, 0, 0}: SLP_TYPa, SLP_TYPb, reserved */
	static const uint8_t s5[] = { 0x04, 0x0a, ACPI_PC_S5_TYPE, 0, 0, 0 };
	static const uint8_t s5_name[] = { 0x08, '\\', '_', 'S', '5', '_' };
	uint8_t dev[64], scope[80];
	size_t n, d, s, at;

	memcpy(dev, names, sizeof(names));
	n = sizeof(names);
	n += aml_pkg(dev + n, AML_BUFFER, 1, crs, sizeof(crs));
	memcpy(scope, "\\_SB_", 5);
	d = 5 + aml_pkg(scope + 5, AML_DEVICE, 2, dev, n);
	s = aml_pkg(out, AML_SCOPE, 1, scope, d);
	memcpy(out + s, s5_name, sizeof(s5_name));
	at = s + sizeof(s5_name);
	return at + aml_pkg(out + at, AML_PACKAGE, 1, s5, sizeof(s5));
}

static uint32_t build_fadt(uint8_t *t, uint64_t dsdt)
{
	memset(t, 0, FADT_SIZE);
	header(t, "FACP", FADT_SIZE, 6);
	put(t + FADT_DSDT, dsdt, 4);
	put(t + FADT_X_DSDT, dsdt, 8);
	/* IAPC_BOOT_ARCH 0: the CMOS RTC is there (hv/pcdev.c), and no
	 * legacy devices, 8042 or VGA are claimed. */
	put(t + FADT_IAPC_BOOT_ARCH, 0, 2);
	put(t + FADT_FLAGS, FADT_HW_REDUCED | FADT_RESET_REG_SUP, 4);
	gas_port(t + FADT_RESET_REG, ACPI_PC_RESET);
	t[FADT_RESET_VALUE] = ACPI_PC_RESET_VALUE;
	gas_port(t + FADT_SLEEP_CONTROL, ACPI_PC_SLEEP_CONTROL);
	gas_port(t + FADT_SLEEP_STATUS, ACPI_PC_SLEEP_STATUS);
	t[FADT_MINOR] = 0;
	checksum(t, FADT_SIZE);
	return FADT_SIZE;
}

static uint32_t build_madt(uint8_t *t, uint32_t cpus)
{
	uint32_t len = HDR + 8 + 8 * cpus + 6;
	uint8_t *e = t + HDR + 8;

	memset(t, 0, len);
	header(t, "APIC", len, 5);
	put(t + HDR, ACPI_PC_LAPIC_BASE, 4);
	put(t + HDR + 4, 0, 4); /* no PCAT_COMPAT: there are no 8259s to mask */
	for (uint32_t i = 0; i < cpus; i++, e += 8) {
		e[0] = 0; /* Processor Local APIC */
		e[1] = 8;
		e[2] = (uint8_t)i; /* ACPI processor UID */
		e[3] = (uint8_t)i; /* APIC id */
		put(e + 4, 1, 4); /* enabled */
	}
	/* Local APIC NMI: every processor, LINT1, as on a PC. */
	e[0] = 4;
	e[1] = 6;
	e[2] = 0xff;
	put(e + 3, 0, 2);
	e[5] = 1;
	checksum(t, len);
	return len;
}

#define ALIGN16(x) (((x) + 15) & ~(size_t)15)

size_t acpigen_build(void *buf, size_t size, uint64_t base, uint32_t cpus)
{
	uint8_t *b = buf, aml[128];
	size_t xsdt = 48, fadt = ALIGN16(xsdt + HDR + 16);
	size_t madt = ALIGN16(fadt + FADT_SIZE);
	size_t dsdt = ALIGN16(madt + HDR + 8 + 8 * (size_t)cpus + 6);
	size_t aml_len, end;

	if (!cpus || cpus > 255)
		return 0;
	aml_len = dsdt_aml(aml);
	end = dsdt + HDR + aml_len;
	if (end > size)
		return 0;
	memset(b, 0, end);

	/* RSDP, revision 2: the first 20 bytes have their own checksum. */
	memcpy(b, "RSD PTR ", 8);
	memcpy(b + 9, OEM_ID, 6);
	b[15] = 2;
	put(b + 20, 36, 4);
	put(b + 24, base + xsdt, 8);
	b[8] = (uint8_t)-sum(b, 20);
	b[32] = (uint8_t)-sum(b, 36);

	header(b + xsdt, "XSDT", HDR + 16, 1);
	put(b + xsdt + HDR, base + fadt, 8);
	put(b + xsdt + HDR + 8, base + madt, 8);
	checksum(b + xsdt, HDR + 16);

	build_fadt(b + fadt, base + dsdt);
	build_madt(b + madt, cpus);

	header(b + dsdt, "DSDT", (uint32_t)(HDR + aml_len), 2);
	memcpy(b + dsdt + HDR, aml, aml_len);
	checksum(b + dsdt, (uint32_t)(HDR + aml_len));
	return end;
}
