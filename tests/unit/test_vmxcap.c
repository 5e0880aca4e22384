// SPDX-License-Identifier: MIT
/*
 * Tests of lib/vmxcap.c. The baseline is the CPU Bochs emulates as
 * corei7_skylake_x (docs: TESTBED.md): IA32_VMX_BASIC, PROCBASED_CTLS2 and
 * EPT_VPID_CAP as seen there; the four TRUE control MSRs are plausible
 * values with every control hv uses allowed.
 */
#include "tests/unit/common.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/vmxcap.h"

#define ALLOW1(bits) ((uint64_t)(bits) << 32)

static struct vmx_cap_msrs bochs(void)
{
	struct vmx_cap_msrs m = {
		.cpuid1_ecx = 0xfffa3223, /* VMX (bit 5) among others */
		.feature_control = 0,
		.basic = 0x00d810000000002bull,
		.true_pinbased = ALLOW1(0x000000ff) | 0x16,
		.true_procbased = ALLOW1(0xfff9fffe) | 0x04006172,
		.true_exit = ALLOW1(0x007fefff) | 0x00036dfb,
		.true_entry = ALLOW1(0x0000f3ff) | 0x000011fb,
		.procbased2 = ALLOW1(0x02177fff),
		.ept_vpid = 0x00000f0106334141ull,
	};

	/* The legacy MSRs, which BASIC[55] says not to use, allow nothing. */
	m.pinbased = m.procbased = m.exit = m.entry = 0;
	return m;
}

/* Where each capability lives, per the SDM; the test's own copy. */
enum field { PIN, PROC, PROC2, EXIT, ENTRY, EPT_VPID, BASIC };

static const struct {
	const char *name;
	enum field f;
	unsigned int bit; /* for controls, the allowed-1 bit (63:32) */
	bool required;
} expected[] = {
	{ "preemption timer", PIN, 32 + 6, true },
	{ "io bitmaps", PROC, 32 + 25, true },
	{ "msr bitmaps", PROC, 32 + 28, true },
	{ "secondary controls", PROC, 32 + 31, true },
	{ "ept", PROC2, 32 + 1, true },
	{ "vpid", PROC2, 32 + 5, true },
	{ "unrestricted guest", PROC2, 32 + 7, false },
	{ "save pat", EXIT, 32 + 18, true },
	{ "load pat", EXIT, 32 + 19, true },
	{ "load pat", ENTRY, 32 + 14, true },
	{ "save efer", EXIT, 32 + 20, true },
	{ "load efer", EXIT, 32 + 21, true },
	{ "load efer", ENTRY, 32 + 15, true },
	{ "save preemption timer", EXIT, 32 + 22, false }, /* wanted */
	{ "external-interrupt exiting", PIN, 32 + 0, true },
	{ "nmi exiting", PIN, 32 + 3, true },
	{ "interrupt-window exiting", PROC, 32 + 2, true },
	{ "hlt exiting", PROC, 32 + 7, true },
	{ "mwait exiting", PROC, 32 + 10, true },
	{ "rdpmc exiting", PROC, 32 + 11, true },
	{ "cr8-load exiting", PROC, 32 + 19, true },
	{ "cr8-store exiting", PROC, 32 + 20, true },
	{ "monitor exiting", PROC, 32 + 29, true },
	{ "wbinvd exiting", PROC2, 32 + 6, true },
	{ "host address-space size", EXIT, 32 + 9, true },
	{ "acknowledge interrupt on exit", EXIT, 32 + 15, true },
	{ "save debug controls", EXIT, 32 + 2, false },
	{ "ia-32e mode guest", ENTRY, 32 + 9, true },
	{ "load debug controls", ENTRY, 32 + 2, false },
	{ "ept 4-level walk", EPT_VPID, 6, true },
	{ "ept write-back", EPT_VPID, 14, true },
	{ "ept 2m pages", EPT_VPID, 16, false },
	{ "ept 1g pages", EPT_VPID, 17, false },
	{ "invept", EPT_VPID, 20, true },
	{ "invept single-context", EPT_VPID, 25, true },
	{ "invvpid", EPT_VPID, 32, true },
	{ "invvpid single-context", EPT_VPID, 41, true },
	{ "true controls", BASIC, 55, false },
};

#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

static uint64_t *field(struct vmx_cap_msrs *m, enum field f)
{
	switch (f) {
	case PIN:
		return &m->true_pinbased;
	case PROC:
		return &m->true_procbased;
	case PROC2:
		return &m->procbased2;
	case EXIT:
		return &m->true_exit;
	case ENTRY:
		return &m->true_entry;
	case EPT_VPID:
		return &m->ept_vpid;
	case BASIC:
		return &m->basic;
	}
	fail();
	return NULL;
}

static const struct vmx_cap *cap(const struct vmx_cap_report *r,
				 const char *name)
{
	unsigned int i;

	for (i = 0; i < r->count; i++)
		if (!strcmp(r->caps[i].name, name))
			return &r->caps[i];
	fail_msg("capability '%s' not in the report", name);
	return NULL;
}

static void test_bochs(void **state)
{
	struct vmx_cap_msrs m = bochs();
	struct vmx_cap_report r;
	unsigned int i, j;

	(void)state;
	memset(&r, 0xa5, sizeof(r));
	vmx_cap_decode(&m, &r);
	assert_true(r.vmx);
	assert_false(r.fc_locked);
	assert_false(r.fc_vmx_outside_smx);
	assert_true(r.ok);
	assert_string_equal(r.reason, "");
	assert_true(r.count <= VMX_CAP_MAX);
	for (i = 0; i < r.count; i++) {
		const struct vmx_cap *c = &r.caps[i];
		bool known = false;

		assert_true(c->present);
		for (j = 0; j < NEXPECTED; j++) {
			if (!strcmp(expected[j].name, c->name)) {
				known = true;
				assert_int_equal(c->required,
						 expected[j].required);
			}
		}
		if (!known)
			fail_msg("unexpected capability '%s'", c->name);
		/* Names are unique and lowercase. */
		for (j = 0; j < i; j++)
			assert_string_not_equal(r.caps[j].name, c->name);
		for (j = 0; c->name[j]; j++)
			assert_false(c->name[j] >= 'A' && c->name[j] <= 'Z');
	}
	/* And every expected one is there. */
	for (j = 0; j < NEXPECTED; j++)
		assert_true(cap(&r, expected[j].name)->present);
}

static void test_no_vmx(void **state)
{
	struct vmx_cap_msrs m;
	struct vmx_cap_report r;

	(void)state;
	/* Everything but CPUID is garbage that must not be looked at. */
	memset(&m, 0xff, sizeof(m));
	m.cpuid1_ecx = ~(1u << 5);
	vmx_cap_decode(&m, &r);
	assert_false(r.vmx);
	assert_false(r.ok);
	assert_int_equal(r.count, 0);
	assert_false(r.fc_locked);
	assert_string_equal(r.reason,
			    "VT-x is not available (CPUID.1:ECX.VMX=0)");
}

static void test_feature_control(void **state)
{
	struct vmx_cap_msrs m = bochs();
	struct vmx_cap_report r;

	(void)state;
	/* Locked with VMX outside SMX off, whether or not SMX is on. */
	m.feature_control = 1;
	vmx_cap_decode(&m, &r);
	assert_false(r.ok);
	assert_true(r.fc_locked);
	assert_false(r.fc_vmx_outside_smx);
	assert_string_equal(r.reason,
			    "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL locked with VMX outside SMX off)");
	/* The capabilities are still reported. */
	assert_int_equal(r.count, NEXPECTED - 2);
	assert_true(cap(&r, "ept")->present);

	m.feature_control = 1 | 2;
	vmx_cap_decode(&m, &r);
	assert_false(r.ok);

	/* Locked and enabled, or unlocked in any state: hv can go on. */
	m.feature_control = 1 | 4;
	vmx_cap_decode(&m, &r);
	assert_true(r.ok);
	assert_true(r.fc_locked);
	assert_true(r.fc_vmx_outside_smx);
	m.feature_control = 4;
	vmx_cap_decode(&m, &r);
	assert_true(r.ok);
	assert_false(r.fc_locked);
	m.feature_control = 0xff00;
	vmx_cap_decode(&m, &r);
	assert_true(r.ok);
}

/* Clearing each capability bit alone: required ones stop hv, others don't. */
static void test_each_missing(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < NEXPECTED; i++) {
		struct vmx_cap_msrs m = bochs();
		struct vmx_cap_report r;
		char want[160];

		if (!strcmp(expected[i].name, "secondary controls") ||
		    !strcmp(expected[i].name, "true controls"))
			continue; /* other capabilities depend on them */
		*field(&m, expected[i].f) &= ~(1ull << expected[i].bit);
		vmx_cap_decode(&m, &r);
		assert_false(cap(&r, expected[i].name)->present);
		if (expected[i].required) {
			assert_false(r.ok);
			snprintf(want, sizeof(want),
				 "required capability missing: %s",
				 expected[i].name);
			assert_string_equal(r.reason, want);
		} else {
			assert_true(r.ok);
			assert_string_equal(r.reason, "");
		}
	}
}

static void test_secondary_missing(void **state)
{
	struct vmx_cap_msrs m = bochs();
	struct vmx_cap_report r;

	(void)state;
	/*
	 * Without secondary controls there is no PROCBASED_CTLS2, so what
	 * the caller left in procbased2 and ept_vpid must not count.
	 */
	m.true_procbased &= ~ALLOW1(1u << 31);
	vmx_cap_decode(&m, &r);
	assert_false(r.ok);
	assert_false(cap(&r, "ept")->present);
	assert_false(cap(&r, "ept 2m pages")->present);
	assert_false(cap(&r, "unrestricted guest")->present);
	assert_string_equal(r.reason,
			    "required capability missing: secondary controls, ept, vpid, wbinvd exiting, ept 4-level walk, ept write-back, invept, invept single-context, invvpid, invvpid single-context");

	/* Neither EPT nor VPID: no EPT_VPID_CAP either. */
	m = bochs();
	m.procbased2 &= ~ALLOW1((1u << 1) | (1u << 5));
	vmx_cap_decode(&m, &r);
	assert_false(cap(&r, "invvpid")->present);
	assert_true(cap(&r, "unrestricted guest")->present);
	assert_string_equal(r.reason,
			    "required capability missing: ept, vpid, ept 4-level walk, ept write-back, invept, invept single-context, invvpid, invvpid single-context");
}

static void test_true_controls(void **state)
{
	struct vmx_cap_msrs m = bochs();
	struct vmx_cap_report r;

	(void)state;
	/* Without BASIC[55] the legacy MSRs count, and here allow nothing. */
	m.basic &= ~(1ull << 55);
	vmx_cap_decode(&m, &r);
	assert_false(r.ok);
	assert_false(cap(&r, "true controls")->present);
	assert_false(cap(&r, "preemption timer")->present);
	assert_false(cap(&r, "load efer")->present);

	/* With the values moved to the legacy MSRs, all is well again. */
	m.pinbased = m.true_pinbased;
	m.procbased = m.true_procbased;
	m.exit = m.true_exit;
	m.entry = m.true_entry;
	m.true_pinbased = m.true_procbased = m.true_exit = m.true_entry = 0;
	vmx_cap_decode(&m, &r);
	assert_true(r.ok);
	assert_false(cap(&r, "true controls")->present);
	assert_true(cap(&r, "preemption timer")->present);

	/* Allowed-0 bits (the low half) mean nothing for availability. */
	m = bochs();
	m.true_pinbased = 0xffffffffull;
	vmx_cap_decode(&m, &r);
	assert_false(cap(&r, "preemption timer")->present);
}

static void test_reason_truncated(void **state)
{
	struct vmx_cap_msrs m;
	struct vmx_cap_report r;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.cpuid1_ecx = 1u << 5;
	vmx_cap_decode(&m, &r);
	assert_false(r.ok);
	assert_int_equal(strlen(r.reason), sizeof(r.reason) - 1);
	assert_int_equal(strncmp(r.reason,
				 "required capability missing: preemption timer, io bitmaps, msr bitmaps, ",
				 72),
			 0);
	assert_int_equal(r.count, NEXPECTED - 2);
}

static void test_helpers(void **state)
{
	(void)state;
	assert_true(vmx_cap_has_true_msrs(0x00d810000000002bull));
	assert_false(vmx_cap_has_true_msrs(0x005810000000002bull));
	assert_true(vmx_cap_has_secondary(ALLOW1(0x80000000)));
	assert_false(vmx_cap_has_secondary(ALLOW1(0x7fffffff) | 0x80000000));
	assert_true(vmx_cap_has_ept_vpid_msr(ALLOW1(0x02177fff)));
	assert_true(vmx_cap_has_ept_vpid_msr(ALLOW1(1u << 1)));
	assert_true(vmx_cap_has_ept_vpid_msr(ALLOW1(1u << 5)));
	assert_false(vmx_cap_has_ept_vpid_msr(ALLOW1(~0x22u) | 0xffffffff));
}

/*
 * The controls hv sets up every VMCS with, by the SDM's bit numbers (the
 * test's own copy): what hv sets, plus what the MSR's allowed-0 half
 * forces to 1, minus what its allowed-1 half forbids.
 */
#define BIT(n) (1u << (n))
#define HV_PIN (BIT(0) | BIT(3) | BIT(6))
#define HV_PROC                                                            \
	(BIT(7) | BIT(10) | BIT(11) | BIT(19) | BIT(20) | BIT(25) |        \
	 BIT(28) | BIT(29) | BIT(31))
#define HV_PROC2 (BIT(1) | BIT(5) | BIT(6))
#define HV_EXIT                                                            \
	(BIT(2) | BIT(9) | BIT(15) | BIT(18) | BIT(19) | BIT(20) | BIT(21) | \
	 BIT(22))
#define HV_ENTRY (BIT(2) | BIT(9) | BIT(14) | BIT(15))

static void test_controls(void **state)
{
	struct vmx_cap_msrs m = bochs();
	struct vmx_controls c;

	(void)state;
	vmx_cap_controls(&m, &c);
	assert_int_equal(c.pin, HV_PIN | 0x16);
	assert_int_equal(c.proc, HV_PROC | 0x04006172);
	assert_int_equal(c.proc2, HV_PROC2);
	assert_int_equal(c.exit, HV_EXIT | 0x00036dfb);
	assert_int_equal(c.entry, HV_ENTRY | 0x000011fb);
	/* Interrupt-window exiting is required but switched on only when
	 * needed; CR3 accesses do not exit where the CPU lets them. */
	assert_int_equal(c.proc & (BIT(2) | BIT(15) | BIT(16)), 0);

	/* A wanted control the CPU lacks is left out, hv still runs. */
	m.true_exit &= ~ALLOW1(BIT(2));
	vmx_cap_controls(&m, &c);
	assert_int_equal(c.exit, (HV_EXIT & ~BIT(2)) | 0x00036dfb);

	/* The legacy MSRs when BASIC[55] is clear: there CR3-load and
	 * CR3-store exiting are among the bits that must be 1. */
	m = bochs();
	m.basic &= ~(1ull << 55);
	m.pinbased = m.true_pinbased;
	m.procbased = m.true_procbased | BIT(15) | BIT(16);
	m.exit = m.true_exit;
	m.entry = m.true_entry;
	m.true_pinbased = m.true_procbased = m.true_exit = m.true_entry = 0;
	vmx_cap_controls(&m, &c);
	assert_int_equal(c.proc, HV_PROC | 0x04006172 | BIT(15) | BIT(16));
	assert_int_equal(c.pin, HV_PIN | 0x16);

	/* Without secondary controls, whatever procbased2 says is unused. */
	m = bochs();
	m.true_procbased &= ~ALLOW1(BIT(31));
	vmx_cap_controls(&m, &c);
	assert_int_equal(c.proc2, 0);
	assert_int_equal(c.proc, (HV_PROC & ~BIT(31)) | 0x04006172);
}

/* A CPU's MSRs for vmx_cap_read: one that does not exist would #GP. */
static struct {
	uint64_t value[0x491 - 0x480 + 2];
	bool exists[0x491 - 0x480 + 2];
	unsigned int reads;
} cpu;

static unsigned int cpu_slot(uint32_t msr)
{
	if (msr == 0x3a)
		return 0x491 - 0x480 + 1;
	if (msr < 0x480 || msr > 0x491)
		fail_msg("RDMSR 0x%x is no VMX capability MSR", msr);
	return msr - 0x480;
}

static void cpu_set(uint32_t msr, uint64_t value)
{
	cpu.value[cpu_slot(msr)] = value;
	cpu.exists[cpu_slot(msr)] = true;
}

static uint64_t cpu_rdmsr(uint32_t msr)
{
	unsigned int i = cpu_slot(msr);

	if (!cpu.exists[i])
		fail_msg("RDMSR 0x%x of an MSR the CPU does not have", msr);
	cpu.reads++;
	return cpu.value[i];
}

/* The MSRs of bochs(), each where the SDM puts it. */
static void cpu_bochs(bool true_ctls, bool secondary, bool ept_vpid)
{
	struct vmx_cap_msrs b = bochs();

	memset(&cpu, 0, sizeof(cpu));
	cpu_set(0x3a, 0x5);
	cpu_set(0x480, true_ctls ? b.basic : b.basic & ~(1ull << 55));
	cpu_set(0x481, b.true_pinbased);
	cpu_set(0x482, secondary ? b.true_procbased :
				   b.true_procbased & ~ALLOW1(BIT(31)));
	cpu_set(0x483, b.true_exit);
	cpu_set(0x484, b.true_entry);
	cpu_set(0x485, 0x7004c1e7);
	if (secondary)
		cpu_set(0x48b, ept_vpid ? b.procbased2 :
					  b.procbased2 & ~ALLOW1(BIT(1) | BIT(5)));
	if (secondary && ept_vpid)
		cpu_set(0x48c, b.ept_vpid);
	if (true_ctls) {
		cpu_set(0x48d, b.true_pinbased);
		cpu_set(0x48e, cpu.value[0x482 - 0x480]);
		cpu_set(0x48f, b.true_exit);
		cpu_set(0x490, b.true_entry);
	}
}

static void test_read(void **state)
{
	struct vmx_cap_msrs m;

	(void)state;
	/* No VMX: not one MSR is read. */
	memset(&cpu, 0, sizeof(cpu));
	memset(&m, 0xa5, sizeof(m));
	vmx_cap_read(&m, ~(1u << 5), cpu_rdmsr);
	assert_int_equal(cpu.reads, 0);
	assert_int_equal(m.cpuid1_ecx, ~(1u << 5));
	assert_int_equal(m.basic, 0);
	assert_int_equal(m.true_entry, 0);

	/* All of them. */
	cpu_bochs(true, true, true);
	vmx_cap_read(&m, 1u << 5, cpu_rdmsr);
	assert_int_equal(cpu.reads, 13);
	assert_int_equal(m.feature_control, 0x5);
	assert_int_equal(m.misc, 0x7004c1e7);
	assert_int_equal(m.procbased2, bochs().procbased2);
	assert_int_equal(m.ept_vpid, bochs().ept_vpid);
	assert_int_equal(m.true_procbased, bochs().true_procbased);
	assert_int_equal(m.true_entry, bochs().true_entry);
	assert_int_equal(m.entry, bochs().true_entry);

	/* Each optional MSR is read only where the SDM says it exists. */
	cpu_bochs(false, true, true);
	vmx_cap_read(&m, 1u << 5, cpu_rdmsr);
	assert_int_equal(cpu.reads, 9);
	assert_int_equal(m.true_pinbased, 0);
	cpu_bochs(true, false, false);
	vmx_cap_read(&m, 1u << 5, cpu_rdmsr);
	assert_int_equal(cpu.reads, 11);
	assert_int_equal(m.procbased2, 0);
	assert_int_equal(m.ept_vpid, 0);
	cpu_bochs(true, true, false);
	vmx_cap_read(&m, 1u << 5, cpu_rdmsr);
	assert_int_equal(cpu.reads, 12);
	assert_int_equal(m.ept_vpid, 0);
}

static void test_cr4_firmware(void **state)
{
	const char *why = "x";

	(void)state;
	/* What OVMF leaves under Bochs: PAE, PGE, OSFXSR, OSXMMEXCPT. */
	assert_int_equal(cr4_firmware_check(0x6a0, &why), 0x6a0);
	assert_null(why);
	assert_int_equal(cr4_firmware_check(0x6a0 | CR4_BIT_CET | CR4_BIT_PKS,
					    &why),
			 0x6a0);
	assert_null(why);
	cr4_firmware_check(0x6a0 | CR4_BIT_LA57, &why);
	assert_non_null(why);
	assert_non_null(strstr(why, "LA57"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bochs),
		cmocka_unit_test(test_no_vmx),
		cmocka_unit_test(test_feature_control),
		cmocka_unit_test(test_each_missing),
		cmocka_unit_test(test_secondary_missing),
		cmocka_unit_test(test_true_controls),
		cmocka_unit_test(test_reason_truncated),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_cr4_firmware),
	};

	return cmocka_run_group_tests_name("vmxcap", tests, NULL, NULL);
}
