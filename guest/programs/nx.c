// SPDX-License-Identifier: MIT
/*
 * A program's stack and data are mapped no-execute: a jump to its stack is
 * a #PF with error code P | U | I (instruction fetch), and the kernel
 * kills the program.
 */
#include "guest/lib/ulib.h"

int main(void)
{
	/* RET: if it ran, the call below would simply return. */
	volatile uint8_t code[16] = { 0xc3 };
	void (*fn)(void) = (void (*)(void))(uintptr_t)code;

	printf("nx: calling code on its stack at %p\n", (void *)code);
	fn();
	printf("TEST nx: FAIL escaped: the stack is executable\n");
	return 1;
}
