/* SPDX-License-Identifier: MIT */
/*
 * The guest kernel that every partition runs: it takes over from hv's
 * entry state (include/hv/start_info.h), runs each program hv copied into
 * the partition in ring 3, in its own address space, and serves their
 * system calls (uapi.h). docs/guest.md describes it from the outside.
 */
#ifndef GUEST_KERNEL_KERNEL_H
#define GUEST_KERNEL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/kernel/uapi.h"
#include "guest/kernel/x86.h"
#include "include/hv/start_info.h"

/*
 * Selectors of the kernel's GDT (desc.c). The kernel pair equals hv's
 * entry selectors, so nothing changes meaning when the GDT is replaced.
 * SYSRET takes its selectors from STAR[63:48] = 0x18: SS = 0x18 + 8 and
 * CS = 0x18 + 16, each with RPL 3 (SDM Vol. 2B, "SYSRET"); 0x18 itself
 * would be the 32-bit user code segment, which this kernel leaves null.
 */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_SYSRET_BASE 0x18
#define SEL_UDATA (0x20 | 3)
#define SEL_UCODE (0x28 | 3)
#define SEL_TSS 0x30 /* 16 bytes: 0x30 and 0x38 */

/* The vector field of a frame built by syscall_entry, not by the CPU. */
#define VEC_SYSCALL 256

/*
 * Interrupt vectors: the first one above the exceptions for the timer,
 * and for the APIC's spurious interrupt 0xff, a vector whose low four
 * bits are ones as older APICs require (SDM Vol. 3A, "Spurious
 * Interrupt").
 */
#define VEC_TIMER 32
#define VEC_SPURIOUS 255

/*
 * The length of a program's turn, in TSC ticks: hv's APIC timer counts
 * at the TSC rate with the divider at 1. Nothing in a partition can
 * measure that rate (hv denies the PIT and every other clock port), so it
 * is a constant, chosen so that a turn holds a few lines of output. Each
 * byte written costs two VM exits (LSR, THR), about 2,000 ticks in Bochs,
 * where hv measures the TSC at 4 MHz and every instruction, hv's too, is
 * one tick: a line takes about 100,000. A turn of 1,000,000 ticks is 250
 * ms by that measure, and 0.3 ms with a 3 GHz TSC. The cmdline word
 * tick=N sets another period.
 */
#define TIMER_DEFAULT_PERIOD 1000000u

#define MAX_PROCS HV_START_MAX_MODULES

/* What entry.asm leaves on a kernel stack, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* Pushed by the CPU (SDM Vol. 3A, "64-Bit Mode Stack Frame"). */
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct trap_frame) == 22 * 8, "matches entry.asm");

/*
 * Every kernel stack sits on top of a page the kernel leaves unmapped, so
 * that an overflow faults (and, for want of a stack, becomes a #DF on its
 * own IST stack) instead of overwriting whatever lies below.
 */
#define KSTACK_SIZE (4 * PAGE_SIZE)

struct kstack {
	uint8_t guard[PAGE_SIZE];
	uint8_t stack[KSTACK_SIZE];
} __attribute__((aligned(4096)));

enum {
	KSTACK_BOOT, /* kmain and the scheduler */
	KSTACK_DF, /* IST 1: double faults */
	KSTACK_PROC0, /* one per program from here */
	NR_KSTACKS = KSTACK_PROC0 + MAX_PROCS,
};

extern struct kstack kstacks[NR_KSTACKS];

static inline uint64_t kstack_top(int i)
{
	return (uint64_t)(uintptr_t)(kstacks[i].stack + KSTACK_SIZE);
}

/* ---- main.c */
extern struct hv_start_info start_info; /* a copy, taken first thing */

long hv_call(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3);
/* Powers off if this is the parent; otherwise, or if hv refuses, halts. */
void kernel_finish(void) __attribute__((noreturn));

/* ---- bench.c: the cmdline hook bench=kernel */
void kbench_run(void);

/* ---- console.c: the partition's COM1 */
void con_write(const char *s, size_t n);
/* Takes up to n bytes that COM1 has received; how many, 0 if none. */
size_t con_read(char *buf, size_t n);
/* Waits until the UART has sent everything, before a power-off. */
void con_drain(void);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* ---- desc.c: GDT, TSS, IDT and the SYSCALL MSRs */
void desc_init(void);
void syscall_init(void);
/* Where ring 3 enters ring 0, by exception or SYSCALL: a program's stack. */
void set_kernel_entry_stack(uint64_t top);

/* ---- mm.c: pages and address spaces */
void mm_init(uint64_t free_start, uint64_t ram_end);
uint64_t page_alloc(void); /* a zeroed page, or 0 */
void page_free(uint64_t pa);
uint64_t mm_free_pages(void);
uint64_t kernel_pml4(void);
/* A new address space holding only the kernel's mappings; 0 if no memory. */
uint64_t as_create(void);
/* Maps one user page; flags among PTE_W and PTE_NX. 0, or -1 if taken or
 * no memory for a table. */
int as_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags);
/* Frees the user pages, the tables and the PML4. */
void as_destroy(uint64_t pml4);
/* Whether [va, va + len) is mapped user-accessible (and writable). */
bool user_range_ok(uint64_t pml4, uint64_t va, uint64_t len, bool write);

/* ---- timer.c: the preemption tick */
/* Starts the periodic tick; false, with the reason printed, if it cannot. */
bool timer_start(uint32_t period);
void timer_stop(void);
/* Gives the next program's turn a whole period. */
void timer_restart(void);
/* The tick's period in TSC ticks; 0 while the timer is stopped. */
uint32_t timer_period_ticks(void);
/* Halts until the next interrupt, with nothing else of the kernel to do. */
void timer_idle(void);
/* Ends the interrupt in service, if the APIC is on. */
void apic_eoi(void);
/* The tick's interrupt, from frame f. */
void timer_interrupt(const struct trap_frame *f);

/* ---- proc.c: programs and the scheduler */
struct proc {
	int pid;
	enum {
		PROC_FREE,
		PROC_READY,
		PROC_RUNNING,
		PROC_WAITING, /* for the end of program wait_pid */
		PROC_NAPPING, /* until nap_end, or the next tick (proc_nap) */
		PROC_DEAD,
	} state;
	char name[sizeof(((struct hv_start_module *)0)->name)];
	uint64_t pml4;
	uint64_t ksp; /* saved kernel RSP while switched out */
	int kstack;
	int wait_pid;
	uint64_t nap_end; /* TSC */
	unsigned long preemptions; /* turns the timer ended */
};

extern struct proc *current;

void proc_create(const struct hv_start_module *m);
/* Runs the programs until none can run; returns how many still wait. */
int sched_run(void);
long proc_yield(void);
long proc_nap(void);
/* The tick ended the current program's turn. */
void proc_preempt(void);
long proc_wait(long pid);
void proc_exit(int status) __attribute__((noreturn));
/* The current program raised exception f: report it and end the program. */
void proc_kill(const struct trap_frame *f) __attribute__((noreturn));

/* ---- trap.c */
void trap(struct trap_frame *f);
/* "#GP general protection" and so on. */
const char *vector_name(uint64_t vector);
bool vector_has_error(uint64_t vector);

/* ---- syscall.c */
void syscall_handler(struct trap_frame *f);

/* ---- entry.asm */
extern const uint64_t trap_stubs[256];
extern const char trap_return[];
void syscall_entry(void);
void ctx_switch(uint64_t *save_rsp, uint64_t rsp);

#endif
