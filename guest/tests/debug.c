// SPDX-License-Identifier: MIT
/*
 * Debug exceptions through hv. hv intercepts #DB (so that no #DB loop can
 * hold a CPU) and reflects each one, and it completes CPUID and VMCALL
 * itself: the guest must see what a CPU would show it.
 * - A single step (RFLAGS.TF) over CPUID and over VMCALL traps right after
 *   that instruction, with DR6.BS set (SDM Vol. 3B, "Single-Step
 *   Exception Condition"): hv leaves the trap pending after an
 *   instruction it completes.
 * - A data breakpoint (DR0, DR7) traps after the store with DR6.B0 set.
 * - A general detect (DR7.GD, then MOV to a debug register) faults at the
 *   MOV with DR6.BD set and DR7.GD clear.
 * - ICEBP (INT1) reaches the #DB handler right after its one byte.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

#include "include/hv/hypercall.h"

const char test_name[] = "debug";

#define VEC_DB 1
#define DR6_B0 (1ull << 0)
#define DR6_BD (1ull << 13)
#define DR6_BS (1ull << 14)
#define DR7_GD (1ull << 13)
#define DR6_INIT 0xffff0ff0ull

extern const char dbg_after_cpuid[], dbg_after_vmcall[], dbg_after_store[],
	dbg_after_icebp[], dbg_at_movdr[];

static void step_cpuid(void *arg)
{
	uint64_t leaf = 0;

	(void)arg;
	/* POPF sets TF: the trap comes after the instruction that follows. */
	asm volatile("pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     "cpuid\n"
		     ".globl dbg_after_cpuid\n"
		     "dbg_after_cpuid:\n\t"
		     "nop\n\t"
		     "nop"
		     : "+a"(leaf)
		     : "c"(0)
		     : "rbx", "rdx", "memory", "cc");
}

static void step_vmcall(void *arg)
{
	uint64_t nr = HV_HC_YIELD;

	(void)arg;
	asm volatile("pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     "vmcall\n"
		     ".globl dbg_after_vmcall\n"
		     "dbg_after_vmcall:\n\t"
		     "nop\n\t"
		     "nop"
		     : "+a"(nr)
		     :
		     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		       "memory", "cc");
}

static volatile uint64_t watched;

static void store_watched(void *arg)
{
	(void)arg;
	asm volatile("movq $1, %0\n"
		     ".globl dbg_after_store\n"
		     "dbg_after_store:\n\t"
		     "nop"
		     : "=m"(watched)
		     :
		     : "memory");
}

static void icebp(void *arg)
{
	(void)arg;
	asm volatile(".byte 0xf1\n"
		     ".globl dbg_after_icebp\n"
		     "dbg_after_icebp:\n\t"
		     "nop" ::: "memory");
}

static void mov_dr_detected(void *arg)
{
	(void)arg;
	asm volatile(".globl dbg_at_movdr\n"
		     "dbg_at_movdr:\n\t"
		     "mov %0, %%dr0"
		     :
		     : "r"(0ull)
		     : "memory");
}

/*
 * Runs fn, which must raise #DB at rip with every bit of dr6_set in DR6.
 * The caller has set DR6 to its initial value (with DR7.GD set, no MOV DR
 * may come between).
 */
static void check(const char *name, void (*fn)(void *), const char *rip,
		  uint64_t dr6_set)
{
	int vector = -1;
	uint64_t dr6;

	if (!expect_fault(fn, NULL, &vector)) {
		test_fail(name, "no exception at all");
		return;
	}
	dr6 = read_dr6();
	if (vector != VEC_DB)
		test_fail(name, "%s, want #DB", rt_vector_name(vector));
	else if (rt_last_fault.rip != (uint64_t)(uintptr_t)rip)
		test_fail(name, "#DB at rip 0x%lx, want 0x%lx",
			  (unsigned long)rt_last_fault.rip,
			  (unsigned long)(uintptr_t)rip);
	else if ((dr6 & dr6_set) != dr6_set)
		test_fail(name, "DR6 0x%lx lacks 0x%lx", (unsigned long)dr6,
			  (unsigned long)dr6_set);
	else
		test_pass(name);
}

void test_main(const struct hv_start_info *si)
{
	(void)si;
	write_dr6(DR6_INIT);
	check("debug-step-cpuid", step_cpuid, dbg_after_cpuid, DR6_BS);
	write_dr6(DR6_INIT);
	check("debug-step-vmcall", step_vmcall, dbg_after_vmcall, DR6_BS);

	/* DR0 on `watched`, write-only (R/W0 = 01), 8 bytes (LEN0 = 10). */
	write_dr0((uint64_t)(uintptr_t)&watched);
	write_dr7(DR7_INIT | 1 | (1ull << 16) | (2ull << 18));
	write_dr6(DR6_INIT);
	check("debug-data-breakpoint", store_watched, dbg_after_store, DR6_B0);
	write_dr7(DR7_INIT);

	write_dr6(DR6_INIT);
	check("debug-icebp", icebp, dbg_after_icebp, 0);

	write_dr6(DR6_INIT);
	write_dr7(DR7_INIT | DR7_GD);
	check("debug-general-detect", mov_dr_detected, dbg_at_movdr, DR6_BD);
	if (read_dr7() & DR7_GD)
		test_fail("debug-gd-cleared", "DR7 0x%lx still has GD",
			  (unsigned long)read_dr7());
	else
		test_pass("debug-gd-cleared");
	write_dr7(DR7_INIT);
}
