/* SPDX-License-Identifier: MIT */
/*
 * The one error convention inside hv: 0 (or a count, an id) for success,
 * a negative HV_E* code for failure. Hypercalls answer the ABI's
 * HV_STATUS_* codes instead, translated in one place (hv_status in
 * hv/hcall.c). Predicates answer bool; arch/x86's VMX instruction
 * wrappers answer the instruction's own outcome (enum vmx_result), which
 * their callers turn into one of these.
 */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#define HV_OK 0
#define HV_EPERM (-1)
#define HV_ENOENT (-2)
#define HV_E2BIG (-7)
#define HV_EIO (-5)
#define HV_EAGAIN (-11) /* not yet: ask again */
#define HV_ENOMEM (-12)
#define HV_EFAULT (-14)
#define HV_EBUSY (-16)
#define HV_EEXIST (-17)
#define HV_EINVAL (-22)
#define HV_ENOSPC (-28)
#define HV_ERANGE (-34)
#define HV_ENOSYS (-38)

#endif
