/* SPDX-License-Identifier: MIT */
/*
 * A guest page-table walk for instruction fetches, in every paging mode
 * of SDM Vol. 3A, "Paging": none, 32-bit, PAE, 4-level and 5-level. hv
 * uses it to read the instruction at CS:RIP that made an MMIO access.
 * Guest memory is read only through the caller's read_gpa, which says
 * whether a guest-physical range is the guest's own RAM: the walk never
 * touches anything else.
 *
 * A fetch is checked as the CPU checks one: present bits, reserved bits,
 * user/supervisor for CPL 3, execute-disable under EFER.NXE, SMEP. The
 * accessed and dirty bits are not written: the CPU set them when it
 * fetched the instruction itself.
 */
#ifndef LIB_X86_WALK_H
#define LIB_X86_WALK_H

#include <stdbool.h>
#include <stdint.h>

/* Copies len bytes at gpa into buf; false if any of them is not RAM. */
typedef bool (*x86_read_gpa)(void *ctx, uint64_t gpa, void *buf,
			     unsigned len);

struct x86_walk_regs {
	uint64_t cr0, cr3, cr4, efer; /* the guest's own values */
	/* PAE paging without IA-32e mode: the PDPTE registers, which the
	 * CPU loaded from CR3 (SDM "PDPTE Registers"), not memory. */
	uint64_t pdpte[4];
	uint8_t maxphyaddr;
	uint8_t cpl;
	x86_read_gpa read_gpa;
	void *ctx;
};

enum x86_walk_status {
	X86_WALK_OK = 0,
	X86_WALK_NOT_PRESENT, /* #PF with P = 0 on a CPU */
	X86_WALK_RESERVED, /* #PF with RSVD = 1 */
	X86_WALK_PROTECTION, /* #PF: U/S, XD or SMEP */
	X86_WALK_NO_RAM, /* a table or the page lies outside the guest's RAM */
};

/* Where a walk stopped: the status and the guest-physical address of the
 * entry (or, for NO_RAM, of what could not be read). */
struct x86_walk_fault {
	enum x86_walk_status status;
	uint64_t gpa;
	uint8_t level; /* 1 PTE ... 5 PML5E; 0 the page itself */
};

/* The paging mode the registers select, for reports. */
const char *x86_walk_mode_name(const struct x86_walk_regs *r);

/* Translates linear address la for an instruction fetch. */
enum x86_walk_status x86_walk_fetch(const struct x86_walk_regs *r, uint64_t la,
				    uint64_t *gpa, struct x86_walk_fault *f);

/*
 * Reads up to len bytes of instructions at la, page by page. Returns how
 * many it read; fewer than len when a later page faulted (f says why), so
 * that an instruction that ends before that page still decodes.
 */
unsigned x86_fetch(const struct x86_walk_regs *r, uint64_t la, uint8_t *buf,
		   unsigned len, struct x86_walk_fault *f);

#endif
