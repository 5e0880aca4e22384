// SPDX-License-Identifier: MIT
/*
 * The battery's parent. For each attack in guest/attacks/attacks.h it
 * creates a child from the manifest's "attacker" template, named after the
 * attack, with the target on its command line; starts it; waits until it
 * ends (or, for an attack that never ends, stops it); reads what hv
 * recorded in partition_info; prints its verdict; and destroys it. The
 * verdict rests on hv's record only, never on anything the attacker says.
 * The scenario then checks hv's own lines for each attack as well.
 */
#include "guest/attacks/attacks.h"
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

#include "include/hv/manifest.h"
#include "lib/fmt.h"
#include "lib/string.h"

const char test_name[] = "battery";

/* Polls of partition_info, one yield apart, before an attacker that
 * should have ended counts as not contained. */
#define END_POLLS 200000
#define SETTLE_POLLS 200

static struct hv_partition_info info;
static struct hv_info hvi;
static uint64_t victim_hpa;
/* In the parent's RAM only: no child may ever print it. */
static volatile char canary[24];

static long info_of(long id)
{
	return rt_partition_info(id, &info);
}

static long find(const char *name)
{
	static uint32_t ids[64];
	long n = hv_hypercall(HV_HC_PARTITION_LIST, (uint64_t)ids, 64, 0);

	for (long i = 0; i < n && i < 64; i++)
		if (!info_of(ids[i]) && !strncmp(info.name, name, HV_NAME_MAX))
			return ids[i];
	return -1;
}

static uint64_t target_of(const struct attack *a)
{
	switch (a->target) {
	case TGT_POOL:
		return hvi.pool_base; /* the pool's owner map: hv's own */
	case TGT_HV:
		return hvi.image_base;
	case TGT_VICTIM:
		return victim_hpa;
	case TGT_FIXED:
		return a->addr;
	default:
		return 0; /* the attacker takes the end of its RAM */
	}
}

static bool ended(void)
{
	return info.state != HV_PART_RUNNING && info.state != HV_PART_CREATED;
}

/* Waits without yielding until the spinner is on a CPU and spinning. */
static bool wait_spinning(long id)
{
	return !rt_wait_on_cpu(id, &info, 20, END_POLLS, SETTLE_POLLS) &&
	       info.state == HV_PART_RUNNING;
}

/* Exits that a pc attacker's few boots make together: its counters
 * stay across restarts (hv/pcpower.c), one boot makes some 450. */
#define RESET_LOOP_EXITS 1500

/* Until the partition has been through several restarts, or has
 * faulted (which the verdict then refuses). */
static bool wait_resets(long id)
{
	for (long i = 0; i < END_POLLS; i++) {
		/* While hv reloads it, partition_info answers BUSY. */
		if (info_of(id)) {
			rt_yield();
			continue;
		}
		if (info.exits >= RESET_LOOP_EXITS)
			return true;
		if (info.state == HV_PART_FAULTED)
			return false;
		rt_yield();
	}
	return false;
}

static bool wait_ended(long id)
{
	for (long i = 0; i < END_POLLS; i++) {
		if (info_of(id))
			return false;
		if (ended())
			return true;
		rt_yield();
	}
	return false;
}

/* A stop is done when hv says 0 (rt_manage asks again while hv answers
 * HV_STATUS_PENDING), or when the partition is found no longer running. */
static long stop(long id)
{
	long r = rt_manage(HV_HC_PARTITION_STOP, id, NULL);

	if (r && !info_of(id) && info.state != HV_PART_RUNNING)
		return 0;
	return r;
}

static const struct attack *partner_of(const struct attack *a)
{
	for (unsigned i = 0; a->partner && i < PARTNER_COUNT; i++)
		if (!strncmp(partners[i].name, a->partner, HV_NAME_MAX))
			return &partners[i];
	return NULL;
}

static long create(const struct attack *a, uint64_t target)
{
	static struct hv_partition_create req;

	memset(&req, 0, sizeof(req));
	fmt_snprintf(req.name, sizeof(req.name), "%s", a->name);
	fmt_snprintf(req.template, sizeof(req.template), "%s",
		     a->tmpl ? a->tmpl : "attacker");
	if (target)
		fmt_snprintf(req.cmdline, sizeof(req.cmdline),
			     "attack=%s addr=0x%lx", a->name,
			     (unsigned long)target);
	else
		fmt_snprintf(req.cmdline, sizeof(req.cmdline), "attack=%s",
			     a->name);
	return hv_hypercall(HV_HC_PARTITION_CREATE, (uint64_t)&req, sizeof(req),
			    0);
}

/* The partner, created and started, and on its CPU: its id, or 0 with
 * *why set. */
static long start_partner(const struct attack *p, const char **why)
{
	long id = create(p, 0);

	if (id <= 0) {
		*why = "its partner was not created";
		return 0;
	}
	if (hv_hypercall(HV_HC_PARTITION_START, (uint64_t)id, 0, 0) ||
	    !wait_spinning(id))
		*why = "its partner never ran";
	return id;
}

static bool end_partner(const struct attack *a, long pid)
{
	long r;

	if (!info_of(pid) && info.state == HV_PART_RUNNING && stop(pid)) {
		rt_printf("battery: %s: its partner could not be stopped\n",
			  a->name);
		return false;
	}
	r = rt_manage(HV_HC_PARTITION_DESTROY, pid, NULL);
	if (r) {
		rt_printf("battery: %s: its partner was not destroyed (%ld)\n",
			  a->name, r);
		return false;
	}
	return true;
}

/*
 * The verdict from hv's record: the state hv left it in, and the
 * counter of the thing hv had to do.
 */
static const char *judge(const struct attack *a)
{
	bool halted = info.state == HV_PART_STOPPED && !info.faults;

	switch (a->outcome) {
	case OUT_STOPPED:
		return info.state == HV_PART_FAULTED && info.faults ?
			       NULL :
			       "hv did not stop it";
	case OUT_REFUSED_IO:
		return halted && info.refused_io ? NULL : "no port refused";
	case OUT_REFUSED_MSR:
		return halted && info.refused_msr ? NULL : "no MSR refused";
	case OUT_REFUSED_HC:
		return halted && info.refused_hypercall ?
			       NULL :
			       "no hypercall refused";
	case OUT_INJECT_GP:
		return halted && info.injected[VEC_GP] ? NULL : "no #GP raised";
	case OUT_INJECT_UD:
		return halted && info.injected[VEC_UD] ? NULL : "no #UD raised";
	case OUT_VIRTUALIZED:
	case OUT_HALTS:
		return halted ? NULL : "it did not end on its own terms";
	case OUT_SPINS:
	case OUT_RESETS:
		return info.state == HV_PART_STOPPED ? NULL : "not stopped";
	}
	return "unknown outcome";
}

/* Basic exit reason 30 (SDM "Basic Exit Reasons"): the bystander's
 * console writes are I/O exits to its virtual COM1. */
#define EXIT_IO_INSTRUCTION 30
/* A line of the bystander's is a dozen bytes, each an OUT and a read of
 * the line status before it. */
#define CONSOLE_LINE_EXITS 24
/* The bystander prints a line every few seconds of the TSC's time. */
#define CONSOLE_WAIT_S 60

static bool floods(const struct attack *a)
{
	return !strncmp(a->name, "flood-", 6) || !strncmp(a->name, "stall-", 6);
}

/*
 * After a flood, the console still works for everyone else: the
 * bystander's console writes, counted by hv, go on. The parent waits for
 * a line's worth of them, by hv's record, not by what it reads anywhere.
 */
static bool console_moves_on(const struct attack *a, long bystander)
{
	uint64_t khz = cpuid(HV_CPUID_LEAF_TIMING, 0).eax, start, until;

	if (info_of(bystander))
		return false;
	start = info.exit_counts[EXIT_IO_INSTRUCTION];
	until = rdtsc() + khz * 1000 * CONSOLE_WAIT_S;
	while (rdtsc() < until) {
		if (info_of(bystander))
			return false;
		if (info.exit_counts[EXIT_IO_INSTRUCTION] - start >=
		    CONSOLE_LINE_EXITS) {
			rt_printf("battery: %s: the bystander's console went on: %lu console exits after it\n",
				  a->name,
				  (unsigned long)(info.exit_counts[EXIT_IO_INSTRUCTION] -
						  start));
			return true;
		}
		rt_yield();
	}
	rt_printf("battery: %s: the bystander's console stalled\n", a->name);
	return false;
}

static bool run_one(const struct attack *a, uint64_t target)
{
	const struct attack *p = partner_of(a);
	const char *why = NULL;
	long id, pid = 0, r;

	if (p)
		pid = start_partner(p, &why);
	id = why ? 0 : create(a, target);
	if (id <= 0) {
		rt_printf("battery: %s: ESCAPED: not created (%ld)%s%s\n",
			  a->name, id, why ? ": " : "", why ? why : "");
		if (pid)
			end_partner(a, pid);
		return false;
	}
	r = hv_hypercall(HV_HC_PARTITION_START, (uint64_t)id, 0, 0);
	if (r)
		why = "not started";
	else if (a->outcome == OUT_SPINS)
		why = !wait_spinning(id) ? "never spun" :
		      stop(id)		 ? "could not be stopped" :
					   NULL;
	else if (a->outcome == OUT_RESETS)
		why = !wait_resets(id) ? "did not go on restarting" :
		      stop(id)	       ? "could not be stopped" :
					 NULL;
	else if (!wait_ended(id))
		why = "still running";
	if (!why && !info_of(id))
		why = judge(a);
	if (why)
		rt_printf("battery: %s: ESCAPED: %s\n", a->name, why);
	else
		rt_printf("battery: %s: contained: state %u, refused io %lu msr %lu ept %lu hypercall %lu, #GP %lu #UD %lu, faults %lu, #DB %lu #AC %lu\n",
			  a->name, info.state, (unsigned long)info.refused_io,
			  (unsigned long)info.refused_msr,
			  (unsigned long)info.refused_ept,
			  (unsigned long)info.refused_hypercall,
			  (unsigned long)info.injected[VEC_GP],
			  (unsigned long)info.injected[VEC_UD],
			  (unsigned long)info.faults,
			  (unsigned long)info.injected[VEC_DB],
			  (unsigned long)info.injected[17]);
	if (info.state == HV_PART_RUNNING)
		stop(id);
	r = rt_manage(HV_HC_PARTITION_DESTROY, id, NULL);
	if (r) {
		rt_printf("battery: %s: not destroyed (%ld)\n", a->name, r);
		return false;
	}
	if (pid && !end_partner(a, pid))
		return false;
	return !why;
}

/*
 * "only=NAME,NAME" in the parent's cmdline runs those attacks alone: to see, one
 * boot each, what a single attack does to an hv that it takes down.
 */
static bool chosen(const struct hv_start_info *si, const struct attack *a,
		   unsigned set)
{
	const char *o = NULL;
	size_t n;

	for (const char *c = si->cmdline; *c && !o; c++)
		if ((c == si->cmdline || c[-1] == ' ') && !strncmp(c, "only=", 5))
			o = c;

	if (a->set != set)
		return false;
	if (!o)
		return true;
	/* A comma-separated list of names. */
	n = strlen(a->name);
	for (o += 5; *o && *o != ' '; o++) {
		if (!strncmp(o, a->name, n) &&
		    (o[n] == ' ' || o[n] == ',' || !o[n]))
			return true;
		while (*o && *o != ' ' && *o != ',')
			o++;
		if (*o != ',')
			break;
	}
	return false;
}

void test_main(const struct hv_start_info *si)
{
	unsigned contained = 0, count = 0;
	unsigned set = (unsigned)rt_cmdline_u64(si, "set", SET_MAIN);
	uint64_t free_before;
	long bystander;

	if (!(si->flags & HV_START_PARENT)) {
		rt_printf("battery: runs only as the parent\n");
		return;
	}
	fmt_snprintf((char *)canary, sizeof(canary), "canary-%x",
		     0x5eedf00du);
	if (hv_hypercall(HV_HC_HV_INFO, (uint64_t)&hvi, sizeof(hvi), 0)) {
		test_fail("hv-info", "hv_info refused");
		return;
	}
	bystander = find("bystander");
	if (bystander < 0) {
		test_fail("bystander", "no partition named bystander");
		return;
	}
	victim_hpa = info.ram_hpa;
	for (unsigned i = 0; i < ATTACK_COUNT; i++)
		count += chosen(si, &attacks[i], set);
	rt_printf("battery: %u attacks; pool at 0x%lx, hv at 0x%lx, bystander's RAM at 0x%lx\n",
		  count, (unsigned long)hvi.pool_base,
		  (unsigned long)hvi.image_base, (unsigned long)info.ram_hpa);
	free_before = hvi.pool_free_bytes;
	for (unsigned i = 0; i < ATTACK_COUNT; i++)
		if (chosen(si, &attacks[i], set) &&
		    run_one(&attacks[i], target_of(&attacks[i])) &&
		    (!floods(&attacks[i]) ||
		     console_moves_on(&attacks[i], bystander)))
			contained++;
	if (hv_hypercall(HV_HC_HV_INFO, (uint64_t)&hvi, sizeof(hvi), 0))
		test_fail("hv-info", "hv_info refused after the attacks");
	else
		rt_printf("battery: pool free bytes %lu before the attacks, %lu after\n",
			  (unsigned long)free_before,
			  (unsigned long)hvi.pool_free_bytes);
	if (info_of(bystander) || info.state != HV_PART_RUNNING)
		test_fail("bystander", "the bystander is not running (state %u)",
			  info.state);
	else
		rt_printf("battery: bystander still running: %lu exits, run time %lu tsc\n",
			  (unsigned long)info.exits,
			  (unsigned long)info.run_tsc);
	rt_printf("battery: %u attacks, %u contained, %u escaped\n", count,
		  contained, count - contained);
	if (contained == count)
		test_pass("battery");
	else
		test_fail("battery", "%u escaped", count - contained);
}
