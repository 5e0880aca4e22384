// SPDX-License-Identifier: MIT
/*
 * Offsets and sizes for nasm. The build compiles this file to assembly and
 * turns each "@@ASM NAME value" marker into a %define, so the assembly
 * never hard-codes a C layout.
 */
#include <stddef.h>

#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/vmcs.h"
#include "hv/vcpu.h"

#define DEFINE(sym, val) __asm__ volatile("\n@@ASM " #sym " %0" : : "i"(val))

void asm_offsets(void);

void asm_offsets(void)
{
	DEFINE(TRAP_FRAME_VECTOR, offsetof(struct trap_frame, vector));
	DEFINE(TRAP_FRAME_RIP, offsetof(struct trap_frame, rip));
	DEFINE(HV_STACK_SIZE_ASM, HV_STACK_SIZE);
	DEFINE(GDT_CODE_ASM, GDT_CODE);
	DEFINE(GDT_DATA_ASM, GDT_DATA);
	DEFINE(VMCS_HOST_RSP_ASM, VMCS_HOST_RSP);
	DEFINE(VMCS_HOST_RIP_ASM, VMCS_HOST_RIP);
	DEFINE(REGS_RAX, offsetof(struct guest_regs, rax));
	DEFINE(REGS_RBX, offsetof(struct guest_regs, rbx));
	DEFINE(REGS_RCX, offsetof(struct guest_regs, rcx));
	DEFINE(REGS_RDX, offsetof(struct guest_regs, rdx));
	DEFINE(REGS_RSI, offsetof(struct guest_regs, rsi));
	DEFINE(REGS_RDI, offsetof(struct guest_regs, rdi));
	DEFINE(REGS_RBP, offsetof(struct guest_regs, rbp));
	DEFINE(REGS_R8, offsetof(struct guest_regs, r8));
	DEFINE(REGS_R9, offsetof(struct guest_regs, r9));
	DEFINE(REGS_R10, offsetof(struct guest_regs, r10));
	DEFINE(REGS_R11, offsetof(struct guest_regs, r11));
	DEFINE(REGS_R12, offsetof(struct guest_regs, r12));
	DEFINE(REGS_R13, offsetof(struct guest_regs, r13));
	DEFINE(REGS_R14, offsetof(struct guest_regs, r14));
	DEFINE(REGS_R15, offsetof(struct guest_regs, r15));
}
