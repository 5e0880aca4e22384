/* SPDX-License-Identifier: MIT */
/* Inside arch/x86: the VMX side of a vCPU that the contract (hv/arch.h)
 * does not name. */
#ifndef ARCH_X86_VMX_VCPU_H
#define ARCH_X86_VMX_VCPU_H

#include "hv/arch.h"
#include "hv/upcall.h"

/* Drops this CPU's cached translations of the vCPU (EPT and VPID). */
void vcpu_arch_flush_here(struct vcpu *v);

#endif
