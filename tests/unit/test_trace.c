// SPDX-License-Identifier: MIT
/*
 * Tests of hv/trace.c's rings, with the pool and the console faked: the
 * order records come out in, what a wrapped ring loses, a reader held
 * off, a ring without memory, and the dump's line format, which
 * tools/trace2csv.py and docs/benchmarks.md rely on.
 */
#include "tests/unit/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/vmcs.h"
#include "hv/trace.c"

static bool pool_empty;
static int pool_calls;
static char lines[64][200];
static int nlines;

struct palloc *mem_pool(void)
{
	static struct palloc pa;

	return &pa;
}

uint64_t palloc_run(struct palloc *pa, uint64_t n, uint64_t align,
		    uint32_t owner)
{
	void *p;

	(void)pa;
	(void)align;
	assert_int_equal(owner, PALLOC_OWNER_HV);
	pool_calls++;
	if (pool_empty)
		return 0;
	p = aligned_alloc(4096, n * 4096);
	assert_non_null(p);
	memset(p, 0, n * 4096);
	return (uint64_t)(uintptr_t)p;
}

void hv_log(uint32_t level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	if (nlines == (int)(sizeof(lines) / sizeof(lines[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(lines[nlines++], sizeof(lines[0]), fmt, ap);
	va_end(ap);
}

static int reset(void **state)
{
	(void)state;
	for (unsigned c = 0; c < HV_MAX_RUN_CPUS; c++) {
		free(rings[c].rec);
		free(slices[c].rec);
	}
	memset(rings, 0, sizeof(rings));
	memset(slices, 0, sizeof(slices));
	memset(generation, 0, sizeof(generation));
	pool_empty = false;
	pool_calls = 0;
	nlines = 0;
	return 0;
}

static void put(uint32_t cpu, uint64_t tsc)
{
	struct hv_trace_record rec = {
		.tsc = tsc, .end_tsc = tsc + 40, .rip = 0x200abc,
		.qual = 0x3f80000, .partition = 7, .vcpu = 1, .reason = 10,
	};

	ring_put(&rings[cpu], &rec, generation_of(7), TRACE_RING_RECORDS,
		 false);
}

static void put_slice(uint32_t cpu, uint64_t in)
{
	struct hv_trace_record rec = {
		.tsc = in, .end_tsc = in + 1000, .partition = 7, .vcpu = 1,
		.reason = HV_TRACE_SLICE,
	};

	ring_put(&slices[cpu], &rec, generation_of(7), TRACE_SLICE_RECORDS,
		 true);
}

static void test_no_ring(void **state)
{
	struct hv_trace_record out[4];

	(void)state;
	assert_int_equal(trace_read(0, false, out, 4), 0);
	assert_int_equal(trace_read(HV_MAX_RUN_CPUS, false, out, 4),
			 HV_EINVAL);
	assert_int_equal(trace_cpus(), 0);
	trace_dump();
	assert_int_equal(nlines, 0);
}

static void test_read_in_order(void **state)
{
	struct hv_trace_record out[HV_TRACE_READ_MAX];

	(void)state;
	for (int i = 0; i < 5; i++)
		put(3, 100 + (uint64_t)i);
	assert_int_equal(trace_cpus(), 1);
	assert_int_equal(trace_read(3, false, out, 3), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(out[i].seq, (uint64_t)i);
		assert_int_equal(out[i].tsc, 100 + (uint64_t)i);
		assert_int_equal(out[i].partition, 7);
		assert_int_equal(out[i].vcpu, 1);
	}
	assert_int_equal(trace_read(3, false, out, HV_TRACE_READ_MAX), 2);
	assert_int_equal(out[0].seq, 3);
	assert_int_equal(out[1].seq, 4);
	assert_int_equal(trace_read(3, false, out, HV_TRACE_READ_MAX), 0);
	/* Another CPU's ring is another ring. */
	assert_int_equal(trace_read(2, false, out, HV_TRACE_READ_MAX), 0);
	assert_int_equal(pool_calls, 1);
}

static void test_wrap_loses_oldest(void **state)
{
	struct hv_trace_record out[HV_TRACE_READ_MAX];
	uint64_t next = 10, total = 0;
	int64_t n;

	(void)state;
	for (uint64_t i = 0; i < TRACE_RING_RECORDS + 10; i++)
		put(0, i);
	while ((n = trace_read(0, false, out, HV_TRACE_READ_MAX)) > 0) {
		for (int64_t i = 0; i < n; i++) {
			assert_int_equal(out[i].seq, next);
			assert_int_equal(out[i].tsc, next);
			next++;
		}
		total += (uint64_t)n;
	}
	assert_int_equal(n, 0);
	assert_int_equal(total, TRACE_RING_RECORDS);
	assert_int_equal(rings[0].lost, 10);
}

/*
 * A slot the writer is filling, or has filled again, while a reader
 * copies it: the reader must drop it and count it lost, not pass on a
 * mixture.
 */
static void test_lapped_record(void **state)
{
	struct hv_trace_record out[4];

	(void)state;
	for (int i = 0; i < 3; i++)
		put(0, (uint64_t)i);
	rings[0].rec[1].seq = SEQ_WRITING;
	assert_int_equal(trace_read(0, false, out, 4), 2);
	assert_int_equal(out[0].seq, 0);
	assert_int_equal(out[1].seq, 2);
	assert_int_equal(rings[0].lost, 1);
	put(0, 3);
	rings[0].rec[3].seq = 3 + TRACE_RING_RECORDS;
	assert_int_equal(trace_read(0, false, out, 4), 0);
	assert_int_equal(rings[0].lost, 2);
}

static void test_reader_held_off(void **state)
{
	struct hv_trace_record out[4];

	(void)state;
	put(1, 1);
	rings[1].reading = 1;
	assert_int_equal(trace_read(1, false, out, 4), HV_EBUSY);
	rings[1].reading = 0;
	assert_int_equal(trace_read(1, false, out, 4), 1);
}

static void test_no_memory(void **state)
{
	struct hv_trace_record out[4];

	(void)state;
	pool_empty = true;
	for (int i = 0; i < 3; i++)
		put(0, 1);
	/* Tried once, warned once, and every record counted as dropped. */
	assert_int_equal(pool_calls, 1);
	assert_int_equal(nlines, 1);
	assert_int_equal(trace_read(0, false, out, 4), 0);
	nlines = 0;
	trace_dump();
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0],
			    "trace: cpu 0: 0 record(s) unread, 0 lost, 3 dropped");
}

static void test_dump_format(void **state)
{
	struct hv_trace_record fail = {
		.tsc = 99, .rip = 0x1000, .partition = 2,
		.reason = EXIT_REASON_ENTRY_FAILURE | 33,
	};

	(void)state;
	put(2, 123);
	ring_put(&rings[2], &fail, generation_of(2), TRACE_RING_RECORDS, false);
	trace_dump();
	assert_int_equal(nlines, 3);
	assert_string_equal(lines[0],
			    "trace: cpu 2: 2 record(s) unread, 0 lost, 0 dropped");
	assert_string_equal(lines[1],
			    "trace cpu=2 seq=0 tsc=123 end=163 part=7 vcpu=1 exit=10 name=CPUID qual=0x3f80000 rip=0x200abc");
	assert_string_equal(lines[2],
			    "trace cpu=2 seq=1 tsc=99 end=0 part=2 vcpu=0 exit=33 name=ENTRY_FAIL_GUEST_STATE qual=0x0 rip=0x1000");
	/* Dumped is taken: a second dump has only the header. */
	nlines = 0;
	trace_dump();
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0],
			    "trace: cpu 2: 0 record(s) unread, 0 lost, 0 dropped");
}

/*
 * Partition 7 is destroyed and its slot taken by a new partition 7: the
 * old one's records, read after that, name partition 0; the new one's
 * name 7. Records taken before the reuse kept their id.
 */
static void test_slot_reuse(void **state)
{
	struct hv_trace_record out[HV_TRACE_READ_MAX];

	(void)state;
	trace_partition_new(7);
	put(0, 100);
	put(0, 101);
	assert_int_equal(trace_read(0, false, out, 1), 1);
	assert_int_equal(out[0].partition, 7);
	trace_partition_new(7); /* destroyed, and the slot reused */
	put(0, 102);
	assert_int_equal(trace_read(0, false, out, HV_TRACE_READ_MAX), 2);
	assert_int_equal(out[0].tsc, 101);
	assert_int_equal(out[0].partition, 0);
	assert_int_equal(out[1].tsc, 102);
	assert_int_equal(out[1].partition, 7);
	/* The dump says the same. */
	put(0, 103);
	trace_partition_new(7);
	trace_dump();
	assert_int_equal(nlines, 2);
	assert_non_null(strstr(lines[1], " part=0 vcpu=1 "));
}

/*
 * The slice ring never overwrites: past a full ring a slice is dropped
 * and counted, and every slice a reader gets is in order without a gap;
 * once read, its room takes new slices again.
 */
static void test_slices_kept(void **state)
{
	struct hv_trace_record out[HV_TRACE_READ_MAX];
	uint64_t next = 0;
	int64_t n;

	(void)state;
	for (uint64_t i = 0; i < TRACE_SLICE_RECORDS + 3; i++)
		put_slice(1, i * 10);
	assert_int_equal(slices[1].dropped, 3);
	/* The exit ring is another ring. */
	assert_int_equal(trace_read(1, false, out, HV_TRACE_READ_MAX), 0);
	while ((n = trace_read(1, true, out, HV_TRACE_READ_MAX)) > 0)
		for (int64_t i = 0; i < n; i++, next++) {
			assert_int_equal(out[i].seq, next);
			assert_int_equal(out[i].tsc, next * 10);
			assert_int_equal(out[i].end_tsc, next * 10 + 1000);
			assert_int_equal(out[i].reason, HV_TRACE_SLICE);
		}
	assert_int_equal(next, TRACE_SLICE_RECORDS);
	assert_int_equal(slices[1].lost, 0);
	put_slice(1, 5);
	assert_int_equal(slices[1].dropped, 3);
	trace_dump();
	assert_int_equal(nlines, 2);
	assert_string_equal(lines[0],
			    "trace: cpu 1: 1 slice(s) unread, 3 dropped");
	assert_string_equal(lines[1],
			    "trace cpu=1 slice seq=4096 in=5 out=1005 part=7 vcpu=1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_no_ring, reset),
		cmocka_unit_test_setup(test_read_in_order, reset),
		cmocka_unit_test_setup(test_wrap_loses_oldest, reset),
		cmocka_unit_test_setup(test_lapped_record, reset),
		cmocka_unit_test_setup(test_reader_held_off, reset),
		cmocka_unit_test_setup(test_no_memory, reset),
		cmocka_unit_test_setup(test_dump_format, reset),
		cmocka_unit_test_setup(test_slot_reuse, reset),
		cmocka_unit_test_setup(test_slices_kept, reset),
	};

	return cmocka_run_group_tests_name("trace", tests, NULL, reset);
}
