// SPDX-License-Identifier: MIT
#include "lib/hvnames.h"

#include <stddef.h>

#include "include/hv/hypercall.h"

/* docs/hypercalls.md spells each call like this. */
static const char *const hypercall_names[HV_INFO_HYPERCALLS] = {
	[HV_HC_VERSION] = "version",
	[HV_HC_CONSOLE_ATTACH] = "console_attach",
	[HV_HC_CONSOLE_INPUT] = "console_input",
	[HV_HC_CONSOLE_STATE] = "console_state",
	[HV_HC_SHUTDOWN] = "shutdown",
	[HV_HC_YIELD] = "yield",
	[HV_HC_CONSOLE_WRITE] = "console_write",
	[HV_HC_PARTITION_CREATE] = "partition_create",
	[HV_HC_PARTITION_START] = "partition_start",
	[HV_HC_PARTITION_STOP] = "partition_stop",
	[HV_HC_PARTITION_DESTROY] = "partition_destroy",
	[HV_HC_PARTITION_LIST] = "partition_list",
	[HV_HC_PARTITION_INFO] = "partition_info",
	[HV_HC_VCPU_START] = "vcpu_start",
	[HV_HC_TEMPLATE_LIST] = "template_list",
	[HV_HC_TRACE_CONTROL] = "trace_control",
	[HV_HC_TRACE_READ] = "trace_read",
	[HV_HC_HV_INFO] = "hv_info",
};

const char *hv_hypercall_name(uint64_t nr)
{
	if (nr >= HV_INFO_HYPERCALLS || !hypercall_names[nr])
		return "unknown";
	return hypercall_names[nr];
}

/* SDM Vol. 3A, "Exception and Interrupt Reference". */
static const char *const vector_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", NULL,  "#TS", "#NP", "#SS", "#GP", "#PF", NULL,
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", NULL,	 NULL,
	NULL,  NULL,  NULL,  NULL,  "#HV", "#VC", "#SX", NULL,
};

const char *hv_vector_name(uint32_t vector)
{
	if (vector >= 32 || !vector_names[vector])
		return "#?";
	return vector_names[vector];
}
