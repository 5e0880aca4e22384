// SPDX-License-Identifier: MIT
/* Tests of hv/vlapic.c, the virtual x2APIC, driven by made-up TSC values. */
#include "tests/unit/common.h"

#include "hv/vlapic.h"

#include <pthread.h>
#include <time.h>

enum {
	ID = 0x802, TPR = 0x808, PPR = 0x80a, EOI = 0x80b, SVR = 0x80f,
	ISR0 = 0x810, IRR0 = 0x820, LVT_TIMER = 0x832, INIT = 0x838,
	CURRENT = 0x839, DIVIDE = 0x83e, SELF_IPI = 0x83f, ICR = 0x830,
};

static uint64_t rd(struct vlapic *a, uint32_t msr, uint64_t now)
{
	uint64_t v = 0xdead;

	assert_int_equal(vlapic_rdmsr(a, msr, now, &v), 0);
	return v;
}

static void wr(struct vlapic *a, uint32_t msr, uint64_t now, uint64_t v)
{
	assert_int_equal(vlapic_wrmsr(a, msr, now, v), 0);
}

/* An enabled APIC with the timer on vector 0x40 in the given mode. */
static void setup(struct vlapic *a, uint32_t mode, uint32_t count)
{
	vlapic_init(a, 3, VLAPIC_INIT_X2APIC_ONLY);
	wr(a, SVR, 0, 0x1ff);
	wr(a, DIVIDE, 0, 0xb); /* divide by 1 */
	wr(a, LVT_TIMER, 0, 0x40 | mode << 17);
	wr(a, INIT, 1000, count);
}

static void test_reset_state(void **state)
{
	struct vlapic a;

	(void)state;
	vlapic_init(&a, 3, VLAPIC_INIT_X2APIC_ONLY);
	assert_int_equal(rd(&a, ID, 0), 3);
	assert_int_equal(rd(&a, SVR, 0), 0xff);
	assert_true(rd(&a, LVT_TIMER, 0) & (1u << 16));
	assert_int_equal(vlapic_pending(&a), -1);
	assert_int_equal(vlapic_next_deadline(&a), 0);
	/* Write-only and absent registers. */
	uint64_t v;
	assert_int_equal(vlapic_rdmsr(&a, EOI, 0, &v), -1);
	assert_int_equal(vlapic_rdmsr(&a, 0x8ff, 0, &v), -1);
	assert_int_equal(vlapic_wrmsr(&a, PPR, 0, 0), -1);
	assert_int_equal(vlapic_wrmsr(&a, ICR, 0, 0x40), -1);
	assert_int_equal(vlapic_wrmsr(&a, EOI, 0, 1), -1);
	assert_int_equal(vlapic_wrmsr(&a, TPR, 0, 1ull << 32), -1);
}

static void test_disabled_apic_masks_timer(void **state)
{
	struct vlapic a;

	(void)state;
	vlapic_init(&a, 0, VLAPIC_INIT_X2APIC_ONLY);
	/* Software-disabled: unmasking the LVT does not take. */
	wr(&a, LVT_TIMER, 0, 0x40);
	assert_true(rd(&a, LVT_TIMER, 0) & (1u << 16));
	wr(&a, INIT, 0, 10);
	vlapic_tick(&a, 100);
	assert_int_equal(vlapic_pending(&a), -1);
}

static void test_one_shot(void **state)
{
	struct vlapic a;

	(void)state;
	setup(&a, 0, 500);
	assert_int_equal(vlapic_next_deadline(&a), 1500);
	assert_int_equal(rd(&a, CURRENT, 1100), 400);
	/* Quiet: nothing requested and the timer not yet due. */
	assert_true(vlapic_quiet(&a, 1499));
	assert_false(vlapic_quiet(&a, 1500));
	vlapic_tick(&a, 1499);
	assert_int_equal(vlapic_pending(&a), -1);
	vlapic_tick(&a, 1500);
	assert_int_equal(vlapic_pending(&a), 0x40);
	/* Disarmed but requested: still not quiet. */
	assert_false(vlapic_quiet(&a, 1500));
	assert_int_equal(rd(&a, IRR0 + 2, 1500), 1u << 0);
	/* One-shot: disarmed, current count 0. */
	assert_int_equal(vlapic_next_deadline(&a), 0);
	assert_int_equal(rd(&a, CURRENT, 2000), 0);
	vlapic_accept(&a, 0x40);
	assert_int_equal(vlapic_pending(&a), -1);
	assert_int_equal(rd(&a, ISR0 + 2, 2000), 1);
	assert_int_equal(rd(&a, PPR, 2000), 0x40);
	wr(&a, EOI, 2000, 0);
	assert_int_equal(rd(&a, ISR0 + 2, 2000), 0);
	assert_int_equal(a.timer_fired, 1);
}

static void test_periodic_and_divide(void **state)
{
	struct vlapic a;

	(void)state;
	vlapic_init(&a, 0, VLAPIC_INIT_X2APIC_ONLY);
	wr(&a, SVR, 0, 0x100 | 0xff);
	wr(&a, DIVIDE, 0, 0x3); /* divide by 16 */
	wr(&a, LVT_TIMER, 0, 0x50 | 1u << 17);
	wr(&a, INIT, 0, 10); /* 160 TSC ticks a period */
	assert_int_equal(vlapic_next_deadline(&a), 160);
	vlapic_tick(&a, 170);
	assert_int_equal(vlapic_next_deadline(&a), 320);
	/* Far behind: missed periods collapse into one interrupt. */
	vlapic_tick(&a, 5000);
	assert_int_equal(vlapic_next_deadline(&a), 5160);
	assert_int_equal(a.timer_fired, 2);
	/* Divide values: 0xb is 1, 0x0 is 2, 0xa is 128. */
	wr(&a, DIVIDE, 0, 0xa);
	wr(&a, INIT, 0, 1);
	assert_int_equal(vlapic_next_deadline(&a), 128);
	assert_int_equal(vlapic_wrmsr(&a, DIVIDE, 0, 0x4), -1);
	/* A zero initial count stops the timer. */
	wr(&a, INIT, 0, 0);
	assert_int_equal(vlapic_next_deadline(&a), 0);
}

static void test_priority(void **state)
{
	struct vlapic a;

	(void)state;
	setup(&a, 0, 0);
	wr(&a, SELF_IPI, 0, 0x35);
	wr(&a, SELF_IPI, 0, 0x61);
	assert_int_equal(vlapic_pending(&a), 0x61);
	/* TPR class 6 blocks 0x61 and everything below it. */
	wr(&a, TPR, 0, 0x60);
	assert_int_equal(vlapic_pending(&a), -1);
	wr(&a, TPR, 0, 0x20);
	assert_int_equal(vlapic_pending(&a), 0x61);
	vlapic_accept(&a, 0x61);
	/* 0x35 is below the in-service class 6 until its EOI. */
	assert_int_equal(vlapic_pending(&a), -1);
	wr(&a, EOI, 0, 0);
	assert_int_equal(vlapic_pending(&a), 0x35);
	assert_int_equal(vlapic_wrmsr(&a, SELF_IPI, 0, 15), -1);
}

/*
 * vlapic_pending answers from a summary of the IRR's words: it must still
 * see every vector left after others in the same word and in other words
 * are accepted, and nothing once all are.
 */
static void test_pending_summary(void **state)
{
	static const int vectors[] = { 0xe1, 0x9f, 0x80, 0x41, 0x40 };
	struct vlapic a;

	(void)state;
	setup(&a, 0, 0);
	for (unsigned i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		wr(&a, SELF_IPI, 0, (uint64_t)vectors[i]);
	for (unsigned i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		assert_int_equal(vlapic_pending(&a), vectors[i]);
		vlapic_accept(&a, vectors[i]);
		/* The in-service vector would hold back lower classes. */
		wr(&a, EOI, 0, 0);
	}
	assert_int_equal(vlapic_pending(&a), -1);
	for (unsigned w = 0; w < 8; w++)
		assert_int_equal(rd(&a, IRR0 + w, 0), 0);
	wr(&a, SELF_IPI, 0, 0x9f);
	assert_int_equal(vlapic_pending(&a), 0x9f);
}

/* SDM "x2APIC Register Address Space": the ICR reads back its 64 bits;
 * a self IPI through it is sent; in hv's partitions other IPIs are
 * refused. */
static void test_icr(void **state)
{
	struct vlapic a;
	uint64_t v;

	(void)state;
	setup(&a, 0, 0);
	assert_int_equal(rd(&a, ICR, 0), 0);
	wr(&a, ICR, 0, 0x500000000ull | 1u << 18 | 0x51);
	assert_int_equal(rd(&a, ICR, 0), 0x500000000ull | 1u << 18 | 0x51);
	/* Left for hv/apic.c to deliver. */
	assert_true(a.ipi.pending);
	assert_int_equal(a.ipi.shorthand, VLAPIC_SH_SELF);
	assert_int_equal(a.ipi.mode, VLAPIC_DM_FIXED);
	assert_int_equal(a.ipi.vector, 0x51);
	/* Physical destination 5, all-but-self, NMI mode, level trigger,
	 * a vector below 16: each refused, and the ICR keeps its value. */
	assert_int_equal(vlapic_wrmsr(&a, ICR, 0, 0x500000051ull), -1);
	assert_int_equal(vlapic_wrmsr(&a, ICR, 0, 3u << 18 | 0x51), -1);
	assert_int_equal(vlapic_wrmsr(&a, ICR, 0, 1u << 18 | 4u << 8 | 0x51),
			 -1);
	assert_int_equal(vlapic_wrmsr(&a, ICR, 0, 1u << 18 | 1u << 15 | 0x51),
			 -1);
	assert_int_equal(vlapic_wrmsr(&a, ICR, 0, 1u << 18 | 0x0f), -1);
	assert_int_equal(vlapic_rdmsr(&a, ICR, 0, &v), 0);
	assert_int_equal(v, 0x500000000ull | 1u << 18 | 0x51);
}

static void test_esr_write(void **state)
{
	struct vlapic a;

	(void)state;
	setup(&a, 0, 0);
	assert_int_equal(vlapic_wrmsr(&a, 0x828, 0, 1), -1);
	wr(&a, 0x828, 0, 0);
	assert_int_equal(rd(&a, 0x828, 0), 0);
}

/* A masked timer still counts, but cannot wake a halted vCPU: no
 * deadline is reported for it until the LVT is unmasked. */
static void test_masked_timer_no_deadline(void **state)
{
	struct vlapic a;

	(void)state;
	setup(&a, 0, 500);
	assert_int_equal(vlapic_next_deadline(&a), 1500);
	wr(&a, LVT_TIMER, 1100, 0x40 | 1u << 16);
	assert_int_equal(vlapic_next_deadline(&a), 0);
	wr(&a, LVT_TIMER, 1200, 0x40);
	assert_int_equal(vlapic_next_deadline(&a), 1500);
	wr(&a, LVT_TIMER, 1300, 0x0f); /* a vector that is never delivered */
	assert_int_equal(vlapic_next_deadline(&a), 0);
	/* Masked through its deadline: nothing requested, and disarmed. */
	wr(&a, LVT_TIMER, 1400, 0x40 | 1u << 16);
	vlapic_tick(&a, 1600);
	assert_int_equal(vlapic_pending(&a), -1);
	wr(&a, LVT_TIMER, 1700, 0x40);
	assert_int_equal(vlapic_next_deadline(&a), 0);
}

/* SDM "Task Priority in IA-32e Mode": CR8[3:0] is TPR[7:4]. */
static void test_cr8_is_tpr(void **state)
{
	struct vlapic a;

	(void)state;
	setup(&a, 0, 0);
	wr(&a, TPR, 0, 0x5a);
	assert_int_equal(vlapic_get_cr8(&a), 5);
	vlapic_set_cr8(&a, 7);
	assert_int_equal(rd(&a, TPR, 0), 0x70); /* bits 3:0 cleared */
	assert_int_equal(vlapic_get_cr8(&a), 7);
	/* A CR8 write masks interrupts as the TPR does. */
	wr(&a, SELF_IPI, 0, 0x71);
	assert_int_equal(vlapic_pending(&a), -1);
	vlapic_set_cr8(&a, 6);
	assert_int_equal(vlapic_pending(&a), 0x71);
	vlapic_set_cr8(&a, 0);
	assert_int_equal(rd(&a, TPR, 0), 0);
}

/*
 * An INIT resets the vCPU's APIC on its own CPU while another vCPU may be
 * sending to it from another: the sender reads the target's ID, base and
 * LDR to match it and its TPR through regs (hv/apic.c, lowest priority).
 * A reader thread watches those while this one resets the APIC as INIT
 * does (vlapic_init_page, pc_init's), and must never see regs NULL or
 * the ID or base changed: cleared in place, regs was NULL for a moment,
 * and that read was a fault in hv.
 */
static struct vlapic race_apic;
static uint32_t race_page[1024];
static volatile bool race_over;
static uint64_t race_bad, race_reads;

static void *race_reader(void *arg)
{
	(void)arg;
	while (!race_over) {
		uint32_t *regs = __atomic_load_n(&race_apic.regs, __ATOMIC_RELAXED);
		uint32_t id = __atomic_load_n(&race_apic.id, __ATOMIC_RELAXED);
		uint64_t base = __atomic_load_n(&race_apic.base, __ATOMIC_RELAXED);

		if (regs != race_page || id != 5 || !(base & VLAPIC_BASE_EN))
			race_bad++;
		race_reads++;
	}
	return NULL;
}

static uint64_t ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void test_init_keeps_what_senders_read(void **state)
{
	pthread_t reader;
	uint64_t until;
	uint32_t n = 0;

	(void)state;
	vlapic_init_page(&race_apic, 5, 0, race_page);
	race_over = false;
	race_bad = race_reads = 0;
	assert_int_equal(pthread_create(&reader, NULL, race_reader, NULL), 0);
	/* The reader has begun (a loaded host may start it late)... */
	until = ms_now() + 10000;
	while (!__atomic_load_n(&race_reads, __ATOMIC_RELAXED) && ms_now() < until)
		;
	/* ...and resets go on until it has looked often enough, 2 s at most. */
	until = ms_now() + 2000;
	while ((__atomic_load_n(&race_reads, __ATOMIC_RELAXED) < 20000000 ||
		n < 200000) &&
	       ms_now() < until && !__atomic_load_n(&race_bad, __ATOMIC_RELAXED)) {
		vlapic_init_page(&race_apic, 5, 0, race_page);
		n++;
	}
	race_over = true;
	assert_int_equal(pthread_join(reader, NULL), 0);
	assert_true(race_reads > 0);
	assert_int_equal(race_bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_disabled_apic_masks_timer),
		cmocka_unit_test(test_one_shot),
		cmocka_unit_test(test_periodic_and_divide),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_pending_summary),
		cmocka_unit_test(test_icr),
		cmocka_unit_test(test_esr_write),
		cmocka_unit_test(test_masked_timer_no_deadline),
		cmocka_unit_test(test_cr8_is_tpr),
		cmocka_unit_test(test_init_keeps_what_senders_read),
	};

	return cmocka_run_group_tests_name("vlapic", tests, NULL, NULL);
}
