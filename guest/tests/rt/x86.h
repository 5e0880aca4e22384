/* SPDX-License-Identifier: MIT */
/* The architectural constants only the test guests use. */
#ifndef GUEST_TESTS_X86_H
#define GUEST_TESTS_X86_H

#include "guest/include/x86.h"

#define MSR_VMX_BASIC 0x480u

#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_HYPERVISOR (1u << 31)

#endif
