// SPDX-License-Identifier: MIT
/*
 * Executes an x87 instruction. The kernel sets CR0.EM, since it does not
 * save x87 state when it switches programs: the instruction is #NM, and
 * the program is killed.
 */
#include "guest/lib/ulib.h"

int main(void)
{
	printf("x87: executing FLD1\n");
	asm volatile("fld1");
	printf("TEST x87: FAIL escaped\n");
	return 1;
}
