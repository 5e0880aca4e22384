// SPDX-License-Identifier: MIT
/*
 * A guest that makes the states a VM entry checks for itself, where the
 * test bed (Bochs) and a real CPU part ways (docs/vmcheck.md), one case
 * per partition, chosen by the cmdline's case=:
 *
 * case=1 (star): SYSCALL with RPL 3 in IA32_STAR's SYSCALL selector
 *   (bits 33:32). A real CPU loads SS with RPL 3 under CS with RPL 0,
 *   which no VM entry without unrestricted guest accepts: hv's check
 *   stops the partition at its next entry, as the guest's doing. Bochs
 *   clears the RPL, and the guest goes on.
 * case=2 (rip): CPUID in the last two bytes of the lower canonical half.
 *   hv completes it and enters with RIP 0x800000000000, as a CPU leaves it
 *   (bits 63:48 are identical, so the entry is valid); the fetch there
 *   raises #GP(0), with that RIP.
 * case=3 (step): single steps (RFLAGS.TF) whose trap is pending, in a
 *   MOV-SS or STI shadow, when an instruction hv completes or emulates
 *   exits: the #DB comes where a CPU raises it, with DR6.BS.
 * case=4 (wrap): CPUID at 0xfffffffe in compatibility mode: the CPU wraps
 *   EIP to 0, and so does hv, which completes the CPUID.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

#include "include/hv/hypercall.h"
#include "lib/string.h"

const char test_name[] = "vmcheck";

#define DR6_BS (1ull << 14)
#define PTE_P 1ull
#define PTE_W 2ull

/* ---- case=star */

extern const char vmcheck_syscall_entry[];

/*
 * SYSCALL from ring 0 to ring 0 with the RPL bits of IA32_STAR's SYSCALL
 * selector set: CS is that selector with RPL 0, SS that selector + 8,
 * whose RPL a real CPU keeps (SDM Vol. 2B, SYSCALL) and Bochs clears.
 * The entry point reads SS and goes straight back.
 */
static uint16_t syscall_ss(void)
{
	uint32_t ss;

	asm volatile("syscall\n\t"
		     "jmp 2f\n"
		     ".globl vmcheck_syscall_entry\n"
		     "vmcheck_syscall_entry:\n\t"
		     "movl %%ss, %%eax\n\t"
		     "jmp *%%rcx\n"
		     "2:"
		     : "=a"(ss)
		     :
		     : "rcx", "r11", "memory", "cc");
	return (uint16_t)ss;
}

static void star(void)
{
	uint64_t star = (uint64_t)(RT_SEL_KCODE | 3) << 32;
	uint16_t ss;

	wrmsr(IA32_EFER, rdmsr(IA32_EFER) | EFER_SCE);
	wrmsr(IA32_LSTAR, (uint64_t)(uintptr_t)vmcheck_syscall_entry);
	wrmsr(IA32_FMASK, 0);
	rt_printf("vmcheck: SYSCALL with IA32_STAR 0x%lx\n", (unsigned long)star);
	wrmsr(IA32_STAR, star);
	ss = syscall_ss();
	/* On a real CPU SS now has RPL 3 under CS's RPL 0: the next exit,
	 * this line's first byte, is where hv's check stops the partition.
	 * Bochs gave SS RPL 0. */
	rt_printf("vmcheck: SYSCALL loaded SS 0x%x\n", ss);
	if ((ss & ~3u) != RT_SEL_KDATA)
		test_fail("vmcheck-star", "SS 0x%x, want 0x%x with any RPL", ss,
			  RT_SEL_KDATA);
	else
		test_pass("vmcheck-star");
}

/* ---- case=rip */

#define TOP 0x800000000000ull /* the first address past the lower half */

static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static uint8_t code[4096] __attribute__((aligned(4096)));

static void jump_to_top(void *arg)
{
	uint64_t target = TOP - 2;

	(void)arg;
	asm volatile("xor %%eax, %%eax\n\t"
		     "xor %%ecx, %%ecx\n\t"
		     "jmp *%0"
		     :
		     : "r"(target)
		     : "rax", "rbx", "rcx", "rdx", "memory");
}

static void rip(void)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
	int vector = -1;

	/* The page at TOP - 4 KiB, which holds nothing but a CPUID at its
	 * end; the entry tables map only the low 4 GiB. */
	memset(code, 0xcc, sizeof(code));
	code[4094] = 0x0f;
	code[4095] = 0xa2;
	pt[511] = (uint64_t)(uintptr_t)code | PTE_P | PTE_W;
	pd[511] = (uint64_t)(uintptr_t)pt | PTE_P | PTE_W;
	pdpt[511] = (uint64_t)(uintptr_t)pd | PTE_P | PTE_W;
	pml4[255] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_W;
	write_cr3(read_cr3());
	rt_printf("vmcheck: CPUID at 0x%lx\n", (unsigned long)(TOP - 2));
	if (!expect_fault(jump_to_top, NULL, &vector)) {
		test_fail("vmcheck-rip", "no exception at all");
		return;
	}
	rt_printf("vmcheck: %s at rip 0x%lx, error 0x%lx\n",
		  rt_vector_name((uint64_t)vector),
		  (unsigned long)rt_last_fault.rip,
		  (unsigned long)rt_last_fault.error);
	if (vector != VEC_GP)
		test_fail("vmcheck-rip", "%s, want #GP", rt_vector_name((uint64_t)vector));
	else if (rt_last_fault.rip != TOP)
		test_fail("vmcheck-rip", "#GP at 0x%lx, want 0x%lx",
			  (unsigned long)rt_last_fault.rip, (unsigned long)TOP);
	else if (rt_last_fault.error != 0)
		test_fail("vmcheck-rip", "error code 0x%lx, want 0",
			  (unsigned long)rt_last_fault.error);
	else
		test_pass("vmcheck-rip");
}

/* ---- case=wrap */

#define DESC_KCODE32 0x00cf9a000000ffffull /* DPL 0, 32-bit, execute/read */
#define SEL_KCODE32 0x18 /* the runtime's unused slot 3 */
#define PTE_PS (1ull << 7)

static uint64_t pt_top[512] __attribute__((aligned(4096)));
static uint8_t code_top[4096] __attribute__((aligned(4096)));

extern const char wrap_back64[];

/*
 * In compatibility mode, a CPUID at 0xfffffffe: the CPU wraps EIP to 0,
 * where a far jump leads back to 64-bit mode. hv completes the CPUID
 * with RIP 0x100000000, which no entry takes outside 64-bit mode, and
 * wraps it as the CPU does (arch/x86/vmcheck_hv.h).
 */
static void wrap(void)
{
	struct desc_ptr gdtr;
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
	uint64_t *low_pdpt = (uint64_t *)(uintptr_t)(pml4[0] & ~0xfffull);
	uint64_t *top_pd = (uint64_t *)(uintptr_t)(low_pdpt[3] & ~0xfffull);
	volatile uint8_t *zero;
	uint32_t back = (uint32_t)(uintptr_t)wrap_back64;

	asm volatile("sgdt %0" : "=m"(gdtr));
	((uint64_t *)(uintptr_t)gdtr.base)[SEL_KCODE32 >> 3] = DESC_KCODE32;
	/* The last 2 MiB below 4 GiB, a large page of the entry tables
	 * beyond this RAM, become 4 KiB pages: the last one RAM, holding
	 * the CPUID at its end. */
	if (!(top_pd[511] & PTE_PS)) {
		test_fail("vmcheck-wrap", "PD entry 0x%lx is not a 2 MiB page",
			  (unsigned long)top_pd[511]);
		return;
	}
	memset(code_top, 0xcc, sizeof(code_top));
	code_top[4094] = 0x0f;
	code_top[4095] = 0xa2;
	pt_top[511] = (uint64_t)(uintptr_t)code_top | PTE_P | PTE_W;
	top_pd[511] = (uint64_t)(uintptr_t)pt_top | PTE_P | PTE_W;
	/* At linear 0 (RAM, mapped 1:1): JMP FAR SEL_KCODE:wrap_back64. */
	asm volatile("" : "=r"(zero) : "0"(0ul));
	zero[0] = 0xea;
	zero[1] = (uint8_t)back;
	zero[2] = (uint8_t)(back >> 8);
	zero[3] = (uint8_t)(back >> 16);
	zero[4] = (uint8_t)(back >> 24);
	zero[5] = RT_SEL_KCODE;
	zero[6] = 0;
	write_cr3(read_cr3());
	rt_printf("vmcheck: CPUID at 0xfffffffe in compatibility mode\n");
	asm volatile("pushq %[cs32]\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     ".code32\n"
		     "1:\n\t"
		     "movl $0xfffffffe, %%eax\n\t"
		     "jmp *%%eax\n"
		     ".code64\n"
		     ".globl wrap_back64\n"
		     "wrap_back64:\n\t"
		     "nop"
		     :
		     : [cs32] "i"(SEL_KCODE32)
		     : "rax", "rbx", "rcx", "rdx", "memory", "cc");
	rt_printf("vmcheck: back in 64-bit mode from EIP 0\n");
	test_pass("vmcheck-wrap");
}

/* ---- case=step */

extern const char after_movss_cpuid[], after_movss_vmcall[], after_sti[];

/* TF set by POPF; MOV SS then delays the trap past the CPUID, which exits:
 * the #DB is pending when hv completes the CPUID. */
static void movss_cpuid(void *arg)
{
	(void)arg;
	asm volatile("xor %%eax, %%eax\n\t"
		     "xor %%ecx, %%ecx\n\t"
		     "mov %%ss, %%dx\n\t"
		     "pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     "mov %%dx, %%ss\n\t"
		     "cpuid\n"
		     ".globl after_movss_cpuid\n"
		     "after_movss_cpuid:\n\t"
		     "nop"
		     :
		     :
		     : "rax", "rbx", "rcx", "rdx", "memory", "cc");
}

static void movss_vmcall(void *arg)
{
	uint64_t nr = HV_HC_VERSION;

	(void)arg;
	asm volatile("mov %%ss, %%dx\n\t"
		     "pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     "mov %%dx, %%ss\n\t"
		     "vmcall\n"
		     ".globl after_movss_vmcall\n"
		     "after_movss_vmcall:\n\t"
		     "nop"
		     : "+a"(nr)
		     :
		     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		       "memory", "cc");
}

/* STI does not hold the trap back: the #DB comes right after it, in the
 * STI shadow, and exits to hv (which intercepts #DB) with blocking by
 * STI in the guest's state. */
static void sti_step(void *arg)
{
	(void)arg;
	asm volatile("cli\n\t"
		     "pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     "sti\n"
		     ".globl after_sti\n"
		     "after_sti:\n\t"
		     "cpuid\n\t"
		     "cli"
		     :
		     : "a"(0), "c"(0)
		     : "rbx", "rdx", "memory", "cc");
}

static void step(const char *name, void (*fn)(void *), const char *at)
{
	int vector = -1;
	uint64_t dr6;

	write_dr6(0xffff0ff0ull); /* its initial value */
	if (!expect_fault(fn, NULL, &vector)) {
		test_fail(name, "no exception at all");
		return;
	}
	dr6 = read_dr6();
	if (vector != VEC_DB)
		test_fail(name, "%s, want #DB", rt_vector_name((uint64_t)vector));
	else if (rt_last_fault.rip != (uint64_t)(uintptr_t)at)
		test_fail(name, "#DB at 0x%lx, want 0x%lx",
			  (unsigned long)rt_last_fault.rip,
			  (unsigned long)(uintptr_t)at);
	else if (!(dr6 & DR6_BS))
		test_fail(name, "DR6 0x%lx lacks BS", (unsigned long)dr6);
	else
		test_pass(name);
}

void test_main(const struct hv_start_info *si)
{
	uint64_t c = rt_cmdline_u64(si, "case", 0);

	rt_gdt_init();
	switch (c) {
	case 1:
		star();
		break;
	case 2:
		rip();
		break;
	case 4:
		wrap();
		break;
	case 3:
		step("vmcheck-step-movss-cpuid", movss_cpuid, after_movss_cpuid);
		step("vmcheck-step-movss-vmcall", movss_vmcall,
		     after_movss_vmcall);
		step("vmcheck-step-sti", sti_step, after_sti);
		break;
	default:
		test_fail("vmcheck-case", "case=%lu: want 1 (star), 2 (rip), 3 (step) or 4 (wrap)",
			  (unsigned long)c);
	}
}
