/* SPDX-License-Identifier: MIT */
/*
 * The small devices of a `platform = pc` partition (docs/platform.md):
 * the two 8259A PICs' ports, QEMU's isa-debug-exit, QEMU's fw_cfg
 * through its legacy I/O ports, PCI configuration mechanism #1 with no
 * device behind it, a CMOS RTC, and the ACPI sleep and reset registers. Each is a small state machine over one access at
 * a time; nothing here touches a CPU, so tests/unit/test_pcdev.c runs it
 * on the host. The caller (hv/policy.c) holds the partition's lock.
 */
#ifndef HV_PCDEV_H
#define HV_PCDEV_H

#include <stdbool.h>
#include <stdint.h>

/* The ports, as QEMU's PC places them. */
#define PC_PIC_MASTER 0x20 /* command; data at +1 */
#define PC_PIC_SLAVE 0xa0
#define PC_DEBUG_EXIT 0xf4
#define PC_FW_CFG_SELECTOR 0x510
#define PC_FW_CFG_DATA 0x511
#define PC_PCI_ADDRESS 0xcf8
#define PC_PCI_DATA 0xcfc /* 0xcfc-0xcff */
#define PC_RTC_INDEX 0x70
#define PC_RTC_DATA 0x71
/* The ACPI registers of lib/acpigen.h's FADT: ACPI_PC_SLEEP_CONTROL,
 * ACPI_PC_SLEEP_STATUS, ACPI_PC_RESET. */

/* fw_cfg keys hv answers (QEMU's docs/specs/fw_cfg.txt); every other key
 * reads as zeros. */
#define FW_CFG_SIGNATURE 0x0000 /* "QEMU" */
#define FW_CFG_ID 0x0001 /* 32-bit features: bit 0, the I/O interface */
#define FW_CFG_RAM_SIZE 0x0003 /* 64-bit, bytes */
#define FW_CFG_NB_CPUS 0x0005 /* 16-bit */
#define FW_CFG_MAX_CPUS 0x000f /* 16-bit */

/* One 8259A as its mask and command ports show it. */
struct pc_pic {
	uint8_t imr; /* OCW1: the interrupt mask */
	uint8_t vector_base; /* ICW2 */
	uint8_t init_step; /* 0: initialized; 1, 2, 3: expecting ICW2-4 */
	bool icw4; /* ICW1 said an ICW4 follows */
	bool read_isr; /* OCW3: the command port reads ISR, not IRR */
};

/* The MC146818 CMOS RTC as far as a kernel reads it: the clock, and
 * registers A to D; the rest of its 128 bytes is plain RAM. */
struct pc_rtc {
	uint8_t index;
	uint8_t reg_b; /* bit 1: 24-hour; bit 2: binary, not BCD */
	uint8_t ram[128];
};

struct pc_devices {
	struct pc_pic pic[2];
	struct pc_rtc rtc;
	uint16_t fw_cfg_key;
	uint32_t fw_cfg_offset; /* the next byte of the selected item */
	uint32_t pci_address; /* 0xcf8 as last written */
};

/* What the devices report about the partition. */
struct pc_board {
	uint64_t ram_size;
	uint32_t cpus;
	/* The time the RTC shows: seconds since 1970-01-01 00:00:00 of the
	 * firmware's clock (it keeps local time or UTC as the firmware
	 * does), or 0 for none: then it reads 2000-01-01 00:00:00. */
	uint64_t now;
};

enum pcdev_answer {
	PCDEV_NONE, /* no device at this port (or not of this width) */
	PCDEV_DONE, /* answered: *value holds a read's result */
	/* A write to isa-debug-exit: *value is the status, (value << 1) | 1,
	 * the partition ends with. */
	PCDEV_DEBUG_EXIT,
	/* The FADT's sleep control written with SLP_EN and SLP_TYP 5 (S5):
	 * the partition is powered off. */
	PCDEV_POWER_OFF,
	/* The FADT's reset register written with its RESET_VALUE. */
	PCDEV_RESET,
};

/* The state after a reset: masks 0, no item selected, address 0, the
 * RTC in 24-hour BCD mode. */
void pcdev_reset(struct pc_devices *d);

/*
 * One access of size bytes (1, 2 or 4) at port: a read (in) puts its
 * result in *value, a write takes *value's low size bytes (the rest may
 * be whatever else EAX held).
 */
enum pcdev_answer pcdev_io(struct pc_devices *d, const struct pc_board *b,
			   uint16_t port, unsigned size, bool in,
			   uint32_t *value);

#endif
