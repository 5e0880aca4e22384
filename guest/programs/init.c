// SPDX-License-Identifier: MIT
/*
 * The last program of the parent partition: it checks that it runs in
 * ring 3, that it can find hv and reach it through the kernel, waits for
 * the other programs to end, and then asks hv to power the machine off.
 */
#include "guest/lib/ulib.h"

static int fail(const char *why)
{
	printf("TEST init: FAIL %s\n", why);
	return 1;
}

int main(void)
{
	uint32_t sig[4] = { 0 };
	uint16_t cs;
	long version, me, pid, r;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	if ((cs & 3) != 3) {
		printf("TEST init: FAIL running at CPL %u (cs 0x%x), not 3\n",
		       cs & 3u, cs);
		return 1;
	}
	printf("init: running in user mode (CPL 3)\n");

	/* CPUID is not privileged: hv answers ring 3 as it answers ring 0. */
	asm volatile("cpuid"
		     : "=b"(sig[0]), "=c"(sig[1]), "=d"(sig[2])
		     : "a"(HV_CPUID_LEAF_SIGNATURE), "c"(0));
	if (memcmp(sig, HV_CPUID_SIGNATURE, 12))
		return fail("CPUID 0x40000000 has no hv signature");
	printf("init: hypervisor signature \"%s\"\n", (const char *)sig);

	version = hypercall(HV_HC_VERSION, 0, 0, 0);
	if (version != HV_ABI_VERSION) {
		printf("TEST init: FAIL version hypercall returned %ld\n",
		       version);
		return 1;
	}
	printf("init: hv ABI version %ld.%ld\n", version >> 16,
	       version & 0xffff);
	printf("TEST init: PASS\n");

	/*
	 * Power-off ends every program: let the others end first. The
	 * kernel gives pids 1, 2, ... to every program it loads, all before
	 * the first one runs, so the first pid that wait does not know ends
	 * the list.
	 */
	me = getpid();
	for (pid = 1;; pid++) {
		if (pid == me)
			continue;
		r = wait(pid);
		if (r == -SYS_ECHILD)
			break;
		if (r) {
			printf("TEST init: FAIL wait for pid %ld returned %ld\n",
			       pid, r);
			return 1;
		}
	}
	r = hypercall(HV_HC_SHUTDOWN, 0, 0, 0);
	/* Only a child's init gets here, refused, with nothing left to do. */
	if (r == HV_STATUS_DENIED) {
		printf("init: not the parent partition: power-off denied\n");
		return 0;
	}
	printf("TEST init: FAIL shutdown hypercall returned %ld\n", r);
	return 1;
}
