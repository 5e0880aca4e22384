// SPDX-License-Identifier: MIT
/*
 * MOV to CR3 outside ring 0 is a #GP (SDM Vol. 2B, "MOV-Move to/from
 * Control Registers"): the kernel must kill this program at the
 * instruction, before it could swap in page tables of its own.
 */
#include "guest/lib/ulib.h"

int main(void)
{
	printf("priv-cr3: writing CR3 in ring 3\n");
	asm volatile("mov %0, %%cr3" : : "r"(0ul) : "memory");
	printf("TEST priv-cr3: FAIL escaped: MOV to CR3 ran in ring 3\n");
	return 1;
}
