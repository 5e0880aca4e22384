/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_POWER_H
#define ARCH_X86_POWER_H

#include "hv/boot_info.h"

/* Powers the machine off the way the loader found; halts if that fails. */
void power_off(const struct hv_poweroff *p) __attribute__((noreturn));

#endif
