// SPDX-License-Identifier: MIT
/*
 * Waits for the program listed just before it (pid one less than its
 * own) to end, then asks hv to power off. Unlike init, it does not wait
 * for the others, so it ends a partition that runs a program forever.
 */
#include "guest/lib/ulib.h"

static int failures;

static void expect(const char *what, long got, long want)
{
	if (got == want)
		return;
	printf("TEST halt-after: FAIL %s returned %ld, want %ld\n", what, got,
	       want);
	failures++;
}

int main(void)
{
	long me = getpid(), r;

	/* Neither call may block: the first would never return. */
	expect("wait for itself", wait(me), -SYS_EINVAL);
	expect("wait for pid 0", wait(0), -SYS_ECHILD);
	expect("wait for a pid never given", wait(me + 100), -SYS_ECHILD);
	if (me < 2) {
		printf("TEST halt-after: FAIL no program before pid %ld\n", me);
		return 1;
	}
	printf("halt-after: waiting for pid %ld\n", me - 1);
	expect("wait", wait(me - 1), 0);
	/* Once it has ended, wait returns at once. */
	expect("wait again", wait(me - 1), 0);
	if (failures)
		return 1;
	printf("halt-after: pid %ld has ended: powering off\n", me - 1);
	r = hypercall(HV_HC_SHUTDOWN, 0, 0, 0);
	/* Only a child's halt-after gets here, refused. */
	if (r == HV_STATUS_DENIED) {
		printf("halt-after: not the parent partition: power-off denied\n");
		return 0;
	}
	printf("TEST halt-after: FAIL shutdown returned %ld\n", r);
	return 1;
}
