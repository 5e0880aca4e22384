// SPDX-License-Identifier: MIT
#include "hv/policy.h"

#include "arch/x86/io.h"
#include "arch/x86/percpu.h"
#include "hv/hcargs.h"
#include "hv/hypercall.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/partition.h"
#include "hv/trace.h"
#include "lib/fmt.h"
#include "lib/string.h"

uint32_t policy_tsc_khz;

void policy_set_tsc_hz(uint64_t hz)
{
	policy_tsc_khz = (uint32_t)(hz / 1000);
}

uint64_t policy_tsc_hz(void)
{
	return (uint64_t)policy_tsc_khz * 1000;
}

void policy_host_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	uint32_t a, b, c, d;

	cpuid(leaf, subleaf, &a, &b, &c, &d);
	r->eax = a;
	r->ebx = b;
	r->ecx = c;
	r->edx = d;
}

/* MSR numbers (SDM Vol. 4, "Model-Specific Registers"). */
enum {
	MSR_TSC = 0x10,
	MSR_PLATFORM_ID = 0x17,
	MSR_APIC_BASE = 0x1b,
	MSR_FEATURE_CONTROL_ = 0x3a,
	MSR_BIOS_SIGN_ID = 0x8b,
	MSR_MTRRCAP = 0xfe,
	MSR_SYSENTER_CS = 0x174,
	MSR_SYSENTER_ESP = 0x175,
	MSR_SYSENTER_EIP = 0x176,
	MSR_MISC_ENABLE = 0x1a0,
	MSR_DEBUGCTL = 0x1d9,
	MSR_PAT = 0x277,
	MSR_MTRR_DEF_TYPE = 0x2ff,
	MSR_EFER_ = 0xc0000080,
	MSR_STAR = 0xc0000081,
	MSR_LSTAR = 0xc0000082,
	MSR_CSTAR = 0xc0000083,
	MSR_SFMASK = 0xc0000084,
	MSR_FS_BASE_ = 0xc0000100,
	MSR_GS_BASE_ = 0xc0000101,
	MSR_KERNEL_GS_BASE = 0xc0000102,
	MSR_TSC_AUX = 0xc0000103,
};

enum msr_kind policy_msr_kind(uint32_t msr)
{
	switch (msr) {
	/* Held in the VMCS guest state, or switched by hv with the vCPU;
	 * kernels write them once at boot, so their writes can afford an
	 * exit. */
	case MSR_SYSENTER_CS:
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
	case MSR_DEBUGCTL:
	case MSR_PAT:
	case MSR_EFER_:
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SFMASK:
		return MSR_GUEST_AUDITED;
	/* Written often (FS/GS bases at every thread switch): no exits. */
	case MSR_FS_BASE_:
	case MSR_GS_BASE_:
	case MSR_KERNEL_GS_BASE:
	case MSR_TSC_AUX:
		return MSR_GUEST_OWNED;
	case MSR_TSC:
	case MSR_PLATFORM_ID:
	case MSR_APIC_BASE:
	case MSR_FEATURE_CONTROL_:
	case MSR_BIOS_SIGN_ID:
	case MSR_MTRRCAP:
	case MSR_MISC_ENABLE:
	case MSR_MTRR_DEF_TYPE:
		return MSR_READ_ONLY;
	default:
		return MSR_DENIED;
	}
}

void policy_msr_audited(struct vcpu *v, uint32_t msr, uint64_t value)
{
	struct partition *p = v->part;

	__atomic_fetch_add(&p->msr_guest_writes, 1, __ATOMIC_RELAXED);
	p->msr_guest_last = msr;
	pr_limited(&p->warn, WARN_MSR_AUDITED, HV_LOG_DEBUG,
		   "%s: wrmsr 0x%x = 0x%lx kept in vcpu %u; host value unchanged",
		   p->name, msr, value, v->id);
}

static void count_msr_refusal(struct vcpu *v, uint32_t msr, bool write)
{
	stat_add_shared(&v->part->refused.msr, 1);
	pr_limited(&v->part->warn, WARN_MSR, HV_LOG_DEBUG,
		   "%s: %s of MSR 0x%x refused (#GP)", v->part->name,
		   write ? "write" : "read", msr);
}

/* x2APIC mode enabled at the architectural base; vCPU 0 is the BSP. */
static uint64_t apic_base(const struct vcpu *v)
{
	return 0xfee00000ull | (1u << 11) | (1u << 10) | (v->id ? 0 : 1u << 8);
}

int policy_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *value)
{
	if (msr >= VLAPIC_MSR_FIRST && msr <= VLAPIC_MSR_LAST) {
		if (!vlapic_rdmsr(&v->apic, msr, rdtsc(), value))
			return 0;
		count_msr_refusal(v, msr, false);
		return -1;
	}
	switch (msr) {
	case MSR_TSC:
		*value = rdtsc();
		return 0;
	case MSR_APIC_BASE:
		*value = apic_base(v);
		return 0;
	case MSR_FEATURE_CONTROL_:
		*value = 1; /* locked with VMX off: guests get no VMX */
		return 0;
	case MSR_MISC_ENABLE:
		*value = 1; /* fast strings */
		return 0;
	case MSR_MTRR_DEF_TYPE:
		*value = (1u << 11) | 6; /* MTRRs on, default write-back */
		return 0;
	case MSR_PLATFORM_ID:
	case MSR_BIOS_SIGN_ID:
	case MSR_MTRRCAP:
		*value = 0;
		return 0;
	default:
		/* MSRs the manifest lets this partition read: the real value,
		 * or #GP when this CPU has no such MSR. */
		for (uint32_t i = 0; i < v->part->msr_count; i++)
			if (v->part->msrs[i] == msr &&
			    !rdmsr_safe(msr, value))
				return 0;
		count_msr_refusal(v, msr, false);
		return -1;
	}
}

int policy_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value)
{
	if (msr >= VLAPIC_MSR_FIRST && msr <= VLAPIC_MSR_LAST) {
		if (!vlapic_wrmsr(&v->apic, msr, rdtsc(), value))
			return 0;
	} else if (msr == MSR_APIC_BASE && value == apic_base(v)) {
		return 0; /* rewriting the mode it is in changes nothing */
	}
	count_msr_refusal(v, msr, true);
	return -1;
}

void policy_io(struct vcpu *v, uint16_t port, unsigned size, bool in,
	       uint32_t *value)
{
	struct partition *p = v->part;
	uint8_t *logged = p->io_logged;

	if (vuart_handles(port) && size == 1) {
		vuart_io(p, port, in, value);
		return;
	}
	stat_add_shared(&p->refused.io, 1);
	if (in)
		*value = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	/*
	 * A guest probing ports must not flood the log: each port is logged
	 * once, and the first accesses of distinct ports are rate-limited, so
	 * a scan of all 65,536 prints 21 lines.
	 */
	if (!(logged[port / 8] & (1u << (port % 8)))) {
		logged[port / 8] |= (uint8_t)(1u << (port % 8));
		pr_limited(&p->warn, WARN_PORT, HV_LOG_WARN,
			   "%s: denied %s of port 0x%x (logged once per port)",
			   p->name, in ? "read" : "write", port);
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
	return HV_STATUS_OK;
}

/* The request is copied into hv once; only the copy is checked and used. */
static int64_t create_request(struct partition *p, uint64_t gpa, uint64_t size)
{
	struct hv_partition_create req;
	int r;

	if (size != sizeof(req)) {
		stat_add_shared(&p->refused.hypercall, 1);
		return size > sizeof(req) ? HV_STATUS_TOO_BIG :
					    HV_STATUS_INVALID;
	}
	r = hc_check_buffer(p->ram_size, gpa, size, sizeof(req));
	if (r) {
		stat_add_shared(&p->refused.hypercall, 1);
		return r;
	}
	memcpy(&req, partition_gpa_to_hva(p, gpa, size), sizeof(req));
	return partition_create_request(&req);
}

static int64_t partition_list(struct partition *p, uint64_t gpa,
			      uint64_t capacity)
{
	uint32_t ids[HV_PARTITION_LIST_MAX];
	uint32_t n;
	int64_t r;

	if (capacity > HV_PARTITION_LIST_MAX) {
		stat_add_shared(&p->refused.hypercall, 1);
		return HV_STATUS_TOO_BIG;
	}
	n = partition_ids(ids, (uint32_t)capacity);
	r = copy_to_caller(p, gpa, ids,
			   (n < capacity ? n : capacity) * sizeof(ids[0]),
			   sizeof(ids));
	return r ? r : (int64_t)n;
}

static int64_t template_list(struct partition *p, uint64_t gpa,
			     uint64_t capacity)
{
	struct hv_template t[HV_TEMPLATE_LIST_MAX];
	uint32_t n;
	int64_t r;

	if (capacity > HV_TEMPLATE_LIST_MAX) {
		stat_add_shared(&p->refused.hypercall, 1);
		return HV_STATUS_TOO_BIG;
	}
	n = partition_templates(t, (uint32_t)capacity);
	r = copy_to_caller(p, gpa, t,
			   (n < capacity ? n : capacity) * sizeof(t[0]),
			   sizeof(t));
	return r ? r : (int64_t)n;
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
		return size > sizeof(info) ? HV_STATUS_TOO_BIG :
					     HV_STATUS_INVALID;
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
		return HV_STATUS_NOT_FOUND;
	}
	info.id = t->id;
	info.state = states[t->state];
	info.flags = t->parent ? HV_PART_FLAG_PARENT : 0;
	info.vcpus = t->vcpu_count;
	/* Both are NUL-terminated arrays of one size: copied whole, which
	 * costs a few instructions where formatting cost some per byte. */
	_Static_assert(sizeof(info.name) == sizeof(t->name), "name sizes");
	memcpy(info.name, t->name, sizeof(info.name));
	info.ram_bytes = t->ram_size;
	info.ram_hpa = t->ram_hpa;
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
	bool was;

	if (on > 1)
		return HV_STATUS_INVALID;
	/* Under the lock, as partition_info: the slot may be being freed. */
	spin_lock(&partitions_lock);
	t = id <= UINT32_MAX ? partition_by_id((uint32_t)id) : NULL;
	if (t)
		was = __atomic_exchange_n(&t->trace, on == 1, __ATOMIC_RELAXED);
	spin_unlock(&partitions_lock);
	if (!t)
		return HV_STATUS_NOT_FOUND;
	if (was != (on == 1))
		pr_info("partition %s: trace %s", t->name, on ? "on" : "off");
	return was;
}

static int64_t trace_read_call(struct partition *p, uint64_t cpu,
			       uint64_t gpa, uint64_t capacity)
{
	struct hv_trace_record recs[HV_TRACE_READ_MAX];
	int64_t n;
	int r;

	/* Checked before anything is taken, so no record is lost to a
	 * buffer that cannot receive it. The capacity is bounded first, so
	 * the product cannot wrap. */
	if (capacity > HV_TRACE_READ_MAX)
		r = HV_STATUS_TOO_BIG;
	else
		r = hc_check_buffer(p->ram_size, gpa,
				    capacity * sizeof(recs[0]), sizeof(recs));
	if (r) {
		stat_add_shared(&p->refused.hypercall, 1);
		return r;
	}
	if (cpu > UINT32_MAX)
		return HV_STATUS_INVALID;
	n = trace_read((uint32_t)cpu, recs, (uint32_t)capacity);
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
		return size > sizeof(hi) ? HV_STATUS_TOO_BIG :
					   HV_STATUS_INVALID;
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
		return HV_STATUS_DENIED;
	}
	pr_info("%s: shutdown requested", p->name);
	return HV_STATUS_OK;
}

static int64_t hc_yield(struct vcpu *v)
{
	(void)v;
	return HV_STATUS_OK;
}

static int64_t hc_console_write(struct vcpu *v)
{
	return console_write(v->part, v->regs.rdi, v->regs.rsi);
}

static int64_t hc_vcpu_start(struct vcpu *v)
{
	uint64_t rip = v->regs.rsi;

	/* A RIP no VM entry takes (arch/x86/vmcheck.c, GUEST_RIP_LINEAR)
	 * would be a VMCS hv wrote that a CPU refuses. */
	if ((uint64_t)((int64_t)(rip << 16) >> 16) != rip) {
		stat_add_shared(&v->part->refused.hypercall, 1);
		return HV_STATUS_INVALID;
	}
	return vcpu_start(v, v->regs.rdi, v->regs.rsi, v->regs.rdx,
			  v->regs.r10, v->regs.r8);
}

static int64_t hc_partition_create(struct vcpu *v)
{
	return create_request(v->part, v->regs.rdi, v->regs.rsi);
}

static int64_t hc_partition_start(struct vcpu *v)
{
	return partition_start(v->regs.rdi);
}

static int64_t hc_partition_stop(struct vcpu *v)
{
	return partition_stop(v->regs.rdi, v->part);
}

static int64_t hc_partition_destroy(struct vcpu *v)
{
	return partition_destroy(v->regs.rdi, v->part);
}

static int64_t hc_template_list(struct vcpu *v)
{
	return template_list(v->part, v->regs.rdi, v->regs.rsi);
}

static int64_t hc_partition_list(struct vcpu *v)
{
	return partition_list(v->part, v->regs.rdi, v->regs.rsi);
}

static int64_t hc_partition_info(struct vcpu *v)
{
	return partition_info(v->part, v->regs.rdi, v->regs.rsi, v->regs.rdx);
}

static int64_t hc_trace_control(struct vcpu *v)
{
	return trace_control(v->regs.rdi, v->regs.rsi);
}

static int64_t hc_trace_read(struct vcpu *v)
{
	return trace_read_call(v->part, v->regs.rdi, v->regs.rsi, v->regs.rdx);
}

static int64_t hc_hv_info(struct vcpu *v)
{
	return hv_info(v->part, v->regs.rdi, v->regs.rsi);
}

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
		return HV_STATUS_DENIED;
	}
	pr_limited(&p->warn, WARN_UNKNOWN_HYPERCALL, HV_LOG_DEBUG,
		   "%s: unknown hypercall %lu", p->name, nr);
	return HV_STATUS_UNKNOWN_CALL;
}

void policy_cr8_written(struct vcpu *v, uint8_t value, uint8_t tpr_before,
			uint8_t tpr_after)
{
	/* The guest never runs with the real CR8, so this is hv's own bug. */
	if (tpr_before != tpr_after)
		panic("%s: the host TPR changed from %u to %u across a guest CR8 write",
		      v->part->name, tpr_before, tpr_after);
	v->cr8_written = true;
	v->cr8_cpu = this_cpu()->index;
	pr_limited(&v->part->warn, WARN_CR8, HV_LOG_DEBUG,
		   "%s: cr8 write of %u kept in the vCPU", v->part->name, value);
}
