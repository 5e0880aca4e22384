// SPDX-License-Identifier: MIT
/*
 * The hypercalls: each call's function, the table that dispatches them,
 * and the translation of hv's error codes into the ABI's statuses.
 * Every buffer a caller passes is checked whole (hv/hcargs.h) and copied
 * once, so the guest cannot change what hv acts on after the check.
 */
#include "hv/hcall.h"

#include "hv/errno.h"
#include "hv/hcargs.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/policy.h"
#include "hv/trace.h"
#include "lib/string.h"

int64_t hv_status_of_error(int64_t err)
{
	switch (err) {
	case HV_ENOSYS:
		return HV_STATUS_UNKNOWN_CALL;
	case HV_EPERM:
		return HV_STATUS_DENIED;
	case HV_EINVAL:
		return HV_STATUS_INVALID;
	case HV_EFAULT:
		return HV_STATUS_BAD_ADDRESS;
	case HV_E2BIG:
		return HV_STATUS_TOO_BIG;
	case HV_ENOENT:
		return HV_STATUS_NOT_FOUND;
	case HV_ENOMEM:
	case HV_ENOSPC:
		return HV_STATUS_NO_MEMORY;
	case HV_EBUSY:
	case HV_EEXIST:
		return HV_STATUS_BUSY; /* the state, the name, or a template's ports */
	case HV_EAGAIN:
		return HV_STATUS_PENDING;
	default:
		return HV_STATUS_INVALID; /* e.g. HV_EIO: a build that failed */
	}
}

/*
 * The buffer is copied into hv once and printed from that copy: the
 * guest cannot change what hv prints after the check.
 */
static int64_t console_write(struct partition *p, uint64_t gpa, uint64_t len)
{
	char buf[HV_CONSOLE_WRITE_MAX];
	int r = hc_check_buffer(p->ram_size, gpa, len, sizeof(buf));

	if (r) {
		stat_add_shared(&p->refused.hypercall, 1);
		return r;
	}
	/* One slice per exit: the guest calls again for the rest. */
	if (len > HV_CONSOLE_WRITE_SLICE)
		len = HV_CONSOLE_WRITE_SLICE;
	memcpy(buf, partition_gpa_to_hva(p, gpa, len), len);
	return (int64_t)vuart_write(p, buf, len);
}


/* Writes the answer into the caller's RAM once, after checking it fits. */
static int64_t copy_to_caller(struct partition *p, uint64_t gpa,
			      const void *src, uint64_t len, uint64_t max)
{
	int r = hc_check_buffer(p->ram_size, gpa, len, max);

	if (r) {
		stat_add_shared(&p->refused.hypercall, 1);
		return r;
	}
	memcpy(partition_gpa_to_hva(p, gpa, len), src, len);
	return HV_OK;
}

/* The request is copied into hv once; only the copy is checked and used. */
static int64_t create_request(struct partition *p, uint64_t gpa, uint64_t size)
{
	struct hv_partition_create req;
	int r;

	if (size != sizeof(req)) {
		stat_add_shared(&p->refused.hypercall, 1);
		return size > sizeof(req) ? HV_E2BIG :
					    HV_EINVAL;
	}
	r = hc_check_buffer(p->ram_size, gpa, size, sizeof(req));
	if (r) {
		stat_add_shared(&p->refused.hypercall, 1);
		return r;
	}
	memcpy(&req, partition_gpa_to_hva(p, gpa, size), sizeof(req));
	return partition_create_request(&req);
}

/*
 * A list call's answer: the first min(n, capacity) of the n items, each
 * size bytes, copied once into the caller's buffer of capacity items
 * (max bytes at most); the status is n, so the caller learns how many
 * there are even when its buffer holds fewer.
 */
static int64_t answer_list(struct partition *p, uint64_t gpa,
			   uint64_t capacity, const void *items, uint32_t n,
			   size_t size, size_t max)
{
	int64_t r = copy_to_caller(p, gpa, items,
				   (n < capacity ? n : capacity) * size, max);

	return r ? r : (int64_t)n;
}

/* A capacity above the call's bound is refused before anything is read. */
static int64_t too_big(struct partition *p)
{
	stat_add_shared(&p->refused.hypercall, 1);
	return HV_E2BIG;
}

static int64_t partition_list(struct partition *p, uint64_t gpa,
			      uint64_t capacity)
{
	uint32_t ids[HV_PARTITION_LIST_MAX];

	if (capacity > HV_PARTITION_LIST_MAX)
		return too_big(p);
	return answer_list(p, gpa, capacity, ids,
			   partition_ids(ids, (uint32_t)capacity),
			   sizeof(ids[0]), sizeof(ids));
}

static int64_t template_list(struct partition *p, uint64_t gpa,
			     uint64_t capacity)
{
	struct hv_template t[HV_TEMPLATE_LIST_MAX];

	if (capacity > HV_TEMPLATE_LIST_MAX)
		return too_big(p);
	return answer_list(p, gpa, capacity, t,
			   partition_templates(t, (uint32_t)capacity),
			   sizeof(t[0]), sizeof(t));
}

static int64_t partition_info(struct partition *p, uint64_t id, uint64_t gpa,
			      uint64_t size)
{
	static const uint32_t states[] = {
		[PART_CREATED] = HV_PART_CREATED,
		[PART_RUNNING] = HV_PART_RUNNING,
		[PART_STOPPED] = HV_PART_STOPPED,
		[PART_FAULTED] = HV_PART_FAULTED,
	};
	struct hv_partition_info info;
	struct partition *t;

	/* A size that is not this ABI's struct is a caller built for another. */
	if (size != sizeof(info)) {
		stat_add_shared(&p->refused.hypercall, 1);
		return size > sizeof(info) ? HV_E2BIG :
					     HV_EINVAL;
	}
	memset(&info, 0, sizeof(info));
	/*
	 * What can change or go away is read under the lock, where another
	 * vCPU of the caller may be destroying the same partition; the
	 * counters, summed over its vCPUs, after it, with the partition
	 * pinned (a destroy answers PENDING while readers is not 0). So the
	 * lock is held for a few dozen instructions, not for the sums.
	 */
	spin_lock(&partitions_lock);
	t = id <= UINT32_MAX ? partition_by_id((uint32_t)id) : NULL;
	if (!t) {
		spin_unlock(&partitions_lock);
		return HV_ENOENT;
	}
	info.id = t->id;
	info.state = states[t->state];
	info.flags = (t->parent ? HV_PART_FLAG_PARENT : 0) |
		     (vuart_has_console(t) ? HV_PART_FLAG_CONSOLE : 0) |
		     (t->powered_off ? HV_PART_FLAG_POWERED_OFF : 0);
	info.vcpus = t->vcpu_count;
	/* Both are NUL-terminated arrays of one size: copied whole, which
	 * costs a few instructions where formatting cost some per byte. */
	_Static_assert(sizeof(info.name) == sizeof(t->name), "name sizes");
	memcpy(info.name, t->name, sizeof(info.name));
	info.ram_bytes = t->ram_size;
	info.ram_hpa = t->ram_hpa;
	info.exit_status = t->exit_status;
	info.console_rx_dropped = __atomic_load_n(&t->uart.rx_dropped, __ATOMIC_RELAXED);
	_Static_assert(sizeof(info.last_fault) == sizeof(t->last_fault),
		       "last_fault sizes");
	if (t->state == PART_FAULTED)
		memcpy(info.last_fault, t->last_fault, sizeof(info.last_fault));
	for (uint32_t i = 0; i < HV_INFO_MAX_VCPUS; i++) {
		const struct vcpu *v = &t->vcpus[i];

		info.vcpu_last_cpu[i] =
			i < t->vcpu_count ? v->last_cpu : HV_CPU_NONE;
		info.vcpu_migrations[i] = v->migrations;
		info.vcpu_running_on[i] =
			i < t->vcpu_count ? v->running_on : HV_CPU_NONE;
	}
	__atomic_fetch_add(&t->readers, 1, __ATOMIC_RELAXED);
	spin_unlock(&partitions_lock);

	info.run_tsc = partition_run_tsc(t);
	info.refused_io = stat_read(&t->refused.io);
	info.refused_msr = stat_read(&t->refused.msr);
	info.refused_ept = stat_read(&t->refused.ept);
	info.refused_hypercall = stat_read(&t->refused.hypercall);
	stats_fill_info(t, &info);
	for (uint32_t i = 0; i < t->vcpu_count; i++)
		for (uint32_t c = 0; c < HV_INFO_MAX_CPUS; c++)
			info.cpu_run_tsc[c] += t->vcpus[i].cpu_run_tsc[c];
	__atomic_fetch_sub(&t->readers, 1, __ATOMIC_RELEASE);
	return copy_to_caller(p, gpa, &info, sizeof(info), sizeof(info));
}

static int64_t trace_control(uint64_t id, uint64_t on)
{
	struct partition *t;
	char name[HV_NAME_MAX];
	bool was = false;

	if (on > 1)
		return HV_EINVAL;
	/*
	 * Under the lock, as partition_info: the slot may be being freed.
	 * The name is printed from a copy: once unlocked, another vCPU of
	 * the parent may destroy t and its slot hold anything.
	 */
	spin_lock(&partitions_lock);
	t = id <= UINT32_MAX ? partition_by_id((uint32_t)id) : NULL;
	if (t) {
		was = partition_trace_set(t, on == 1);
		memcpy(name, t->name, sizeof(name));
	}
	spin_unlock(&partitions_lock);
	if (!t)
		return HV_ENOENT;
	if (was != (on == 1))
		pr_info("partition %s: trace %s", name, on ? "on" : "off");
	return was;
}

/* Gives the console's input to partition id; the parent's own id takes
 * it back. Under the lock, as trace_control, and printed from a copy of
 * the name for the same reason: the slot may be being freed. */
static int64_t console_attach(uint64_t id)
{
	struct partition *t;
	char name[HV_NAME_MAX];
	int64_t r;

	spin_lock(&partitions_lock);
	t = id <= UINT32_MAX ? partition_by_id((uint32_t)id) : NULL;
	r = t ? vuart_attach(t) : HV_ENOENT;
	if (!r)
		memcpy(name, t->name, sizeof(name));
	spin_unlock(&partitions_lock);
	if (!r)
		pr_info("console input goes to %s (Ctrl-] gives it back)",
			name);
	return r;
}

/*
 * Types len bytes of the caller's buffer at partition id's console
 * (console_input): the buffer is checked and copied before any lock, and
 * the partition found under partitions_lock, as in console_attach.
 */
static int64_t console_input(struct partition *p, uint64_t id, uint64_t gpa,
			     uint64_t len)
{
	uint8_t buf[HV_CONSOLE_WRITE_MAX];
	int r = hc_check_buffer(p->ram_size, gpa, len, sizeof(buf));
	struct partition *t;
	int64_t n;

	if (r) {
		stat_add_shared(&p->refused.hypercall, 1);
		return r;
	}
	memcpy(buf, partition_gpa_to_hva(p, gpa, len), len);
	spin_lock(&partitions_lock);
	t = id <= UINT32_MAX ? partition_by_id((uint32_t)id) : NULL;
	if (!t)
		n = HV_ENOENT;
	else if (t->state != PART_RUNNING && t->state != PART_CREATED)
		n = HV_EBUSY;
	else
		n = vuart_input(t, buf, (uint32_t)len);
	spin_unlock(&partitions_lock);
	return n;
}

static int64_t console_state(struct partition *p, uint64_t id, uint64_t gpa,
			     uint64_t size)
{
	struct hv_console_state st;
	struct partition *t;

	if (size != sizeof(st)) {
		stat_add_shared(&p->refused.hypercall, 1);
		return size > sizeof(st) ? HV_E2BIG : HV_EINVAL;
	}
	memset(&st, 0, sizeof(st));
	spin_lock(&partitions_lock);
	t = id <= UINT32_MAX ? partition_by_id((uint32_t)id) : NULL;
	if (t)
		vuart_state(t, &st);
	spin_unlock(&partitions_lock);
	if (!t)
		return HV_ENOENT;
	return copy_to_caller(p, gpa, &st, sizeof(st), sizeof(st));
}

static int64_t trace_read_call(struct partition *p, uint64_t cpu,
			       uint64_t gpa, uint64_t capacity)
{
	struct hv_trace_record recs[HV_TRACE_READ_MAX];
	bool slices;
	int64_t n;
	int r;

	/* Checked before anything is taken, so no record is lost to a
	 * buffer that cannot receive it. The capacity is bounded first, so
	 * the product cannot wrap. */
	if (capacity > HV_TRACE_READ_MAX)
		r = HV_E2BIG;
	else
		r = hc_check_buffer(p->ram_size, gpa,
				    capacity * sizeof(recs[0]), sizeof(recs));
	if (r) {
		stat_add_shared(&p->refused.hypercall, 1);
		return r;
	}
	slices = cpu & HV_TRACE_READ_SLICES;
	cpu &= ~HV_TRACE_READ_SLICES;
	if (cpu > UINT32_MAX)
		return HV_EINVAL;
	n = trace_read((uint32_t)cpu, slices, recs, (uint32_t)capacity);
	if (n > 0)
		memcpy(partition_gpa_to_hva(p, gpa, (uint64_t)n * sizeof(recs[0])),
		       recs, (uint64_t)n * sizeof(recs[0]));
	return n;
}

static int64_t hv_info(struct partition *p, uint64_t gpa, uint64_t size)
{
	struct palloc *pool = mem_pool();
	struct hv_info hi;

	if (size != sizeof(hi)) {
		stat_add_shared(&p->refused.hypercall, 1);
		return size > sizeof(hi) ? HV_E2BIG :
					   HV_EINVAL;
	}
	memset(&hi, 0, sizeof(hi));
	hi.image_bytes = mem_image_size();
	hi.image_base = mem_image_base();
	hi.pool_base = pool->base;
	hi.pool_bytes = pool->pages * 4096;
	hi.pool_free_bytes = stat_read(&pool->free_pages) * 4096;
	hi.pool_hv_bytes = stat_read(&pool->owner_pages[PALLOC_OWNER_HV]) * 4096;
	hi.tsc_khz = policy_tsc_khz;
	hi.max_partitions = HV_MAX_PARTITIONS;
	hi.trace_cpus = trace_cpus();
	hi.trace_records = TRACE_RING_RECORDS;
	sched_switch_figures(&hi.switches, &hi.switch_tsc);
	return copy_to_caller(p, gpa, &hi, sizeof(hi), sizeof(hi));
}

/*
 * The hypercalls, one function each, in a table indexed by number
 * (hypercall() in hv/policy.h): the null hypercall costs a load and an
 * indirect call, where one function with every call in it pushed the
 * registers and the stack frame of the largest on every call
 * (docs/benchmarks.md).
 */
static int64_t hc_version(struct vcpu *v)
{
	(void)v;
	return HV_ABI_VERSION;
}

static int64_t hc_shutdown(struct vcpu *v)
{
	struct partition *p = v->part;

	if (!p->parent) {
		stat_add_shared(&p->refused.hypercall, 1);
		pr_limited(&p->warn, WARN_HYPERCALL, HV_LOG_WARN,
			   "%s: shutdown refused: only the parent may power off",
			   p->name);
		return hv_status(HV_EPERM);
	}
	pr_info("%s: shutdown requested", p->name);
	return HV_OK;
}

static int64_t hc_yield(struct vcpu *v)
{
	(void)v;
	return HV_OK;
}

/* The calls' arguments, by position in the ABI (hcall_arg). */
#define ARG(v, n) hcall_arg(&(v)->arch, (n))

static int64_t hc_console_write(struct vcpu *v)
{
	return hv_status(console_write(v->part, ARG(v, 0), ARG(v, 1)));
}

static int64_t hc_vcpu_start(struct vcpu *v)
{
	return hv_status(vcpu_start(v, ARG(v, 0), ARG(v, 1), ARG(v, 2),
				    ARG(v, 3), ARG(v, 4)));
}

static int64_t hc_partition_create(struct vcpu *v)
{
	return hv_status(create_request(v->part, ARG(v, 0), ARG(v, 1)));
}

static int64_t hc_partition_start(struct vcpu *v)
{
	return hv_status(partition_start(ARG(v, 0)));
}

static int64_t hc_partition_stop(struct vcpu *v)
{
	return hv_status(partition_stop(ARG(v, 0), v->part));
}

static int64_t hc_partition_destroy(struct vcpu *v)
{
	return hv_status(partition_destroy(ARG(v, 0), v->part));
}

static int64_t hc_template_list(struct vcpu *v)
{
	return hv_status(template_list(v->part, ARG(v, 0), ARG(v, 1)));
}

static int64_t hc_partition_list(struct vcpu *v)
{
	return hv_status(partition_list(v->part, ARG(v, 0), ARG(v, 1)));
}

static int64_t hc_partition_info(struct vcpu *v)
{
	return hv_status(
		partition_info(v->part, ARG(v, 0), ARG(v, 1), ARG(v, 2)));
}

static int64_t hc_trace_control(struct vcpu *v)
{
	return hv_status(trace_control(ARG(v, 0), ARG(v, 1)));
}

static int64_t hc_trace_read(struct vcpu *v)
{
	return hv_status(
		trace_read_call(v->part, ARG(v, 0), ARG(v, 1), ARG(v, 2)));
}

static int64_t hc_hv_info(struct vcpu *v)
{
	return hv_status(hv_info(v->part, ARG(v, 0), ARG(v, 1)));
}

static int64_t hc_console_attach(struct vcpu *v)
{
	return hv_status(console_attach(ARG(v, 0)));
}

static int64_t hc_console_input(struct vcpu *v)
{
	return hv_status(
		console_input(v->part, ARG(v, 0), ARG(v, 1), ARG(v, 2)));
}

static int64_t hc_console_state(struct vcpu *v)
{
	return hv_status(
		console_state(v->part, ARG(v, 0), ARG(v, 1), ARG(v, 2)));
}

#undef ARG

#define OPEN true
#define PARENT false
const struct hypercall_entry hypercall_table[HV_INFO_HYPERCALLS] = {
	[HV_HC_VERSION] = { hc_version, OPEN, HC_CONTINUE },
	/* Open: a child's shutdown is refused with a message of its own. */
	[HV_HC_SHUTDOWN] = { hc_shutdown, OPEN, HC_POWEROFF },
	[HV_HC_YIELD] = { hc_yield, OPEN, HC_YIELD },
	[HV_HC_CONSOLE_WRITE] = { hc_console_write, OPEN, HC_CONTINUE },
	[HV_HC_VCPU_START] = { hc_vcpu_start, OPEN, HC_CONTINUE },
	[HV_HC_PARTITION_CREATE] = { hc_partition_create, PARENT, HC_CONTINUE },
	[HV_HC_PARTITION_START] = { hc_partition_start, PARENT, HC_CONTINUE },
	[HV_HC_PARTITION_STOP] = { hc_partition_stop, PARENT, HC_CONTINUE },
	[HV_HC_PARTITION_DESTROY] = { hc_partition_destroy, PARENT, HC_CONTINUE },
	[HV_HC_TEMPLATE_LIST] = { hc_template_list, PARENT, HC_CONTINUE },
	[HV_HC_PARTITION_LIST] = { hc_partition_list, PARENT, HC_CONTINUE },
	[HV_HC_PARTITION_INFO] = { hc_partition_info, PARENT, HC_CONTINUE },
	[HV_HC_TRACE_CONTROL] = { hc_trace_control, PARENT, HC_CONTINUE },
	[HV_HC_TRACE_READ] = { hc_trace_read, PARENT, HC_CONTINUE },
	[HV_HC_HV_INFO] = { hc_hv_info, PARENT, HC_CONTINUE },
	[HV_HC_CONSOLE_ATTACH] = { hc_console_attach, PARENT, HC_CONTINUE },
	[HV_HC_CONSOLE_INPUT] = { hc_console_input, PARENT, HC_CONTINUE },
	[HV_HC_CONSOLE_STATE] = { hc_console_state, PARENT, HC_CONTINUE },
};
#undef OPEN
#undef PARENT

/*
 * Management calls are the parent's alone. A refusal is counted in the
 * caller's stats, so the parent can see a child trying.
 */
int64_t hypercall_refused(struct vcpu *v, uint64_t nr)
{
	struct partition *p = v->part;

	stat_add_shared(&p->refused.hypercall, 1);
	if (nr < HV_INFO_HYPERCALLS && hypercall_table[nr].fn) {
		pr_limited(&p->warn, WARN_HYPERCALL, HV_LOG_WARN,
			   "%s: hypercall %lu refused: only the parent may manage partitions",
			   p->name, nr);
		return HV_EPERM;
	}
	pr_limited(&p->warn, WARN_UNKNOWN_HYPERCALL, HV_LOG_DEBUG,
		   "%s: unknown hypercall %lu", p->name, nr);
	return HV_ENOSYS;
}

