/* SPDX-License-Identifier: MIT */
/*
 * The parsed form of the manifest hv/hv.conf. The loader parses the text
 * (lib/manifest.c) and passes this struct in boot_info, so the core never
 * parses text. docs/manifest.md documents the text format.
 */
#ifndef HV_MANIFEST_H
#define HV_MANIFEST_H

#include <stdint.h>

enum hv_log_level {
	HV_LOG_ERROR = 0,
	HV_LOG_WARN = 1,
	HV_LOG_INFO = 2,
	HV_LOG_DEBUG = 3,
};

#define HV_MANIFEST_MAX_PARTITIONS 8
#define HV_NAME_MAX 32 /* including the terminating NUL */
#define HV_PATH_MAX 64
#define HV_CMDLINE_MAX 128
#define HV_MANIFEST_MAX_PROGRAMS 8 /* user programs per partition */
#define HV_MANIFEST_MAX_PORT_RANGES 8 /* granted I/O port ranges per partition */
#define HV_MAX_VCPUS 4 /* vCPUs per partition */
#define HV_MANIFEST_MAX_MSRS 8 /* MSRs a partition may read, beyond the default */

/* An inclusive range of I/O ports granted to a partition. */
struct hv_port_range {
	uint16_t first;
	uint16_t last;
};

#define HV_POOL_MB_MIN 8
#define HV_POOL_MB_MAX 65536
#define HV_POOL_MB_DEFAULT 64

/* CPUs hv runs on: the boot CPU is 0, the others follow in MADT order. */
#define HV_MAX_RUN_CPUS 16

#define HV_SLICE_MS_MIN 1
#define HV_SLICE_MS_MAX 1000
#define HV_SLICE_MS_DEFAULT 10

/*
 * What a partition's vCPUs run (docs/platform.md): hv's own contract, a
 * 64-bit entry with hv_start_info and hypercalls, or a small PC that
 * boots standard images (multiboot), from 32-bit protected mode, with
 * unrestricted guest.
 */
enum hv_platform {
	HV_PLATFORM_HV = 0,
	HV_PLATFORM_PC = 1,
};

/* What a reset of a pc partition (its reset register, a triple fault)
 * does: start it again from its images, or stop it. */
enum hv_on_reboot {
	HV_ON_REBOOT_RESTART = 0,
	HV_ON_REBOOT_STOP = 1,
};

/* When a manifest partition is created. */
enum hv_manifest_start {
	HV_MANIFEST_START_BOOT = 0, /* by hv at boot: a static partition */
	HV_MANIFEST_START_PARENT = 1, /* by the parent, at its start */
	HV_MANIFEST_START_MANUAL = 2, /* by the parent, on request */
};

struct hv_manifest_partition {
	char name[HV_NAME_MAX];
	char image[HV_PATH_MAX]; /* path on the ESP, e.g. "hv/guest.elf" */
	char cmdline[HV_CMDLINE_MAX];
	uint32_t ram_mb;
	uint32_t parent; /* 1 for the parent partition */
	uint32_t vcpus; /* 1..HV_MAX_VCPUS; vCPU 0 starts, vcpu_start the rest */
	uint32_t start; /* enum hv_manifest_start */
	uint32_t program_count;
	/* ESP paths of the user programs, in the order the kernel runs them */
	char programs[HV_MANIFEST_MAX_PROGRAMS][HV_PATH_MAX];
	/* I/O ports passed through to the partition, and the manifest line
	 * that grants them, for messages about conflicts found later. */
	uint32_t port_range_count;
	uint32_t ports_line;
	struct hv_port_range ports[HV_MANIFEST_MAX_PORT_RANGES];
	/* MSRs the partition may read: RDMSR returns the real value. */
	uint32_t msr_count;
	uint32_t msrs[HV_MANIFEST_MAX_MSRS];
	/* cpus[n] is the CPU vCPU n is pinned to; cpu_count 0: unpinned. */
	uint32_t cpu_count;
	uint32_t cpus[HV_MAX_VCPUS];
	uint32_t cpus_line;
	uint32_t trace; /* 1: its exits are recorded in the trace */
	uint32_t platform; /* enum hv_platform */
	/* pc only: the initrd of a Linux kernel, "" for none */
	char initrd[HV_PATH_MAX];
	uint32_t on_reboot; /* enum hv_on_reboot */
	/* 1: a pc partition's xAPIC page is reached through EPT violations,
	 * as on a CPU without "virtualize APIC accesses" (a test switch). */
	uint32_t emulate_apic_access;
	/* 1: a pc partition's xAPIC registers all exit and hv injects its
	 * interrupts, as on a CPU without APIC-register virtualization and
	 * virtual-interrupt delivery (a test switch). */
	uint32_t emulate_apic_registers;
	/* A pc partition's vector whose EOIs hv sees (an EOI-exit bit where
	 * the CPU virtualizes EOIs), 0 for none (a test and bench switch). */
	uint32_t watch_eoi;
};

struct hv_manifest {
	uint32_t log_level; /* enum hv_log_level */
	uint32_t pool_mb;
	uint32_t interactive; /* 1: a person is at the console */
	uint32_t slice_ms; /* a vCPU's time slice, in ms of guest time */
	uint32_t max_cpus; /* at most this many CPUs run partitions */
	/* 1: every VM entry is checked against the SDM first
	 * (arch/x86/vmcheck_hv.c); 1 by default */
	uint32_t entry_check;
	/* 1: the VMCS of each vCPU's first entries is printed as an image */
	uint32_t entry_record;
	uint32_t partition_count;
	struct hv_manifest_partition partitions[HV_MANIFEST_MAX_PARTITIONS];
};

#endif
