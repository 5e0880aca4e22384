// SPDX-License-Identifier: MIT
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "hv/log.h"
#include "lib/fmt.h"

void panic(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hv_log(HV_LOG_ERROR, "panic: %s", msg);
	hv_log(HV_LOG_ERROR, "backtrace:");
	backtrace_from((uint64_t)(uintptr_t)__builtin_frame_address(0));
	console_drain();
	cpu_halt_forever();
}
