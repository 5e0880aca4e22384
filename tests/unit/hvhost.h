/* SPDX-License-Identifier: MIT */
/*
 * hv on the host, for the tests of its scheduler, partition lifecycle and
 * hypercall dispatch: the real hv/ sources built against the fake arch
 * (arch/fake/), over a pool in host memory (hv runs 1:1, so host pointers
 * are its physical addresses), with a boot info the tests fill like the
 * loader would and a console that keeps hv's lines for the tests to read.
 */
#ifndef UNIT_HVHOST_H
#define UNIT_HVHOST_H

#include "tests/unit/common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/fake/fake.h"
#include "hv/errno.h"
#include "hv/partition_table.h"

#define HOST_POOL_MB 64
#define HOST_RAM_MB 8 /* every partition's, unless a test says otherwise */
#define HOST_SLICE 1000 /* TSC ticks */
/* The ESP paths of the images the loader "read": the fixture ET_EXEC,
 * a second copy for children, and one that is no ELF at all. */
#define HOST_KERNEL "hv/kernel.elf"
#define HOST_CHILD "hv/child.elf"
#define HOST_BAD "hv/bad.elf"

extern struct hv_boot_info host_bi;

/*
 * A cmocka setup: an empty partition table, a fresh pool, a machine of
 * one CPU (fake_reset), an empty log, a manifest with no partitions and
 * the three images above as modules.
 */
int host_setup(void **state);

/* Adds a manifest partition that hv builds at boot (host_boot); cpus,
 * if not NULL, pins vCPU n to cpus[n]. */
struct hv_manifest_partition *host_manifest_add(const char *name, bool parent,
						uint32_t vcpus,
						const uint32_t *cpus);
/* Builds every manifest partition, as hv_main does; fails the test if one
 * cannot be built. */
void host_boot(void);

/* The partition called name; fails the test if there is none. */
struct partition *host_part(const char *name);

/* A child from HOST_CHILD by partition_create_request: its id, or the
 * negative HV_E* code. */
int64_t host_create(const char *name, const char *image, uint32_t ram_mb,
		    uint32_t vcpus);

/* Gives v the script fn (ctx for it) for its slices. */
void host_script(struct vcpu *v, const struct fake_script *s);
/*
 * A script slice: in its first slice v halts for *(const uint64_t *)ctx
 * ticks (a parent that leaves its CPU to the others), in the next it
 * powers the machine off.
 */
enum vcpu_outcome host_sleep_then_poweroff(struct vcpu *v, uint64_t slice,
					   void *ctx);

/*
 * v makes hypercall nr with arguments a0..a4, as its exit would on the
 * CPU the thread is being: returns the status it got back, and the effect
 * in *effect if not NULL. Fails the test if no status was set.
 */
int64_t host_hypercall(struct vcpu *v, uint64_t nr, const uint64_t args[5],
		       int *effect);

/* Keys typed at the real UART, which hv's console_getc takes in order;
 * how many it has not taken yet; forgetting them. */
void host_type(const char *s);
size_t host_typed_left(void);
void host_type_reset(void);

/* The pool now. */
uint64_t host_free_pages(void);

/*
 * Run once at hv's next line, after its arguments are taken and before
 * they are formatted: what another CPU could do between a call's unlock
 * and its print. Cleared before it runs.
 */
extern void (*host_log_hook)(void *ctx);
extern void *host_log_hook_ctx;

/* Whether any of hv's lines since host_setup contains s; how many do. */
bool host_logged(const char *s);
int host_count_logged(const char *s);

#endif
