// SPDX-License-Identifier: MIT
/*
 * The kernel's memory is in every address space, but supervisor-only: a
 * read from ring 3 is a #PF with error code P | U (SDM Vol. 3A,
 * "Interrupt 14-Page-Fault Exception (#PF)"), and the kernel kills the
 * program.
 */
#include "guest/lib/ulib.h"

/* Where the kernel's image begins (guest/kernel/kernel.ld). */
#define KERNEL_IMAGE 0x200000ul

int main(void)
{
	const volatile uint64_t *p = (const volatile uint64_t *)KERNEL_IMAGE;
	uint64_t v;

	printf("peek: reading the kernel's memory at 0x%lx\n", KERNEL_IMAGE);
	v = *p;
	printf("TEST peek: FAIL escaped: read 0x%lx\n", v);
	return 1;
}
