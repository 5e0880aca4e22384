// SPDX-License-Identifier: MIT
/*
 * The cmdline word bench=kernel: before it runs its programs, the kernel
 * times in ring 0 the exits a guest kernel makes most often and prints
 * each figure as "bench: NAME TICKS" (docs/benchmarks.md). The
 * partition's cmdline should also say tick=0, so that no timer interrupt
 * lands in a timed loop.
 */
#include "guest/include/bench.h"
#include "guest/kernel/kernel.h"
#include "include/hv/hypercall.h"

#define COM1_SCRATCH 0x3ffu /* the 16550's scratch register: no output */

/*
 * Each operation is timed against a baseline made of the same
 * instructions but one: where the operation has the instruction that
 * exits, the baseline has a NOP. The compiler emits the same code around
 * both, since the constraints are the same. Under Bochs the difference
 * is then exactly what the exit costs beyond one instruction that does
 * not exit: hv's instructions, from the first of its exit path to its
 * VMRESUME. tools/bench.py checks in the built kernel that each pair
 * differs in that one instruction only.
 */
static __attribute__((noinline)) void op_cpuid(void)
{
	asm volatile("cpuid" : : "a"(0), "c"(0) : "rbx", "rdx", "memory");
}

static __attribute__((noinline)) void base_cpuid(void)
{
	asm volatile("nop" : : "a"(0), "c"(0) : "rbx", "rdx", "memory");
}

static __attribute__((noinline)) void op_hypercall(void)
{
	asm volatile("vmcall" : : "a"((uint64_t)HV_HC_VERSION) : "memory");
}

static __attribute__((noinline)) void base_hypercall(void)
{
	asm volatile("nop" : : "a"((uint64_t)HV_HC_VERSION) : "memory");
}

static __attribute__((noinline)) void op_port_write(void)
{
	asm volatile("outb %%al, %%dx"
		     :
		     : "a"(0x5a), "d"(COM1_SCRATCH)
		     : "memory");
}

static __attribute__((noinline)) void base_port_write(void)
{
	asm volatile("nop" : : "a"(0x5a), "d"(COM1_SCRATCH) : "memory");
}

void kbench_run(void)
{
	kprintf("bench: kernel_cpuid %lu\n",
		(unsigned long)bench_per_op(op_cpuid, base_cpuid));
	kprintf("bench: kernel_hypercall %lu\n",
		(unsigned long)bench_per_op(op_hypercall, base_hypercall));
	kprintf("bench: kernel_port_write %lu\n",
		(unsigned long)bench_per_op(op_port_write, base_port_write));
}
