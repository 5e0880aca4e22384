// SPDX-License-Identifier: MIT
/*
 * The small PC devices of hv/pcdev.h. What each register does is in
 * docs/platform.md; the references are Intel's 8259A data sheet, QEMU's
 * docs/specs/fw_cfg.txt and hw/misc/debugexit.c, and the PCI Local Bus
 * Specification's "Configuration Mechanism #1".
 */
#include "hv/pcdev.h"

#include "lib/string.h"

void pcdev_reset(struct pc_devices *d)
{
	memset(d, 0, sizeof(*d));
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
