// SPDX-License-Identifier: MIT
/*
 * The test guests' IDT and exception handler. An exception either belongs
 * to a check that asked for it (expect_fault) and resumes there, or is a
 * failure of the whole guest and is reported before power-off.
 */
#include "guest/tests/rt/rt.h"

#include "guest/tests/rt/x86.h"

/* What entry.asm's trap_common leaves on the stack, lowest address first. */
struct rt_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* Pushed by the CPU (SDM Vol. 3A, "64-Bit Mode Stack Frame"). */
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct rt_frame) == 22 * 8, "matches trap_common");

extern const uint64_t rt_trap_stubs[32];
long rt_try(void (*fn)(void *), void *arg, uint64_t *resume_rsp,
	    uint64_t *resume_rflags);
extern const char rt_try_resume[];
void rt_trap(struct rt_frame *f);

static struct idt_gate idt[32] __attribute__((aligned(16)));

struct rt_fault rt_last_fault;

/* Set around rt_try(): the handler resumes there instead of reporting. */
static volatile bool armed;
static uint64_t resume_rsp, resume_rflags;

static const char *const vector_names[32] = {
	[0] = "#DE", [1] = "#DB", [2] = "NMI", [3] = "#BP",
	[4] = "#OF", [5] = "#BR", [6] = "#UD", [7] = "#NM",
	[8] = "#DF", [9] = "CSO", [10] = "#TS", [11] = "#NP",
	[12] = "#SS", [13] = "#GP", [14] = "#PF", [16] = "#MF",
	[17] = "#AC", [18] = "#MC", [19] = "#XM", [20] = "#VE",
	[21] = "#CP",
};

const char *rt_vector_name(uint64_t vector)
{
	if (vector < 32 && vector_names[vector])
		return vector_names[vector];
	return "reserved";
}

void rt_idt_init(void)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	for (int v = 0; v < 32; v++)
		set_idt_gate(&idt[v], rt_trap_stubs[v], RT_SEL_KCODE, 0,
			     GATE_INTERRUPT);
	/* Vectors 32..255 are beyond the limit: nothing should raise them with
	 * interrupts off, and if something does, the #GP that follows is
	 * reported like any other fault. */
	asm volatile("lidt %0" : : "m"(idtr) : "memory");
}

int expect_fault(void (*fn)(void *), void *arg, int *vector)
{
	long v;

	armed = true;
	v = rt_try(fn, arg, &resume_rsp, &resume_rflags);
	armed = false;
	if (v < 0)
		return 0;
	if (vector)
		*vector = (int)v;
	return 1;
}

static void record(const struct rt_frame *f)
{
	rt_last_fault.vector = f->vector;
	rt_last_fault.error = f->error;
	rt_last_fault.rip = f->rip;
	rt_last_fault.cs = f->cs;
	rt_last_fault.rflags = f->rflags;
	rt_last_fault.rsp = f->rsp;
	rt_last_fault.ss = f->ss;
	rt_last_fault.cr2 = f->vector == VEC_PF ? read_cr2() : 0;
}

void rt_trap(struct rt_frame *f)
{
	static bool reporting;

	record(f);
	if (armed) {
		armed = false;
		/*
		 * IRETQ to rt_try_resume in ring 0 on rt_try's stack, with
		 * RAX = the vector as its return value. The frame may come
		 * from ring 3; a CPL 0 IRETQ in 64-bit mode pops SS:RSP either
		 * way (SDM Vol. 2A, "IRET/IRETD/IRETQ").
		 */
		f->rip = (uint64_t)(uintptr_t)rt_try_resume;
		f->cs = RT_SEL_KCODE;
		f->rflags = resume_rflags;
		f->rsp = resume_rsp;
		f->ss = RT_SEL_KDATA;
		f->rax = f->vector;
		return;
	}
	/* A fault while reporting one would only loop. */
	if (reporting)
		rt_halt();
	reporting = true;
	rt_printf("TEST %s: FAIL unexpected %s (vector %lu) error 0x%lx at "
		  "rip 0x%lx cs 0x%lx rsp 0x%lx cr2 0x%lx\n",
		  test_name, rt_vector_name(f->vector),
		  (unsigned long)f->vector, (unsigned long)f->error,
		  (unsigned long)f->rip, (unsigned long)f->cs,
		  (unsigned long)f->rsp, (unsigned long)rt_last_fault.cr2);
	shutdown();
}
