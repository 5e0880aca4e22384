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

static __attribute__((noinline)) void nothing(void)
{
	asm volatile("" : : : "memory");
}

static __attribute__((noinline)) void op_cpuid(void)
{
	(void)cpuid(0, 0);
}

/* The VMCALL inline, as in hv_call but without its call and return. */
static __attribute__((noinline)) void op_hypercall(void)
{
	long ret;

	asm volatile("vmcall"
		     : "=a"(ret)
		     : "a"((uint64_t)HV_HC_VERSION)
		     : "memory");
}

static __attribute__((noinline)) void op_port_write(void)
{
	outb(COM1_SCRATCH, 0x5a);
}

void kbench_run(void)
{
	kprintf("bench: kernel_cpuid %lu\n",
		(unsigned long)bench_per_op(op_cpuid, nothing));
	kprintf("bench: kernel_hypercall %lu\n",
		(unsigned long)bench_per_op(op_hypercall, nothing));
	kprintf("bench: kernel_port_write %lu\n",
		(unsigned long)bench_per_op(op_port_write, nothing));
}
