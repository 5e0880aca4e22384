// SPDX-License-Identifier: MIT
/*
 * VMCALL from ring 3: hv answers with #UD, and the kernel must kill this
 * program at the instruction. The call asked for is shutdown, so a hv
 * that ran it would end the machine here.
 */
#include "guest/lib/ulib.h"

int main(void)
{
	long r;

	printf("vmcall: executing VMCALL (shutdown) in ring 3\n");
	asm volatile("vmcall" : "=a"(r) : "a"(HV_HC_SHUTDOWN) : "memory");
	printf("TEST vmcall: FAIL escaped: VMCALL returned %ld\n", r);
	return 1;
}
