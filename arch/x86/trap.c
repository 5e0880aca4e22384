// SPDX-License-Identifier: MIT
#include "arch/x86/trap.h"

#include <stddef.h>

#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/mce.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/vmx_vcpu.h"
#include "hv/log.h"
#include "hv/mem.h"

static const char *const vector_names[32] = {
	[0] = "#DE divide error",	  [1] = "#DB debug",
	[2] = "NMI",			  [3] = "#BP breakpoint",
	[4] = "#OF overflow",		  [5] = "#BR bound range",
	[6] = "#UD invalid opcode",	  [7] = "#NM device not available",
	[8] = "#DF double fault",	  [10] = "#TS invalid TSS",
	[11] = "#NP segment not present", [12] = "#SS stack fault",
	[13] = "#GP general protection",  [14] = "#PF page fault",
	[16] = "#MF x87 error",		  [17] = "#AC alignment check",
	[18] = "#MC machine check",	  [19] = "#XM SIMD error",
	[20] = "#VE virtualization",	  [21] = "#CP control protection",
};

extern const char rdmsr_safe_insn[], rdmsr_safe_fixup[];

void backtrace_from(uint64_t rbp)
{
	/* Bounded, and only through memory hv maps, so a corrupt chain
	 * cannot fault inside the panic path. */
	for (int depth = 0; depth < 16 && rbp && !(rbp & 7); depth++) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;

		/* The entry code pushed a zero return address: the end. */
		if (!mem_is_hv_mapped(rbp, 16) || !frame[1])
			break;
		hv_log(HV_LOG_ERROR, "  #%d 0x%lx (hv.elf+0x%lx)", depth,
		       frame[1], frame[1] - mem_image_base());
		rbp = frame[0];
	}
}

void trap_handler(struct trap_frame *f)
{
	const char *name = f->vector < 32 ? vector_names[f->vector] : NULL;

	/* The one place hv expects a fault: RDMSR of a granted MSR. */
	if (f->vector == 13 &&
	    f->rip == (uint64_t)(uintptr_t)rdmsr_safe_insn) {
		f->rip = (uint64_t)(uintptr_t)rdmsr_safe_fixup;
		return;
	}
	/* An interrupt while hv idled: ended, and hv goes on. */
	if (f->vector >= 32) {
		host_interrupt((uint8_t)f->vector);
		return;
	}

	/*
	 * NMIs are hv's IPIs (arch/x86/smp.c): a kick, a request, or another
	 * CPU's panic, which stops this one inside smp_nmi(). One with
	 * nothing pending is a second NMI merged into the first, or the
	 * platform's: there is nothing to do, and printing here could
	 * deadlock on a line lock the interrupted code holds.
	 */
	if (f->vector == 2) {
		cpu_idle_nmi_fixup(&f->rip);
		if (smp_nmi(f->rip, false))
			vcpu_arch_kicked();
		return;
	}
	/* A machine check hv can survive (arch/x86/mce.h) ends here. */
	if (f->vector == 18 && mce_handle(false) == MCE_RESUME)
		return;
	smp_panic_claim();
	console_panic_mode();
	if (f->vector == 18)
		mce_dump();
	hv_log(HV_LOG_ERROR, "panic: cpu %u: host exception %lu (%s), error code 0x%lx",
	       this_cpu()->index, f->vector, name ? name : "reserved",
	       f->error);
	hv_log(HV_LOG_ERROR, "  rip %016lx (hv.elf+0x%lx) cs %lx rflags %016lx",
	       f->rip, f->rip - mem_image_base(), f->cs, f->rflags);
	hv_log(HV_LOG_ERROR, "  rsp %016lx ss %lx cr2 %016lx cr3 %016lx",
	       f->rsp, f->ss, read_cr2(), read_cr3());
	hv_log(HV_LOG_ERROR, "  rax %016lx rbx %016lx rcx %016lx rdx %016lx",
	       f->rax, f->rbx, f->rcx, f->rdx);
	hv_log(HV_LOG_ERROR, "  rsi %016lx rdi %016lx rbp %016lx r8  %016lx",
	       f->rsi, f->rdi, f->rbp, f->r8);
	hv_log(HV_LOG_ERROR, "  r9  %016lx r10 %016lx r11 %016lx r12 %016lx",
	       f->r9, f->r10, f->r11, f->r12);
	hv_log(HV_LOG_ERROR, "  r13 %016lx r14 %016lx r15 %016lx cr0 %016lx",
	       f->r13, f->r14, f->r15, read_cr0());
	hv_log(HV_LOG_ERROR, "  cr4 %016lx efer %016lx", read_cr4(),
	       rdmsr(IA32_EFER));
	smp_panic_stop_others();
	hv_log(HV_LOG_ERROR, "backtrace:");
	backtrace_from(f->rbp);
	console_drain();
	cpu_halt_forever();
}
