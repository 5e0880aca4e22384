// SPDX-License-Identifier: MIT
/*
 * MSR read grants. The manifest lets this partition read MTRR_PHYSBASE0
 * (0x200) and a number no CPU has (0x4b564d99): the first reads the real
 * value; for the second, hv's own RDMSR faults on a real CPU, and hv must
 * survive it and give the guest #GP. (Bochs reads unknown MSRs as 0
 * instead of faulting, so there the read succeeds; either way hv goes
 * on.) An MSR it was not granted, MTRR_PHYSMASK0 (0x201), gives #GP.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

const char test_name[] = "msrs";

static uint32_t msr_to_read;
static uint64_t msr_value;

static void read_msr(void *arg)
{
	(void)arg;
	msr_value = rdmsr(msr_to_read);
}

/* 1 if RDMSR of msr raised #GP, 0 if it read a value, -1 otherwise. */
static int try_read(uint32_t msr)
{
	int vector;

	msr_to_read = msr;
	if (!expect_fault(read_msr, NULL, &vector))
		return 0;
	return vector == VEC_GP ? 1 : -1;
}

void test_main(const struct hv_start_info *si)
{
	(void)si;
	if (try_read(0x200) == 0) {
		rt_printf("msrs: granted 0x200 reads 0x%lx\n", msr_value);
		test_pass("granted-reads");
	} else {
		test_fail("granted-reads", "RDMSR 0x200 faulted");
	}
	switch (try_read(0x4b564d99)) {
	case 1:
		rt_printf("msrs: granted absent 0x4b564d99 gave #GP\n");
		test_pass("granted-absent");
		break;
	case 0:
		rt_printf("msrs: granted absent 0x4b564d99 read 0x%lx\n",
			  msr_value);
		test_pass("granted-absent");
		break;
	default:
		test_fail("granted-absent", "RDMSR 0x4b564d99 raised vector %lu",
			  rt_last_fault.vector);
	}
	if (try_read(0x201) == 1)
		test_pass("ungranted-gp");
	else
		test_fail("ungranted-gp", "RDMSR 0x201 did not #GP");
}
