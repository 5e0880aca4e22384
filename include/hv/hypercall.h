/* SPDX-License-Identifier: MIT */
/*
 * The hypercall ABI, shared by hv and guest kernels. docs/hypercalls.md is
 * the reference.
 *
 * A guest kernel (CPL 0) executes VMCALL with the call number in RAX and
 * arguments in RDI, RSI, RDX, R10, R8 and R9; the status comes back in RAX:
 * 0 or a positive result on success, a negative HV_STATUS_* on failure.
 * VMCALL from CPL > 0 raises #UD in the guest.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

/* CPUID leaves a guest uses to find hv (SDM: leaves 0x40000000.. are
 * reserved for hypervisors and return zeros on bare metal). */
#define HV_CPUID_LEAF_SIGNATURE 0x40000000u /* EAX: max leaf; EBX ECX EDX */
#define HV_CPUID_LEAF_ABI 0x40000001u /* EAX: HV_ABI_VERSION */
#define HV_CPUID_SIGNATURE "hvhypervisor" /* 12 bytes in EBX, ECX, EDX */

#define HV_ABI_MAJOR 1
#define HV_ABI_MINOR 0
#define HV_ABI_VERSION ((HV_ABI_MAJOR << 16) | HV_ABI_MINOR)

/* Call numbers. */
#define HV_HC_VERSION 1 /* returns HV_ABI_VERSION */
#define HV_HC_SHUTDOWN 2 /* parent only: powers the machine off */
#define HV_HC_YIELD 3 /* gives up the CPU for the rest of the time slice */
#define HV_HC_CONSOLE_WRITE 4 /* RDI = buffer GPA, RSI = length: printed */

/* The most bytes one console_write takes. */
#define HV_CONSOLE_WRITE_MAX 256

/* Status codes (negative) in RAX. */
#define HV_STATUS_OK 0
#define HV_STATUS_UNKNOWN_CALL (-1)
#define HV_STATUS_DENIED (-2)
#define HV_STATUS_INVALID (-3)
#define HV_STATUS_BAD_ADDRESS (-4) /* a buffer not wholly inside the caller's RAM */
#define HV_STATUS_TOO_BIG (-5) /* a length or count above the call's bound */

#endif
