// SPDX-License-Identifier: MIT
/*
 * CLI in ring 3 with IOPL 0 is a #GP (SDM Vol. 2A, "CLI"): the kernel must
 * kill this program at the instruction.
 */
#include "guest/lib/ulib.h"

int main(void)
{
	printf("priv: executing CLI in ring 3\n");
	asm volatile("cli");
	printf("TEST priv: FAIL escaped: CLI ran in ring 3\n");
	return 1;
}
