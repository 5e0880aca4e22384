// SPDX-License-Identifier: MIT
/*
 * Each CPU writes only its own ring, so the exit path takes no lock. A
 * slot's seq says what it holds, as a seqlock's counter does: the writer
 * marks the slot SEQ_WRITING, fills it, stores the record's number, and
 * then publishes the new head. A reader on another CPU reads a slot's
 * seq before and after copying it; unless both are the number it
 * expects, the writer has lapped it there, and the record counts as
 * lost. Readers of one ring exclude each other with a flag; the loser is
 * told to try again.
 */
#include "hv/trace.h"

#include <stdbool.h>

#include "hv/arch.h"
#include "hv/errno.h"
#include "hv/log.h"
#include "hv/mem.h"
#include "hv/partition.h"
#include "lib/string.h"

#define SEQ_WRITING UINT64_MAX
/* A ring's records, then each record's partition generation. */
#define RING_PAGES(n) \
	(((n) * (sizeof(struct hv_trace_record) + sizeof(uint32_t)) + 4095) / 4096)

_Static_assert((TRACE_RING_RECORDS & (TRACE_RING_RECORDS - 1)) == 0 &&
		       (TRACE_SLICE_RECORDS & (TRACE_SLICE_RECORDS - 1)) == 0,
	       "a ring's size is a power of two");

struct ring {
	/* Allocated by its CPU at its first record: a machine that traces
	 * nothing spends no memory on rings. */
	struct hv_trace_record *rec;
	uint32_t *gen; /* rec[i]'s partition generation, after the records */
	uint64_t head; /* records written; the next goes to head & mask */
	uint64_t tail; /* the first record no reader has taken */
	uint64_t lost; /* overwritten before a reader took them */
	uint64_t dropped; /* not recorded: no memory, or a full slice ring */
	uint32_t size; /* records it holds: a power of two */
	/* A slice ring: never overwrites what no reader has taken, so the
	 * timeline it gives has no hole that the reader cannot see. */
	bool keep;
	bool no_memory; /* the allocation failed once; it is not retried */
	uint32_t reading; /* 1 while a reader holds the ring */
};

static struct ring rings[HV_MAX_RUN_CPUS]; /* exits */
static struct ring slices[HV_MAX_RUN_CPUS];

/*
 * The exit being handled on each CPU: recorded at its start, published
 * at its end, when hv knows how long it took.
 */
struct pending {
	struct hv_trace_record rec;
	uint32_t gen;
	bool on;
};

static struct pending pendings[HV_MAX_RUN_CPUS];

/*
 * A partition id names a slot, and a slot is reused after a destroy: a
 * record also keeps the generation of the partition it was taken for, so
 * a reader is never told that a dead partition's exits were those of the
 * partition that holds its id now.
 */
static uint32_t generation[HV_MAX_PARTITIONS + 1];

void trace_partition_new(uint32_t id)
{
	if (id <= HV_MAX_PARTITIONS)
		__atomic_fetch_add(&generation[id], 1, __ATOMIC_RELEASE);
}

static uint32_t generation_of(uint32_t id)
{
	return id <= HV_MAX_PARTITIONS ?
		       __atomic_load_n(&generation[id], __ATOMIC_ACQUIRE) :
		       0;
}

static bool ring_alloc(struct ring *r, uint32_t size, bool keep)
{
	uint64_t pa;

	if (r->no_memory)
		return false;
	pa = palloc_run(mem_pool(), RING_PAGES(size), 1, PALLOC_OWNER_HV);
	if (!pa) {
		r->no_memory = true;
		pr_warn("trace: no memory for a ring of cpu %u: its records are lost",
			(unsigned)(keep ? r - slices : r - rings));
		return false;
	}
	r->size = size;
	r->keep = keep;
	r->gen = (uint32_t *)(uintptr_t)(pa + size *
						      sizeof(struct hv_trace_record));
	__atomic_store_n(&r->rec, (struct hv_trace_record *)(uintptr_t)pa,
			 __ATOMIC_RELEASE);
	return true;
}

/* The writer: only ever the ring's own CPU. */
static void ring_put(struct ring *r, const struct hv_trace_record *in,
		     uint32_t gen, uint32_t size, bool keep)
{
	struct hv_trace_record *rec;
	uint64_t head;
	uint32_t i;

	if (!r->rec && !ring_alloc(r, size, keep)) {
		r->dropped++;
		return;
	}
	head = r->head;
	if (keep && head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) >= size) {
		r->dropped++;
		return;
	}
	i = (uint32_t)(head & (size - 1));
	rec = &r->rec[i];
	__atomic_store_n(&rec->seq, SEQ_WRITING, __ATOMIC_RELAXED);
	/* The mark is seen before any field changes. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rec->tsc = in->tsc;
	rec->end_tsc = in->end_tsc;
	rec->rip = in->rip;
	rec->qual = in->qual;
	rec->partition = in->partition;
	rec->vcpu = in->vcpu;
	rec->reason = in->reason;
	r->gen[i] = gen;
	__atomic_store_n(&rec->seq, head, __ATOMIC_RELEASE);
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
}

void trace_exit(const struct vcpu *v, uint64_t tsc, uint64_t qual,
		uint64_t rip, uint32_t raw_reason)
{
	uint32_t cpu = this_cpu()->index;
	struct pending *p;

	if (cpu >= HV_MAX_RUN_CPUS)
		return;
	p = &pendings[cpu];
	p->rec = (struct hv_trace_record){
		.tsc = tsc,
		.rip = rip,
		.qual = qual,
		.partition = (uint16_t)v->part->id,
		.vcpu = (uint16_t)v->id,
		.reason = raw_reason,
	};
	p->gen = generation_of(v->part->id);
	p->on = true;
}

void trace_exit_end(uint64_t tsc)
{
	uint32_t cpu = this_cpu()->index;
	struct pending *p;

	if (cpu >= HV_MAX_RUN_CPUS || !pendings[cpu].on)
		return;
	p = &pendings[cpu];
	p->rec.end_tsc = tsc;
	p->on = false;
	ring_put(&rings[cpu], &p->rec, p->gen, TRACE_RING_RECORDS, false);
}

void trace_slice(const struct vcpu *v, uint64_t in, uint64_t out)
{
	uint32_t cpu = this_cpu()->index;
	struct hv_trace_record rec = {
		.tsc = in,
		.end_tsc = out,
		.partition = (uint16_t)v->part->id,
		.vcpu = (uint16_t)v->id,
		.reason = HV_TRACE_SLICE,
	};

	if (cpu < HV_MAX_RUN_CPUS)
		ring_put(&slices[cpu], &rec, generation_of(v->part->id),
			 TRACE_SLICE_RECORDS, true);
}

/*
 * Copies record i of the ring to *out; false if the writer lapped it. A
 * record of a partition destroyed since is given partition 0, which no
 * partition has.
 */
static bool take(const struct ring *r, const struct hv_trace_record *ring,
		 uint64_t i, struct hv_trace_record *out)
{
	const struct hv_trace_record *slot = &ring[i & (r->size - 1)];
	uint64_t before = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
	uint32_t gen;

	*out = *slot;
	gen = r->gen[i & (r->size - 1)];
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (before != i || __atomic_load_n(&slot->seq, __ATOMIC_RELAXED) != i)
		return false;
	if (gen != generation_of(out->partition))
		out->partition = 0;
	return true;
}

int64_t trace_read(uint32_t cpu, bool slice, struct hv_trace_record *out,
		   uint32_t max)
{
	const struct hv_trace_record *rec;
	uint64_t head, first, n, got = 0;
	struct ring *r;

	if (cpu >= HV_MAX_RUN_CPUS)
		return HV_EINVAL;
	r = slice ? &slices[cpu] : &rings[cpu];
	if (__atomic_exchange_n(&r->reading, 1, __ATOMIC_ACQUIRE))
		return HV_EBUSY;
	rec = __atomic_load_n(&r->rec, __ATOMIC_ACQUIRE);
	if (rec) {
		head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		first = r->tail;
		if (head - first > r->size)
			first = head - r->size;
		n = head - first < max ? head - first : max;
		for (uint64_t i = first; i < first + n; i++)
			if (take(r, rec, i, &out[got]))
				got++;
		r->lost += first - r->tail + n - got;
		/* Copied first: a slice ring's writer may then reuse them. */
		__atomic_store_n(&r->tail, first + n, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&r->reading, 0, __ATOMIC_RELEASE);
	return (int64_t)got;
}

uint32_t trace_cpus(void)
{
	uint32_t n = 0;

	for (uint32_t c = 0; c < HV_MAX_RUN_CPUS; c++)
		if (__atomic_load_n(&rings[c].rec, __ATOMIC_ACQUIRE))
			n++;
	return n;
}

/* Unread records of a ring, and those already past reading. */
static uint64_t unread_of(const struct ring *r, uint64_t *gone)
{
	uint64_t behind = r->head - r->tail;
	uint64_t unread = r->rec && behind > r->size ? r->size : behind;

	*gone = r->lost + behind - unread;
	return unread;
}

/*
 * docs/benchmarks.md documents these lines, and tools/trace2csv.py and
 * tools/traceplot.py read them: change them together.
 */
void trace_dump(void)
{
	static struct hv_trace_record buf[HV_TRACE_READ_MAX];

	for (uint32_t c = 0; c < HV_MAX_RUN_CPUS; c++) {
		struct ring *r = &rings[c], *s = &slices[c];
		uint64_t gone, unread;
		int64_t n;

		if (r->rec || r->dropped) {
			unread = unread_of(r, &gone);
			pr_info("trace: cpu %u: %lu record(s) unread, %lu lost, %lu dropped",
				c, unread, gone, r->dropped);
		}
		while ((n = trace_read(c, false, buf, HV_TRACE_READ_MAX)) > 0) {
			for (int64_t i = 0; i < n; i++) {
				const struct hv_trace_record *t = &buf[i];

				pr_info("trace cpu=%u seq=%lu tsc=%lu end=%lu part=%u vcpu=%u exit=%u name=%s qual=0x%lx rip=0x%lx",
					c, t->seq, t->tsc, t->end_tsc,
					t->partition, t->vcpu,
					t->reason & 0xffff,
					vmx_exit_reason_name(t->reason &
							     0xffff),
					t->qual, t->rip);
			}
		}
		if (!s->rec && !s->dropped)
			continue;
		unread = unread_of(s, &gone);
		pr_info("trace: cpu %u: %lu slice(s) unread, %lu dropped", c,
			unread, s->dropped);
		while ((n = trace_read(c, true, buf, HV_TRACE_READ_MAX)) > 0)
			for (int64_t i = 0; i < n; i++)
				pr_info("trace cpu=%u slice seq=%lu in=%lu out=%lu part=%u vcpu=%u",
					c, buf[i].seq, buf[i].tsc,
					buf[i].end_tsc, buf[i].partition,
					buf[i].vcpu);
	}
}

bool partition_trace_set(struct partition *p, bool on)
{
	bool was = __atomic_exchange_n(&p->trace, on, __ATOMIC_RELAXED);

	for (uint32_t i = 0; i < HV_MAX_VCPUS; i++)
		__atomic_store_n(&p->vcpus[i].trace, on, __ATOMIC_RELAXED);
	return was;
}
