/* SPDX-License-Identifier: MIT */
/* Entering and leaving VMX root operation on the current CPU. */
#ifndef ARCH_X86_VMX_H
#define ARCH_X86_VMX_H

#include "arch/x86/percpu.h"

/* Leaves VMX operation. Returns 0, or a negative code after printing why. */
int vmx_off(struct percpu *pc);

#endif
