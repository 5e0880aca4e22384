// SPDX-License-Identifier: MIT
/*
 * benchcreate, the parent of bench-create.scn (docs/benchmarks.md,
 * "Create and destroy by size"). For children of 16 MiB, 256 MiB and
 * 1 GiB it times partition_create to the child's first user instruction
 * (the child is bench.elf with bench=first, which prints
 * create_to_user_<N>m), the longest single VM exit the parent made while
 * hv created it, and the whole destroy; then the same longest exit for a
 * create from a template whose image is Linux's PVH vmlinux, which is
 * destroyed without running.
 *
 * The longest exit comes from the parent's own trace (trace = yes in the
 * manifest): each record holds when hv began and ended an exit, so the
 * records of the exits made inside one create are that create's exits,
 * image copies included, whichever steps hv splits it into.
 */
#include "guest/include/bench.h"
#include "guest/lib/ulib.h"
#include "lib/fmt.h"

#define WAIT_YIELDS 1000000

static struct hv_trace_record rec[HV_TRACE_READ_MAX];
static uint64_t next_seq; /* the seq the next exit record should have */
/* A gap: the ring (1024 records) wrapped before it was read. A create's
 * exits must all be read; a large destroy's many steps may wrap it. */
static bool lost;

static void figure(const char *name, uint64_t value)
{
	printf("bench: %s %lu\n", name, (unsigned long)value);
}

static bool ok(const char *what, long r)
{
	if (r >= 0)
		return true;
	printf("TEST benchcreate: FAIL %s: status %ld\n", what, r);
	return false;
}

/*
 * The longest of this partition's exits read from CPU 0's ring since the
 * last call; every record taken, so the next call starts afresh. Each
 * trace_read is an exit of its own, recorded: the reading stops at the
 * first answer short of a full array, which leaves only those.
 */
static uint64_t longest_exit(uint32_t self)
{
	uint64_t best = 0;
	long n = HV_TRACE_READ_MAX;

	while (n == HV_TRACE_READ_MAX &&
	       (n = hypercall(HV_HC_TRACE_READ, 0,
			      (unsigned long)(uintptr_t)rec,
			      HV_TRACE_READ_MAX)) > 0) {
		for (long i = 0; i < n; i++) {
			const struct hv_trace_record *r = &rec[i];

			if (r->seq != next_seq && next_seq)
				lost = true;
			next_seq = r->seq + 1;
			if (r->partition == self && r->end_tsc - r->tsc > best)
				best = r->end_tsc - r->tsc;
		}
	}
	return best;
}

static long create(const char *name, const char *tmpl, uint32_t ram_mb,
		   const char *cmdline)
{
	struct hv_partition_create req;

	memset(&req, 0, sizeof(req));
	memcpy(req.name, name, strlen(name) + 1);
	memcpy(req.cmdline, cmdline, strlen(cmdline) + 1);
	if (tmpl) {
		memcpy(req.template, tmpl, strlen(tmpl) + 1);
	} else {
		memcpy(req.image, "hv/kernel.elf", sizeof("hv/kernel.elf"));
		req.program_count = 1;
		memcpy(req.programs[0], "hv/programs/bench.elf",
		       sizeof("hv/programs/bench.elf"));
	}
	req.ram_mb = ram_mb;
	req.vcpus = 1;
	return hypercall(HV_HC_PARTITION_CREATE, (unsigned long)(uintptr_t)&req,
			 sizeof(req), 0);
}

static bool wait_ended(uint32_t id, struct hv_partition_info *pi)
{

	for (long i = 0; i < WAIT_YIELDS; i++) {
		hypercall(HV_HC_YIELD, 0, 0, 0);
		if (hypercall(HV_HC_PARTITION_INFO, id,
			      (unsigned long)(uintptr_t)pi, sizeof(*pi)) ||
		    (pi->state != HV_PART_CREATED &&
		     pi->state != HV_PART_RUNNING))
			return true;
	}
	printf("TEST benchcreate: FAIL child %u did not end\n", id);
	return false;
}

/* Writes v as exactly 20 decimal digits at out. */
static void put_u64_20(char *out, uint64_t v)
{
	for (int i = 19; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

static void destroy_figure(uint32_t self, long id, const char *size)
{
	char name[48];
	uint64_t t0 = bench_tsc(), t;

	if (!ok("destroy", hypercall(HV_HC_PARTITION_DESTROY,
				     (unsigned long)id, 0, 0)))
		return;
	t = bench_tsc() - t0;
	fmt_snprintf(name, sizeof(name), "destroy_time_%s", size);
	figure(name, t);
	fmt_snprintf(name, sizeof(name), "destroy_longest_exit_%s", size);
	figure(name, longest_exit(self));
	lost = false;
}

/* One child of mb MiB running bench=first: its figures, then destroyed. */
static void by_size(uint32_t self, uint32_t mb, const char *size)
{
	static char cmdline[] =
		"tick=0 bench=first size=xxxx t=00000000000000000000";
	struct hv_partition_info pi;
	char name[48];
	uint64_t t0, longest;
	long id;

	/* "size=" ends at 24: the value, padded with spaces to 4. */
	memset(cmdline + 24, ' ', 4);
	memcpy(cmdline + 24, size, strlen(size));
	longest_exit(self);
	t0 = bench_tsc();
	put_u64_20(cmdline + sizeof(cmdline) - 21, t0);
	fmt_snprintf(name, sizeof(name), "c%s", size);
	id = create(name, NULL, mb, cmdline);
	if (!ok("create", id))
		return;
	/* Read before the start: the create's exits, nothing of the run. */
	longest = longest_exit(self);
	if (lost) {
		printf("TEST benchcreate: FAIL the trace lost records of create %s\n",
		       size);
		return;
	}
	if (!ok("start", hypercall(HV_HC_PARTITION_START, (unsigned long)id,
				   0, 0)))
		return;
	hypercall(HV_HC_YIELD, 0, 0, 0);
	if (!wait_ended((uint32_t)id, &pi))
		return;
	fmt_snprintf(name, sizeof(name), "create_longest_exit_%s", size);
	figure(name, longest);
	fmt_snprintf(name, sizeof(name), "create_hv_build_%s", size);
	figure(name, pi.build_tsc);
	fmt_snprintf(name, sizeof(name), "create_hv_ram_%s", size);
	figure(name, pi.ram_tsc);
	longest_exit(self);
	destroy_figure(self, id, size);
}

/* A Linux-sized image: the create's longest exit and its whole time. */
static void linux_image(uint32_t self)
{
	uint64_t t0;
	long id;

	longest_exit(self);
	t0 = bench_tsc();
	id = create("lximage", "lx", 0, "");
	if (!ok("create lximage", id))
		return;
	figure("create_linux_image", bench_tsc() - t0);
	figure("create_longest_exit_linux", longest_exit(self));
	if (lost)
		printf("TEST benchcreate: FAIL the trace lost records of the Linux create\n");
	destroy_figure(self, id, "linux");
}

int main(void)
{
	struct sys_info si;

	if (info(&si) || !(si.flags & SYS_INFO_PARENT)) {
		printf("TEST benchcreate: FAIL not a parent\n");
		return 1;
	}
	if (!ok("trace on", hypercall(HV_HC_TRACE_CONTROL, si.partition_id,
				      1, 0)))
		return 1;
	by_size(si.partition_id, 16, "16m");
	by_size(si.partition_id, 256, "256m");
	by_size(si.partition_id, 1024, "1g");
	linux_image(si.partition_id);
	printf("TEST benchcreate: PASS\n");
	hypercall(HV_HC_SHUTDOWN, 0, 0, 0);
	return 0;
}
