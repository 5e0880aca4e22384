// SPDX-License-Identifier: MIT
/*
 * The hostile-guest battery's attacker in a `platform = pc` partition
 * (guest/attacks/attacks.h, docs/security.md): one attack, named by
 * attack=NAME on its command line (addr=0x... the target the battery
 * parent aims it at), made from real mode (pcreal-*, through
 * pcattack-real.asm) or from 32-bit protected mode (pc32-*), with and
 * without paging and from IA-32e mode. The parent judges the attack by
 * hv's record alone; what this kernel prints is for the reader, and
 * "attack NAME: ESCAPED" when something that should have stopped it did
 * not. It ends through isa-debug-exit.
 */
#include "guest/tests/pc/rt/pcrt.h"

const char test_name[] = "pcattack";

uint32_t pc_real_attack(uint32_t which);
uint32_t pc_long_read64(uint32_t addr);

static char name[32];
static uint32_t ram_end;

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));

static void escaped(const char *what)
{
	pc_printf("attack %s: ESCAPED: %s\n", name, what);
}

/* ---- memory: paging off, so the address is guest-physical */
static void mem_read(uint32_t addr)
{
	uint32_t v = *(volatile uint32_t *)addr;

	pc_printf("attack %s: ESCAPED: read 0x%x at 0x%x\n", name, v, addr);
}

static void mem_write(uint32_t addr)
{
	*(volatile uint32_t *)addr = 0x5eedf00d;
	escaped("the write went through");
}

static void mem_exec(uint32_t addr)
{
	((void (*)(void))addr)();
	escaped("the call returned");
}

/*
 * Its own xAPIC page (paging off, so addr is guest-physical): the ID
 * and version of its own APIC, and a TPR that keeps what was written.
 * Anything else is another APIC's, or memory's.
 */
static void mmio_lapic_own(uint32_t addr)
{
	volatile uint32_t *apic = (volatile uint32_t *)addr;
	uint32_t id = apic[0x20 / 4], version = apic[0x30 / 4], tpr;

	apic[0x80 / 4] = 0x70;
	tpr = apic[0x80 / 4];
	apic[0x80 / 4] = 0;
	if (id >> 24 != 0 || (version & 0xff) != 0x14 || tpr != 0x70)
		pc_printf("attack %s: ESCAPED: ID 0x%x, version 0x%x, TPR 0x%x: not its own APIC\n",
			  name, id, version, tpr);
	else
		pc_printf("attack %s: its own APIC: ID 0x%x, version 0x%x\n", name, id,
			  version);
}

/* An instruction hv does not complete on the APIC page: ADD to the TPR. */
static void mmio_lapic_decode(uint32_t addr)
{
	/*
	 * 01 82 90 03 00 00, the bytes hv's report names. The current
	 * count, which the CPU never virtualizes: an ADD to the TPR is one
	 * the CPU completes itself under APIC-register virtualization, as a
	 * PC's APIC does, within the vCPU's own registers.
	 */
	asm volatile("addl %%eax, 0x390(%%edx)" : : "a"(1u), "d"(addr) : "memory");
	escaped("an ADD to the xAPIC page completed");
}

/* Offset 0x800 of the page: no xAPIC register, an access that faults. */
static void mmio_lapic_offset(uint32_t addr)
{
	uint32_t v;

	/* 8b 82 00 08 00 00 */
	asm volatile("movl 0x800(%%edx), %%eax" : "=a"(v) : "d"(addr) : "memory");

	pc_printf("attack %s: ESCAPED: read 0x%x at offset 0x800\n", name, v);
}

/* 32-bit paging with the page directory past RAM: the first walk is an
 * access outside it. */
static void pt_cr3_past(void)
{
	write_cr4(read_cr4() | CR4_PSE);
	write_cr3(ram_end);
	write_cr0(read_cr0() | CR0_PG);
	escaped("paging ran on a directory outside RAM");
}

/* PAE paging with the PDPT past RAM: the CPU loads the PDPTEs at the
 * MOV (EPT violation); with CD changed in the same MOV hv loads them
 * (#GP, a PDPT a PC cannot read). */
static void pdpte_past(bool via_cd)
{
	write_cr4(read_cr4() | CR4_PAE);
	write_cr3(ram_end);
	write_cr0(read_cr0() | CR0_PG | (via_cd ? CR0_CD : 0));
	escaped("PAE paging ran on a PDPT outside RAM");
}

static void try_pdpte_cd(void *unused)
{
	(void)unused;
	pdpte_past(true);
}

/* In IA-32e mode, a 64-bit read past RAM. */
static void long_read_past(void)
{
	pml4[0] = (uint32_t)pdpt | 3;
	for (int g = 0; g < 4; g++) {
		pdpt[g] = (uint32_t)pd[g] | 3;
		for (int i = 0; i < 512; i++)
			pd[g][i] = (uint64_t)g << 30 | (uint64_t)i << 21 | 0x83;
	}
	pc_long_call((uint32_t)pml4, (uint32_t)pc_long_read64, ram_end);
	escaped("64-bit code read past RAM");
}

/* ---- instructions and MSRs, under pc_try: hv's #GP and #UD land here */
static uint32_t arg;

static void do_vmxon(void *unused)
{
	static uint64_t region;

	(void)unused;
	asm volatile("vmxon %0" : : "m"(region) : "memory");
}

static void do_vmcall(void *unused)
{
	(void)unused;
	asm volatile("vmcall" : : "a"(3), "D"(0) : "memory");
}

static void do_cr4(void *unused)
{
	(void)unused;
	write_cr4(read_cr4() | arg);
}

static void do_cr0(void *unused)
{
	(void)unused;
	write_cr0(read_cr0() | arg);
}

static void do_wrmsr(void *unused)
{
	(void)unused;
	/* xAPIC mode enabled at another base: hv keeps the APIC at
	 * 0xFEE00000 and refuses the move (docs/platform.md). */
	wrmsr(arg, 0xfed00000 | 1u << 11);
}

static void expect(const char *what, void (*fn)(void *), uint32_t vector)
{
	uint32_t r = pc_try(fn, NULL);

	if (r != vector + 1)
		pc_printf("attack %s: ESCAPED: %s raised vector %d, not %u\n",
			  name, what, (int)r - 1, vector);
}

static void triple(void)
{
	static const struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	asm volatile("lidt %0; int3" : : "m"(empty));
	escaped("the triple fault did not stop it");
}

static void real_attack(uint32_t which, uint32_t want)
{
	uint32_t seen = pc_real_attack(which);

	if (seen != want)
		pc_printf("attack %s: ESCAPED: vectors 0x%x from real mode, want 0x%x\n",
			  name, seen, want);
}

static bool is(const char *n)
{
	return !memcmp(name, n, pc_strlen(n) + 1);
}

void test_main(uint32_t magic, const struct mb_info *mbi)
{
	uint32_t addr = pc_cmdline_u32("addr", 0);

	pc_cmdline_word("attack", name, sizeof(name), "");
	if (magic != MB_BOOTLOADER_MAGIC || !(mbi->flags & MB_INFO_MEMORY)) {
		test_fail("entry", "no multiboot information");
		return;
	}
	ram_end = (mbi->mem_upper + 1024) * 1024;
	if (!addr)
		addr = ram_end;
	pc_printf("attack %s: at 0x%x\n", name, addr);
	if (is("pc32-mem-read-past") || is("pc32-mem-read-pool") ||
	    is("pc32-mem-read-victim"))
		mem_read(addr);
	else if (is("pc32-mmio-lapic"))
		mmio_lapic_own(addr);
	else if (is("pc32-mmio-lapic-decode"))
		mmio_lapic_decode(addr);
	else if (is("pc32-mmio-lapic-offset"))
		mmio_lapic_offset(addr);
	else if (is("pc32-mem-write-past") || is("pc32-mem-write-hv"))
		mem_write(addr);
	else if (is("pc32-mem-exec-past"))
		mem_exec(addr);
	else if (is("pc32-pt-cr3-past"))
		pt_cr3_past();
	else if (is("pc32-pdpte-past"))
		pdpte_past(false);
	else if (is("pc32-pdpte-past-cd"))
		expect("a PDPT outside RAM", try_pdpte_cd, VEC_GP);
	else if (is("pc32-long-read-past"))
		long_read_past();
	else if (is("pc32-io-reset-cf9"))
		outb(0xcf9, 0x06); /* a PC's hard reset */
	else if (is("pc32-msr-apic-base")) {
		arg = 0x1b;
		expect("IA32_APIC_BASE moved", do_wrmsr, VEC_GP);
	} else if (is("pc32-vmx-insns"))
		expect("VMXON", do_vmxon, VEC_UD);
	else if (is("pc32-vmcall"))
		expect("VMCALL", do_vmcall, VEC_UD);
	else if (is("pc32-cr4-vmxe")) {
		arg = CR4_VMXE;
		expect("CR4.VMXE", do_cr4, VEC_GP);
	} else if (is("pc32-cr0-nw-no-cd")) {
		arg = CR0_NW;
		expect("CR0.NW without CD", do_cr0, VEC_GP);
	} else if (is("pc32-fault-triple") || is("pc32-reset-loop"))
		triple();
	else if (is("pcreal-io-pit"))
		real_attack(1, 0);
	else if (is("pcreal-io-cmos"))
		real_attack(2, 0);
	else if (is("pcreal-msr-vmx-read"))
		real_attack(3, 1u << VEC_GP);
	else if (is("pcreal-vmcall"))
		real_attack(4, 1u << VEC_UD);
	else if (is("pcreal-cr4-vmxe"))
		real_attack(5, 1u << VEC_GP);
	else if (is("pcreal-io-string"))
		real_attack(6, 1u << VEC_GP);
	else if (is("pcreal-fault-triple"))
		real_attack(7, 0xffffffff);
	else if (is("pcreal-fault-cli-loop"))
		real_attack(8, 0xffffffff);
	else
		test_fail("attack", "no attack '%s'", name);
}
