// SPDX-License-Identifier: MIT
/*
 * bench=linux, the part of the benchmark's program that boots Linux
 * children and reports their boot (bench.c says what each bench= does;
 * tools/bench_linux.py reads the lines).
 */
#include "arch/x86/vmx_names.h"
#include "guest/include/bench.h"
#include "guest/include/x86.h"
#include "guest/lib/ulib.h"
#include "lib/fmt.h"
#include "guest/programs/bench_prog.h"

/* A Linux boot to its marker is some 2 x 10^9 TSC; ten times that is a
 * boot gone wrong. */
#define LINUX_WAIT_TSC 20000000000ul

/*
 * bench=linux: one Linux child from template tmpl (a pc partition whose
 * initramfs powers off at its marker, hvtest=marker), created, started
 * and waited for. The guest shares this partition's TSC, so the child's
 * own marker line "LINUX: init tsc=M" less the TSC read here just before
 * partition_create is the boot from the create to /init, which
 * tools/bench_linux.py works out as the figure `key`. Then every exit
 * reason hv counted for the child: the boot's, the few of its power-off
 * after the marker included.
 */
void linux_figure(const char *tmpl, const char *key)
{
	struct hv_partition_create req;
	struct hv_partition_info pi;
	uint64_t t0, deadline;
	long id;

	memset(&req, 0, sizeof(req));
	memcpy(req.name, tmpl, strlen(tmpl) + 1);
	memcpy(req.template, tmpl, strlen(tmpl) + 1);
	t0 = rdtsc();
	id = hypercall(HV_HC_PARTITION_CREATE, (unsigned long)(uintptr_t)&req,
		       sizeof(req), 0);
	if (!ok("create linux", id) ||
	    !ok("start linux",
		hypercall(HV_HC_PARTITION_START, (unsigned long)id, 0, 0)))
		return;
	deadline = t0 + LINUX_WAIT_TSC;
	do {
		hypercall(HV_HC_YIELD, 0, 0, 0);
		if (!ok("partition_info", part_info((uint32_t)id, &pi)))
			return;
	} while ((pi.state == HV_PART_CREATED || pi.state == HV_PART_RUNNING) &&
		 rdtsc() < deadline);
	printf("bench-linux: %s: child %s created at tsc %lu, %s\n", key, tmpl,
	       (unsigned long)t0,
	       pi.flags & HV_PART_FLAG_POWERED_OFF ? "powered off" :
						      "did not power off");
	for (uint32_t r = 0; r < HV_INFO_EXIT_REASONS; r++)
		if (pi.exit_counts[r])
			printf("bench-linux: %s: exits %s %lu\n", key,
			       vmx_exit_reason_name(r),
			       (unsigned long)pi.exit_counts[r]);
	ok("destroy linux",
	   hypercall(HV_HC_PARTITION_DESTROY, (unsigned long)id, 0, 0));
}
