// SPDX-License-Identifier: MIT
/*
 * CR8 is the local APIC's task priority. A guest must see its own value,
 * and the real TPR must never change: with TPR 15 on the host, hv's CPU
 * would block every external interrupt. hv checks the host's TPR itself
 * after this guest is done; the guest leaves CR8 at 15 so that a leak
 * would still show then.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

const char test_name[] = "cr8";

#define TPR_MAX 15

static void write_cr8_reserved(void *arg)
{
	(void)arg;
	write_cr8(TPR_MAX + 1);
}

static void check_virtual(void)
{
	static const uint64_t values[] = { TPR_MAX, 5, 0, TPR_MAX };

	for (unsigned int i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint64_t got;

		write_cr8(values[i]);
		got = read_cr8();
		if (got != values[i]) {
			test_fail("cr8-virtual", "wrote %lu, read back %lu",
				  (unsigned long)values[i],
				  (unsigned long)got);
			return;
		}
	}
	test_pass("cr8-virtual");
}

/* Bits 63:4 of CR8 are reserved, and a MOV to CR8 that sets one raises
 * #GP(0), which leaves CR8 unchanged (SDM Vol. 2B, "MOV-Move to/from
 * Control Registers", 64-bit mode exceptions). */
static void check_reserved(void)
{
	int vector;
	uint64_t after;

	if (!expect_fault(write_cr8_reserved, NULL, &vector)) {
		test_fail("cr8-reserved-gp", "MOV CR8, 0x%x did not fault",
			  TPR_MAX + 1);
		return;
	}
	after = read_cr8();
	if (vector != VEC_GP || rt_last_fault.error != 0)
		test_fail("cr8-reserved-gp", "%s error 0x%lx, want #GP(0)",
			  rt_vector_name(vector),
			  (unsigned long)rt_last_fault.error);
	else if (after != TPR_MAX)
		test_fail("cr8-reserved-gp",
			  "CR8 is %lu after the fault, want %d",
			  (unsigned long)after, TPR_MAX);
	else
		test_pass("cr8-reserved-gp");
}

void test_main(const struct hv_start_info *si)
{
	(void)si;
	check_virtual();
	check_reserved();
	/* Whatever failed above, hand hv the highest priority to look for. */
	write_cr8(TPR_MAX);
}
