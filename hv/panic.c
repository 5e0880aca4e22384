// SPDX-License-Identifier: MIT
#include "hv/arch.h"
#include "hv/log.h"
#include "lib/fmt.h"

void panic(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A second CPU to panic is stopped inside the claim, as a bystander. */
	smp_panic_claim();
	console_panic_mode();
	hv_log(HV_LOG_ERROR, "panic: cpu %u: %s", this_cpu()->index, msg);
	smp_panic_stop_others();
	hv_log(HV_LOG_ERROR, "backtrace:");
	backtrace_from((uint64_t)(uintptr_t)__builtin_frame_address(0));
	console_drain();
	cpu_halt_forever();
}
