// SPDX-License-Identifier: MIT
/*
 * Tests of arch/x86/vmx_names.c, of vmcs_field_name() in arch/x86/vmcs.c,
 * and of the parts of arch/x86/vmcs.h that need no CPU: field widths and
 * types, the compile-time width check, and the decoding of VMX
 * instruction flags. The expected numbers are the
 * SDM's (Vol. 3D appendices "Field Encoding in VMCS" and "VMX Basic Exit
 * Reasons", Vol. 3C "VM-Instruction Error Numbers").
 *
 * Built with -DVMCS_EXPECT_BUILD_FAILURE this file must fail to compile:
 * that is how a build rule can prove the width check rejects a wrong width.
 */
#include "tests/unit/common.h"

#include <stdbool.h>
#include <string.h>

#include "arch/x86/vmcs.h"
#include "arch/x86/vmx_names.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The width check is an integer constant expression for constant fields. */
_Static_assert(VMCS_FIELD_WIDTH(VMCS_GUEST_RIP) == VMCS_WIDTH_NAT,
	       "GUEST_RIP is natural-width");
_Static_assert(VMCS_FIELD_WIDTH(VMCS_VPID) == VMCS_WIDTH_16,
	       "VPID is 16-bit");
_Static_assert(VMCS_FIELD_WIDTH(VMCS_EPT_POINTER) == VMCS_WIDTH_64,
	       "EPT_POINTER is 64-bit");
_Static_assert(VMCS_FIELD_WIDTH(VMCS_EXIT_REASON) == VMCS_WIDTH_32,
	       "EXIT_REASON is 32-bit");

#ifdef VMCS_EXPECT_BUILD_FAILURE
void vmcs_wrong_width(void);
void vmcs_wrong_width(void)
{
	VMCS_BUILD_CHECK_WIDTH(VMCS_GUEST_RIP, VMCS_WIDTH_32);
}
#endif

static void test_exit_reason_names(void **state)
{
	(void)state;
	assert_string_equal(vmx_exit_reason_name(0), "EXCEPTION_NMI");
	assert_string_equal(vmx_exit_reason_name(1), "EXTERNAL_INTERRUPT");
	assert_string_equal(vmx_exit_reason_name(2), "TRIPLE_FAULT");
	assert_string_equal(vmx_exit_reason_name(3), "INIT");
	assert_string_equal(vmx_exit_reason_name(4), "SIPI");
	assert_string_equal(vmx_exit_reason_name(10), "CPUID");
	assert_string_equal(vmx_exit_reason_name(12), "HLT");
	assert_string_equal(vmx_exit_reason_name(18), "VMCALL");
	assert_string_equal(vmx_exit_reason_name(28), "CR_ACCESS");
	assert_string_equal(vmx_exit_reason_name(30), "IO_INSTRUCTION");
	assert_string_equal(vmx_exit_reason_name(31), "RDMSR");
	assert_string_equal(vmx_exit_reason_name(32), "WRMSR");
	assert_string_equal(vmx_exit_reason_name(33), "ENTRY_FAIL_GUEST_STATE");
	assert_string_equal(vmx_exit_reason_name(34), "ENTRY_FAIL_MSR_LOADING");
	assert_string_equal(vmx_exit_reason_name(48), "EPT_VIOLATION");
	assert_string_equal(vmx_exit_reason_name(49), "EPT_MISCONFIG");
	assert_string_equal(vmx_exit_reason_name(50), "INVEPT");
	assert_string_equal(vmx_exit_reason_name(51), "RDTSCP");
	assert_string_equal(vmx_exit_reason_name(52), "PREEMPTION_TIMER");
	assert_string_equal(vmx_exit_reason_name(53), "INVVPID");
	assert_string_equal(vmx_exit_reason_name(54), "WBINVD");
	assert_string_equal(vmx_exit_reason_name(55), "XSETBV");
	assert_string_equal(vmx_exit_reason_name(69), "LOADIWKEY");
	assert_string_equal(vmx_exit_reason_name(EXIT_REASON_LAST),
			    "WRMSRLIST");
}

static void test_exit_reason_unknown(void **state)
{
	static const uint32_t unknown[] = {
		35, 38, 42, 71, /* gaps in the SDM's table */
		EXIT_REASON_LAST + 1, 0xffff, UINT32_MAX,
		/* The raw field with bit 31 set: callers must mask first. */
		EXIT_REASON_ENTRY_FAILURE | EXIT_REASON_ENTRY_FAIL_GUEST_STATE,
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(unknown); i++)
		assert_string_equal(vmx_exit_reason_name(unknown[i]),
				    "UNKNOWN");
}

/* Every defined number has its own name; only the gaps read UNKNOWN. */
static void test_exit_reason_table(void **state)
{
	(void)state;
	for (uint32_t a = 0; a <= EXIT_REASON_LAST; a++) {
		const char *na = vmx_exit_reason_name(a);
		bool gap = a == 35 || a == 38 || a == 42 || a == 71;

		assert_non_null(na);
		assert_int_equal(strcmp(na, "UNKNOWN") == 0, gap);
		if (gap)
			continue;
		for (uint32_t b = a + 1; b <= EXIT_REASON_LAST; b++)
			assert_string_not_equal(na, vmx_exit_reason_name(b));
	}
}

static void test_instruction_errors(void **state)
{
	(void)state;
	assert_string_equal(vmx_instruction_error_text(1),
			    "VMCALL executed in VMX root operation");
	assert_string_equal(vmx_instruction_error_text(4),
			    "VMLAUNCH with non-clear VMCS");
	assert_string_equal(vmx_instruction_error_text(5),
			    "VMRESUME with non-launched VMCS");
	assert_string_equal(vmx_instruction_error_text(7),
			    "VM entry with invalid control field(s)");
	assert_string_equal(vmx_instruction_error_text(8),
			    "VM entry with invalid host-state field(s)");
	assert_string_equal(vmx_instruction_error_text(11),
			    "VMPTRLD with incorrect VMCS revision identifier");
	assert_string_equal(vmx_instruction_error_text(12),
			    "VMREAD/VMWRITE from/to unsupported VMCS component");
	assert_string_equal(vmx_instruction_error_text(13),
			    "VMWRITE to read-only VMCS component");
	assert_string_equal(vmx_instruction_error_text(26),
			    "VM entry with events blocked by MOV SS");
	assert_string_equal(vmx_instruction_error_text(28),
			    "invalid operand to INVEPT/INVVPID");
}

static void test_instruction_errors_unknown(void **state)
{
	static const uint32_t unknown[] = { 0, 14, 21, 27, 29, 0x8000,
					    UINT32_MAX };

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(unknown); i++)
		assert_string_equal(vmx_instruction_error_text(unknown[i]),
				    "unknown VM-instruction error");
	for (uint32_t n = 1; n <= 28; n++) {
		bool gap = n == 14 || n == 21 || n == 27;

		assert_int_equal(strcmp(vmx_instruction_error_text(n),
					"unknown VM-instruction error") == 0,
				 gap);
	}
}

/*
 * One field of each width and area, with its encoding from the SDM: a
 * typo in the enum shows up here as a wrong number, width or area.
 */
static void test_field_encodings(void **state)
{
	static const struct {
		uint32_t field, encoding;
		unsigned width, type;
	} fields[] = {
		{ VMCS_VPID, 0x0000, VMCS_WIDTH_16, VMCS_TYPE_CONTROL },
		{ VMCS_GUEST_TR_SELECTOR, 0x080e, VMCS_WIDTH_16,
		  VMCS_TYPE_GUEST },
		{ VMCS_HOST_TR_SELECTOR, 0x0c0c, VMCS_WIDTH_16,
		  VMCS_TYPE_HOST },
		{ VMCS_EPT_POINTER, 0x201a, VMCS_WIDTH_64, VMCS_TYPE_CONTROL },
		{ VMCS_MSR_BITMAP, 0x2004, VMCS_WIDTH_64, VMCS_TYPE_CONTROL },
		{ VMCS_GUEST_PHYSICAL_ADDRESS, 0x2400, VMCS_WIDTH_64,
		  VMCS_TYPE_EXIT_INFO },
		{ VMCS_VMCS_LINK_POINTER, 0x2800, VMCS_WIDTH_64,
		  VMCS_TYPE_GUEST },
		{ VMCS_GUEST_IA32_EFER, 0x2806, VMCS_WIDTH_64,
		  VMCS_TYPE_GUEST },
		{ VMCS_HOST_IA32_EFER, 0x2c02, VMCS_WIDTH_64, VMCS_TYPE_HOST },
		{ VMCS_PIN_BASED_CTLS, 0x4000, VMCS_WIDTH_32,
		  VMCS_TYPE_CONTROL },
		{ VMCS_PROC_BASED_CTLS2, 0x401e, VMCS_WIDTH_32,
		  VMCS_TYPE_CONTROL },
		{ VMCS_ENTRY_INTR_INFO, 0x4016, VMCS_WIDTH_32,
		  VMCS_TYPE_CONTROL },
		{ VMCS_EXIT_REASON, 0x4402, VMCS_WIDTH_32,
		  VMCS_TYPE_EXIT_INFO },
		{ VMCS_VM_INSTRUCTION_ERROR, 0x4400, VMCS_WIDTH_32,
		  VMCS_TYPE_EXIT_INFO },
		{ VMCS_GUEST_TR_AR, 0x4822, VMCS_WIDTH_32, VMCS_TYPE_GUEST },
		{ VMCS_PREEMPTION_TIMER, 0x482e, VMCS_WIDTH_32,
		  VMCS_TYPE_GUEST },
		{ VMCS_HOST_SYSENTER_CS, 0x4c00, VMCS_WIDTH_32,
		  VMCS_TYPE_HOST },
		{ VMCS_CR4_READ_SHADOW, 0x6006, VMCS_WIDTH_NAT,
		  VMCS_TYPE_CONTROL },
		{ VMCS_EXIT_QUALIFICATION, 0x6400, VMCS_WIDTH_NAT,
		  VMCS_TYPE_EXIT_INFO },
		{ VMCS_GUEST_LINEAR_ADDRESS, 0x640a, VMCS_WIDTH_NAT,
		  VMCS_TYPE_EXIT_INFO },
		{ VMCS_GUEST_RIP, 0x681e, VMCS_WIDTH_NAT, VMCS_TYPE_GUEST },
		{ VMCS_GUEST_RFLAGS, 0x6820, VMCS_WIDTH_NAT, VMCS_TYPE_GUEST },
		{ VMCS_HOST_RIP, 0x6c16, VMCS_WIDTH_NAT, VMCS_TYPE_HOST },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		assert_int_equal(fields[i].field, fields[i].encoding);
		assert_int_equal(vmcs_field_width(fields[i].field),
				 fields[i].width);
		assert_int_equal(VMCS_FIELD_TYPE(fields[i].field),
				 fields[i].type);
		assert_int_equal(fields[i].field & VMCS_FIELD_HIGH, 0);
	}
}

/*
 * The names come from the same list as the enum: each field's own
 * encoding finds its own spelling, and an encoding hv does not list (a
 * high half, a field past the end, garbage) finds none.
 */
static void test_field_names(void **state)
{
	static const struct {
		uint32_t encoding;
		const char *name;
	} listed[] = {
#define VMCS_FIELD(name, enc) { enc, #name },
#include "arch/x86/vmcs_fields.h"
	};
	static const uint32_t unlisted[] = {
		VMCS_IO_BITMAP_A | VMCS_FIELD_HIGH, VMCS_HOST_RIP + 2,
		0x2c06, 0xffffffffu,
	};

	(void)state;
	assert_string_equal(vmcs_field_name(0x681e), "GUEST_RIP");
	assert_string_equal(vmcs_field_name(0x0000), "VPID");
	assert_string_equal(vmcs_field_name(0x4402), "EXIT_REASON");
	assert_string_equal(vmcs_field_name(VMCS_PREEMPTION_TIMER),
			    "PREEMPTION_TIMER");
	for (size_t i = 0; i < ARRAY_LEN(listed); i++) {
		assert_string_equal(vmcs_field_name(listed[i].encoding),
				    listed[i].name);
		assert_int_equal(listed[i].encoding & VMCS_FIELD_HIGH, 0);
	}
	for (size_t i = 0; i < ARRAY_LEN(unlisted); i++)
		assert_string_equal(vmcs_field_name(unlisted[i]), "UNKNOWN");
}

static void test_width_check(void **state)
{
	/* volatile: the compiler must not see this as a constant. */
	volatile uint32_t runtime_field = VMCS_GUEST_RIP;

	(void)state;
	/* Right widths compile, and the check is free. */
	VMCS_BUILD_CHECK_WIDTH(VMCS_GUEST_RIP, VMCS_WIDTH_NAT);
	VMCS_BUILD_CHECK_WIDTH(VMCS_VPID, VMCS_WIDTH_16);
	VMCS_BUILD_CHECK_WIDTH(VMCS_EPT_POINTER, VMCS_WIDTH_64);
	VMCS_BUILD_CHECK_WIDTH(VMCS_EXIT_REASON, VMCS_WIDTH_32);
	/* A field known only at run time is left to the accessor's check,
	 * even with the wrong width, and is not evaluated. */
	VMCS_BUILD_CHECK_WIDTH(runtime_field, VMCS_WIDTH_32);

	assert_int_equal(vmcs_field_width(VMCS_GUEST_RIP), VMCS_WIDTH_NAT);
	assert_int_equal(vmcs_field_width(VMCS_VPID), VMCS_WIDTH_16);
	assert_int_equal(vmcs_field_width(VMCS_EPT_POINTER), VMCS_WIDTH_64);
	assert_int_equal(vmcs_field_width(VMCS_EXIT_REASON), VMCS_WIDTH_32);
	assert_int_equal(vmcs_field_width(runtime_field), VMCS_WIDTH_NAT);
}

/* SDM "Conventions": CF=1 is VMfailInvalid, ZF=1 VMfailValid. */
static void test_result_flags(void **state)
{
	(void)state;
	assert_int_equal(vmx_result_of(false, false), VMX_OK);
	assert_int_equal(vmx_result_of(true, false), VMX_FAIL_INVALID);
	assert_int_equal(vmx_result_of(false, true), VMX_FAIL_VALID);
	/* The SDM never sets both; CF wins, as no error number exists. */
	assert_int_equal(vmx_result_of(true, true), VMX_FAIL_INVALID);
}

/* Values the SDM fixes and that hv builds control words and events from. */
static void test_bit_layouts(void **state)
{
	(void)state;
	assert_int_equal(INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION |
				 INTR_INFO_DELIVER_ERROR_CODE | 13,
			 0x80000b0d);
	assert_int_equal(INTR_INFO_VALID | INTR_TYPE_NMI | 2, 0x80000202);
	assert_int_equal(INTR_TYPE_SW_EXCEPTION >> INTR_INFO_TYPE_SHIFT, 6);
	assert_int_equal(EPTP_MT_WB | EPTP_WALK_LENGTH_4, 0x1e);
	assert_int_equal(EPTE_READ | EPTE_WRITE | EPTE_EXEC | EPTE_MT_WB |
				 EPTE_LARGE,
			 0xb7);
	assert_int_equal(PROC_ACTIVATE_SECONDARY, 0x80000000u);
	assert_int_equal(EXIT_HOST_ADDR_SPACE_SIZE, 0x200);
	assert_int_equal(ENTRY_IA32E_MODE_GUEST, 0x200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_reason_names),
		cmocka_unit_test(test_exit_reason_unknown),
		cmocka_unit_test(test_exit_reason_table),
		cmocka_unit_test(test_instruction_errors),
		cmocka_unit_test(test_instruction_errors_unknown),
		cmocka_unit_test(test_field_encodings),
		cmocka_unit_test(test_field_names),
		cmocka_unit_test(test_width_check),
		cmocka_unit_test(test_result_flags),
		cmocka_unit_test(test_bit_layouts),
	};

	return cmocka_run_group_tests_name("vmcs_names", tests, NULL, NULL);
}
