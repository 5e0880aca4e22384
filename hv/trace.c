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

#define RING_MASK (TRACE_RING_RECORDS - 1)
#define SEQ_WRITING UINT64_MAX
/* The records, then each record's partition generation. */
#define RING_PAGES                                                  \
	((TRACE_RING_RECORDS *                                      \
		  (sizeof(struct hv_trace_record) + sizeof(uint32_t)) + \
	  4095) /                                                   \
	 4096)

_Static_assert((TRACE_RING_RECORDS & RING_MASK) == 0,
	       "the ring's size is a power of two");

struct ring {
	/* Allocated by its CPU at its first traced exit: a machine that
	 * traces nothing spends no memory on rings. */
	struct hv_trace_record *rec;
	uint32_t *gen; /* rec[i]'s partition generation, after the records */
	uint64_t head; /* records written; the next goes to head & RING_MASK */
	uint64_t tail; /* the first record no reader has taken */
	uint64_t lost; /* overwritten before a reader took them */
	uint64_t dropped; /* not recorded: no memory for the ring */
	bool no_memory; /* the allocation failed once; it is not retried */
	uint32_t reading; /* 1 while a reader holds the ring */
};

static struct ring rings[HV_MAX_RUN_CPUS];

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

static bool ring_alloc(struct ring *r)
{
	uint64_t pa;

	if (r->no_memory)
		return false;
	pa = palloc_run(mem_pool(), RING_PAGES, 1, PALLOC_OWNER_HV);
	if (!pa) {
		r->no_memory = true;
		pr_warn("trace: no memory for cpu %u's ring: its records are lost",
			(unsigned)(r - rings));
		return false;
	}
	r->gen = (uint32_t *)(uintptr_t)(pa + TRACE_RING_RECORDS *
						      sizeof(struct hv_trace_record));
	__atomic_store_n(&r->rec, (struct hv_trace_record *)(uintptr_t)pa,
			 __ATOMIC_RELEASE);
	return true;
}

/* The writer: only ever the ring's own CPU. */
static void ring_put(struct ring *r, const struct hv_trace_record *in,
		     uint32_t gen)
{
	struct hv_trace_record *rec;
	uint64_t head;

	if (!r->rec && !ring_alloc(r)) {
		r->dropped++;
		return;
	}
	head = r->head;
	rec = &r->rec[head & RING_MASK];
	__atomic_store_n(&rec->seq, SEQ_WRITING, __ATOMIC_RELAXED);
	/* The mark is seen before any field changes. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rec->tsc = in->tsc;
	rec->rip = in->rip;
	rec->qual = in->qual;
	rec->partition = in->partition;
	rec->vcpu = in->vcpu;
	rec->reason = in->reason;
	r->gen[head & RING_MASK] = gen;
	__atomic_store_n(&rec->seq, head, __ATOMIC_RELEASE);
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
}

void trace_exit(const struct vcpu *v, uint32_t raw_reason, uint64_t qual,
		uint64_t rip, uint64_t tsc)
{
	uint32_t cpu = this_cpu()->index;
	struct hv_trace_record rec = {
		.tsc = tsc,
		.rip = rip,
		.qual = qual,
		.partition = (uint16_t)v->part->id,
		.vcpu = (uint16_t)v->id,
		.reason = raw_reason,
	};

	if (cpu < HV_MAX_RUN_CPUS)
		ring_put(&rings[cpu], &rec, generation_of(v->part->id));
}

/*
 * Copies record i of the ring to *out; false if the writer lapped it. A
 * record of a partition destroyed since is given partition 0, which no
 * partition has.
 */
static bool take(const struct ring *r, const struct hv_trace_record *ring,
		 uint64_t i, struct hv_trace_record *out)
{
	const struct hv_trace_record *slot = &ring[i & RING_MASK];
	uint64_t before = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
	uint32_t gen;

	*out = *slot;
	gen = r->gen[i & RING_MASK];
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (before != i || __atomic_load_n(&slot->seq, __ATOMIC_RELAXED) != i)
		return false;
	if (gen != generation_of(out->partition))
		out->partition = 0;
	return true;
}

int64_t trace_read(uint32_t cpu, struct hv_trace_record *out, uint32_t max)
{
	const struct hv_trace_record *rec;
	uint64_t head, first, n, got = 0;
	struct ring *r;

	if (cpu >= HV_MAX_RUN_CPUS)
		return HV_EINVAL;
	r = &rings[cpu];
	if (__atomic_exchange_n(&r->reading, 1, __ATOMIC_ACQUIRE))
		return HV_EBUSY;
	rec = __atomic_load_n(&r->rec, __ATOMIC_ACQUIRE);
	if (rec) {
		head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		first = r->tail;
		if (head - first > TRACE_RING_RECORDS)
			first = head - TRACE_RING_RECORDS;
		n = head - first < max ? head - first : max;
		for (uint64_t i = first; i < first + n; i++)
			if (take(r, rec, i, &out[got]))
				got++;
		r->lost += first - r->tail + n - got;
		r->tail = first + n;
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

/*
 * docs/benchmarks.md documents these lines, and tools/trace2csv.py reads
 * them: change all three together.
 */
void trace_dump(void)
{
	static struct hv_trace_record buf[HV_TRACE_READ_MAX];

	for (uint32_t c = 0; c < HV_MAX_RUN_CPUS; c++) {
		struct ring *r = &rings[c];
		uint64_t behind = r->head - r->tail;
		uint64_t unread = behind < TRACE_RING_RECORDS ?
					  behind :
					  TRACE_RING_RECORDS;
		int64_t n;

		if (!r->rec && !r->dropped)
			continue;
		pr_info("trace: cpu %u: %lu record(s) unread, %lu lost, %lu dropped",
			c, unread, r->lost + behind - unread, r->dropped);
		while ((n = trace_read(c, buf, HV_TRACE_READ_MAX)) > 0) {
			for (int64_t i = 0; i < n; i++) {
				const struct hv_trace_record *t = &buf[i];

				pr_info("trace cpu=%u seq=%lu tsc=%lu part=%u vcpu=%u exit=%u name=%s qual=0x%lx rip=0x%lx",
					c, t->seq, t->tsc, t->partition,
					t->vcpu, t->reason & 0xffff,
					vmx_exit_reason_name(t->reason &
							     0xffff),
					t->qual, t->rip);
			}
		}
	}
}
