/* SPDX-License-Identifier: MIT */
/*
 * The hypercall ABI, shared by hv and guest kernels. docs/hypercalls.md is
 * the reference.
 *
 * A guest kernel (CPL 0) executes VMCALL with the call number in RAX and
 * arguments in RDI, RSI, RDX, R10, R8 and R9; the status comes back in RAX:
 * 0 or a positive result on success, a negative HV_STATUS_* on failure.
 * VMCALL from CPL > 0 raises #UD in the guest.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <stdint.h>

/* CPUID leaves a guest uses to find hv (SDM: leaves 0x40000000.. are
 * reserved for hypervisors and return zeros on bare metal). */
#define HV_CPUID_LEAF_SIGNATURE 0x40000000u /* EAX: max leaf; EBX ECX EDX */
#define HV_CPUID_LEAF_ABI 0x40000001u /* EAX: HV_ABI_VERSION */
/* EAX: TSC frequency in kHz; EBX: the virtual APIC timer's input clock
 * in kHz (the same: it counts at the TSC rate). */
#define HV_CPUID_LEAF_TIMING 0x40000010u
#define HV_CPUID_SIGNATURE "hvhypervisor" /* 12 bytes in EBX, ECX, EDX */

#define HV_ABI_MAJOR 1
#define HV_ABI_MINOR 3
#define HV_ABI_VERSION ((HV_ABI_MAJOR << 16) | HV_ABI_MINOR)

/* Call numbers. */
#define HV_HC_VERSION 1 /* returns HV_ABI_VERSION */
#define HV_HC_SHUTDOWN 2 /* parent only: powers the machine off */
#define HV_HC_YIELD 3 /* gives up the CPU for the rest of the time slice */
#define HV_HC_CONSOLE_WRITE 4 /* RDI = buffer GPA, RSI = length: printed */

#define HV_HC_PARTITION_CREATE 5 /* parent only: RDI = request GPA, RSI = size */
#define HV_HC_PARTITION_START 6 /* parent only: RDI = id */
#define HV_HC_PARTITION_STOP 7 /* parent only: RDI = id */
#define HV_HC_PARTITION_DESTROY 8 /* parent only: RDI = id */
/* Any partition, for itself: RDI = vCPU, RSI = RIP, RDX = RSP, R10 = CR3,
 * R8 = the new vCPU's RDI. */
#define HV_HC_VCPU_START 11
#define HV_HC_TEMPLATE_LIST 12 /* parent only: RDI = GPA, RSI = capacity */
#define HV_HC_PARTITION_LIST 9 /* parent only: RDI = ids GPA, RSI = capacity */
#define HV_HC_PARTITION_INFO 10 /* parent only: RDI = id, RSI = GPA, RDX = size */
/* Parent only: RDI = partition id, RSI = 1 to trace its exits, 0 to stop;
 * returns the previous setting. */
#define HV_HC_TRACE_CONTROL 13
/* Parent only: RDI = CPU, RSI = GPA of an array of struct hv_trace_record,
 * RDX = its capacity; takes the oldest unread records of that CPU. */
#define HV_HC_TRACE_READ 14
#define HV_HC_HV_INFO 15 /* parent only: RDI = GPA, RSI = size of struct hv_info */
/* Parent only: RDI = partition id; the console's input goes to it (the
 * parent's own id takes it back) until Ctrl-] is typed or it ends. */
#define HV_HC_CONSOLE_ATTACH 16
/* Parent only: RDI = partition id, RSI = buffer GPA, RDX = length (at
 * most HV_CONSOLE_WRITE_MAX); the bytes join that partition's console
 * input as if typed while it held the console. Returns how many it took
 * (fewer when its input buffer filled). ABI 1.3. */
#define HV_HC_CONSOLE_INPUT 17
/* Parent only: RDI = partition id, RSI = GPA of a struct
 * hv_console_state, RDX = its size exactly. ABI 1.3. */
#define HV_HC_CONSOLE_STATE 18

/* The most bytes one console_write takes. */
#define HV_CONSOLE_WRITE_MAX 256
/*
 * console_write takes at most this many bytes (and at most 8 lines) per
 * call and returns how many it took; the caller calls again for the rest,
 * so that no VM exit does unbounded console work.
 */
#define HV_CONSOLE_WRITE_SLICE 64
/* A manifest partition that hv did not start at boot (start = parent or
 * start = manual), which the parent may create with partition_create. */
enum hv_template_start {
	HV_START_BY_PARENT = 1, /* the parent creates and starts it at once */
	HV_START_MANUAL = 2, /* only on request */
};

struct hv_template {
	char name[32];
	char image[64];
	uint32_t start; /* enum hv_template_start */
	uint32_t ram_mb;
	uint32_t vcpus;
	uint32_t program_count;
};

#define HV_TEMPLATE_LIST_MAX 8

/* The most ids one partition_list writes. */
#define HV_PARTITION_LIST_MAX 64

/* Status codes (negative) in RAX. */
#define HV_STATUS_OK 0
#define HV_STATUS_UNKNOWN_CALL (-1)
#define HV_STATUS_DENIED (-2)
#define HV_STATUS_INVALID (-3)
#define HV_STATUS_BAD_ADDRESS (-4) /* a buffer not wholly inside the caller's RAM */
#define HV_STATUS_TOO_BIG (-5) /* a length or count above the call's bound */
#define HV_STATUS_NOT_FOUND (-6) /* no such partition, image or program */
#define HV_STATUS_NO_MEMORY (-7) /* the pool, or the partition slots, ran out */
#define HV_STATUS_BUSY (-8) /* the partition is in the wrong state, or the name is taken */
/* Begun, not finished: a CPU still runs the partition. Call again. */
#define HV_STATUS_PENDING (-9)

/*
 * partition_create's request. The kernel image and programs are files
 * the loader preloaded because the manifest names them, given by their
 * ESP paths. Strings are NUL-terminated within their arrays.
 */
#define HV_CREATE_MAX_PROGRAMS 8
#define HV_CREATE_RAM_MB_MAX 4096

struct hv_partition_create {
	char name[32]; /* 1..31 of A-Z a-z 0-9 _ - */
	/*
	 * A manifest partition to copy: its image, programs, command line,
	 * RAM, vCPUs and port grants; the fields below are then ignored but
	 * for the name. Empty: the fields below say everything, and the new
	 * partition gets no port grants.
	 */
	char template[32];
	char image[64]; /* e.g. "hv/kernel.elf" */
	char cmdline[128];
	uint32_t ram_mb; /* 1..HV_CREATE_RAM_MB_MAX */
	uint32_t vcpus; /* 1..4 */
	uint32_t program_count; /* 0..HV_CREATE_MAX_PROGRAMS */
	uint32_t reserved; /* 0 */
	char programs[HV_CREATE_MAX_PROGRAMS][64];
};

/* partition_info's answer; the caller passes its size in RDX. */
enum hv_partition_state {
	HV_PART_CREATED = 0,
	HV_PART_RUNNING = 1,
	HV_PART_STOPPED = 2, /* ended on its own terms */
	HV_PART_FAULTED = 3, /* stopped by hv; last_fault says why */
};

#define HV_PART_FLAG_PARENT 1u
#define HV_PART_FLAG_CONSOLE 2u /* the console's input goes to it */
/* A pc partition that ended by the ACPI S5 write (docs/platform.md):
 * its state is then HV_PART_STOPPED. ABI 1.1. */
#define HV_PART_FLAG_POWERED_OFF 4u
#define HV_INFO_EXIT_REASONS 80 /* exit_counts[] covers basic reasons 0..79 */
/* hypercall_counts[n] counts call n; [0] every number hv does not know. */
#define HV_INFO_HYPERCALLS 32
#define HV_INFO_VECTORS 32 /* injected[] covers exception vectors 0..31 */

#define HV_INFO_MAX_VCPUS 4
#define HV_INFO_MAX_CPUS 16 /* hv runs at most this many CPUs */
#define HV_CPU_NONE 0xffffffffu

struct hv_partition_info {
	uint32_t id;
	uint32_t state; /* enum hv_partition_state */
	uint32_t flags; /* HV_PART_FLAG_* */
	uint32_t vcpus;
	char name[32];
	uint64_t ram_bytes;
	uint64_t run_tsc; /* TSC ticks run, hv's time on its exits included */
	uint64_t exits;
	/* Accesses refused, by kind. */
	uint64_t refused_io;
	uint64_t refused_msr;
	uint64_t refused_ept;
	uint64_t refused_hypercall;
	uint64_t exit_counts[HV_INFO_EXIT_REASONS];
	char last_fault[192]; /* empty unless state is HV_PART_FAULTED */
	/* Where the partition ran: physical CPU indices as hv numbers them
	 * (0 is the boot CPU), not guest-visible APIC ids. */
	uint32_t vcpu_last_cpu[HV_INFO_MAX_VCPUS]; /* HV_CPU_NONE: never ran */
	uint32_t vcpu_migrations[HV_INFO_MAX_VCPUS]; /* arrivals on a new CPU */
	uint32_t vcpu_running_on[HV_INFO_MAX_VCPUS]; /* now; HV_CPU_NONE: none */
	uint64_t cpu_run_tsc[HV_INFO_MAX_CPUS]; /* run_tsc split by CPU */
	/*
	 * hv's TSC ticks in its handler for each basic exit reason, from
	 * reading the exit to choosing the next step; the VM exit and entry
	 * themselves and the scheduler are not in it.
	 */
	uint64_t exit_tsc[HV_INFO_EXIT_REASONS];
	uint64_t hypercall_counts[HV_INFO_HYPERCALLS];
	uint64_t injected[HV_INFO_VECTORS]; /* exceptions hv raised in it */
	uint64_t faults; /* times hv stopped it for something it did */
	/* Everything it holds in hv's pool: RAM, EPT tables, VMCSs, XSAVE
	 * areas, I/O bitmaps; pool_bytes - ram_bytes is its cost to hv. */
	uint64_t pool_bytes;
	uint64_t build_tsc; /* hv's TSC ticks building it */
	uint64_t ram_tsc; /* of build_tsc: taking its RAM, zeroed, from the pool */
	uint32_t trace; /* 1: its exits are recorded in the trace */
	/*
	 * A pc partition that ended by writing value to QEMU's isa-debug-exit
	 * port (docs/platform.md): (value << 1) | 1, as QEMU exits with; 0
	 * otherwise. ABI 1.1; it was reserved (0) in 1.0, so the struct's
	 * size and every other field stay where they were.
	 */
	uint32_t exit_status;
	/* Where its RAM lies in host-physical memory: for the parent's
	 * tools (the attack battery aims children at it), never for a
	 * child, which sees only guest-physical addresses. */
	uint64_t ram_hpa;
	/* Console input bytes typed for it (`pm console`) that found its
	 * input buffer full and were dropped: ABI 1.2. */
	uint64_t console_rx_dropped;
};

/*
 * One VM exit in the trace (docs/hypercalls.md, trace_read), or with
 * HV_TRACE_SLICE in reason one slice of a vCPU on a CPU. Each CPU numbers
 * its exit records from 0, and its slices from 0; a gap in an exit's seq
 * is records lost to the ring wrapping before they were read. Slices are
 * never overwritten: one that finds its ring full is counted as dropped.
 */
struct hv_trace_record {
	uint64_t seq;
	uint64_t tsc; /* when hv began handling the exit; a slice's start */
	uint64_t end_tsc; /* when hv was done with it; a slice's end */
	uint64_t rip; /* the guest's RIP at the exit; 0 in a slice */
	uint64_t qual; /* the exit qualification */
	uint16_t partition; /* id; 0 once that partition was destroyed */
	uint16_t vcpu;
	uint32_t reason; /* basic exit reason; bit 31: VM-entry failure */
};

/* reason of a slice record: the vCPU ran on the CPU from tsc to end_tsc. */
#define HV_TRACE_SLICE (1u << 30)
/* In trace_read's CPU argument: read that CPU's slices, not its exits. */
#define HV_TRACE_READ_SLICES (1ull << 32)

#define HV_TRACE_READ_MAX 64 /* records one trace_read takes at most */

/*
 * console_state's answer: what a script needs to type at a partition's
 * console as a person would, waiting for its prompt (pm's `type`).
 */
struct hv_console_state {
	uint64_t lines; /* console lines it has completed since it started */
	uint32_t rx_pending; /* bytes of its console input not read yet */
	uint32_t line_len; /* bytes in line[] */
	/* Its unfinished line: what it printed since its last newline, which
	 * hv shows only when the line ends (a shell's prompt, say). Not
	 * NUL-terminated; unprintable bytes as '?', as hv prints them. */
	char line[160];
};

/* hv_info's answer: hv's own footprint and constants. */
struct hv_info {
	uint64_t image_bytes; /* hv's loaded image: code, data and bss */
	uint64_t pool_bytes;
	uint64_t pool_free_bytes;
	/* Pool memory hv holds for itself: the pool's owner map, its page
	 * tables, the MSR bitmap, trace rings. */
	uint64_t pool_hv_bytes;
	uint64_t tsc_khz;
	uint32_t max_partitions; /* partition ids: memory bounds them first */
	uint32_t trace_cpus; /* CPUs whose trace ring exists */
	uint32_t trace_records; /* records in each CPU's ring */
	uint32_t reserved;
	/* Host-physical addresses of hv's image and pool. */
	uint64_t image_base;
	uint64_t pool_base;
	/* Preemption switches from one vCPU to another so far, on every
	 * CPU, and the TSC ticks hv spent on them: from its scheduler's
	 * look after the slice to the next vCPU's entry (docs/benchmarks.md). */
	uint64_t switches;
	uint64_t switch_tsc;
};

#endif
