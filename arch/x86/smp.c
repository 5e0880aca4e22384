// SPDX-License-Identifier: MIT
#include "arch/x86/smp.h"

#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/lapic.h"
#include "arch/x86/paging.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmx.h"
#include "hv/log.h"
#include "hv/upcall.h"
#include "hv/mem.h"
#include "lib/string.h"

/* The parameter block at the start of the trampoline (trampoline.asm). */
struct ap_tramp {
	uint8_t jump[8];
	uint32_t pm_off, lm_off, gdt_off, reserved;
	uint64_t cr3, cr4, cr0, efer;
	uint64_t stack;
	uint64_t percpu;
	uint64_t entry;
	uint32_t pm_jump;
	uint16_t pm_cs, pad0;
	uint32_t lm_jump;
	uint16_t lm_cs, pad1;
	uint16_t gdt_limit;
	uint32_t gdt_base;
	uint16_t pad2;
} __attribute__((packed));
_Static_assert(sizeof(struct ap_tramp) == 104, "matches trampoline.asm");

extern const uint8_t ap_trampoline[], ap_trampoline_end[];

#define ICR_INIT 0x4500u /* INIT, level assert */
#define ICR_STARTUP 0x4600u /* start-up IPI; the low byte names the page */

static struct percpu *cpus[HV_MAX_RUN_CPUS];
static uint32_t cpu_count = 1;
static uint64_t tsc_hz;
static uint64_t run_slice;
static bool go;
/* The CPU that panicked first, and how many others have reported. */
static uint32_t panic_cpu = HV_CPU_NONE;
static uint32_t panic_reports;

uint32_t smp_cpu_count(void)
{
	return cpu_count;
}

struct percpu *smp_cpu(uint32_t n)
{
	return n < cpu_count ? cpus[n] : NULL;
}

static uint32_t load_state(const struct percpu *pc)
{
	return __atomic_load_n(&pc->state, __ATOMIC_ACQUIRE);
}

static bool move_state(struct percpu *pc, enum cpu_state from,
		       enum cpu_state to)
{
	return cpu_state_move(&pc->state, from, to);
}

static const char *state_name(uint32_t s)
{
	static const char *const names[] = {
		[CPU_OFF] = "off", [CPU_ARRIVED] = "arrived",
		[CPU_READY] = "ready", [CPU_FAILED] = "failed",
		[CPU_DONE] = "done", [CPU_ABANDONED] = "abandoned",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_hz / 1000000 * us;

	while (rdtsc() < end)
		cpu_relax();
}

/* Waits up to ms milliseconds for pc to reach at least state s. */
static bool wait_state(const struct percpu *pc, enum cpu_state s,
		       uint64_t ms)
{
	uint64_t end = rdtsc() + tsc_hz / 1000 * ms;

	while (load_state(pc) < s)
		if (rdtsc() > end)
			return false;
		else
			cpu_relax();
	return true;
}

/* This CPU's APIC ID as the firmware set it, from CPUID: the local APIC
 * may not be in hv's mode yet. */
static uint32_t cpuid_apic_id(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 0xb) {
		cpuid(0xb, 0, &a, &b, &c, &d);
		if (b)
			return d; /* the x2APIC ID */
	}
	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

static __attribute__((noreturn)) void ap_refused(struct percpu *pc)
{
	pr_err("smp: the cpu with apic id %u came up after the boot CPU gave up on it: parked, not run",
	       pc->apic_id);
	cpu_halt_forever();
}

/* An AP's first C code, on its own stack, with hv's page tables. */
static __attribute__((noreturn, used)) void ap_main(struct percpu *pc)
{
	uint32_t seen;

	/*
	 * An AP so late that the boot CPU has moved on to the next one reads
	 * that one's block from the trampoline: it must not touch it, and
	 * cannot even print without a GS base of its own.
	 */
	if (cpuid_apic_id() != pc->apic_id)
		cpu_halt_forever();
	cpu_init_descriptors(pc);
	if (!move_state(pc, CPU_OFF, CPU_ARRIVED))
		ap_refused(pc);
	if (lapic_init_ap()) {
		pr_err("cpu %u: its local APIC is in x2APIC mode and the boot CPU's is not",
		       pc->index);
		move_state(pc, CPU_ARRIVED, CPU_FAILED);
		cpu_halt_forever();
	}
	if (vmx_on(pc)) {
		move_state(pc, CPU_ARRIVED, CPU_FAILED);
		cpu_halt_forever();
	}
	if (!move_state(pc, CPU_ARRIVED, CPU_READY)) {
		/* INIT is blocked in VMX root operation (SDM "VMX Root
		 * Operation"): the boot CPU's INIT stays pending until this
		 * VMXOFF, and then parks this CPU in wait-for-SIPI. */
		if (vmx_off(pc))
			pr_err("smp: the cpu with apic id %u: VMXOFF failed",
			       pc->apic_id);
		ap_refused(pc);
	}
	/* The go kick must not be missed: read the kick count before each
	 * look at go (smp_release stores go before it kicks). */
	for (;;) {
		seen = cpu_wake_seq();
		if (__atomic_load_n(&go, __ATOMIC_ACQUIRE))
			break;
		cpu_idle_until(UINT64_MAX, seen);
	}
	partitions_run(run_slice);
	if (smp_vmx_off(pc))
		pr_err("cpu %u: VMXOFF failed", pc->index);
	move_state(pc, CPU_READY, CPU_DONE);
	cpu_halt_forever();
}

/*
 * The INIT-SIPI-SIPI sequence with the delays of the SDM's "MP
 * Initialization Protocol Algorithm" example: INIT, 10 ms, a start-up
 * IPI, 200 us, and a second one only if the first was not seen, since
 * the protocol allows for a lost start-up IPI.
 */
static bool start_one(struct percpu *pc, uint64_t page, uint32_t *last)
{
	lapic_send_icr(pc->apic_id, ICR_INIT);
	delay_us(10000);
	lapic_send_icr(pc->apic_id, ICR_STARTUP | (uint32_t)(page >> 12));
	delay_us(200);
	if (load_state(pc) < CPU_ARRIVED) {
		lapic_send_icr(pc->apic_id,
			       ICR_STARTUP | (uint32_t)(page >> 12));
		delay_us(200);
	}
	if (wait_state(pc, CPU_ARRIVED, 100))
		wait_state(pc, CPU_READY, 1000);
	/* Past the timeout: the slot is the AP's only if it got to READY
	 * (or FAILED) first; otherwise it is abandoned for good. */
	return cpu_state_abandon(&pc->state, last);
}

static struct percpu *alloc_cpu(uint32_t index, uint32_t apic_id,
				uint64_t *stack_top)
{
	uint64_t pages = (sizeof(struct percpu) + 4095) / 4096;
	uint64_t pc_pa = palloc_run(mem_pool(), pages, 1, PALLOC_OWNER_HV);
	uint64_t stack = palloc_run(mem_pool(), HV_STACK_SIZE / 4096, 1,
				    PALLOC_OWNER_HV);
	struct percpu *pc = (struct percpu *)(uintptr_t)pc_pa;

	if (!pc_pa || !stack) {
		pr_err("cpu %u: no memory for its per-CPU block and stack",
		       index);
		return NULL;
	}
	memset(pc, 0, sizeof(*pc));
	pc->index = index;
	pc->apic_id = apic_id;
	*stack_top = stack + HV_STACK_SIZE;
	return pc;
}

static void prepare_trampoline(uint64_t page)
{
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline);
	struct ap_tramp *t = (struct ap_tramp *)(uintptr_t)page;

	HV_ASSERT(len <= 4096);
	memcpy(t, ap_trampoline, len);
	t->pm_jump = (uint32_t)page + t->pm_off;
	t->lm_jump = (uint32_t)page + t->lm_off;
	t->gdt_base = (uint32_t)page + t->gdt_off;
	t->cr3 = paging_host_root();
	/* VMXE is each CPU's own to set in vmx_on; PCIDE cannot be set
	 * outside IA-32e mode. */
	t->cr4 = read_cr4() & ~(CR4_VMXE | CR4_PCIDE);
	t->cr0 = read_cr0();
	t->efer = rdmsr(IA32_EFER) & ~EFER_LMA;
	t->entry = (uint64_t)(uintptr_t)ap_main;
}

/*
 * CPUs hv does not run are sent INIT, which leaves them in wait-for-SIPI:
 * they execute nothing, neither firmware code that might still touch
 * memory nor a spin loop that would slow an emulator's other CPUs.
 */
static void park_unused(const struct hv_boot_info *bi, uint32_t from)
{
	uint32_t parked = 0;

	for (uint32_t i = from; i < bi->cpu_count; i++) {
		const struct hv_cpu_desc *d = &bi->cpus[i];
		bool running = false;

		for (uint32_t n = 0; n < cpu_count; n++)
			if (cpus[n]->apic_id == d->apic_id)
				running = true;
		if (running || !(d->flags & HV_CPU_ENABLED))
			continue;
		lapic_send_icr(d->apic_id, ICR_INIT);
		parked++;
	}
	if (parked)
		pr_info("smp: %u cpu(s) that hv does not run parked with INIT",
			parked);
}

uint32_t smp_start(struct percpu *boot, const struct hv_boot_info *bi,
		   uint32_t max_cpus)
{
	uint64_t page = bi->trampoline;
	uint32_t others = 0;

	tsc_hz = bi->tsc_hz;
	cpus[0] = boot;
	__atomic_store_n(&boot->state, CPU_READY, __ATOMIC_RELEASE);
	for (uint32_t i = 0; i < bi->cpu_count; i++)
		if (bi->cpus[i].apic_id != boot->apic_id &&
		    (bi->cpus[i].flags & HV_CPU_ENABLED))
			others++;
	if (!others || max_cpus <= 1) {
		pr_info("smp: 1 cpu in vmx root%s",
			others ? " (max_cpus = 1)" : "");
		park_unused(bi, 0);
		return 1;
	}
	/* The trampoline loads CR3 in 32-bit code, and the start-up IPI
	 * names a page below 1 MiB. */
	if (!page || page >= 0x100000 || page & 0xfff ||
	    paging_host_root() >> 32) {
		pr_warn("smp: cannot start other CPUs (start-up page 0x%lx, page tables at 0x%lx): running on the boot CPU only",
			page, paging_host_root());
		return 1;
	}
	paging_map_trampoline(page);
	prepare_trampoline(page);
	for (uint32_t i = 0; i < bi->cpu_count && cpu_count < max_cpus; i++) {
		const struct hv_cpu_desc *d = &bi->cpus[i];
		struct ap_tramp *t = (struct ap_tramp *)(uintptr_t)page;
		struct percpu *pc;
		uint64_t stack_top;
		uint32_t last;

		if (d->apic_id == boot->apic_id || !(d->flags & HV_CPU_ENABLED))
			continue;
		pc = alloc_cpu(cpu_count, d->apic_id, &stack_top);
		if (!pc)
			break;
		t->stack = stack_top;
		t->percpu = (uint64_t)(uintptr_t)pc;
		if (start_one(pc, page, &last)) {
			cpus[cpu_count++] = pc;
			pr_info("smp: cpu %u (apic id %u) in vmx root", pc->index,
				d->apic_id);
			continue;
		}
		/*
		 * An AP that never answered might still wake later and run
		 * the trampoline with the next AP's stack: INIT puts it back
		 * into wait-for-SIPI for good.
		 */
		if (last != CPU_FAILED)
			lapic_send_icr(d->apic_id, ICR_INIT);
		/* The abandoned block is never reused or freed: an AP that
		 * still wakes on it finds it ABANDONED and parks. */
		pr_err("smp: the cpu with apic id %u %s: left out", d->apic_id,
		       last == CPU_FAILED ? "failed to enter VMX root" :
		       last == CPU_ARRIVED ? "started but did not reach VMX root in time" :
					   "did not start in time");
	}
	park_unused(bi, 0);
	/* Nothing runs from the page again: no stale code stays there. */
	memset((void *)(uintptr_t)page, 0, 4096);
	pr_info("smp: %u cpus in vmx root (%u listed by the firmware%s)",
		cpu_count, bi->cpu_count,
		cpu_count < others + 1 && max_cpus < others + 1 ?
			", limited by max_cpus" :
			"");
	return cpu_count;
}

void smp_release(uint64_t slice)
{
	run_slice = slice;
	__atomic_store_n(&go, true, __ATOMIC_RELEASE);
	for (uint32_t n = 1; n < cpu_count; n++)
		smp_kick(n);
}

/*
 * The end: each AP leaves the scheduler once it has finished what it was
 * doing, a management call included, so this wait is also what orders the
 * final report and power-off after every call in flight. A CPU that is
 * slow is kicked again each second; one that never comes is left behind
 * after SMP_DONE_WAIT_S seconds, so that a stuck CPU cannot keep the
 * machine from powering off.
 */
#define SMP_DONE_WAIT_S 10

void smp_wait_done(void)
{
	for (uint32_t n = 1; n < cpu_count; n++) {
		uint64_t t0 = rdtsc();
		uint32_t s;

		for (s = 1; !wait_state(cpus[n], CPU_DONE, 1000); s++) {
			const struct vcpu *v = cpus[n]->current;

			if (s == SMP_DONE_WAIT_S) {
				pr_err("smp: cpu %u did not leave VMX operation in %u s: left behind",
				       n, s);
				break;
			}
			pr_warn("smp: cpu %u has not left VMX operation after %u s (state %s, %s%s): kicking it again",
				n, s, state_name(load_state(cpus[n])),
				v ? "running " : "running nothing",
				v ? v->part->name : "");
			smp_kick(n);
		}
		stats_note_wait(rdtsc() - t0, "a cpu leaving VMX operation");
	}
	lapic_idle_report();
}

/*
 * hv's IPIs are NMIs. An NMI reaches a CPU whatever it is doing: in a
 * guest with interrupts off, in hv with interrupts off, or halted. A
 * fixed-vector IPI would do on real CPUs, since external-interrupt
 * exiting ignores the guest's RFLAGS.IF; but Bochs 2.7 masks external
 * interrupts for a guest entered with IF clear and never exits for them,
 * so a spinning guest could not be stopped (docs/architecture.md).
 */
static void send_nmi(struct percpu *t)
{
	__atomic_store_n(&t->nmi_pending, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&t->wake_seq, 1, __ATOMIC_SEQ_CST);
	lapic_send_nmi(t->apic_id);
}

void smp_kick(uint32_t n)
{
	if (n < cpu_count && cpus[n] != this_cpu())
		send_nmi(cpus[n]);
}

/*
 * Runs this CPU's pending request once. An NMI may arrive inside this
 * very function (it runs from waits as well as from the NMI handler), so
 * the request is claimed with a compare-and-swap before it runs.
 */
void smp_poll(void)
{
	struct percpu *me = this_cpu();
	uint32_t seq = __atomic_load_n(&me->call_seq, __ATOMIC_ACQUIRE);
	uint32_t taken = __atomic_load_n(&me->call_taken, __ATOMIC_ACQUIRE);

	if (seq == taken ||
	    !__atomic_compare_exchange_n(&me->call_taken, &taken, seq, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	me->call_fn(me->call_arg);
	__atomic_store_n(&me->call_done, seq, __ATOMIC_RELEASE);
}

/*
 * A request normally takes microseconds. One that takes a second is
 * reported with the target's state and the target is kicked again (an NMI
 * may have been merged or lost on the way), and the wait goes on: a slow
 * CPU is no reason to stop the machine, and the reply is needed.
 */
static bool call(uint32_t n, void (*fn)(void *arg), void *arg, bool vmx)
{
	struct percpu *t = smp_cpu(n);
	uint64_t t0 = rdtsc(), next_warn = t0 + tsc_hz, now;
	uint32_t seq, secs = 0;

	HV_ASSERT(t);
	if (t == this_cpu()) {
		if (vmx && !t->vmx_requests)
			return false;
		fn(arg);
		return true;
	}
	while (!spin_trylock(&t->call_lock))
		smp_poll();
	/* Checked under the lock the target takes to clear it. */
	if (vmx && !__atomic_load_n(&t->vmx_requests, __ATOMIC_ACQUIRE)) {
		spin_unlock(&t->call_lock);
		return false;
	}
	t->call_fn = fn;
	t->call_arg = arg;
	seq = t->call_seq + 1;
	__atomic_store_n(&t->call_seq, seq, __ATOMIC_RELEASE);
	send_nmi(t);
	while (__atomic_load_n(&t->call_done, __ATOMIC_ACQUIRE) != seq) {
		smp_poll();
		cpu_relax();
		now = rdtsc();
		if (now > next_warn) {
			const struct vcpu *v = t->current;

			secs++;
			pr_warn("smp: cpu %u has not answered a request from cpu %u for %u s (state %s, NMI flag %u, request %u taken %u done %u, idle %u, %s%s): kicking it again",
				n, this_cpu()->index, secs,
				state_name(load_state(t)), t->nmi_pending, seq,
				t->call_taken, t->call_done, t->idle,
				v ? "running " : "running nothing",
				v ? v->part->name : "");
			send_nmi(t);
			next_warn = now + tsc_hz;
		}
	}
	spin_unlock(&t->call_lock);
	stats_note_wait(rdtsc() - t0, "smp_call");
	return true;
}

void smp_call(uint32_t n, void (*fn)(void *arg), void *arg)
{
	call(n, fn, arg, false);
}

bool smp_call_vmx(uint32_t n, void (*fn)(void *arg), void *arg)
{
	return call(n, fn, arg, true);
}

/*
 * SDM "Guidelines for Use of the INVEPT Instruction" (and the same for
 * INVVPID): an all-context invalidation just before VMXOFF keeps nothing
 * cached from EPT or under a VPID past the end of VMX operation; VMXOFF
 * itself invalidates nothing ("Invalidation of TLBs and Paging-Structure
 * Caches"). So a CPU out of VMX operation has no guest translation left
 * that a request could need to flush, and must not be asked: INVEPT there
 * is #UD. vmx_requests is cleared under this CPU's call_lock, which every
 * request holds from posting to its answer: a request either ran before,
 * or sees the flag clear and is skipped.
 */
int smp_vmx_off(struct percpu *pc)
{
	uint64_t cap = rdmsr(IA32_VMX_EPT_VPID_CAP);

	while (!spin_trylock(&pc->call_lock))
		smp_poll();
	if (!(cap & EPT_VPID_CAP_INVEPT_ALL) ||
	    vmx_invept(INVEPT_ALL_CONTEXT, 0) != VMX_OK)
		pr_warn("cpu %u: all-context INVEPT %s before VMXOFF",
			pc->index,
			cap & EPT_VPID_CAP_INVEPT_ALL ? "failed" : "unsupported");
	if (!(cap & EPT_VPID_CAP_INVVPID_ALL) ||
	    vmx_invvpid(INVVPID_ALL_CONTEXT, 0, 0) != VMX_OK)
		pr_warn("cpu %u: all-context INVVPID %s before VMXOFF",
			pc->index,
			cap & EPT_VPID_CAP_INVVPID_ALL ? "failed" : "unsupported");
	__atomic_store_n(&pc->vmx_requests, false, __ATOMIC_RELEASE);
	spin_unlock(&pc->call_lock);
	return vmx_off(pc);
}

bool smp_panic_claim(void)
{
	uint32_t me = this_cpu()->index, none = HV_CPU_NONE;

	if (__atomic_compare_exchange_n(&panic_cpu, &none, me, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return true;
	/* A panic inside the panic path: let it print. */
	if (none == me)
		return true;
	/* Another CPU panics: its NMI stops this one, if not already. */
	for (;;)
		cpu_relax();
}

void smp_panic_stop_others(void)
{
	uint32_t me = this_cpu()->index, sent = 0;
	uint64_t end;

	for (uint32_t n = 0; n < cpu_count; n++) {
		if (n == me || load_state(cpus[n]) != CPU_READY)
			continue;
		lapic_send_nmi(cpus[n]->apic_id);
		sent++;
	}
	end = rdtsc() + tsc_hz / 10;
	while (__atomic_load_n(&panic_reports, __ATOMIC_ACQUIRE) < sent &&
	       rdtsc() < end)
		cpu_relax();
}

bool smp_nmi(uint64_t rip, bool in_guest)
{
	struct percpu *me = this_cpu();
	uint32_t by = __atomic_load_n(&panic_cpu, __ATOMIC_ACQUIRE);
	const struct vcpu *v = me->current;

	if (by != HV_CPU_NONE && by != me->index) {
		if (v && in_guest)
			pr_err("cpu %u: stopped by the panic on cpu %u while %s vcpu %u ran at guest rip 0x%lx",
			       me->index, by, v->part->name, v->id, rip);
		else if (v)
			pr_err("cpu %u: stopped by the panic on cpu %u in hv at rip 0x%lx (hv.elf+0x%lx), handling an exit of %s vcpu %u",
			       me->index, by, rip, rip - mem_image_base(),
			       v->part->name, v->id);
		else
			pr_err("cpu %u: stopped by the panic on cpu %u in hv at rip 0x%lx (hv.elf+0x%lx)",
			       me->index, by, rip, rip - mem_image_base());
		__atomic_fetch_add(&panic_reports, 1, __ATOMIC_RELEASE);
		cpu_halt_forever();
	}
	/* Two NMIs sent close together may arrive as one: the flag and the
	 * mailbox say what is to be done, not the count of NMIs. */
	if (!__atomic_exchange_n(&me->nmi_pending, 0, __ATOMIC_ACQ_REL))
		return false;
	smp_poll();
	return true;
}
