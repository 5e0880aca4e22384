// SPDX-License-Identifier: MIT
/* Tests of hv/pcdev.c, the small devices of a pc partition. */
#include "tests/unit/common.h"

#include <string.h>

#include "hv/pcdev.h"
#include "lib/acpigen.h"

static struct pc_devices d;
static const struct pc_board board = { .ram_size = 0x1234567800ull, .cpus = 3 };

static uint32_t in(uint16_t port, unsigned size)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(pcdev_io(&d, &board, port, size, true, &v), PCDEV_DONE);
	return v;
}

static void out(uint16_t port, unsigned size, uint32_t value)
{
	assert_int_equal(pcdev_io(&d, &board, port, size, false, &value),
			 PCDEV_DONE);
}

static void test_pic(void **state)
{
	(void)state;
	pcdev_reset(&d);
	assert_int_equal(in(0x21, 1), 0);
	/* OCW1 outside an initialization is the mask. */
	out(0x21, 1, 0xfb);
	out(0xa1, 1, 0xff);
	assert_int_equal(in(0x21, 1), 0xfb);
	assert_int_equal(in(0xa1, 1), 0xff);
	/* Linux's sequence: ICW1 with ICW4, ICW2 the vector base, ICW3,
	 * ICW4; the mask is cleared by ICW1 and not touched by the ICWs. */
	out(0x20, 1, 0x11);
	assert_int_equal(in(0x21, 1), 0);
	out(0x21, 1, 0x30);
	out(0x21, 1, 0x04);
	out(0x21, 1, 0x01);
	assert_int_equal(in(0x21, 1), 0);
	assert_int_equal(d.pic[0].vector_base, 0x30);
	assert_int_equal(d.pic[0].init_step, 0);
	out(0x21, 1, 0xfe);
	assert_int_equal(in(0x21, 1), 0xfe);
	/* Without ICW4 the third data write is the mask already. */
	out(0xa0, 1, 0x10);
	out(0xa1, 1, 0x78);
	out(0xa1, 1, 0x02);
	out(0xa1, 1, 0xaa);
	assert_int_equal(in(0xa1, 1), 0xaa);
	assert_int_equal(d.pic[1].vector_base, 0x78);
	assert_int_equal(in(0x21, 1), 0xfe);
	/* OCW2 (an EOI) and OCW3 (read ISR) change no mask; IRR/ISR are 0. */
	out(0x20, 1, 0x20);
	out(0x20, 1, 0x0b);
	assert_true(d.pic[0].read_isr);
	out(0x20, 1, 0x0a);
	assert_false(d.pic[0].read_isr);
	assert_int_equal(in(0x20, 1), 0);
	assert_int_equal(in(0x21, 1), 0xfe);
	/* Only byte accesses. */
	{
		uint32_t v = 0;

		assert_int_equal(pcdev_io(&d, &board, 0x21, 2, true, &v), PCDEV_NONE);
	}
}

static void test_debug_exit(void **state)
{
	uint32_t v;

	(void)state;
	pcdev_reset(&d);
	for (unsigned size = 1; size <= 4; size <<= 1) {
		v = 0x21;
		assert_int_equal(pcdev_io(&d, &board, 0xf4, size, false, &v),
				 PCDEV_DEBUG_EXIT);
		assert_int_equal(v, 0x43);
	}
	v = 0;
	assert_int_equal(pcdev_io(&d, &board, 0xf4, 1, false, &v), PCDEV_DEBUG_EXIT);
	assert_int_equal(v, 1);
	v = 0x7fffffff;
	assert_int_equal(pcdev_io(&d, &board, 0xf4, 4, false, &v), PCDEV_DEBUG_EXIT);
	assert_int_equal(v, 0xffffffff);
	/* OUT of AL or AX: the rest of EAX is not written. */
	v = 0x12345621;
	assert_int_equal(pcdev_io(&d, &board, 0xf4, 1, false, &v), PCDEV_DEBUG_EXIT);
	assert_int_equal(v, 0x43);
	v = 0x12345621;
	assert_int_equal(pcdev_io(&d, &board, 0xf4, 2, false, &v), PCDEV_DEBUG_EXIT);
	assert_int_equal(v, 0xac43);
	assert_int_equal(in(0xf4, 1), 0);
	/* Only port 0xf4 ends the partition. */
	v = 1;
	assert_int_equal(pcdev_io(&d, &board, 0xf5, 1, false, &v), PCDEV_NONE);
}

static uint64_t read_item(uint16_t key, unsigned n)
{
	uint64_t v = 0;

	out(0x510, 2, key);
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)in(0x511, 1) << (8 * i);
	return v;
}

static void test_fw_cfg(void **state)
{
	uint32_t v;

	(void)state;
	pcdev_reset(&d);
	assert_int_equal(read_item(FW_CFG_SIGNATURE, 4), 0x554d4551); /* "QEMU" */
	/* Past its end an item reads zeros; selecting again rewinds it. */
	assert_int_equal(in(0x511, 1), 0);
	assert_int_equal(read_item(FW_CFG_SIGNATURE, 1), 'Q');
	assert_int_equal(in(0x511, 1), 'E');
	assert_int_equal(read_item(FW_CFG_ID, 4), 1);
	assert_int_equal(read_item(FW_CFG_RAM_SIZE, 8), 0x1234567800ull);
	assert_int_equal(in(0x511, 1), 0);
	assert_int_equal(read_item(FW_CFG_NB_CPUS, 2), 3);
	assert_int_equal(read_item(FW_CFG_MAX_CPUS, 2), 3);
	assert_int_equal(in(0x511, 1), 0);
	/* Keys hv does not define, the file directory among them. */
	assert_int_equal(read_item(0x0019, 8), 0);
	assert_int_equal(read_item(0x8003, 8), 0);
	assert_int_equal(read_item(0xffff, 8), 0);
	/* Data writes are ignored; the selector is 16-bit, the data 8-bit. */
	out(0x510, 2, FW_CFG_SIGNATURE);
	out(0x511, 1, 0x55);
	assert_int_equal(in(0x511, 1), 'Q');
	v = 0;
	assert_int_equal(pcdev_io(&d, &board, 0x510, 1, false, &v), PCDEV_NONE);
	assert_int_equal(pcdev_io(&d, &board, 0x511, 2, true, &v), PCDEV_NONE);
	assert_int_equal(pcdev_io(&d, &board, 0x512, 1, true, &v), PCDEV_NONE);
	assert_int_equal(in(0x511, 1), 'E');
}

static void test_pci(void **state)
{
	uint32_t v = 0;

	(void)state;
	pcdev_reset(&d);
	out(0xcf8, 4, 0x80000000);
	assert_int_equal(in(0xcf8, 4), 0x80000000);
	assert_int_equal(in(0xcfc, 4), 0xffffffff);
	assert_int_equal(in(0xcfe, 2), 0xffff);
	assert_int_equal(in(0xcff, 1), 0xff);
	out(0xcfc, 4, 0);
	assert_int_equal(in(0xcfc, 4), 0xffffffff);
	/* 0xcf8 as a byte, and 0xcf9 (the reset control), are not PCI's. */
	assert_int_equal(pcdev_io(&d, &board, 0xcf8, 1, true, &v), PCDEV_NONE);
	assert_int_equal(pcdev_io(&d, &board, 0xcf9, 1, false, &v), PCDEV_NONE);
	assert_int_equal(pcdev_io(&d, &board, 0xd00, 4, true, &v), PCDEV_NONE);
	assert_int_equal(pcdev_io(&d, &board, 0x80, 1, false, &v), PCDEV_NONE);
}

/* 2026-12-02 03:04:05 UTC, a Wednesday */
static const struct pc_board clock_board = { .ram_size = 1 << 20, .cpus = 1,
					     .now = 1796180645ull };

static uint32_t rtc(uint8_t reg)
{
	uint32_t v = reg;

	assert_int_equal(pcdev_io(&d, &clock_board, 0x70, 1, false, &v), PCDEV_DONE);
	assert_int_equal(pcdev_io(&d, &clock_board, 0x71, 1, true, &v), PCDEV_DONE);
	return v;
}

static void rtc_set(uint8_t reg, uint32_t value)
{
	uint32_t v = reg;

	assert_int_equal(pcdev_io(&d, &clock_board, 0x70, 1, false, &v), PCDEV_DONE);
	assert_int_equal(pcdev_io(&d, &clock_board, 0x71, 1, false, &value), PCDEV_DONE);
}

static void test_rtc(void **state)
{
	(void)state;
	pcdev_reset(&d);
	/* BCD, 24-hour after reset */
	assert_int_equal(rtc(0x0b), 0x02);
	assert_int_equal(rtc(0x00), 0x05);
	assert_int_equal(rtc(0x02), 0x04);
	assert_int_equal(rtc(0x04), 0x03);
	assert_int_equal(rtc(0x07), 0x02);
	assert_int_equal(rtc(0x08), 0x12);
	assert_int_equal(rtc(0x09), 0x26);
	assert_int_equal(rtc(0x32), 0x20);
	assert_int_equal(rtc(0x06), 4); /* Wednesday, Sunday = 1 */
	/* UIP never set, however often it is read; D says the battery is good */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(rtc(0x0a) & 0x80, 0);
	assert_int_equal(rtc(0x0d), 0x80);
	/* binary mode by register B */
	rtc_set(0x0b, 0x06);
	assert_int_equal(rtc(0x08), 12);
	assert_int_equal(rtc(0x09), 26);
	/* 12-hour BCD: 03 AM; a time after noon has bit 7 */
	rtc_set(0x0b, 0x00);
	assert_int_equal(rtc(0x04), 0x03);
	/* writes to the clock are ignored, CMOS RAM keeps what is written,
	 * and bit 7 of the index (the NMI mask) is not part of it */
	rtc_set(0x00, 0x59);
	assert_int_equal(rtc(0x00), 0x05);
	rtc_set(0x8e, 0xab);
	assert_int_equal(rtc(0x0e), 0xab);
	/* no clock from the firmware: 2000-01-01 00:00:00, a Saturday */
	pcdev_reset(&d);
	assert_int_equal(in(0x70, 1), 0);
	out(0x70, 1, 0x09);
	assert_int_equal(in(0x71, 1), 0x00);
	out(0x70, 1, 0x06);
	assert_int_equal(in(0x71, 1), 7);
}

static void test_acpi_registers(void **state)
{
	uint32_t v;

	(void)state;
	pcdev_reset(&d);
	/* Linux's S5: WAK_STS to status, then SLP_TYP 5 | SLP_EN = 0x34 */
	out(ACPI_PC_SLEEP_STATUS, 1, 0x80);
	assert_int_equal(in(ACPI_PC_SLEEP_STATUS, 1), 0);
	v = 0x34;
	assert_int_equal(pcdev_io(&d, &board, ACPI_PC_SLEEP_CONTROL, 1, false, &v),
			 PCDEV_POWER_OFF);
	/* SLP_EN without S5's type, or S5 without SLP_EN: nothing */
	out(ACPI_PC_SLEEP_CONTROL, 1, 0x24);
	out(ACPI_PC_SLEEP_CONTROL, 1, 0x14);
	v = ACPI_PC_RESET_VALUE;
	assert_int_equal(pcdev_io(&d, &board, ACPI_PC_RESET, 1, false, &v),
			 PCDEV_RESET);
	out(ACPI_PC_RESET, 1, ACPI_PC_RESET_VALUE ^ 1);
	/* other widths are no device */
	v = 0x34;
	assert_int_equal(pcdev_io(&d, &board, ACPI_PC_SLEEP_CONTROL, 2, false, &v),
			 PCDEV_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pic),
		cmocka_unit_test(test_debug_exit),
		cmocka_unit_test(test_fw_cfg),
		cmocka_unit_test(test_pci),
		cmocka_unit_test(test_rtc),
		cmocka_unit_test(test_acpi_registers),
	};

	return cmocka_run_group_tests_name("pcdev", tests, NULL, NULL);
}
