// SPDX-License-Identifier: MIT
/*
 * Offsets and sizes for nasm. The build compiles this file to assembly and
 * turns each "@@ASM NAME value" marker into a %define, so the assembly
 * never hard-codes a C layout.
 */
#include <stddef.h>

#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/vmcs.h"
#include "hv/upcall.h"

#define DEFINE(sym, val) __asm__ volatile("\n@@ASM " #sym " %0" : : "i"(val))

void asm_offsets(void);

void asm_offsets(void)
{
	DEFINE(TRAP_FRAME_VECTOR, offsetof(struct trap_frame, vector));
	DEFINE(TRAP_FRAME_RIP, offsetof(struct trap_frame, rip));
	DEFINE(HV_STACK_SIZE_ASM, HV_STACK_SIZE);
	DEFINE(GDT_CODE_ASM, GDT_CODE);
	DEFINE(GDT_DATA_ASM, GDT_DATA);
	DEFINE(IA32_EFER_ASM, (unsigned long)IA32_EFER);
	DEFINE(VCPU_HOST_STACK, offsetof(struct vcpu, arch.host_stack));
	DEFINE(VCPU_ENTER, offsetof(struct vcpu, arch.enter));
	DEFINE(VCPU_LAUNCHED, offsetof(struct vcpu, arch.launched));
	DEFINE(VCPU_RAX, offsetof(struct vcpu, arch.regs.rax));
	DEFINE(VCPU_RBX, offsetof(struct vcpu, arch.regs.rbx));
	DEFINE(VCPU_RCX, offsetof(struct vcpu, arch.regs.rcx));
	DEFINE(VCPU_RDX, offsetof(struct vcpu, arch.regs.rdx));
	DEFINE(VCPU_RSI, offsetof(struct vcpu, arch.regs.rsi));
	DEFINE(VCPU_RDI, offsetof(struct vcpu, arch.regs.rdi));
	DEFINE(VCPU_RBP, offsetof(struct vcpu, arch.regs.rbp));
	DEFINE(VCPU_R8, offsetof(struct vcpu, arch.regs.r8));
	DEFINE(VCPU_R9, offsetof(struct vcpu, arch.regs.r9));
	DEFINE(VCPU_R10, offsetof(struct vcpu, arch.regs.r10));
	DEFINE(VCPU_R11, offsetof(struct vcpu, arch.regs.r11));
	DEFINE(VCPU_R12, offsetof(struct vcpu, arch.regs.r12));
	DEFINE(VCPU_R13, offsetof(struct vcpu, arch.regs.r13));
	DEFINE(VCPU_R14, offsetof(struct vcpu, arch.regs.r14));
	DEFINE(VCPU_R15, offsetof(struct vcpu, arch.regs.r15));
}
