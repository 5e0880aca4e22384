// SPDX-License-Identifier: MIT
#include "hv/arch.h"
#include "arch/x86/power.h"

#include "arch/x86/cpu.h"
#include "hv/log.h"

#define SLP_EN (1u << 13)

void power_off(const struct hv_poweroff *p)
{
	pr_info("power off");
	/* The last line must leave the UART before the machine stops. */
	console_drain();
	switch (p->method) {
	case HV_POWEROFF_ACPI:
		/* ACPI spec, "PM1 Control Registers": SLP_TYP is bits 12:10. */
		outw(p->pm1a_cnt, (uint16_t)(p->slp_typ_a << 10 | SLP_EN));
		if (p->pm1b_cnt)
			outw(p->pm1b_cnt,
			     (uint16_t)(p->slp_typ_b << 10 | SLP_EN));
		break;
	case HV_POWEROFF_PIIX4:
		outw(p->piix4_base + 4, SLP_EN);
		break;
	default:
		break;
	}
	/* Still here: the write did nothing, or there was no method. */
	for (volatile int i = 0; i < 1000000; i++)
		cpu_relax();
	pr_err("power off did not take effect; halting");
	console_drain();
	cpu_halt_forever();
}
