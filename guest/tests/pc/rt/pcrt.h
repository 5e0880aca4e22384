/* SPDX-License-Identifier: MIT */
/*
 * The runtime of the pc test kernels: freestanding 32-bit multiboot
 * kernels that boot the same in a `platform = pc` partition of hv and
 * under `qemu-system-x86_64 -kernel` (docs/platform.md, docs/testing.md).
 * entry.asm carries the multiboot header and enters pcrt_start with the
 * loader's EAX and EBX; the runtime loads its own GDT and IDT, calls
 * test_main, prints the summary and ends through QEMU's isa-debug-exit:
 * value 0 (status 1) when every check passed, or the cmdline's pass=N,
 * and value 1 (status 3) when one failed.
 *
 * Output follows the boot tests' convention: "TEST <check>: PASS" or
 * "TEST <check>: FAIL <reason>", one line each, then the summary line
 * "TEST <test_name>: PASS|FAIL". A check that needs what only hv
 * provides, or that QEMU's emulation does not do, prints
 * "SKIP <check>: <why>" where it does not run.
 */
#ifndef GUEST_TESTS_PC_RT_PCRT_H
#define GUEST_TESTS_PC_RT_PCRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/io.h"
#include "include/hv/multiboot.h"

/* Each kernel defines these two. */
extern const char test_name[];
void test_main(uint32_t magic, const struct mb_info *mbi);

/* The runtime's GDT (pcrt.c): what the mode switches use. */
#define SEL_CODE32 0x08
#define SEL_DATA32 0x10
#define SEL_CODE16 0x18 /* base patched to where real-mode code runs */
#define SEL_DATA16 0x20
#define SEL_CODE64 0x28

/* Linker symbols: the loaded image. */
extern char __image_start[], __image_end[];

/* ---- port I/O and registers */
static inline uint32_t read_cr0(void)
{
	uint32_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint32_t read_cr4(void)
{
	uint32_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(uint32_t v)
{
	asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void write_cr3(uint32_t v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void write_cr4(uint32_t v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/*
 * Into IA-32e mode with pml4 (PAE, LME, PG), a call of the 64-bit code
 * at fn with arg in EDI, and back to 32-bit protected mode with paging
 * off (rt/long.asm): fn's EAX. pml4 must map the kernel and its stack 1:1.
 */
uint32_t pc_long_call(uint32_t pml4, uint32_t fn, uint32_t arg);

#define CR0_PE (1u << 0)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_VMXE (1u << 13)
#define CR4_SMXE (1u << 14)
#define CR4_PCIDE (1u << 17)
#define MSR_EFER 0xc0000080u
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* ---- console (COM1) and results */
void pc_putc(char c);
void pc_puts(const char *s);
/* %s %c %d %u %x with an optional 0 and width, and %llx: no 64-bit
 * division, which a freestanding 32-bit build has no library for. */
void pc_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void test_pass(const char *check);
void test_fail(const char *check, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void test_check(const char *check, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void test_skip(const char *check, const char *why);
/* Ends the kernel through isa-debug-exit with value; halts if that
 * port does not end it. */
void pc_exit(uint32_t value) __attribute__((noreturn));

/* ---- the command line and the platform */
/* The command line as the loader gave it, copied at entry. */
extern char pc_cmdline[512];
/* "key=N" in the command line (N decimal or 0x hex), or def. */
uint32_t pc_cmdline_u32(const char *key, uint32_t def);
/* The text of "key=WORD" in the command line into buf, or def. */
void pc_cmdline_word(const char *key, char *buf, size_t n, const char *def);
/* True when hv runs the kernel (CPUID leaf 0x40000000 says
 * "hvhypervisor"): checks of what only hv provides run then. */
bool pc_under_hv(void);
/* QEMU's fw_cfg, legacy I/O: n bytes of item key. */
void pc_fw_cfg_read(uint16_t key, void *buf, unsigned n);

/* ---- descriptors */
/* Loads the runtime's GDT and IDT and flat segments: what an AP the
 * kernel starts runs first in 32-bit mode. */
void pc_load_descriptors(void);
/* An interrupt gate for vector (a handler built with
 * __attribute__((interrupt)), or assembly ending in IRET). */
void pc_set_gate(uint8_t vector, void (*handler)(void));

/* ---- exceptions in 32-bit protected mode */
struct pc_fault {
	uint32_t vector, error, eip;
};

/* The last exception taken under pc_try. */
extern struct pc_fault pc_last_fault;

/*
 * Runs fn(arg); if it raises an exception, the handler records it in
 * pc_last_fault and resumes here: returns the vector + 1, else 0. An
 * exception outside pc_try is reported and ends the kernel.
 */
uint32_t pc_try(void (*fn)(void *), void *arg);

#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14

/* ---- string helpers */
size_t pc_strlen(const char *s);
bool pc_starts_with(const char *s, const char *prefix);
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
