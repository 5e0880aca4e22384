// SPDX-License-Identifier: MIT
/*
 * A program's text is mapped read-execute: writing to it is a #PF with
 * error code P | W | U, and the kernel kills the program.
 */
#include "guest/lib/ulib.h"

int main(void)
{
	volatile uint8_t *text = (volatile uint8_t *)(uintptr_t)main;

	printf("poke: writing to its own text at %p\n", (void *)text);
	*text = 0xc3;
	printf("TEST poke: FAIL escaped: text is writable\n");
	return 1;
}
