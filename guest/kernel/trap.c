// SPDX-License-Identifier: MIT
/*
 * Exceptions and interrupts. An exception from ring 3 is the program's
 * fault, and ends the program; one from ring 0 is a kernel bug, and ends
 * the partition after a dump. The timer's interrupt goes to timer.c.
 */
#include "guest/kernel/kernel.h"

/* The vectors for which the CPU pushes an error code (SDM Vol. 3A,
 * "Exception and Interrupt Reference"). */
#define ERRCODE_MASK ((1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) | \
		      (1u << 13) | (1u << 14) | (1u << 17) | (1u << 21) | \
		      (1u << 29) | (1u << 30))

#define BACKTRACE_MAX 16

static const char *const vector_names[32] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range exceeded",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack-segment fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 floating-point error",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating-point exception",
	[20] = "#VE virtualization exception",
	[21] = "#CP control protection",
};

const char *vector_name(uint64_t vector)
{
	if (vector < 32 && vector_names[vector])
		return vector_names[vector];
	return vector < 32 ? "reserved exception" : "interrupt";
}

bool vector_has_error(uint64_t vector)
{
	return vector < 32 && ((ERRCODE_MASK >> vector) & 1);
}

static bool on_kernel_stack(uint64_t p)
{
	uint64_t base = (uint64_t)(uintptr_t)kstacks;

	return p >= base && p + 16 <= base + sizeof(kstacks) && !(p & 7);
}

/* Follows the frame-pointer chain (kernel.mk keeps frame pointers). */
static void backtrace(uint64_t rbp)
{
	kprintf("kernel:   backtrace:");
	for (int i = 0; i < BACKTRACE_MAX && on_kernel_stack(rbp); i++) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;

		kprintf(" 0x%lx", (unsigned long)frame[1]);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
	kprintf("\n");
}

static void kernel_fault(const struct trap_frame *f)
{
	static bool dumping;

	/* A fault while dumping one would only loop. */
	if (dumping)
		halt_forever();
	dumping = true;
	kprintf("kernel: panic: %s in the kernel (vector %lu), error 0x%lx, at rip 0x%lx, cr2 0x%lx\n",
		vector_name(f->vector), (unsigned long)f->vector,
		(unsigned long)f->error, (unsigned long)f->rip,
		(unsigned long)read_cr2());
	kprintf("kernel:   rax 0x%lx rbx 0x%lx rcx 0x%lx rdx 0x%lx\n",
		(unsigned long)f->rax, (unsigned long)f->rbx,
		(unsigned long)f->rcx, (unsigned long)f->rdx);
	kprintf("kernel:   rsi 0x%lx rdi 0x%lx rbp 0x%lx rsp 0x%lx\n",
		(unsigned long)f->rsi, (unsigned long)f->rdi,
		(unsigned long)f->rbp, (unsigned long)f->rsp);
	kprintf("kernel:   r8 0x%lx r9 0x%lx r10 0x%lx r11 0x%lx\n",
		(unsigned long)f->r8, (unsigned long)f->r9,
		(unsigned long)f->r10, (unsigned long)f->r11);
	kprintf("kernel:   r12 0x%lx r13 0x%lx r14 0x%lx r15 0x%lx\n",
		(unsigned long)f->r12, (unsigned long)f->r13,
		(unsigned long)f->r14, (unsigned long)f->r15);
	kprintf("kernel:   cs 0x%lx ss 0x%lx rflags 0x%lx cr3 0x%lx, program %s\n",
		(unsigned long)f->cs, (unsigned long)f->ss,
		(unsigned long)f->rflags, (unsigned long)read_cr3(),
		current ? current->name : "none");
	backtrace(f->rbp);
	/* HLT with interrupts off: hv stops the partition and says so. */
	halt_forever();
}

void trap(struct trap_frame *f)
{
	if (f->vector == VEC_TIMER) {
		timer_interrupt(f);
		return;
	}
	/* The APIC sets no in-service bit for it, so it takes no EOI (SDM
	 * Vol. 3A, "Spurious Interrupt"). */
	if (f->vector == VEC_SPURIOUS)
		return;
	if (f->vector >= 32) {
		/* The timer is the kernel's only interrupt source. */
		kprintf("kernel: unexpected interrupt, vector %lu\n",
			(unsigned long)f->vector);
		/* In service, it would hold back the timer's lower vector. */
		apic_eoi();
		return;
	}
	/* A #DF is the kernel's even when ring 3 was running: it means the
	 * kernel could not deliver the first fault. */
	if ((f->cs & 3) == 3 && f->vector != VEC_DF && current)
		proc_kill(f);
	kernel_fault(f);
}
