/* SPDX-License-Identifier: MIT */
/*
 * A partition: a virtual machine with its own RAM at guest-physical 0..,
 * its own EPT, its vCPU, its virtual COM1 and its counters. Partitions are
 * data filled in from the manifest; no code branches on their names.
 */
#ifndef HV_PARTITION_H
#define HV_PARTITION_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"
#include "hv/arch.h"
#include "hv/boot_info.h"
#include "hv/hypercall.h"
#include "hv/manifest.h"
#include "hv/palloc.h"
#include "hv/pcdev.h"
#include "hv/start_info.h"
#include "hv/ratelimit.h"
#include "hv/vcpu.h"

/*
 * Partition ids are the pool's owners (hv/palloc.h): memory bounds the
 * number of partitions before this does. Slots come from the pool.
 */
#define HV_MAX_PARTITIONS (PALLOC_MAX_OWNERS - 1)
#define EXIT_REASON_COUNT HV_INFO_EXIT_REASONS

enum partition_state {
	PART_CREATED,
	PART_RUNNING,
	PART_STOPPED, /* ended on its own terms (shutdown, halt) */
	PART_FAULTED, /* stopped by hv because of something it did */
};

struct vuart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint32_t len;
	bool held; /* line is complete and waits for room in the console */
	bool queued; /* a line went into the console's ring: pump it */
	/* A terminal control sequence being dropped (put_locked). */
	uint8_t esc, esc_len;
	char line[160];
	uint64_t lines; /* lines completed, for console_state */
	/* Console input: bytes from the real COM1 typed while this
	 * partition held the console (hv/vuart.c's input_lock). */
	uint8_t rx[256];
	uint32_t rx_head, rx_tail;
	uint64_t rx_dropped; /* typed for it past a full rx */
};

/* Refused accesses, counted by kind. */
struct refusals {
	uint64_t io;
	uint64_t msr;
	uint64_t ept;
	uint64_t hypercall;
};

/*
 * partitions_lock guards the partition table, every partition's state,
 * and the scheduler's fields of every vCPU (running_on, online,
 * blocked_until). Lock order: partitions_lock, then a partition's lock,
 * then the pool's, then the console's.
 */
extern struct spinlock partitions_lock;

/*
 * How much of a partition's RAM one partition_destroy call zeroes and
 * frees: in Bochs 4 MiB of zeroing is about 520,000 instructions, so no
 * call's exit grows with the partition's size (docs/hypercalls.md).
 */
#define HV_DESTROY_STEP (4ull << 20)

/*
 * How many bytes of a new partition's images one partition_create call
 * copies: 4 MiB, about 520,000 instructions in Bochs, as a destroy step
 * zeroes (docs/hypercalls.md).
 */
#define HV_CREATE_STEP (4ull << 20)

struct load_list;

/* What a partition is built from: the manifest, or a parent's request. */
struct partition_spec {
	const char *name;
	const struct hv_boot_module *kernel;
	const struct hv_boot_module *programs[HV_START_MAX_MODULES];
	uint32_t program_count;
	uint32_t ram_mb;
	const char *cmdline;
	bool parent;
	uint32_t vcpus;
	uint32_t template_index;
	const uint32_t *msrs;
	uint32_t msr_count;
	const struct hv_port_range *ports;
	uint32_t port_range_count;
	const uint32_t *cpus; /* pinning: cpus[n] for vCPU n, or NULL */
	bool trace;
	uint32_t platform; /* enum hv_platform */
	const struct hv_boot_module *initrd; /* pc, Linux: or NULL */
	uint32_t on_reboot; /* enum hv_on_reboot */
	bool emulate_apic_access;
	bool emulate_apic_registers;
	uint32_t watch_eoi;
};

struct partition {
	bool in_use; /* the slot holds a partition */
	/* Being built or torn down outside the lock: invisible by id. */
	bool busy;
	/* partition_info calls reading its counters outside the lock: a
	 * destroy waits for none of them, it answers PENDING instead. */
	uint32_t readers;
	bool autostart; /* a static partition: runs without partition_start */
	uint32_t template_index; /* manifest index + 1 it was copied from, or 0 */
	uint32_t msr_count; /* MSRs granted for reading */
	uint32_t msrs[HV_MANIFEST_MAX_MSRS];
	uint32_t id; /* 1.., also the page allocator's owner id */
	char name[HV_NAME_MAX];
	bool parent;
	enum partition_state state;
	uint64_t ram_hpa; /* RAM is one host-physical run, 2 MiB aligned */
	uint64_t ram_size;
	struct partition_arch arch; /* its EPT and I/O bitmaps */
	uint32_t vcpu_count;
	struct vcpu vcpus[HV_MAX_VCPUS];
	struct spinlock lock; /* its virtual UART, shared by its vCPUs */
	struct vuart uart;
	uint8_t *io_logged; /* one bit per port: already reported once */
	struct refusals refused;
	struct ratelimit warn; /* its guest-caused log lines, by kind */
	char last_fault[192];
	uint32_t cpus_used; /* a bit per CPU that ran one of its vCPUs */
	/* Writes to MSRs it owns that hv checked (policy_msr_audited). */
	uint64_t msr_guest_writes;
	uint32_t msr_guest_last;
	uint64_t stop_tsc; /* when the parent asked it to stop, or 0 */
	bool stop_requested; /* the parent stopped it: a stop again is OK */
	bool stop_reported; /* "stopped by the parent" was printed */
	/*
	 * A destroy under way (busy): its RAM goes back HV_DESTROY_STEP at a
	 * call, ram_freed of it so far; stepping while one call frees a step.
	 */
	bool tearing, stepping;
	uint64_t ram_freed;
	uint64_t destroy_held; /* its pages when the destroy began */
	/*
	 * A create under way (busy): its images' large copies are left,
	 * HV_CREATE_STEP at a call of the same create (hv/load.c);
	 * create_stepping while one call copies a step.
	 */
	struct load_list *load;
	bool creating, create_stepping;
	struct partition_stats stats;
	bool trace; /* its exits go into the trace (hv/trace.h) */
	uint32_t platform; /* enum hv_platform */
	/* pc partitions: the xAPIC page through EPT violations even where
	 * the CPU virtualizes APIC accesses (the manifest's
	 * emulate_apic_access, docs/manifest.md). */
	bool emulate_apic_access;
	/* pc partitions: every xAPIC register access exits and hv injects
	 * the interrupts, even where the CPU has APIC-register
	 * virtualization and virtual-interrupt delivery (the manifest's
	 * emulate_apic_registers). */
	bool emulate_apic_registers;
	/* pc partitions: a vector whose EOIs hv sees, or 0 (watch_eoi). */
	uint32_t watch_eoi;
	/* pc partitions: the small devices, under lock, and the status an
	 * isa-debug-exit write ended it with ((value << 1) | 1), or 0. */
	struct pc_devices pc;
	uint32_t exit_status;
	/* pc partitions: ended by the ACPI S5 write (hv/pcpower.c); what a
	 * reset does; resets so far; a restart waiting for its vCPUs to
	 * leave their CPUs, and whether the log tells of it (a guest that
	 * resets without end is rate-limited as any guest-caused line);
	 * and what it restarts from, with its own copy of the command line
	 * (a parent's request does not last). */
	bool powered_off;
	uint32_t on_reboot; /* enum hv_on_reboot */
	uint32_t resets;
	bool restart_pending, restart_quiet;
	struct vcpu *restart_by; /* the vCPU whose CPU carries the restart out */
	struct partition_spec spec;
	char spec_cmdline[HV_CMDLINE_MAX];
	/* IPIs its vCPUs posted to one another, and those whose
	 * destination named none of its vCPUs (hv/apic.c). */
	uint64_t ipis_sent, ipis_dropped;
};


/*
 * Builds manifest partition `index` from the images the loader passed in
 * bi: RAM, EPT, kernel, entry state and programs. Its id is index + 1.
 */
int partition_create(const struct hv_boot_info *bi, uint32_t index,
		     struct partition **out);
/* Translates a guest-physical range to a host pointer, or NULL if any of
 * it lies outside the partition's RAM. */
void *partition_gpa_to_hva(struct partition *p, uint64_t gpa, uint64_t len);
/*
 * Stops the vCPU's partition because of something the guest did: prints
 * the report, with the vCPU's registers, and keeps it for partition_info.
 */
void vcpu_fault(struct vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A vCPU halted for good; its partition ends when the last one has. */
void vcpu_halted(struct vcpu *v, const char *why);
/*
 * Under the lock: whether the partition has already ended, by another
 * of its vCPUs (a reset, a power-off, a fault, a halt) or by its parent's
 * stop. Its other vCPUs may still write a reset, S5 or isa-debug-exit,
 * or triple-fault, before their kick brings them out: the first end is
 * the partition's,
 * as on a PC whose first reset or power-off stops every CPU. A second
 * reset taken as a new one would hand the restart to the second vCPU's
 * CPU while the first's had already begun it: both would carry it out,
 * and the one that gave way would clear restart_pending in the middle
 * of the other's, when a stop or destroy must answer PENDING. A reset
 * after a fault would restart a partition reported faulted.
 */
static inline bool partition_ended_locked(const struct partition *p)
{
	return p->state != PART_RUNNING && p->state != PART_CREATED;
}

/*
 * A pc partition wrote isa-debug-exit: it ends with status, which
 * partition_info reports. True when it is the parent, whose end ends
 * the run as a shutdown does: the caller then powers off. Nothing once
 * the partition has ended (partition_ended_locked).
 */
bool partition_debug_exit(struct vcpu *v, uint32_t status);
/*
 * Loads a pc partition's multiboot kernel and modules and fills in the
 * entry state of its first vCPU (hv/multiboot.c).
 */
int pc_load(struct partition *p, const struct partition_spec *sp,
	    struct vcpu_pc_entry *entry);
/*
 * hv/pcpower.c. The ACPI S5 write: the partition is powered off. A reset
 * (why: its reset register, a triple fault): restarted or stopped, as
 * its on_reboot says. Each returns true when the parent ended, which
 * ends the run. Either changes nothing once the partition has ended (a
 * vCPU that wrote it before its kick came): the first end stands.
 */
bool partition_power_off(struct vcpu *v);
bool partition_reset(struct vcpu *v, const char *why);
/*
 * A pc partition's vCPUs as at power-on: vCPU 0 at entry, the others
 * waiting for INIT and start-up IPIs (hv/build.c); the caller puts
 * vCPU 0 online.
 */
int pc_start_vcpus(struct partition *p, const struct vcpu_pc_entry *entry);
/* In the scheduler, after the vCPU that reset it has left its CPU. */
void partition_restart(struct partition *p);
/* The same for a Linux bzImage or PVH vmlinux, with the partition's ACPI
 * tables (hv/linux.c). */
int linux_load(struct partition *p, const struct partition_spec *sp,
	       struct vcpu_pc_entry *entry);
/* The vcpu_start hypercall: the caller's partition starts its vCPU n. */
int64_t vcpu_start(struct vcpu *caller, uint64_t n, uint64_t rip,
		   uint64_t rsp, uint64_t cr3, uint64_t arg);
/* Sums over the partition's vCPUs. */
uint64_t partition_run_tsc(const struct partition *p);
uint64_t partition_exits(const struct partition *p);
/*
 * Every CPU's scheduler loop: runs vCPUs, round-robin in slices of slice
 * TSC ticks, on whichever CPU is free and allowed by their pinning, until
 * none can run or the parent powers off; then returns.
 */
void partitions_run(uint64_t slice);
/* Idle CPUs look for work again: a vCPU may have become runnable. */
void sched_kick_idle(void);
/* The preemption switches hv made so far on every CPU, and their TSC
 * ticks in all (hv/sched.c); for hv_info. */
void sched_switch_figures(uint64_t *count, uint64_t *tsc);
/* Set once, under partitions_lock; read before every VM entry. */
extern bool sched_over;
/* True once scheduling has ended on every CPU (power-off, or nothing
 * left to run): a running vCPU leaves at its next exit. */
static inline bool sched_ending(void)
{
	return __atomic_load_n(&sched_over, __ATOMIC_ACQUIRE);
}
/* Ends scheduling on every CPU, saying why. */
void sched_end(const char *why);
/* Prints one line per partition: state, run time, exits, refusals. */
void partitions_report(uint64_t tsc_hz);
/* The partition with this id, or NULL. */
struct partition *partition_by_id(uint32_t id);
/*
 * The parent's management requests, answering 0 or an HV_E* code:
 * create builds a child from preloaded images and returns its id; start
 * runs it; stop takes it off the CPU for good; destroy also gives back
 * all its memory, zeroed. A partition cannot stop or destroy itself.
 */
int64_t partition_create_request(const struct hv_partition_create *req);
int64_t partition_start(uint64_t id);
/* Stop and destroy answer HV_EAGAIN (HV_STATUS_PENDING to the caller)
 * until no CPU runs the partition any more; the caller asks again
 * (docs/hypercalls.md). */
int64_t partition_stop(uint64_t id, const struct partition *caller);
int64_t partition_destroy(uint64_t id, const struct partition *caller);
/* Writes up to max templates; returns how many manifest partitions hv
 * did not start at boot. */
uint32_t partition_templates(struct hv_template *t, uint32_t max);
/* Writes up to max partition ids into ids; returns how many exist. */
uint32_t partition_ids(uint32_t *ids, uint32_t max);

/* The virtual 16550 on ports 0x3f8-0x3ff. */
#define VUART_BASE 0x3f8
bool vuart_handles(uint16_t port);
void vuart_io(struct partition *p, uint16_t port, bool in, uint32_t *value);
void vuart_flush(struct partition *p);
/*
 * Gives the console's input to p (the parent takes it back the same way);
 * HV_EBUSY if p has ended. Ctrl-] typed at the console gives it back to
 * the parent, as does p's end.
 */
int vuart_attach(struct partition *p);
bool vuart_has_console(const struct partition *p);
/*
 * The console_input call's work: bytes for p's input buffer, as if typed
 * while p held the console; how many fitted. The caller holds
 * partitions_lock and has checked that p runs.
 */
uint32_t vuart_input(struct partition *p, const uint8_t *buf, uint32_t len);
/* The console_state call's answer for p. */
void vuart_state(struct partition *p, struct hv_console_state *st);
/* One byte of the partition's console output, collected into lines. */
void vuart_put(struct partition *p, uint8_t c);
/*
 * The console_write hypercall's work: takes bytes of buf into the line
 * buffer, at most VUART_SLICE_LINES lines' worth, and stops early when
 * the console's ring is full. Returns how many bytes it took, which may
 * be 0; the caller's guest calls again for the rest.
 */
#define VUART_SLICE_LINES 8
uint64_t vuart_write(struct partition *p, const char *buf, uint64_t len);

#endif
