// SPDX-License-Identifier: MIT
/*
 * Tests of hv/vlapic_page.c: the model's registers in a virtual-APIC
 * page (SDM Vol. 3C, "Virtual-APIC Page"), the guest interrupt status
 * (RVI, SVI) and PPR that virtual-interrupt delivery starts from, and
 * which vectors get an EOI-exit bit.
 */
#include "tests/unit/common.h"

#include "hv/vlapic.h"

#include <string.h>

static uint32_t page[1024] __attribute__((aligned(4096)));

static void xw(struct vlapic *a, uint32_t off, uint32_t v)
{
	assert_int_equal(vlapic_xapic_write(a, off, 0, v), 0);
}

/* An xAPIC, software-enabled, whose store is the page. */
static void setup(struct vlapic *a)
{
	memset(page, 0xa5, sizeof(page));
	vlapic_init(a, 3, 0);
	vlapic_use_page(a, page);
	xw(a, 0xf0, 0x1ff);
}

static void test_page_is_the_store(void **state)
{
	struct vlapic a;
	uint32_t v;

	(void)state;
	setup(&a);
	/* The registers the CPU reads are where APIC-register
	 * virtualization looks for them, in xAPIC form. */
	assert_int_equal(page[0x20 / 4], 3u << 24);
	assert_int_equal(page[0x30 / 4], VLAPIC_VERSION);
	assert_int_equal(page[0xf0 / 4], 0x1ff);
	assert_int_equal(page[0xe0 / 4], 0xffffffffu);
	assert_int_equal(page[0x320 / 4], 1u << 16);
	xw(&a, 0xd0, 0x05000000);
	xw(&a, 0x380, 1234);
	xw(&a, 0x350, 0x1a7ff | 0x800); /* masked: bits outside cleared */
	assert_int_equal(page[0xd0 / 4], 0x05000000);
	assert_int_equal(page[0x380 / 4], 1234);
	assert_int_equal(page[0x350 / 4], 0x1a7ff & 0x1a7ff);
	/* What the CPU writes there (TPR virtualization, delivery) is what
	 * the model reads: one copy. */
	page[0x80 / 4] = 0x40;
	assert_int_equal(vlapic_xapic_read(&a, 0x80, 0, &v), 0);
	assert_int_equal(v, 0x40);
	assert_int_equal(vlapic_get_cr8(&a), 4);
	page[0x200 / 4 + 4 * 2] = 1u << 1; /* IRR: vector 0x41 */
	vlapic_rescan(&a);
	assert_int_equal(vlapic_pending(&a), -1); /* class 4 <= TPR 4 */
	page[0x80 / 4] = 0x30;
	assert_int_equal(vlapic_pending(&a), 0x41);
	/* The CPU delivered it: IRR empty, ISR set; rescan says so. */
	page[0x200 / 4 + 4 * 2] = 0;
	page[0x100 / 4 + 4 * 2] = 1u << 1;
	vlapic_rescan(&a);
	assert_true(vlapic_quiet(&a, 0));
	assert_int_equal(vlapic_ppr(&a), 0x40);
}

static void test_intr_status(void **state)
{
	struct vlapic a;

	(void)state;
	setup(&a);
	assert_int_equal(vlapic_intr_status(&a), 0);
	vlapic_request(&a, 0x31);
	vlapic_request(&a, 0xe2);
	assert_true(a.vid_dirty);
	assert_int_equal(vlapic_intr_status(&a), 0x00e2);
	vlapic_accept(&a, 0xe2);
	assert_int_equal(vlapic_intr_status(&a), 0xe231);
	assert_int_equal(vlapic_ppr(&a), 0xe0);
	xw(&a, 0xb0, 0); /* EOI: 0xe2 out of service */
	assert_int_equal(vlapic_intr_status(&a), 0x0031);
	assert_int_equal(vlapic_ppr(&a), 0);
	/* A TPR above the in-service class is the PPR. */
	vlapic_accept(&a, 0x31);
	xw(&a, 0x80, 0x57);
	assert_int_equal(vlapic_ppr(&a), 0x57);
	assert_int_equal(vlapic_intr_status(&a), 0x3100);
	/* Disabling the APIC resets what is requested and in service. */
	assert_int_equal(vlapic_set_base(&a, 0xfee00000ull, 39), 0);
	assert_int_equal(vlapic_intr_status(&a), 0);
	assert_int_equal(page[0x100 / 4 + 4], 0);
}

static void test_eoi_exit_bitmap(void **state)
{
	struct vlapic a;
	uint64_t bm[4];

	(void)state;
	setup(&a);
	vlapic_eoi_exit_bitmap(&a, bm);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(bm[i], 0); /* edge vectors: no exit */
	a.vid_dirty = false;
	vlapic_watch_eoi(&a, 0xee, true);
	assert_true(a.vid_dirty);
	page[0x180 / 4 + 4 * 1] = 1u << 5; /* TMR: vector 0x25, level */
	vlapic_eoi_exit_bitmap(&a, bm);
	assert_int_equal(bm[0], 1ull << 0x25);
	assert_int_equal(bm[1], 0);
	assert_int_equal(bm[3], 1ull << (0xee - 192));
	/* The EOI of a level vector ends its level; a watched one counts. */
	vlapic_virtual_eoi(&a, 0x25);
	assert_int_equal(page[0x180 / 4 + 4], 0);
	assert_int_equal(a.eoi_exits, 0);
	vlapic_virtual_eoi(&a, 0xee);
	assert_int_equal(a.eoi_exits, 1);
	/* The model's own EOI counts the same. */
	vlapic_request(&a, 0xee);
	vlapic_accept(&a, 0xee);
	xw(&a, 0xb0, 0);
	assert_int_equal(a.eoi_exits, 2);
	/* The watch survives a reset, as hv's choice and not a register. */
	assert_int_equal(vlapic_set_base(&a, 0xfee00000ull, 39), 0);
	vlapic_eoi_exit_bitmap(&a, bm);
	assert_int_equal(bm[3], 1ull << (0xee - 192));
	vlapic_watch_eoi(&a, 0xee, false);
	vlapic_eoi_exit_bitmap(&a, bm);
	assert_int_equal(bm[3], 0);
}

/* With APIC-register virtualization an ICR2 write reaches only the
 * page; the ICR write that sends must take the destination from there. */
static void test_icr2_from_page(void **state)
{
	struct vlapic a;

	(void)state;
	setup(&a);
	page[0x310 / 4] = 2u << 24;
	xw(&a, 0x300, 0x4031);
	assert_true(a.ipi.pending);
	assert_int_equal(a.ipi.dest, 2);
	assert_int_equal(a.ipi.vector, 0x31);
	assert_int_equal(page[0x310 / 4], 2u << 24);
	/* And an ICR2 write through the model lands in the page. */
	xw(&a, 0x310, 0x07123456);
	assert_int_equal(page[0x310 / 4], 0x07000000);
	xw(&a, 0x300, 0x4032);
	assert_int_equal(a.ipi.dest, 7);
}

/* An exit between the guest's ICR2 write (into the page, no exit) and
 * its ICR write: the model's write of another register must not put the
 * previous destination back into the page. */
static void test_icr2_survives_other_writes(void **state)
{
	struct vlapic a;

	(void)state;
	setup(&a);
	xw(&a, 0x310, 1u << 24);
	xw(&a, 0x300, 0x4031);
	assert_int_equal(a.ipi.dest, 1);
	page[0x310 / 4] = 5u << 24;
	xw(&a, 0x380, 1000); /* the timer's initial count: an APIC-write exit */
	xw(&a, 0x370, 0x10033); /* an LVT write */
	assert_int_equal(page[0x310 / 4], 5u << 24);
	xw(&a, 0x300, 0x4032);
	assert_int_equal(a.ipi.dest, 5);
	assert_int_equal(a.ipi.vector, 0x32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_is_the_store),
		cmocka_unit_test(test_intr_status),
		cmocka_unit_test(test_eoi_exit_bitmap),
		cmocka_unit_test(test_icr2_from_page),
		cmocka_unit_test(test_icr2_survives_other_writes),
	};

	return cmocka_run_group_tests_name("vlapic_page", tests, NULL, NULL);
}
