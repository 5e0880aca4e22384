/* SPDX-License-Identifier: MIT */
/*
 * The contract between hv/ and the architecture code: everything hv/
 * asks of arch/x86, and all that hv/ includes of it. arch/x86 implements
 * every function here; it reaches hv/ only through hv/vcpu.h, hv/log.h
 * and the upcalls hv/partition.h and hv/policy.h declare (a vCPU's fault,
 * its halt, whether it must leave its CPU, the hypercall and CPUID
 * policy). The contract is crossed once per time slice (vcpu_arch_run),
 * not once per exit: what the exit path calls of hv/ is inline.
 *
 * A second implementation, arch/fake/, runs hv/ on the host for its unit
 * tests (docs/testing.md): built with -DHV_FAKE_ARCH, hv/ gets the fake's
 * types and primitives in place of arch/x86's, here and nowhere else.
 */
#ifndef HV_ARCH_H
#define HV_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#ifdef HV_FAKE_ARCH
#include "arch/fake/arch.h"
#else
#include "arch/x86/arch.h"
#endif
/* The test-only mutants (tests/unit/unit.mk) break hv on purpose, to
 * show that its host tests catch each break: never on the real arch. */
#if !defined(HV_FAKE_ARCH) &&                                           \
	(defined(HV_MUTANT_PINNING) || defined(HV_MUTANT_POOL_LEAK) || \
	 defined(HV_MUTANT_CHILD_MGMT))
#error "HV_MUTANT_* switches are for the host tests on arch/fake only"
#endif
/* Exit reasons by name, for reports and traces: a table that guest
 * programs share (pm prints them), so it keeps a header of its own. */
#include "arch/x86/vmx_names.h"
#include "hv/boot_info.h"
#include "hv/palloc.h"

struct partition;
struct vcpu;
struct hv_port_range;

/* Start-up, on the boot CPU, in this order (hv/main.c). */
/* Loads this CPU's GDT, TSS and IDT, and points GS at pc. */
void cpu_init_descriptors(struct percpu *pc);
/*
 * Maps the local APIC, masks the legacy PIC and the firmware's LAPIC
 * timer, and readies the timer hv idles with.
 */
void lapic_init(uint64_t tsc_hz);
/*
 * Puts this CPU in VMX root operation (SDM "Enabling and Entering VMX
 * Operation"). Returns 0, or a negative code after printing why.
 */
int vmx_on(struct percpu *pc);
/*
 * Reads the VMX capability MSRs once, checks every capability hv needs
 * and works out the control values. Panics naming what is missing: the
 * loader checked already, so a miss here is a broken invariant.
 */
void vmx_caps_init(void);
/*
 * After vmx_caps_init: reads what the VM-entry checker needs of the CPU
 * and turns the check before every entry (and the recording of entry
 * images) on as the manifest's entry_check and entry_record say
 * (docs/vmcheck.md).
 */
void vmcheck_setup(const struct hv_manifest *m);
/* The final report's line of the check: entries checked, rules broken,
 * and its cost. */
void vmcheck_report(void);
/*
 * Starts every other CPU the loader listed, up to max_cpus in all, and
 * waits until each is in VMX root or has failed. Returns how many CPUs
 * hv runs, the boot CPU included.
 */
uint32_t smp_start(struct percpu *boot, const struct hv_boot_info *bi,
		   uint32_t max_cpus);

/* Lets the other CPUs run partitions with time slices of slice ticks. */
void smp_release(uint64_t slice);

/* Waits until every other CPU has left VMX operation. */
void smp_wait_done(void);

/*
 * Leaves VMX operation on this CPU, pc: answers what is in flight, stops
 * taking VMX requests, invalidates every EPT and VPID translation, then
 * VMXOFF. Returns vmx_off's result.
 */
int smp_vmx_off(struct percpu *pc);

/* CPUs: kicks, cross-CPU calls, idling. */
/* How many CPUs hv runs, and the per-CPU block of CPU n. */
uint32_t smp_cpu_count(void);

struct percpu *smp_cpu(uint32_t n);

/* An IPI (an NMI) that makes CPU n leave guest mode or idle at once. */
void smp_kick(uint32_t n);

/*
 * Runs fn(arg) on CPU n and returns when it has. While it waits, this CPU
 * answers requests sent to it, so two CPUs calling each other cannot
 * deadlock.
 */
void smp_call(uint32_t n, void (*fn)(void *arg), void *arg);

/*
 * The same for a request that needs VMX operation on CPU n (INVEPT,
 * INVVPID, VMCLEAR): returns false without running it if CPU n has left
 * VMX operation, where nothing such a request would flush is cached
 * (smp_vmx_off).
 */
bool smp_call_vmx(uint32_t n, void (*fn)(void *arg), void *arg);
/*
 * Halts this CPU, interrupts on, until the TSC reaches tsc or any
 * interrupt or kick arrives; UINT64_MAX waits for a kick only. seen is
 * cpu_wake_seq() read before the caller last looked at what it waits
 * for: a kick sent since then makes this return at once, so no kick is
 * lost between the caller's check and the HLT (docs/architecture.md).
 */
void cpu_idle_until(uint64_t tsc, uint32_t seen);

uint32_t cpu_wake_seq(void);

/* The host's task priority now, and as hv found it at start-up. */
uint8_t lapic_tpr(void);

uint8_t lapic_boot_tpr(void);

/* Power. */
/* Powers the machine off the way the loader found; halts if that fails. */
void power_off(const struct hv_poweroff *p) __attribute__((noreturn));

/* hv's own memory. */
/*
 * Builds hv's own page tables and loads them: the image's code
 * read-execute, its read-only data read-only, its data and the pool
 * read-write, and nothing else. hv runs 1:1 (virtual = physical). Panics
 * if the CPU lacks no-execute or memory runs out: hv cannot run without.
 */
void paging_init_host(uint64_t image_base, uint64_t image_size,
		      uint64_t pool_base, uint64_t pool_size,
		      struct palloc *pool);

/* Adds a read-only, no-execute mapping of [start, start + size). */
void paging_map_readonly(uint64_t start, uint64_t size, const char *what);

/* Panic. */
/* The first CPU to panic calls this: it stops every other CPU by NMI and
 * waits briefly for each to print its state. */
void smp_panic_stop_others(void);

/* True if this CPU may go on panicking; false if another CPU already is,
 * in which case it has been stopped and this never returns. */
bool smp_panic_claim(void);
/* Prints the return addresses found by walking the RBP chain. */
void backtrace_from(uint64_t rbp);

/* A partition's address space: EPT over its RAM, and its I/O bitmaps. */
/*
 * Builds p's EPT, mapping its RAM (p->ram_hpa, p->ram_size) at
 * guest-physical 0, and I/O bitmaps in which every port exits but the
 * count ranges granted. Pages come from hv's pool under p's owner id.
 * Returns 0 or a negative HV_E* code; partition_arch_release undoes a
 * partial build.
 */
int partition_arch_init(struct partition *p, const struct hv_port_range *ports,
			uint32_t count);
/* Gives back what partition_arch_init took; no CPU may run p's vCPUs. */
void partition_arch_release(struct partition *p);

/* vCPUs. */
enum vcpu_outcome {
	VCPU_PREEMPTED, /* its time slice ended; it can run again */
	VCPU_STOPPED, /* the partition stopped; hv/ has the report */
	VCPU_POWEROFF, /* the parent asked to power off */
};

/* The XSAVE components every vCPU's state is switched with (XCR0 bits):
 * the only ones a guest may enable, and the only ones CPUID shows. */
uint64_t vcpu_arch_xfeatures(void);

/* Allocates the vCPU's VMCS and other pages; v->part and v->id are set. */
int vcpu_arch_alloc(struct vcpu *v);

/*
 * Fills the vCPU's VMCS for a 64-bit entry at rip with the given RSP, CR3
 * and RDI, leaving it clear (so any CPU may launch it) and the VMCS that
 * was current before current again.
 */
int vcpu_arch_init(struct vcpu *v, uint64_t rip, uint64_t rdi, uint64_t rsp,
		   uint64_t cr3);

/*
 * A pc partition's vCPU (docs/platform.md) starts in one of these, with
 * unrestricted guest, and may go on to any mode a CPU allows.
 */
enum vcpu_pc_mode {
	/* A multiboot entry: 32-bit protected mode, paging off, CS a flat
	 * 32-bit code segment and the others flat data, from a GDT the
	 * loader wrote. */
	VCPU_PC_PROTECTED32,
	/* Real mode as a start-up IPI leaves it: CS = cs_selector (base
	 * cs_selector << 4), IP = eip, the other segments 0. */
	VCPU_PC_REAL,
	/* Linux's 64-bit boot protocol: IA-32e mode, paging on with CR3 =
	 * cr3 (the loader's identity map), CS a 64-bit code segment of the
	 * loader's GDT, RSI = esi. */
	VCPU_PC_LONG64,
};

struct vcpu_pc_entry {
	enum vcpu_pc_mode mode;
	uint32_t eip, esp;
	uint32_t eax, ebx, edx, esi;
	uint32_t cr3; /* LONG64 */
	uint32_t gdt_base, gdt_limit; /* PROTECTED32, LONG64 */
	uint16_t code_sel, data_sel; /* PROTECTED32, LONG64: in that GDT */
	uint16_t cs_selector; /* REAL */
};

/* Whether RDTSCP (and with it TSC_AUX) runs in the vCPU: pc vCPUs, on
 * CPUs whose VMX lets it (hv/cpuid.c shows it then). */
bool vcpu_arch_rdtscp(const struct vcpu *v);

/* The guest-physical address width CPUID shows (reserved-bit checks). */
uint8_t vcpu_arch_maxphyaddr(void);

/* NULL if this CPU can run pc vCPUs, else what it lacks. */
const char *vcpu_arch_pc_missing(void);

/* Fills the vCPU's VMCS for a pc entry, as vcpu_arch_init does for hv's
 * 64-bit one, leaving it clear and the caller's VMCS current. */
int vcpu_arch_init_pc(struct vcpu *v, const struct vcpu_pc_entry *e);

/* On the CPU where the vCPU's VMCS is active: VMCLEARs it, so that it
 * is active nowhere and may next be launched on any CPU. */
void vcpu_arch_leave(struct vcpu *v);

/* Drops the cached translations of the vCPU (EPT and VPID) on the CPU
 * this runs on, if the vCPU was ever set up: called on every CPU that
 * ran it before its partition's memory is given back. */
void vcpu_arch_flush(struct vcpu *v);

/* Frees the VMCS, which must be clear, and the vCPU's other pages. */
void vcpu_arch_release(struct vcpu *v);

/*
 * Runs the vCPU, handling its exits, for at most slice TSC ticks (time
 * spent in hv counts too), or until its partition stops.
 */
enum vcpu_outcome vcpu_arch_run(struct vcpu *v, uint64_t slice);

/* The longest slice in TSC ticks: what the VMX-preemption timer's 32 bits
 * can count at once. */
uint64_t vcpu_arch_max_slice(void);

/*
 * This CPU took a kick (an NMI) in hv: the vCPU it runs, if any, exits
 * right after its next entry, so that vcpu_arch_run looks again at why
 * it was kicked.
 */
void vcpu_arch_kicked(void);

/* Prints the guest's registers and the exit information. */
void vcpu_arch_dump(struct vcpu *v);

/*
 * The guest's CR4 as the guest sees it, and its XCR0: what CPUID's
 * OSXSAVE and OSPKE bits follow (hv/cpuid.c). Called during the vCPU's
 * exit, on its CPU.
 */
uint64_t vcpu_arch_guest_cr4(const struct vcpu *v);
uint64_t vcpu_arch_xcr0(const struct vcpu *v);

#endif
