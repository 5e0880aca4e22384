/* SPDX-License-Identifier: MIT */
/*
 * Names for the numbers hv's statistics are kept by, shared by hv's final
 * report and the parent's pm so that both say the same thing. Pure
 * tables; the unit tests check them against include/hv/hypercall.h.
 */
#ifndef LIB_HVNAMES_H
#define LIB_HVNAMES_H

#include <stdint.h>

/* "partition_info" for HV_HC_PARTITION_INFO; "unknown" for slot 0 and
 * for numbers no call has. */
const char *hv_hypercall_name(uint64_t nr);

/* The SDM's mnemonic of an exception vector, e.g. "#GP" for 13; "#?"
 * for a reserved vector or one above 31. */
const char *hv_vector_name(uint32_t vector);

#endif
