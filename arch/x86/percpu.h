/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU block. Each CPU's GS base points at its own block, whose
 * first member points at itself, so this_cpu() is one load. It exists from
 * the first instruction of the core, even while only the boot CPU runs.
 */
#ifndef ARCH_X86_PERCPU_H
#define ARCH_X86_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"

struct vcpu;

#define HV_STACK_SIZE (16 * 1024)
#define HV_IST_SIZE (8 * 1024)

/* IST slots: faults that must not run on a possibly broken stack. */
enum { IST_NMI = 1, IST_DOUBLE_FAULT = 2, IST_MACHINE_CHECK = 3, IST_COUNT = 3 };

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

#define GDT_CODE 0x08
#define GDT_DATA 0x10
#define GDT_TSS 0x18
#define GDT_ENTRIES 5 /* null, code, data, and the 16-byte TSS descriptor */

struct idt_gate {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
} __attribute__((packed));

struct percpu {
	struct percpu *self; /* must stay first: this_cpu() reads %gs:0 */
	uint32_t index; /* 0 for the boot CPU */
	uint32_t apic_id;
	uint64_t vmxon_pa; /* 0 while the CPU is not in VMX operation */
	uint32_t state; /* enum cpu_state, written by the CPU itself */
	uint8_t boot_tpr; /* the TPR as hv found it, to prove guests never touch it */
	bool idle; /* halted in the scheduler, waiting for work or a kick */
	struct vcpu *current; /* the vCPU this CPU runs, for panic reports */
	/* hv's IPIs are NMIs (arch/x86/smp.c); set by the sender first. */
	uint32_t nmi_pending;
	/* Bumped by every kick before its NMI: an idle wait that read it
	 * before its last check does not halt if it moved (lapic.c). */
	uint32_t wake_seq;
	/* Takes requests that need VMX operation (smp_call_vmx); cleared
	 * under call_lock before VMXOFF (smp_vmx_off). */
	bool vmx_requests;
	/* One request from another CPU at a time (smp_call): the caller
	 * holds call_lock, sets fn and arg, bumps call_seq and sends an NMI;
	 * this CPU claims it (call_taken), runs it and sets call_done. */
	struct spinlock call_lock;
	void (*call_fn)(void *arg);
	void *call_arg;
	uint32_t call_seq, call_taken, call_done;
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
	struct idt_gate idt[256] __attribute__((aligned(16)));
	uint8_t ist_stacks[IST_COUNT][HV_IST_SIZE] __attribute__((aligned(16)));
	uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
};

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}


#endif
