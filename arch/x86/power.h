/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_POWER_H
#define ARCH_X86_POWER_H

#include "hv/boot_info.h"


#endif
