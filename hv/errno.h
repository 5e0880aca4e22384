/* SPDX-License-Identifier: MIT */
/* Negative error codes used inside hv. */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#define HV_OK 0
#define HV_EPERM (-1)
#define HV_ENOENT (-2)
#define HV_EIO (-5)
#define HV_ENOMEM (-12)
#define HV_EFAULT (-14)
#define HV_EBUSY (-16)
#define HV_EEXIST (-17)
#define HV_EINVAL (-22)
#define HV_ENOSPC (-28)
#define HV_ERANGE (-34)
#define HV_ENOSYS (-38)

#endif
