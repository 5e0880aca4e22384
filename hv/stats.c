// SPDX-License-Identifier: MIT
#include "hv/stats.h"

#include "hv/arch.h"
#include "hv/errno.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/partition_table.h"
#include "lib/fmt.h"
#include "lib/hvnames.h"
#include "lib/string.h"

_Static_assert(sizeof(struct vcpu_stats) <= 4096, "one page per vCPU");

int stats_alloc(struct vcpu *v)
{
	uint64_t pa = palloc_page(mem_pool(), v->part->id);

	v->stats = (struct vcpu_stats *)(uintptr_t)pa;
	return pa ? 0 : HV_ENOMEM;
}

void stats_release(struct vcpu *v)
{
	if (v->stats)
		palloc_free(mem_pool(), (uint64_t)(uintptr_t)v->stats, 4096,
			    v->part->id);
	v->stats = NULL;
}

void stats_injected(struct vcpu_stats *s, uint32_t vector)
{
	if (vector < HV_INFO_VECTORS)
		stat_add_own(&s->injected[vector], 1);
}

void stats_fault(struct partition *p)
{
	stat_add_shared(&p->stats.faults, 1);
}

/*
 * Adds src's counters into dst, and returns their total. Unrolled: the
 * parent's partition_info makes hundreds of these adds in one exit, and
 * the loop's own instructions were most of them.
 */
static uint64_t sum(uint64_t *dst, const uint64_t *src, unsigned n)
{
	uint64_t total = 0;

#pragma GCC unroll 8
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = stat_read(&src[i]);

		dst[i] += v;
		total += v;
	}
	return total;
}

void stats_fill_info(const struct partition *p,
		     struct hv_partition_info *info)
{
	for (uint32_t i = 0; i < p->vcpu_count; i++) {
		const struct vcpu_stats *s = p->vcpus[i].stats;

		if (!s)
			continue;
		info->exits += sum(info->exit_counts, s->exits,
				   HV_INFO_EXIT_REASONS);
		(void)sum(info->exit_tsc, s->exit_tsc, HV_INFO_EXIT_REASONS);
		(void)sum(info->hypercall_counts, s->hypercalls,
			  HV_INFO_HYPERCALLS);
		(void)sum(info->injected, s->injected, HV_INFO_VECTORS);
	}
	info->faults = stat_read(&p->stats.faults);
	info->build_tsc = p->stats.build_tsc;
	info->ram_tsc = p->stats.ram_tsc;
	info->pool_bytes = stat_read(&mem_pool()->owner_pages[p->id]) * 4096;
	info->trace = __atomic_load_n(&p->trace, __ATOMIC_RELAXED);
}

/*
 * The final report: one row per exit reason that occurred, then the
 * hypercalls and injected exceptions on as few lines as fit. The
 * partition_info struct is large, so it lives here rather than on hv's
 * stack; the report runs on one CPU after every partition has stopped.
 */
static struct hv_partition_info report_info;

/* Appends " name count" items to line, printing it when the next would
 * not fit. */
static void item(char *line, size_t *len, size_t size, const char *prefix,
		 const char *name, uint64_t count)
{
	char one[48];
	int n = fmt_snprintf(one, sizeof(one), " %s %lu", name, count);

	if (*len && *len + (size_t)n >= size) {
		pr_info("%s", line);
		*len = 0;
	}
	if (!*len)
		*len = (size_t)fmt_snprintf(line, size, "%s", prefix);
	*len += (size_t)fmt_snprintf(line + *len, size - *len, "%s", one);
}

static void items(const char *prefix, const uint64_t *counts, unsigned n,
		  const char *(*name)(uint32_t))
{
	char line[112];
	size_t len = 0;

	for (unsigned i = 0; i < n; i++)
		if (counts[i])
			item(line, &len, sizeof(line), prefix, name(i),
			     counts[i]);
	if (len)
		pr_info("%s", line);
}

static const char *hypercall_name32(uint32_t nr)
{
	return hv_hypercall_name(nr);
}

void stats_report(const struct partition *p)
{
	struct hv_partition_info *in = &report_info;
	char prefix[HV_NAME_MAX + 24];

	memset(in, 0, sizeof(*in));
	stats_fill_info(p, in);
	pr_info("  %s: %-24s %12s %14s %10s", p->name, "exit", "count",
		"hv tsc", "tsc/exit");
	for (uint32_t r = 0; r < HV_INFO_EXIT_REASONS; r++) {
		if (!in->exit_counts[r])
			continue;
		pr_info("  %s:   %-22s %12lu %14lu %10lu", p->name,
			vmx_exit_reason_name(r), in->exit_counts[r],
			in->exit_tsc[r], in->exit_tsc[r] / in->exit_counts[r]);
	}
	fmt_snprintf(prefix, sizeof(prefix), "  %s: hypercalls:", p->name);
	items(prefix, in->hypercall_counts, HV_INFO_HYPERCALLS,
	      hypercall_name32);
	fmt_snprintf(prefix, sizeof(prefix), "  %s: injected:", p->name);
	items(prefix, in->injected, HV_INFO_VECTORS, hv_vector_name);
	pr_info("  %s: faults %lu, built in %lu tsc (%lu taking its RAM), %lu bytes of pool beyond its RAM",
		p->name, in->faults, in->build_tsc, in->ram_tsc,
		in->pool_bytes - p->ram_size);	ratelimit_report(p->name, &p->warn);
}

/* VMCALL's basic exit reason (SDM Vol. 3 Appendix C, "VMX Basic Exit
 * Reasons"): the exit a management hypercall comes in by. */
#define EXIT_VMCALL 18

void stats_mgmt_exit(struct vcpu_stats *s)
{
	s->mgmt_seq = s->exits[EXIT_VMCALL] + 1;
}

void stats_long_exit(struct vcpu_stats *s, uint32_t reason, uint64_t tsc)
{
	if (s->final_exit) {
		if (tsc > s->max_final_tsc) {
			s->max_final_tsc = tsc;
			s->max_final_reason = reason;
		}
		return;
	}
	if (reason == EXIT_VMCALL && s->mgmt_seq == s->exits[EXIT_VMCALL]) {
		if (tsc > s->max_mgmt_tsc) {
			s->max_mgmt_tsc = tsc;
			s->max_mgmt_reason = reason;
		}
		return;
	}
	s->max_exit_tsc = tsc;
	s->max_exit_reason = reason;
	s->max_exit_hypercall =
		reason == EXIT_VMCALL ? (uint32_t)s->last_hypercall : 0;
}

/* hv's records, over partitions since destroyed as well; under lock. */
struct longest {
	uint64_t tsc;
	uint32_t reason;
	uint32_t hypercall;
	char name[HV_NAME_MAX];
};
static struct spinlock longest_lock;
static struct longest longest_exit, longest_mgmt, longest_final;
static uint64_t longest_wait;
static const char *longest_wait_what;

void stats_note_wait(uint64_t tsc, const char *what)
{
	uint64_t cur = __atomic_load_n(&longest_wait, __ATOMIC_RELAXED);

	while (tsc > cur)
		if (__atomic_compare_exchange_n(&longest_wait, &cur, tsc, false,
						__ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			__atomic_store_n(&longest_wait_what, what,
					 __ATOMIC_RELAXED);
			break;
		}
}

static void keep(struct longest *l, const char *name, uint64_t tsc,
		 uint32_t reason, uint32_t hypercall)
{
	if (tsc <= l->tsc)
		return;
	l->tsc = tsc;
	l->reason = reason;
	l->hypercall = hypercall;
	fmt_snprintf(l->name, sizeof(l->name), "%s", name);
}

static void keep_locked(const struct partition *p)
{
	for (uint32_t i = 0; i < p->vcpu_count; i++) {
		const struct vcpu_stats *s = p->vcpus[i].stats;

		if (!s)
			continue;
		keep(&longest_exit, p->name,
		     __atomic_load_n(&s->max_exit_tsc, __ATOMIC_RELAXED),
		     s->max_exit_reason, s->max_exit_hypercall);
		keep(&longest_mgmt, p->name,
		     __atomic_load_n(&s->max_mgmt_tsc, __ATOMIC_RELAXED),
		     s->max_mgmt_reason, 0);
		keep(&longest_final, p->name,
		     __atomic_load_n(&s->max_final_tsc, __ATOMIC_RELAXED),
		     s->max_final_reason, 0);
	}
}

void stats_keep_longest(const struct partition *p)
{
	spin_lock(&longest_lock);
	keep_locked(p);
	spin_unlock(&longest_lock);
}

static uint64_t us(uint64_t tsc, uint64_t tsc_hz)
{
	return tsc_hz ? tsc / (tsc_hz / 1000000 ?: 1) : 0;
}

void stats_report_longest(uint64_t tsc_hz)
{
	uint64_t wait = __atomic_load_n(&longest_wait, __ATOMIC_RELAXED);

	spin_lock(&longest_lock);
	for_each_partition(p)
		if (!p->busy)
			keep_locked(p);
	spin_unlock(&longest_lock);
	/* The acceptance line of issue 15: exits bounded by hv's own work.
	 * Creating and destroying a partition costs in proportion to its
	 * size, and is reported apart. */
	pr_info("final report: longest exit %lu tsc (%lu us, 1 ms is %lu tsc) by %s, reason %u (%s%s%s), creation and destruction of partitions and fault reports excluded",
		longest_exit.tsc, us(longest_exit.tsc, tsc_hz), tsc_hz / 1000,
		longest_exit.name[0] ? longest_exit.name : "none",
		longest_exit.reason, vmx_exit_reason_name(longest_exit.reason),
		longest_exit.reason == EXIT_VMCALL ? " " : "",
		longest_exit.reason == EXIT_VMCALL ?
			hv_hypercall_name(longest_exit.hypercall) : "");
	pr_info("final report: longest exit creating or destroying a partition %lu tsc (%lu us) by %s",
		longest_mgmt.tsc, us(longest_mgmt.tsc, tsc_hz),
		longest_mgmt.name[0] ? longest_mgmt.name : "none");
	pr_info("final report: longest exit stopping a partition with a fault report %lu tsc (%lu us) by %s, reason %u (%s)",
		longest_final.tsc, us(longest_final.tsc, tsc_hz),
		longest_final.name[0] ? longest_final.name : "none",
		longest_final.reason, vmx_exit_reason_name(longest_final.reason));
	pr_info("final report: longest wait in hv %lu tsc (%lu us) for %s; console full: %lu partition bytes and %lu hv lines dropped",
		wait, us(wait, tsc_hz),
		wait ? __atomic_load_n(&longest_wait_what, __ATOMIC_RELAXED) :
		       "nothing",
		console_dropped_bytes(), console_dropped_hv_lines());
}
