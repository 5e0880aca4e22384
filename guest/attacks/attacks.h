/* SPDX-License-Identifier: MIT */
/*
 * The hostile-guest battery's table, shared by the attacker (which runs
 * one attack, named on its command line) and the battery parent (which
 * runs them all, one child each, and judges each by what hv reports).
 * docs/security.md lists what each attack proves.
 */
#ifndef GUEST_ATTACKS_H
#define GUEST_ATTACKS_H

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
};

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
};

#define PAST TGT_PAST_RAM
static const struct attack attacks[] = {
	/* Memory: every address at or above its RAM's size is outside it. */
	{ "mem-read-past", OUT_STOPPED, PAST, 0, 1 },
	{ "mem-write-past", OUT_STOPPED, PAST, 0, 1 },
	{ "mem-exec-past", OUT_STOPPED, PAST, 0, 1 },
	{ "mem-read-pool", OUT_STOPPED, TGT_POOL, 0, 1 },
	{ "mem-write-pool", OUT_STOPPED, TGT_POOL, 0, 1 },
	{ "mem-exec-pool", OUT_STOPPED, TGT_POOL, 0, 1 },
	{ "mem-read-hv", OUT_STOPPED, TGT_HV, 0, 1 },
	{ "mem-write-hv", OUT_STOPPED, TGT_HV, 0, 1 },
	{ "mem-read-victim", OUT_STOPPED, TGT_VICTIM, 0, 1 },
	{ "mem-write-victim", OUT_STOPPED, TGT_VICTIM, 0, 1 },
	{ "pt-cr3-past", OUT_STOPPED, PAST, 0, 1 },
	{ "pt-table-past", OUT_STOPPED, PAST, 0, 1 },
	{ "mmio-lapic", OUT_STOPPED, TGT_FIXED, 0xfee00000, 1 },
	{ "mmio-ioapic", OUT_STOPPED, TGT_FIXED, 0xfec00000, 1 },
	{ "mmio-hpet", OUT_STOPPED, TGT_FIXED, 0xfed00000, 1 },
	{ "mmio-pci", OUT_STOPPED, TGT_FIXED, 0xe0000000, 1 },
	{ "stale-fill", OUT_HALTS, TGT_NONE, 0, 1 },
	{ "stale-scan", OUT_HALTS, TGT_NONE, 0, 1 },
	/* I/O ports, from ring 0. */
	{ "io-pci-config", OUT_REFUSED_IO, TGT_NONE, 0, 1 },
	{ "io-pit", OUT_REFUSED_IO, TGT_NONE, 0, 1 },
	{ "io-cmos", OUT_REFUSED_IO, TGT_NONE, 0, 1 },
	{ "io-kbd-reset", OUT_REFUSED_IO, TGT_NONE, 0, 1 },
	{ "io-pm-block", OUT_REFUSED_IO, TGT_NONE, 0, 1 },
	{ "io-reset-cf9", OUT_REFUSED_IO, TGT_NONE, 0, 1 },
	{ "io-debug-ports", OUT_REFUSED_IO, TGT_NONE, 0, 1 },
	{ "io-com1-word", OUT_REFUSED_IO, TGT_NONE, 0, 1 },
	{ "io-com1-dword", OUT_REFUSED_IO, TGT_NONE, 0, 1 },
	{ "io-outs-outside", OUT_INJECT_GP, PAST, 0, 1 },
	{ "io-ins-outside", OUT_INJECT_GP, PAST, 0, 1 },
	/* MSRs, from ring 0. */
	{ "msr-efer-nxe", OUT_VIRTUALIZED, TGT_NONE, 0, 1 },
	{ "msr-efer-lme", OUT_INJECT_GP, TGT_NONE, 0, 1 },
	{ "msr-lstar", OUT_VIRTUALIZED, TGT_NONE, 0, 1 },
	{ "msr-sysenter", OUT_VIRTUALIZED, TGT_NONE, 0, 1 },
	{ "msr-pat", OUT_VIRTUALIZED, TGT_NONE, 0, 1 },
	{ "msr-debugctl", OUT_VIRTUALIZED, TGT_NONE, 0, 1 },
	{ "msr-apic-base", OUT_REFUSED_MSR, TGT_NONE, 0, 1 },
	{ "msr-feature-control", OUT_REFUSED_MSR, TGT_NONE, 0, 1 },
	{ "msr-vmx-write", OUT_REFUSED_MSR, TGT_NONE, 0, 1 },
	{ "msr-vmx-read", OUT_REFUSED_MSR, TGT_NONE, 0, 1 },
	{ "msr-mtrr", OUT_REFUSED_MSR, TGT_NONE, 0, 1 },
	{ "msr-spec-ctrl", OUT_REFUSED_MSR, TGT_NONE, 0, 1 },
	/* Instructions and state. */
	{ "vmx-insns", OUT_INJECT_UD, TGT_NONE, 0, 1 },
	{ "xsetbv-bad", OUT_INJECT_GP, TGT_NONE, 0, 1 },
	{ "cr4-vmxe", OUT_INJECT_GP, TGT_NONE, 0, 1 },
	{ "cr0-reserved", OUT_INJECT_GP, TGT_NONE, 0, 1 },
	{ "cr8-15", OUT_VIRTUALIZED, TGT_NONE, 0, 1 },
	{ "ipi-nmi", OUT_REFUSED_MSR, TGT_NONE, 0, 1 },
	{ "ipi-init", OUT_REFUSED_MSR, TGT_NONE, 0, 1 },
	{ "vmcall-ring3", OUT_INJECT_UD, TGT_NONE, 0, 1 },
	/* Hypercalls. */
	{ "hc-management", OUT_REFUSED_HC, TGT_NONE, 0, 1 },
	{ "hc-bad-pointers", OUT_REFUSED_HC, PAST, 0, 1 },
	{ "hc-flood", OUT_REFUSED_HC, TGT_NONE, 0, 1 },
	{ "hc-toctou", OUT_HALTS, TGT_NONE, 0, 2 },
	/* Faults. */
	{ "fault-triple", OUT_STOPPED, TGT_NONE, 0, 1 },
	{ "fault-double", OUT_STOPPED, TGT_NONE, 0, 1 },
	{ "fault-idt-outside", OUT_STOPPED, PAST, 0, 1 },
	{ "fault-cli-loop", OUT_SPINS, TGT_NONE, 0, 1 },
	{ "fault-stack-overflow", OUT_STOPPED, TGT_NONE, 0, 1 },
};
#undef PAST

#define ATTACK_COUNT (sizeof(attacks) / sizeof(attacks[0]))

/* Written across the filler's RAM; built at run time so that the
 * scanner's own image never holds it. */
#define STALE_TAG_A 0x57a1e7a9u
#define STALE_TAG_B 0xb0a710adu

#endif
