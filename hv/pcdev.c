// SPDX-License-Identifier: MIT
/*
 * The small PC devices of hv/pcdev.h. What each register does is in
 * docs/platform.md; the references are Intel's 8259A data sheet, QEMU's
 * docs/specs/fw_cfg.txt and hw/misc/debugexit.c, and the PCI Local Bus
 * Specification's "Configuration Mechanism #1".
 */
#include "hv/pcdev.h"

#include "lib/acpigen.h"
#include "lib/string.h"

#define RTC_B_24H 0x02
#define RTC_B_BINARY 0x04
#define RTC_B_SET 0x80

void pcdev_reset(struct pc_devices *d)
{
	memset(d, 0, sizeof(*d));
	d->rtc.reg_b = RTC_B_24H;
}

/* Days since 1970-01-01 to a civil date (the proleptic Gregorian
 * calendar, counted in 400-year eras of 146097 days). */
static void civil(uint64_t days, uint32_t *y, uint32_t *m, uint32_t *d)
{
	uint64_t z = days + 719468, era = z / 146097, doe = z % 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;

	*d = (uint32_t)(doy - (153 * mp + 2) / 5 + 1);
	*m = (uint32_t)(mp < 10 ? mp + 3 : mp - 9);
	*y = (uint32_t)(yoe + era * 400 + (*m <= 2));
}

static uint8_t rtc_encode(const struct pc_rtc *r, uint32_t v)
{
	return r->reg_b & RTC_B_BINARY ? (uint8_t)v :
					 (uint8_t)((v / 10) << 4 | (v % 10));
}

/*
 * MC146818 register reads (its data sheet's "Address Map"). The clock
 * is never mid-update when read: UIP (register A bit 7) stays 0, so a
 * kernel that waits for it to clear never waits. Register D's VRT says
 * the battery is good; register C has no interrupt flags, since no
 * interrupt is wired.
 */
static uint8_t rtc_read(const struct pc_rtc *r, uint64_t now)
{
	uint64_t t = now ? now : 946684800; /* 2000-01-01 */
	uint32_t sec = (uint32_t)(t % 60), min = (uint32_t)(t / 60 % 60);
	uint32_t hour = (uint32_t)(t / 3600 % 24), y, m, d;
	uint8_t h;

	civil(t / 86400, &y, &m, &d);
	switch (r->index) {
	case 0x00:
		return rtc_encode(r, sec);
	case 0x02:
		return rtc_encode(r, min);
	case 0x04:
		if (r->reg_b & RTC_B_24H)
			return rtc_encode(r, hour);
		/* 12-hour mode: 12, 1 .. 11, with bit 7 for PM */
		h = rtc_encode(r, hour % 12 ? hour % 12 : 12);
		return hour >= 12 ? (uint8_t)(h | 0x80) : h;
	case 0x06: /* day of the week, 1 = Sunday; 1970-01-01 was a Thursday */
		return rtc_encode(r, (uint32_t)((t / 86400 + 4) % 7 + 1));
	case 0x07:
		return rtc_encode(r, d);
	case 0x08:
		return rtc_encode(r, m);
	case 0x09:
		return rtc_encode(r, y % 100);
	case 0x32: /* the century byte of the PC's CMOS map */
		return rtc_encode(r, y / 100);
	case 0x0a:
		return 0x26; /* 32.768 kHz time base, 1024 Hz rate, UIP 0 */
	case 0x0b:
		return r->reg_b;
	case 0x0c:
		return 0;
	case 0x0d:
		return 0x80;
	case 0x01:
	case 0x03:
	case 0x05:
		return 0; /* alarms, never armed */
	default:
		return r->ram[r->index];
	}
}

/* Writes set register B's mode bits and the CMOS RAM; the clock itself
 * is the firmware's and a write to it is ignored. */
static void rtc_write(struct pc_rtc *r, uint8_t v)
{
	if (r->index == 0x0b)
		r->reg_b = v & (RTC_B_24H | RTC_B_BINARY | RTC_B_SET);
	else if (r->index >= 0x0e && r->index != 0x32)
		r->ram[r->index] = v;
}

static enum pcdev_answer rtc_io(struct pc_rtc *r, uint64_t now, bool data,
				bool in, uint32_t *value)
{
	if (!data) {
		if (in)
			*value = r->index;
		else
			r->index = (uint8_t)*value & 0x7f; /* bit 7: NMI mask */
		return PCDEV_DONE;
	}
	if (in)
		*value = rtc_read(r, now);
	else
		rtc_write(r, (uint8_t)*value);
	return PCDEV_DONE;
}

/*
 * The FADT's hardware-reduced sleep and reset registers (ACPI 6.4,
 * "Sleep Control and Status Registers", "Reset Register"). A sleep
 * control write with SLP_EN and the \_S5 type powers off; other sleep
 * states are not offered by the DSDT and do nothing. Sleep status reads
 * 0 (no wake), and its write-one-to-clear bits have nothing to clear.
 */
static enum pcdev_answer acpi_io(uint16_t port, bool in, uint32_t *value)
{
	uint8_t v = (uint8_t)*value;

	if (in) {
		*value = 0;
		return PCDEV_DONE;
	}
	if (port == ACPI_PC_SLEEP_CONTROL && (v & ACPI_SLEEP_SLP_EN) &&
	    ((v >> ACPI_SLEEP_TYP_SHIFT) & 7) == ACPI_PC_S5_TYPE)
		return PCDEV_POWER_OFF;
	if (port == ACPI_PC_RESET && v == ACPI_PC_RESET_VALUE)
		return PCDEV_RESET;
	return PCDEV_DONE;
}

/*
 * 8259A. A command-port write with bit 4 set is ICW1: it clears the mask
 * and starts the initialization sequence, whose next data-port writes are
 * ICW2, ICW3 and (if ICW1 bit 0 asked for it) ICW4. After it, data-port
 * writes are OCW1, the mask. Other command writes are OCW2 (bit 3 clear:
 * EOIs and priorities, with nothing in service here) or OCW3 (bit 3 set:
 * bits 1:0 = 10 or 11 choose IRR or ISR for command-port reads). No line
 * ever raises a request, so IRR and ISR read 0.
 */
static void pic_io(struct pc_pic *pic, bool data, bool in, uint32_t *value)
{
	uint8_t v = (uint8_t)*value;

	if (in) {
		*value = data ? pic->imr : 0;
		return;
	}
	if (!data) {
		if (v & 0x10) {
			pic->init_step = 1;
			pic->icw4 = v & 1;
			pic->imr = 0;
			pic->read_isr = false;
		} else if ((v & 0x18) == 0x08 && (v & 2)) {
			pic->read_isr = v & 1;
		}
		return;
	}
	switch (pic->init_step) {
	case 1:
		pic->vector_base = v & 0xf8;
		pic->init_step = 2;
		break;
	case 2:
		pic->init_step = pic->icw4 ? 3 : 0;
		break;
	case 3:
		pic->init_step = 0;
		break;
	default:
		pic->imr = v;
		break;
	}
}

/* The byte at offset of a little-endian value of size bytes, else 0. */
static uint8_t le_byte(uint64_t value, uint32_t size, uint32_t offset)
{
	return offset < size ? (uint8_t)(value >> (8 * offset)) : 0;
}

/* Each read of the data port is the selected item's next byte; past its
 * end, and for every key hv does not define, 0. */
static uint8_t fw_cfg_byte(const struct pc_devices *d, const struct pc_board *b)
{
	static const char signature[4] = { 'Q', 'E', 'M', 'U' };
	uint32_t off = d->fw_cfg_offset;

	switch (d->fw_cfg_key) {
	case FW_CFG_SIGNATURE:
		return off < 4 ? (uint8_t)signature[off] : 0;
	case FW_CFG_ID:
		return le_byte(1, 4, off); /* the traditional interface, no DMA */
	case FW_CFG_RAM_SIZE:
		return le_byte(b->ram_size, 8, off);
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		return le_byte(b->cpus, 2, off);
	default:
		return 0;
	}
}

enum pcdev_answer pcdev_io(struct pc_devices *d, const struct pc_board *b,
			   uint16_t port, unsigned size, bool in,
			   uint32_t *value)
{
	/* OUT writes AL, AX or EAX: the caller's value is the whole of
	 * EAX, whose bytes above the access are not written. */
	if (!in && size < 4)
		*value &= (1u << (8 * size)) - 1;
	switch (port) {
	case PC_PIC_MASTER:
	case PC_PIC_MASTER + 1:
	case PC_PIC_SLAVE:
	case PC_PIC_SLAVE + 1:
		if (size != 1)
			return PCDEV_NONE;
		pic_io(&d->pic[port >= PC_PIC_SLAVE], port & 1, in, value);
		return PCDEV_DONE;
	case PC_DEBUG_EXIT:
		if (in) {
			*value = 0; /* as QEMU's device reads */
			return PCDEV_DONE;
		}
		*value = (*value << 1) | 1;
		return PCDEV_DEBUG_EXIT;
	case PC_FW_CFG_SELECTOR:
		/* A 16-bit write selects an item and rewinds it. */
		if (size != 2)
			return PCDEV_NONE;
		if (in) {
			*value = 0;
		} else {
			d->fw_cfg_key = (uint16_t)*value;
			d->fw_cfg_offset = 0;
		}
		return PCDEV_DONE;
	case PC_FW_CFG_DATA:
		if (size != 1)
			return PCDEV_NONE;
		if (in) {
			*value = fw_cfg_byte(d, b);
			if (d->fw_cfg_offset < UINT32_MAX)
				d->fw_cfg_offset++;
		}
		return PCDEV_DONE; /* writes to items are not offered */
	case PC_RTC_INDEX:
	case PC_RTC_DATA:
		if (size != 1)
			return PCDEV_NONE;
		return rtc_io(&d->rtc, b->now, port == PC_RTC_DATA, in, value);
	case ACPI_PC_SLEEP_CONTROL:
	case ACPI_PC_SLEEP_STATUS:
	case ACPI_PC_RESET:
		if (size != 1)
			return PCDEV_NONE;
		return acpi_io(port, in, value);
	case PC_PCI_ADDRESS:
		if (size != 4)
			return PCDEV_NONE; /* 0xcf8 bytes belong to other mechanisms */
		if (in)
			*value = d->pci_address;
		else
			d->pci_address = *value;
		return PCDEV_DONE;
	case PC_PCI_DATA:
	case PC_PCI_DATA + 1:
	case PC_PCI_DATA + 2:
	case PC_PCI_DATA + 3:
		/* No device on any bus: a vendor id of 0xffff, all ones. */
		if (in)
			*value = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
		return PCDEV_DONE;
	default:
		return PCDEV_NONE;
	}
}
