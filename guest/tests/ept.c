// SPDX-License-Identifier: MIT
/*
 * A partition cannot reach memory outside its RAM. The entry page tables
 * map [0, 4 GiB) 1:1, so the guest's own translation succeeds; it is EPT
 * that must refuse the access, and hv must then stop the partition. This
 * guest passes by never printing again after the read: the scenario
 * checks hv's report of the EPT violation.
 */
#include "guest/tests/rt/rt.h"

const char test_name[] = "ept";

/* Past the end of RAM, and not its first page, which an off-by-one in
 * the EPT builder would be the likeliest to map. */
#define OOB_OFFSET 0x1000

void test_main(const struct hv_start_info *si)
{
	uint64_t gpa = si->ram_size + OOB_OFFSET;
	volatile const uint8_t *p = (volatile const uint8_t *)(uintptr_t)gpa;
	uint8_t v;

	rt_printf("ept: ram_size 0x%lx, reading GPA 0x%lx\n",
		  (unsigned long)si->ram_size, (unsigned long)gpa);
	v = *p;
	test_fail("ept-oob", "escaped: read 0x%x at GPA 0x%lx", v,
		  (unsigned long)gpa);
}
