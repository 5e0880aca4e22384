/* SPDX-License-Identifier: MIT */
/*
 * Names for the numbers VMX reports, for logs and dumps. Pure tables: they
 * are built into hv and into the host unit tests alike.
 */
#ifndef ARCH_X86_VMX_NAMES_H
#define ARCH_X86_VMX_NAMES_H

#include <stdint.h>

/*
 * The name of a basic exit reason (the low 16 bits of the exit-reason
 * field), spelled as its EXIT_REASON_* enumerator without the prefix, e.g.
 * "EPT_VIOLATION". "UNKNOWN" for a number the SDM does not define.
 */
const char *vmx_exit_reason_name(uint32_t basic_reason);


/*
 * What a VM-instruction error number means, in the SDM's words, e.g.
 * "VM entry with invalid control field(s)" for 7. "unknown VM-instruction
 * error" for a number the SDM does not define, including 0.
 */
const char *vmx_instruction_error_text(uint32_t number);

#endif
