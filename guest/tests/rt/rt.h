/* SPDX-License-Identifier: MIT */
/*
 * The runtime of the ring-0 test guests. hv enters _start (rt/entry.asm) in
 * long mode as include/hv/start_info.h describes; the runtime installs an
 * IDT, calls test_main(), prints the guest's summary line and, in the
 * parent, asks hv to power off; a child halts instead. With last=1 in its
 * cmdline, the parent first waits until every other partition has ended,
 * so that several test guests can share one boot.
 *
 * Output follows the boot tests' convention: one line per check,
 * "TEST <check>: PASS" or "TEST <check>: FAIL <reason>", then a summary
 * line "TEST <test_name>: PASS|FAIL ..." for the whole guest.
 */
#ifndef GUEST_TESTS_RT_H
#define GUEST_TESTS_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/hv/hypercall.h"
#include "include/hv/start_info.h"

/* Each guest defines these two. */
extern const char test_name[];
void test_main(const struct hv_start_info *si);

/*
 * Selectors of the runtime's own GDT (rt_gdt_init). The kernel ones equal
 * hv's entry selectors, so code and IDT gates work before and after the
 * switch. The user pair sits where SYSRET expects it for STAR[63:48] = 0x18
 * (SS = base + 8, CS = base + 16), which a later test may want.
 */
#define RT_SEL_KCODE HV_GUEST_SEL_CODE
#define RT_SEL_KDATA HV_GUEST_SEL_DATA
#define RT_SEL_UDATA (0x20 | 3)
#define RT_SEL_UCODE (0x28 | 3)
#define RT_SEL_TSS 0x30

/* Exception vectors (SDM Vol. 3A, "Exception and Interrupt Vectors"). */
#define VEC_DE 0
#define VEC_DB 1
#define VEC_BP 3
#define VEC_UD 6
#define VEC_DF 8
#define VEC_GP 13
#define VEC_PF 14

/* ---- console (COM1) */
void rt_putc(char c);
void rt_puts(const char *s);
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- results */
void test_pass(const char *check);
void test_fail(const char *check, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "TEST <test_name>: PASS", or FAIL with the number of failures. */
void test_summary(void);

/* ---- hypercalls (include/hv/hypercall.h) */
static inline long hv_hypercall(unsigned long nr, unsigned long a1,
				unsigned long a2, unsigned long a3)
{
	long ret;

	asm volatile("vmcall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
		     : "memory");
	return ret;
}

/* HV_HC_SHUTDOWN; if hv refuses, reports it and halts for good. */
void shutdown(void) __attribute__((noreturn));
void rt_halt(void) __attribute__((noreturn));

/* ---- start info */

/*
 * The value of "key=N" in the partition's cmdline (words separated by
 * spaces; N decimal or 0x hex), or def when the key is absent or its
 * value is not a number.
 */
uint64_t rt_cmdline_u64(const struct hv_start_info *si, const char *key,
			uint64_t def);

/* ---- scheduling */

/* HV_HC_YIELD: the rest of this time slice goes to the other vCPUs. */
static inline void rt_yield(void)
{
	hv_hypercall(HV_HC_YIELD, 0, 0, 0);
}

/* Quick yields in a row that rt_wait_alone() takes for proof. */
#define RT_ALONE_STREAK 16

/*
 * Yields until this partition is the only one left to run, and returns
 * the number of yields that took. A partition blocked in HLT looks
 * finished here, so this is for waiting on partitions that compute.
 */
unsigned long rt_wait_alone(void);

/*
 * HV_HC_PARTITION_STOP or HV_HC_PARTITION_DESTROY of id, asked again with
 * a yield in between for as long as hv answers HV_STATUS_PENDING; returns
 * the final status. Every 5 s of waiting it prints how long it has been.
 * *tries, if not NULL, gets how many calls it took.
 */
long rt_manage(unsigned long nr, long id, unsigned long *tries);

/* HV_HC_CONSOLE_WRITE of all n bytes: hv takes a bounded slice per call
 * and returns how many it took (docs/hypercalls.md); this loops. Returns
 * n, or hv's status; *calls, if not NULL, gets how many calls it took. */
long rt_console_write(const char *s, unsigned long n, unsigned long *calls);

/* HV_HC_PARTITION_INFO into *info: 0, or hv's status. Parent only. */
long rt_partition_info(long id, struct hv_partition_info *info);

/*
 * The parent's wait, without yielding (a yield could hand its CPU to the
 * child), until hv reports child id's vCPU 0 on a CPU with at least
 * `exits` exits, polling at most `polls` times; then `settle` more polls,
 * during which the child's own CPU runs on. *info holds the last reading.
 * Returns 0, or the status of a partition_info call that failed.
 */
long rt_wait_on_cpu(long id, struct hv_partition_info *info, uint64_t exits,
		    long polls, long settle);

/*
 * The parent's wait, by asking hv, until every other partition has
 * stopped; returns the yields it took. Unlike rt_wait_alone() it holds on
 * any number of CPUs.
 */
unsigned long rt_wait_others_ended(uint32_t self);

/*
 * One yield, and whether it came back as soon as a lone vCPU's would. The
 * first call calibrates against a null hypercall.
 */
bool rt_yield_was_alone(void);

/* ---- exceptions */
struct rt_fault {
	uint64_t vector;
	uint64_t error; /* 0 for vectors without an error code */
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
	uint64_t cr2;
};

/* The last exception taken, whether expected or not. */
extern struct rt_fault rt_last_fault;

void rt_idt_init(void);

/*
 * Runs fn(arg). If it raises an exception, the handler records it in
 * rt_last_fault and resumes here as if fn had returned: expect_fault then
 * returns 1 and stores the vector in *vector (if not NULL). If fn returns
 * normally, returns 0. fn may leave ring 0 (rt_enter_user); the recovery
 * always lands back in ring 0 on the caller's stack. Not reentrant.
 */
int expect_fault(void (*fn)(void *), void *arg, int *vector);

/* "#UD" and so on, for messages. */
const char *rt_vector_name(uint64_t vector);

/* ---- GDT, TSS and ring 3 */

/* Loads a GDT with kernel and user segments and a TSS whose RSP0 is a
 * runtime stack, so that exceptions from ring 3 have a stack to land on. */
void rt_gdt_init(void);

/*
 * IRETQ to ring 3 at fn with RDI = arg and RSP = stack_top - 8 (the ABI's
 * alignment at a function's entry). RFLAGS is 0x2: IF = 0 and IOPL = 0, so
 * port I/O, CLI and HLT fault there. The only way back is an exception;
 * call it under expect_fault(). Needs rt_gdt_init().
 */
void rt_enter_user(void (*fn)(void *), void *arg, void *stack_top)
	__attribute__((noreturn));

#endif
