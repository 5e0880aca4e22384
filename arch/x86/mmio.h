/* SPDX-License-Identifier: MIT */
/*
 * Completing a guest's access to its xAPIC's page (docs/platform.md, "The
 * local APIC"): the instruction at CS:RIP fetched through the guest's
 * paging (lib/x86_walk.c), decoded (lib/x86_insn.c), checked against
 * what the exit reported and against the widths the APIC takes, and
 * carried out on the device and on the guest's registers. Pure logic:
 * the VMCS side is arch/x86/vmx_mmio.c, and the host unit tests run this
 * part on a fake memory and a fake device.
 */
#ifndef ARCH_X86_MMIO_H
#define ARCH_X86_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/x86_insn.h"
#include "lib/x86_walk.h"

/* The guest as the exit left it. */
struct mmio_cpu {
	struct x86_walk_regs walk;
	uint64_t fetch_la; /* the linear address of CS:RIP */
	/* The bytes the CPU may fetch there (mmio_fetch_max): at most 15. */
	unsigned fetch_max;
	enum x86_cpu_mode mode;
	/* Its general registers, 0 RAX ... 15 R15 (SDM order): only the
	 * one the instruction names is read, and written for a load. */
	uint64_t (*get_reg)(void *ctx, unsigned n);
	void (*set_reg)(void *ctx, unsigned n, uint64_t val);
	void *reg_ctx;
};

/* The register file behind the page: 0, or -1 for an access that faults. */
struct mmio_dev {
	int (*read)(void *ctx, uint32_t offset, uint32_t *val);
	int (*write)(void *ctx, uint32_t offset, uint32_t val);
	void *ctx;
};

enum mmio_dir {
	MMIO_READ,
	MMIO_WRITE,
};

enum mmio_status {
	MMIO_DONE, /* completed: RIP advances by report.insn.len */
	MMIO_FETCH, /* the instruction could not be read */
	MMIO_LIMIT, /* it runs past the CS limit or the canonical addresses */
	MMIO_DECODE, /* not an instruction hv completes */
	MMIO_DIRECTION, /* a load where the CPU saw a store, or back */
	MMIO_WIDTH, /* a width or alignment the APIC does not take */
	MMIO_FAULT, /* the register refused the access */
};

struct mmio_report {
	uint8_t bytes[X86_INSN_MAX];
	unsigned nbytes; /* fetched */
	struct x86_walk_fault fetch;
	enum x86_insn_status decode;
	struct x86_insn insn; /* valid from MMIO_DIRECTION on */
	uint32_t offset;
};

/*
 * How many bytes of an instruction at rip, in code of the given mode, a
 * CPU fetches without a #GP: 15 (SDM Vol. 2A, "Instruction Format"), but
 * outside 64-bit mode none past the code segment's limit (SDM Vol. 3A,
 * "Limit Checking"; the VMCS holds the limit in bytes, and a CS is never
 * expand-down), and in 64-bit mode, where no limit is checked, none at a
 * non-canonical address (SDM Vol. 1, "Canonical Addressing": 48 bits, 57
 * with CR4.LA57) and none past 2^64 - 1, where hv does not guess at a
 * wrap. A CS limit of 4 GiB - 1 has no end: EIP wraps there.
 */
unsigned mmio_fetch_max(enum x86_cpu_mode mode, uint64_t rip,
			uint32_t cs_limit, bool la57);

enum mmio_status apic_mmio(const struct mmio_cpu *c, uint32_t offset,
			   enum mmio_dir dir, const struct mmio_dev *d,
			   struct mmio_report *r);

/*
 * One line for the stop report: what failed, the bytes, the mode. At
 * most MMIO_LINE_MAX characters, so that the report's " at rip 0x..."
 * still fits a partition's last_fault (192 bytes with its NUL).
 */
#define MMIO_LINE_MAX 164

void apic_mmio_describe(enum mmio_status s, const struct mmio_cpu *c,
			const struct mmio_report *r, char *buf, size_t len);

#endif
