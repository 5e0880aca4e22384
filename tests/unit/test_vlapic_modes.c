// SPDX-License-Identifier: MIT
/*
 * Tests of hv/vlapic.c in a pc partition's shape: xAPIC mode after RESET,
 * the IA32_APIC_BASE state machine, the xAPIC-only registers, x2APIC's
 * derived LDR and 64-bit ICR, destination decoding and the TSC-deadline
 * timer (SDM Vol. 3A, "Advanced Programmable Interrupt Controller").
 */
#include "tests/unit/common.h"

#include "hv/vlapic.h"

#define BASE 0xfee00000ull
#define EN VLAPIC_BASE_EN
#define EXTD VLAPIC_BASE_EXTD
#define BSP VLAPIC_BASE_BSP

static uint32_t xr(struct vlapic *a, uint32_t off)
{
	uint32_t v = 0xdead;

	assert_int_equal(vlapic_xapic_read(a, off, 0, &v), 0);
	return v;
}

static void xw(struct vlapic *a, uint32_t off, uint32_t v)
{
	assert_int_equal(vlapic_xapic_write(a, off, 0, v), 0);
}

static void test_reset_xapic(void **state)
{
	struct vlapic a, b;
	uint64_t v;

	(void)state;
	vlapic_init(&a, 0, VLAPIC_INIT_BSP);
	vlapic_init(&b, 2, 0);
	assert_int_equal(a.base, BASE | EN | BSP);
	assert_int_equal(b.base, BASE | EN);
	assert_int_equal(vlapic_mode(&a), VLAPIC_XAPIC);
	/* x2APIC MSRs are #GP in xAPIC mode. */
	assert_int_equal(vlapic_rdmsr(&b, 0x802, 0, &v), -1);
	assert_int_equal(xr(&b, 0x20), 2u << 24);
	assert_int_equal(xr(&b, 0xe0), 0xffffffffu); /* DFR: flat */
	assert_int_equal(xr(&b, 0xd0), 0);
	assert_int_equal(xr(&b, 0xf0), 0xff);
	/* Misaligned or past the page: the access faults. */
	uint32_t x;
	assert_int_equal(vlapic_xapic_read(&b, 0x24, 0, &x), -1);
	assert_int_equal(vlapic_xapic_read(&b, 0x400, 0, &x), -1);
}

/* SDM "Local x2APIC State Transitions". */
static void test_base_transitions(void **state)
{
	struct vlapic a;
	uint64_t v;

	(void)state;
	vlapic_init(&a, 1, 0);
	assert_int_equal(vlapic_set_base(&a, BASE | EXTD, 36), -1);
	assert_int_equal(vlapic_set_base(&a, BASE | EN | 1u << 9, 36), -1);
	assert_int_equal(vlapic_set_base(&a, BASE | EN | 1ull << 36, 36), -1);
	assert_int_equal(vlapic_set_base(&a, 0xfec00000ull | EN, 36), -1);
	xw(&a, 0xf0, 0x1ff);
	assert_int_equal(vlapic_set_base(&a, BASE | EN | EXTD | BSP, 36), 0);
	assert_int_equal(a.base, BASE | EN | EXTD); /* BSP is read-only */
	assert_int_equal(vlapic_mode(&a), VLAPIC_X2APIC);
	assert_int_equal(vlapic_rdmsr(&a, 0x80f, 0, &v), 0);
	assert_int_equal(v, 0x1ff); /* the registers survive the switch */
	uint32_t x;
	assert_int_equal(vlapic_xapic_read(&a, 0x20, 0, &x), -1);
	assert_int_equal(vlapic_set_base(&a, BASE | EN, 36), -1);
	assert_int_equal(vlapic_set_base(&a, BASE | EN | EXTD, 36), 0);
	assert_int_equal(vlapic_set_base(&a, BASE, 36), 0);
	assert_int_equal(vlapic_mode(&a), VLAPIC_DISABLED);
	assert_int_equal(vlapic_rdmsr(&a, 0x80f, 0, &v), -1);
	assert_int_equal(vlapic_set_base(&a, BASE | EN | EXTD, 36), -1);
	assert_int_equal(vlapic_set_base(&a, BASE | EN, 36), 0);
	assert_int_equal(xr(&a, 0xf0), 0xff); /* reset by the disable */
	/* hv's partitions: x2APIC for good. */
	vlapic_init(&a, 0, VLAPIC_INIT_BSP | VLAPIC_INIT_X2APIC_ONLY);
	assert_int_equal(vlapic_set_base(&a, BASE | EN | EXTD | BSP, 36), 0);
	assert_int_equal(vlapic_set_base(&a, BASE | EN | BSP, 36), -1);
	assert_int_equal(vlapic_set_base(&a, BASE, 36), -1);
	/* ... and no TSC-deadline timer mode: CPUID hides it there. */
	assert_int_equal(vlapic_wrmsr(&a, 0x832, 0, 0x40 | 2u << 17), -1);
	assert_int_equal(vlapic_wrmsr(&a, 0x832, 0, 0x40 | 1u << 17), 0);
}

static void test_xapic_registers(void **state)
{
	struct vlapic a;

	(void)state;
	vlapic_init(&a, 3, 0);
	xw(&a, 0xf0, 0x1ff);
	xw(&a, 0xd0, 0x12345678);
	assert_int_equal(xr(&a, 0xd0), 0x12000000);
	xw(&a, 0xe0, 0x0);
	assert_int_equal(xr(&a, 0xe0), 0x0fffffff); /* cluster model */
	xw(&a, 0x20, 0x07000000); /* the ID is read-only here */
	assert_int_equal(xr(&a, 0x20), 3u << 24);
	/* ICR: ICR2 holds the destination, the low write sends. */
	xw(&a, 0x310, 0x05000000);
	assert_false(a.ipi.pending);
	xw(&a, 0x300, 1u << 11 | 1u << 14 | 0x61);
	assert_true(a.ipi.pending);
	assert_true(a.ipi.logical);
	assert_false(a.ipi.x2apic);
	assert_int_equal(a.ipi.dest, 5);
	assert_int_equal(a.ipi.vector, 0x61);
	assert_int_equal(xr(&a, 0x300) & (1u << 12), 0); /* delivery idle */
	assert_int_equal(xr(&a, 0x310), 0x05000000);
	/* A fixed IPI with vector 3 is not sent: "send illegal vector". */
	a.ipi.pending = false;
	xw(&a, 0x300, 0x03);
	assert_false(a.ipi.pending);
	/* A reserved register reads 0: "illegal register address". */
	assert_int_equal(xr(&a, 0x3f0), 0);
	xw(&a, 0x280, 0);
	assert_int_equal(xr(&a, 0x280), 1u << 5 | 1u << 7);
	xw(&a, 0x280, 0);
	assert_int_equal(xr(&a, 0x280), 0);
	/* The TPR masks to 8 bits; APR follows the TPR with nothing else. */
	xw(&a, 0x80, 0x1234);
	assert_int_equal(xr(&a, 0x80), 0x34);
	assert_int_equal(xr(&a, 0x90), 0x34);
}

static void test_x2apic_icr(void **state)
{
	struct vlapic a;
	uint64_t v;

	(void)state;
	vlapic_init(&a, 0x23, 0);
	assert_int_equal(vlapic_set_base(&a, BASE | EN | EXTD, 36), 0);
	assert_int_equal(vlapic_rdmsr(&a, 0x80d, 0, &v), 0);
	assert_int_equal(v, 2u << 16 | 1u << 3);
	assert_int_equal(vlapic_wrmsr(&a, 0x80d, 0, 1), -1); /* read-only */
	assert_int_equal(vlapic_rdmsr(&a, 0x80e, 0, &v), -1); /* no DFR */
	assert_int_equal(vlapic_wrmsr(&a, 0x830, 0, 0x1234ull << 32 | 5u << 8 | 1u << 14),
			 0);
	assert_int_equal(a.ipi.mode, VLAPIC_DM_INIT);
	assert_int_equal(a.ipi.dest, 0x1234);
	assert_true(a.ipi.x2apic);
	assert_false(a.ipi.deassert);
	/* INIT level de-assert: level 0, trigger level. */
	assert_int_equal(vlapic_wrmsr(&a, 0x830, 0, 5u << 8 | 1u << 15), 0);
	assert_true(a.ipi.deassert);
	/* Delivery status (12) and bits 31:20 are reserved: #GP. */
	assert_int_equal(vlapic_wrmsr(&a, 0x830, 0, 1u << 12 | 0x40), -1);
	assert_int_equal(vlapic_wrmsr(&a, 0x830, 0, 1u << 20 | 0x40), -1);
	/* SMI is not sent. */
	a.ipi.pending = false;
	assert_int_equal(vlapic_wrmsr(&a, 0x830, 0, 2u << 8), 0);
	assert_false(a.ipi.pending);
	assert_int_equal(vlapic_wrmsr(&a, 0x830, 0, 6u << 8 | 0x9a), 0);
	assert_int_equal(a.ipi.mode, VLAPIC_DM_STARTUP);
	assert_int_equal(a.ipi.vector, 0x9a);
}

/* SDM "Determining IPI Destination". */
static void test_match(void **state)
{
	struct vlapic x, c, y, off;

	(void)state;
	vlapic_init(&x, 2, 0); /* xAPIC, flat */
	xw(&x, 0xd0, 0x04000000);
	vlapic_init(&c, 5, 0); /* xAPIC, cluster 3, member bit 1 */
	xw(&c, 0xe0, 0x0fffffff);
	xw(&c, 0xd0, 0x32000000);
	vlapic_init(&y, 0x13, 0); /* x2APIC: cluster 1, bit 3 */
	assert_int_equal(vlapic_set_base(&y, BASE | EN | EXTD, 36), 0);
	vlapic_init(&off, 2, 0);
	assert_int_equal(vlapic_set_base(&off, BASE, 36), 0);

	assert_true(vlapic_match(&x, 2, false, false));
	assert_false(vlapic_match(&x, 3, false, false));
	assert_true(vlapic_match(&x, 0xff, false, false));
	assert_true(vlapic_match(&x, 0x0c, true, false));
	assert_false(vlapic_match(&x, 0x0b, true, false));
	assert_true(vlapic_match(&c, 0x36, true, false));
	assert_false(vlapic_match(&c, 0x26, true, false)); /* other cluster */
	assert_false(vlapic_match(&c, 0x35, true, false)); /* other member */
	assert_true(vlapic_match(&y, 0x13, false, true));
	assert_false(vlapic_match(&y, 0x113, false, true));
	assert_true(vlapic_match(&y, 0xffffffffu, false, true));
	assert_true(vlapic_match(&y, 1u << 16 | 0x8, true, true));
	assert_false(vlapic_match(&y, 0u << 16 | 0x8, true, true));
	assert_false(vlapic_match(&y, 1u << 16 | 0x4, true, true));
	assert_false(vlapic_match(&off, 0xff, false, false));
	assert_false(vlapic_match(&off, 2, false, false));
	/* Lowest priority compares the TPR's class. */
	xw(&x, 0x80, 0x5f);
	assert_int_equal(vlapic_priority_class(&x), 5);
}

/* SDM "TSC-Deadline Mode". */
static void test_tsc_deadline(void **state)
{
	struct vlapic a;

	(void)state;
	vlapic_init(&a, 0, VLAPIC_INIT_BSP);
	xw(&a, 0xf0, 0x1ff);
	vlapic_set_tsc_deadline(&a, 0, 5000); /* one-shot mode: ignored */
	assert_int_equal(vlapic_get_tsc_deadline(&a, 0), 0);
	xw(&a, 0x320, 0x40 | 2u << 17);
	xw(&a, 0x380, 100); /* the initial count is ignored */
	assert_int_equal(vlapic_next_deadline(&a), 0);
	assert_int_equal(xr(&a, 0x390), 0);
	vlapic_set_tsc_deadline(&a, 1000, 5000);
	assert_int_equal(vlapic_next_deadline(&a), 5000);
	assert_int_equal(vlapic_get_tsc_deadline(&a, 4999), 5000);
	vlapic_tick(&a, 4999);
	assert_int_equal(vlapic_pending(&a), -1);
	assert_int_equal(vlapic_get_tsc_deadline(&a, 5000), 0);
	assert_int_equal(vlapic_pending(&a), 0x40);
	vlapic_accept(&a, 0x40);
	xw(&a, 0xb0, 0);
	/* Passed already: at once. 0 disarms. A mode change disarms. */
	vlapic_set_tsc_deadline(&a, 6000, 10);
	assert_int_equal(vlapic_pending(&a), 0x40);
	vlapic_accept(&a, 0x40);
	xw(&a, 0xb0, 0);
	vlapic_set_tsc_deadline(&a, 7000, 9000);
	vlapic_set_tsc_deadline(&a, 7000, 0);
	vlapic_tick(&a, 9000);
	assert_int_equal(vlapic_pending(&a), -1);
	vlapic_set_tsc_deadline(&a, 7000, 9000);
	xw(&a, 0x320, 0x40);
	assert_int_equal(vlapic_next_deadline(&a), 0);
	vlapic_tick(&a, 9000);
	assert_int_equal(vlapic_pending(&a), -1);
	/* The reserved timer mode 3 is not taken. */
	xw(&a, 0x320, 0x40 | 3u << 17);
	assert_int_equal(xr(&a, 0x320), 0x40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_xapic),
		cmocka_unit_test(test_base_transitions),
		cmocka_unit_test(test_xapic_registers),
		cmocka_unit_test(test_x2apic_icr),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_tsc_deadline),
	};

	return cmocka_run_group_tests_name("vlapic_modes", tests, NULL, NULL);
}
