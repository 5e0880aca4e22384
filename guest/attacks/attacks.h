/* SPDX-License-Identifier: MIT */
/*
 * The hostile-guest battery's table, shared by the attacker (which runs
 * one attack, named on its command line) and the battery parent (which
 * runs them all, one child each, and judges each by what hv reports).
 * docs/security.md lists what each attack proves.
 */
#ifndef GUEST_ATTACKS_H
#define GUEST_ATTACKS_H

#include <stddef.h>

/* What hv must do with an attack, as the parent reads it in
 * partition_info; the scenario checks hv's own lines as well. */
enum attack_outcome {
	OUT_STOPPED, /* hv stops the partition (state faulted) */
	OUT_REFUSED_IO, /* the port is refused: refused_io goes up */
	OUT_REFUSED_MSR, /* the MSR is refused: refused_msr goes up */
	OUT_REFUSED_HC, /* the hypercall is refused: refused_hypercall */
	OUT_INJECT_GP, /* hv raises #GP in the guest */
	OUT_INJECT_UD, /* hv raises #UD in the guest */
	OUT_VIRTUALIZED, /* guest-only effect; hv checks the host's value */
	OUT_SPINS, /* never ends on its own: the parent stops it */
	OUT_HALTS, /* ends on its own, having found nothing */
	OUT_RESETS, /* resets and restarts without end: the parent stops it */
};

/*
 * Which boot runs an attack: the battery parent's cmdline "set=N" picks
 * one. Set 1 needs a CPU model with PKU and RDPID (Bochs' tigerlake,
 * battery-tigerlake.scn); set 0 is battery.scn on corei7_skylake_x.
 */
#define SET_MAIN 0
#define SET_TIGERLAKE 1

/* The template of the attackers pinned to CPU 1: a reader checks what
 * the writer before it left on that very CPU. */
#define PIN1 "attacker-cpu1"
/* The template of the attackers in a platform = pc partition: a 32-bit
 * multiboot kernel (guest/tests/pc/pcattack.c) that attacks from real
 * mode (pcreal-*) or from 32-bit protected mode (pc32-*). */
#define PC "attacker-pc"
/* The same kernel with on_reboot = restart, as a pc partition has by
 * default: a reset starts it again instead of ending it. */
#define PC_RESTART "attacker-pc-restart"


/* What the attacker needs: filled in by the parent on the command line. */
enum attack_target {
	TGT_NONE,
	TGT_PAST_RAM, /* the first guest-physical address past its RAM */
	TGT_POOL, /* hv's pool, host-physical */
	TGT_HV, /* hv's own image, host-physical */
	TGT_VICTIM, /* another child's RAM, host-physical */
	TGT_FIXED, /* the address in the table */
};

struct attack {
	const char *name; /* also the child partition's name */
	enum attack_outcome outcome;
	enum attack_target target;
	unsigned long addr; /* TGT_FIXED */
	unsigned int vcpus;
	/* The manifest template to create it from; NULL: "attacker". */
	const char *tmpl;
	/*
	 * NULL, or an entry of partners[] that the parent creates and starts
	 * first, from the same template, and that runs beside the attack
	 * until the attack has been judged: a second partition on its CPU.
	 */
	const char *partner;
	unsigned int set;
};

#define PAST TGT_PAST_RAM
static const struct attack attacks[] = {
	/* Memory: every address at or above its RAM's size is outside it. */
	{ "mem-read-past", OUT_STOPPED, PAST, 0, 1, NULL, NULL, 0 },
	{ "mem-write-past", OUT_STOPPED, PAST, 0, 1, NULL, NULL, 0 },
	{ "mem-exec-past", OUT_STOPPED, PAST, 0, 1, NULL, NULL, 0 },
	{ "mem-read-pool", OUT_STOPPED, TGT_POOL, 0, 1, NULL, NULL, 0 },
	{ "mem-write-pool", OUT_STOPPED, TGT_POOL, 0, 1, NULL, NULL, 0 },
	{ "mem-exec-pool", OUT_STOPPED, TGT_POOL, 0, 1, NULL, NULL, 0 },
	{ "mem-read-hv", OUT_STOPPED, TGT_HV, 0, 1, NULL, NULL, 0 },
	{ "mem-write-hv", OUT_STOPPED, TGT_HV, 0, 1, NULL, NULL, 0 },
	{ "mem-read-victim", OUT_STOPPED, TGT_VICTIM, 0, 1, NULL, NULL, 0 },
	{ "mem-write-victim", OUT_STOPPED, TGT_VICTIM, 0, 1, NULL, NULL, 0 },
	{ "pt-cr3-past", OUT_STOPPED, PAST, 0, 1, NULL, NULL, 0 },
	{ "pt-table-past", OUT_STOPPED, PAST, 0, 1, NULL, NULL, 0 },
	{ "mmio-lapic", OUT_STOPPED, TGT_FIXED, 0xfee00000, 1, NULL, NULL, 0 },
	{ "mmio-ioapic", OUT_STOPPED, TGT_FIXED, 0xfec00000, 1, NULL, NULL, 0 },
	{ "mmio-hpet", OUT_STOPPED, TGT_FIXED, 0xfed00000, 1, NULL, NULL, 0 },
	{ "mmio-pci", OUT_STOPPED, TGT_FIXED, 0xe0000000, 1, NULL, NULL, 0 },
	{ "stale-fill", OUT_HALTS, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "stale-scan", OUT_HALTS, TGT_NONE, 0, 1, NULL, NULL, 0 },
	/* I/O ports, from ring 0. */
	{ "io-pci-config", OUT_REFUSED_IO, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "io-pit", OUT_REFUSED_IO, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "io-cmos", OUT_REFUSED_IO, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "io-kbd-reset", OUT_REFUSED_IO, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "io-pm-block", OUT_REFUSED_IO, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "io-reset-cf9", OUT_REFUSED_IO, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "io-debug-ports", OUT_REFUSED_IO, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "io-com1-word", OUT_REFUSED_IO, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "io-com1-dword", OUT_REFUSED_IO, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "io-outs-outside", OUT_INJECT_GP, PAST, 0, 1, NULL, NULL, 0 },
	{ "io-ins-outside", OUT_INJECT_GP, PAST, 0, 1, NULL, NULL, 0 },
	/* MSRs, from ring 0. */
	{ "msr-efer-nxe", OUT_VIRTUALIZED, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "msr-efer-lme", OUT_INJECT_GP, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "msr-lstar", OUT_VIRTUALIZED, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "msr-sysenter", OUT_VIRTUALIZED, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "msr-pat", OUT_VIRTUALIZED, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "msr-debugctl", OUT_VIRTUALIZED, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "msr-apic-base", OUT_REFUSED_MSR, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "msr-feature-control", OUT_REFUSED_MSR, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "msr-vmx-write", OUT_REFUSED_MSR, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "msr-vmx-read", OUT_REFUSED_MSR, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "msr-mtrr", OUT_REFUSED_MSR, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "msr-spec-ctrl", OUT_REFUSED_MSR, TGT_NONE, 0, 1, NULL, NULL, 0 },
	/* Instructions and state. */
	{ "vmx-insns", OUT_INJECT_UD, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "xsetbv-bad", OUT_INJECT_GP, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "cr4-vmxe", OUT_INJECT_GP, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "cr0-reserved", OUT_INJECT_GP, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "cr8-15", OUT_VIRTUALIZED, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "ipi-nmi", OUT_REFUSED_MSR, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "ipi-init", OUT_REFUSED_MSR, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "vmcall-ring3", OUT_INJECT_UD, TGT_NONE, 0, 1, NULL, NULL, 0 },
	/* Hypercalls. */
	{ "hc-management", OUT_REFUSED_HC, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "hc-bad-pointers", OUT_REFUSED_HC, PAST, 0, 1, NULL, NULL, 0 },
	{ "hc-flood", OUT_REFUSED_HC, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "hc-toctou", OUT_HALTS, TGT_NONE, 0, 2, NULL, NULL, 0 },
	/* Faults. */
	{ "fault-triple", OUT_STOPPED, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "fault-double", OUT_STOPPED, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "fault-idt-outside", OUT_STOPPED, PAST, 0, 1, NULL, NULL, 0 },
	{ "fault-cli-loop", OUT_SPINS, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "fault-stack-overflow", OUT_STOPPED, TGT_NONE, 0, 1, NULL, NULL, 0 },
	/*
	 * Vector state (docs/security.md, "Vector and extended state"):
	 * each writer leaves a tag in its registers and halts; the reader
	 * after it, pinned to the same CPU, must see the initial state of
	 * every register, and a reader that sees anything else ends by a
	 * triple fault, which hv records (faults, state faulted).
	 */
	{ "vec-xmm-write", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, 0 },
	{ "vec-xmm-read", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, 0 },
	{ "vec-mxcsr-write", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, 0 },
	{ "vec-mxcsr-read", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, 0 },
	{ "vec-ymm-write", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, 0 },
	{ "vec-ymm-read", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, 0 },
	{ "vec-zmm-write", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, 0 },
	{ "vec-zmm-read", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, 0 },
	{ "vec-xmm-victim", OUT_HALTS, TGT_NONE, 0, 1, PIN1, "vec-xmm-clobber", 0 },
	/* Control-register state: CR0.CD/NW must not outlive the setter. */
	{ "cr0-cd-set", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, 0 },
	{ "cr0-cd-next", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, 0 },
	{ "cr0-nw-no-cd", OUT_INJECT_GP, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "cr-high-bits", OUT_INJECT_GP, TGT_NONE, 0, 1, NULL, NULL, 0 },
	/* Privileged instructions from ring 3. */
	{ "xsetbv-ring3", OUT_INJECT_GP, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "ring3-privileged", OUT_HALTS, TGT_NONE, 0, 1, NULL, NULL, 0 },
	/* Debug and alignment exceptions. */
	{ "fault-ac-ring3", OUT_HALTS, TGT_NONE, 0, 1, NULL, NULL, 0 },
	/* Floods that must leave the console usable and hv's log short. */
	{ "flood-port-scan", OUT_REFUSED_IO, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "flood-management", OUT_REFUSED_HC, TGT_NONE, 0, 1, NULL, NULL, 0 },
	/* Stops that hv must complete without harm: the #DB loop, and a
	 * stop during the longest exit a child can make. */
	{ "fault-db-ist-loop", OUT_SPINS, TGT_NONE, 0, 1, NULL, NULL, 0 },
	{ "stall-console", OUT_SPINS, TGT_NONE, 0, 2, NULL, "stall-flood", 0 },
	/*
	 * From a pc partition (unrestricted guest): memory outside its RAM
	 * with paging off, through 32-bit and PAE paging structures outside
	 * it, and from IA-32e mode; ports, MSRs, VMX, CR4.VMXE, CR0.NW and
	 * faults, from 32-bit protected mode and from real mode, where the
	 * #GP and #UD hv raises carry no error code. VMCALL is #UD there: a
	 * pc partition has no hypercalls.
	 */
	{ "pc32-mem-read-past", OUT_STOPPED, PAST, 0, 1, PC, NULL, 0 },
	{ "pc32-mem-write-past", OUT_STOPPED, PAST, 0, 1, PC, NULL, 0 },
	{ "pc32-mem-exec-past", OUT_STOPPED, PAST, 0, 1, PC, NULL, 0 },
	{ "pc32-mem-read-pool", OUT_STOPPED, TGT_POOL, 0, 1, PC, NULL, 0 },
	{ "pc32-mem-write-hv", OUT_STOPPED, TGT_HV, 0, 1, PC, NULL, 0 },
	{ "pc32-mem-read-victim", OUT_STOPPED, TGT_VICTIM, 0, 1, PC, NULL, 0 },
	/* Its own xAPIC page: served; an instruction hv does not decode
	 * there, and a register that faults, stop it (docs/platform.md). */
	{ "pc32-mmio-lapic", OUT_HALTS, TGT_FIXED, 0xfee00000, 1, PC, NULL, 0 },
	{ "pc32-mmio-lapic-decode", OUT_STOPPED, TGT_FIXED, 0xfee00000, 1, PC, NULL, 0 },
	{ "pc32-mmio-lapic-offset", OUT_STOPPED, TGT_FIXED, 0xfee00000, 1, PC, NULL, 0 },
	{ "pc32-pt-cr3-past", OUT_STOPPED, PAST, 0, 1, PC, NULL, 0 },
	{ "pc32-pdpte-past", OUT_STOPPED, PAST, 0, 1, PC, NULL, 0 },
	{ "pc32-pdpte-past-cd", OUT_INJECT_GP, PAST, 0, 1, PC, NULL, 0 },
	{ "pc32-long-read-past", OUT_STOPPED, PAST, 0, 1, PC, NULL, 0 },
	{ "pc32-io-reset-cf9", OUT_REFUSED_IO, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pc32-msr-apic-base", OUT_REFUSED_MSR, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pc32-vmx-insns", OUT_INJECT_UD, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pc32-vmcall", OUT_INJECT_UD, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pc32-cr4-vmxe", OUT_INJECT_GP, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pc32-cr0-nw-no-cd", OUT_INJECT_GP, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pc32-fault-triple", OUT_HALTS, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pcreal-io-pit", OUT_REFUSED_IO, TGT_NONE, 0, 1, PC, NULL, 0 },
	/* A pc partition's RTC is its own (docs/platform.md): the write
	 * reaches no host device, and nothing is refused. */
	{ "pcreal-io-cmos", OUT_HALTS, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pcreal-msr-vmx-read", OUT_REFUSED_MSR, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pcreal-vmcall", OUT_INJECT_UD, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pcreal-cr4-vmxe", OUT_INJECT_GP, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pcreal-io-string", OUT_INJECT_GP, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pcreal-fault-triple", OUT_HALTS, TGT_NONE, 0, 1, PC, NULL, 0 },
	{ "pcreal-fault-cli-loop", OUT_SPINS, TGT_NONE, 0, 1, PC, NULL, 0 },
	/* Triple faults without end, each a restart: the parent must still
	 * be able to stop and destroy it. */
	{ "pc32-reset-loop", OUT_RESETS, TGT_NONE, 0, 1, PC_RESTART, NULL, 0 },
	/* Set 1, on tigerlake: PKRU, and RDPID as CPUID describes it. */
	{ "pkru-write", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, SET_TIGERLAKE },
	{ "pkru-read", OUT_HALTS, TGT_NONE, 0, 1, PIN1, NULL, SET_TIGERLAKE },
	{ "rdpid-cpuid", OUT_HALTS, TGT_NONE, 0, 1, NULL, NULL, SET_TIGERLAKE },
};
#undef PAST

#define ATTACK_COUNT (sizeof(attacks) / sizeof(attacks[0]))

/* Partners: not attacks of their own, never judged, stopped by the
 * parent once the attack beside them has been. */
static const struct attack partners[] = {
	{ "vec-xmm-clobber", OUT_SPINS, TGT_NONE, 0, 1, PIN1, NULL, 0 },
	{ "stall-flood", OUT_SPINS, TGT_NONE, 0, 2, NULL, NULL, 0 },
};

#define PARTNER_COUNT (sizeof(partners) / sizeof(partners[0]))

/* Written across the filler's RAM; built at run time so that the
 * scanner's own image never holds it. */
#define STALE_TAG_A 0x57a1e7a9u
#define STALE_TAG_B 0xb0a710adu

/* What the vector-state writers leave, also built at run time. */
#define VEC_TAG 0x7a9ec7a9u
#define MXCSR_TAG 0xff80u /* FZ, round toward zero, every exception masked */
#define MXCSR_INIT 0x1f80u /* SDM Vol. 1, "MXCSR Control and Status Register" */
#define PKRU_TAG 0x5555555cu

#endif
