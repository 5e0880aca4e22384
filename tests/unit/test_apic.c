// SPDX-License-Identifier: MIT
/*
 * Tests of hv/apic.c on the fake arch: IPIs between the vCPUs of one pc
 * partition by shorthand, physical and logical destination and lowest
 * priority; NMI, INIT and start-up IPIs; what a destination that names
 * no vCPU costs; the kicks; and the waits of HLT and wait-for-SIPI,
 * down to a partition in which nothing can wake anyone.
 */
#include "tests/unit/hvhost.h"

#include "hv/apic.h"
#include "hv/partition_table.h"
#include "lib/string.h"

#define ICR 0x300
#define ICR2 0x310
#define TPR 0x80
#define LDR 0xd0
#define SVR 0xf0

static struct partition part;

/* A running pc partition of four vCPUs in xAPIC mode, software-enabled,
 * logical flat with LDR bit n for vCPU n, none of them on a CPU. */
static struct partition *four(void)
{
	struct partition *p = &part;

	memset(p, 0, sizeof(*p));
	p->platform = HV_PLATFORM_PC;
	p->state = PART_RUNNING;
	p->vcpu_count = 4;
	memcpy(p->name, "pc", 3);
	for (uint32_t i = 0; i < 4; i++) {
		struct vcpu *v = &p->vcpus[i];

		v->part = p;
		v->id = i;
		v->online = true;
		v->running_on = HV_CPU_NONE;
		vlapic_init(&v->apic, i, i ? 0 : VLAPIC_INIT_BSP);
		assert_int_equal(vlapic_mmio_write(v, SVR, 0, 0x1ff), 0);
		assert_int_equal(vlapic_mmio_write(v, LDR, 0, 1u << (24 + i)), 0);
	}
	return p;
}

static void send(struct vcpu *v, uint32_t dest, uint32_t icr)
{
	assert_int_equal(vlapic_mmio_write(v, ICR2, 0, dest << 24), 0);
	assert_int_equal(vlapic_mmio_write(v, ICR, 0, icr), 0);
}

/* What vCPU n has been sent, drained: its pending vector, or -1; the
 * vector is then delivered and ended (EOI). */
static int got(struct partition *p, uint32_t n)
{
	struct vcpu *v = &p->vcpus[n];
	int vec;

	apic_drain(v);
	vec = vlapic_pending(&v->apic);
	if (vec >= 0) {
		vlapic_accept(&v->apic, vec);
		assert_int_equal(vlapic_mmio_write(v, 0xb0, 0, 0), 0);
	}
	return vec;
}

static void test_destinations(void **state)
{
	struct partition *p = four();
	struct vcpu *v0 = &p->vcpus[0];

	(void)state;
	send(v0, 2, 0x41); /* physical */
	assert_int_equal(got(p, 2), 0x41);
	assert_int_equal(got(p, 1), -1);
	assert_int_equal(got(p, 3), -1);
	send(v0, 0x06, 1u << 11 | 0x42); /* logical flat: vCPUs 1 and 2 */
	assert_int_equal(got(p, 1), 0x42);
	assert_int_equal(got(p, 2), 0x42);
	assert_int_equal(got(p, 3), -1);
	send(v0, 0, 3u << 18 | 0x43); /* all but self */
	assert_int_equal(got(p, 0), -1);
	for (uint32_t n = 1; n < 4; n++)
		assert_int_equal(got(p, n), 0x43);
	send(v0, 0, 2u << 18 | 0x44); /* all, self included */
	for (uint32_t n = 0; n < 4; n++)
		assert_int_equal(got(p, n), 0x44);
	send(v0, 0xff, 0x45); /* physical broadcast */
	for (uint32_t n = 0; n < 4; n++)
		assert_int_equal(got(p, n), 0x45);
	assert_int_equal(p->ipis_dropped, 0);
	/* An ID no vCPU has: dropped and counted, no inbox touched. */
	send(v0, 9, 0x46);
	assert_int_equal(p->ipis_dropped, 1);
	for (uint32_t n = 0; n < 4; n++)
		assert_int_equal(p->vcpus[n].inbox.any, 0);
}

/* Lowest priority: the lowest TPR class, then the lowest APIC ID. */
static void test_lowest_priority(void **state)
{
	struct partition *p = four();
	struct vcpu *v0 = &p->vcpus[0];

	(void)state;
	assert_int_equal(vlapic_mmio_write(&p->vcpus[1], TPR, 0, 0x30), 0);
	assert_int_equal(vlapic_mmio_write(&p->vcpus[2], TPR, 0, 0x1f), 0);
	assert_int_equal(vlapic_mmio_write(&p->vcpus[3], TPR, 0, 0x10), 0);
	send(v0, 0x0e, 1u << 11 | 1u << 8 | 0x51);
	assert_int_equal(got(p, 1), -1);
	assert_int_equal(got(p, 2), 0x51);
	assert_int_equal(got(p, 3), -1);
	assert_int_equal(vlapic_mmio_write(&p->vcpus[3], TPR, 0, 0x00), 0);
	send(v0, 0x0e, 1u << 11 | 1u << 8 | 0x52);
	assert_int_equal(got(p, 2), -1);
	assert_int_equal(got(p, 3), 0x52);
}

static void test_nmi_init_sipi_and_kicks(void **state)
{
	struct partition *p = four();
	struct vcpu *v0 = &p->vcpus[0], *v1 = &p->vcpus[1];
	uint8_t vector = 0;

	(void)state;
	fake.cpus = 2;
	v1->running_on = 1;
	send(v0, 1, 4u << 8); /* NMI */
	assert_int_equal(fake.cpu[1].kicks, 1);
	assert_true(v1->inbox.any & APIC_INBOX_NMI);
	assert_true(apic_drain(v1));
	assert_int_equal(v1->inbox.any, 0);
	/* INIT level de-assert goes nowhere. */
	send(v0, 1, 5u << 8 | 1u << 15);
	assert_int_equal(v1->inbox.any, 0);
	send(v0, 1, 5u << 8 | 1u << 14); /* INIT */
	send(v0, 1, 6u << 8 | 0x9a); /* start-up, vector 0x9a */
	assert_int_equal(fake.cpu[1].kicks, 3);
	assert_true(apic_startup_pending(&v1->inbox));
	/* A drain leaves them for the start of the next run. */
	assert_false(apic_drain(v1));
	assert_true(apic_startup_pending(&v1->inbox));
	assert_int_equal(apic_take_startup(v1, &vector),
			 APIC_INBOX_INIT | APIC_INBOX_SIPI);
	assert_int_equal(vector, 0x9a);
	assert_false(apic_startup_pending(&v1->inbox));
	/* A target on no CPU: the idle CPUs are told instead. */
	fake.cpu[0].idle = true;
	send(v1, 2, 0x60);
	assert_int_equal(fake.cpu[0].kicks, 1);
}

static void test_waits(void **state)
{
	struct partition *p = four();
	struct vcpu *v0 = &p->vcpus[0], *v1 = &p->vcpus[1];

	(void)state;
	for (uint32_t n = 1; n < 4; n++) {
		p->vcpus[n].wait = VCPU_WAIT_SIPI;
		p->vcpus[n].blocked_until = UINT64_MAX;
	}
	/* What ends which wait. */
	send(v0, 1, 0x61);
	assert_false(apic_wakes(v1));
	v1->wait = VCPU_WAIT_HLT;
	assert_true(apic_wakes(v1));
	v1->wait = VCPU_WAIT_HLT_NOIF;
	assert_false(apic_wakes(v1));
	send(v0, 1, 4u << 8);
	assert_true(apic_wakes(v1));
	v1->wait = VCPU_WAIT_SIPI;
	assert_false(apic_wakes(v1));
	send(v0, 1, 6u << 8 | 0x10);
	assert_true(apic_wakes(v1));
	v0->running_on = 0;
	/* vCPU 0 waits with IF=0 while 1 has a start-up IPI coming: not
	 * stuck. Without it, nothing can wake anyone: halted. */
	assert_true(apic_wait(v0, VCPU_WAIT_HLT_NOIF, 0));
	assert_int_equal(p->state, PART_RUNNING);
	memset(&v1->inbox, 0, sizeof(v1->inbox));
	/* A timer on vCPU 3 can still wake it. */
	p->vcpus[3].wait = VCPU_WAIT_HLT;
	p->vcpus[3].blocked_until = 5000;
	assert_true(apic_wait(v0, VCPU_WAIT_HLT_NOIF, 0));
	p->vcpus[3].wait = VCPU_WAIT_SIPI;
	p->vcpus[3].blocked_until = UINT64_MAX;
	assert_false(apic_wait(v0, VCPU_WAIT_HLT_NOIF, 0));
	assert_int_equal(p->state, PART_STOPPED);
	for (uint32_t n = 0; n < 4; n++)
		assert_false(p->vcpus[n].online);
	assert_true(host_logged("every vCPU waits with nothing to wake it"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_destinations, host_setup),
		cmocka_unit_test_setup(test_lowest_priority, host_setup),
		cmocka_unit_test_setup(test_nmi_init_sipi_and_kicks, host_setup),
		cmocka_unit_test_setup(test_waits, host_setup),
	};

	return cmocka_run_group_tests_name("apic", tests, NULL, NULL);
}
