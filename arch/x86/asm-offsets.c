// SPDX-License-Identifier: MIT
/*
 * Offsets and sizes for nasm. The build compiles this file to assembly and
 * turns each "@@ASM NAME value" marker into a %define, so the assembly
 * never hard-codes a C layout.
 */
#include <stddef.h>

#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"

#define DEFINE(sym, val) __asm__ volatile("\n@@ASM " #sym " %0" : : "i"(val))

void asm_offsets(void);

void asm_offsets(void)
{
	DEFINE(TRAP_FRAME_VECTOR, offsetof(struct trap_frame, vector));
	DEFINE(TRAP_FRAME_RIP, offsetof(struct trap_frame, rip));
	DEFINE(HV_STACK_SIZE_ASM, HV_STACK_SIZE);
}
