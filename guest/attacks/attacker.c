// SPDX-License-Identifier: MIT
/*
 * A hostile partition kernel: it runs in ring 0 with the whole of its
 * partition in its hands and makes one attack on what lies outside it,
 * named on its command line ("attack=NAME", with "addr=0x..." where the
 * attack needs a target the parent knows).
 *
 * It never judges itself contained. After an access that hv must stop,
 * it prints "ESCAPED": if that line appears, hv let it through. After an
 * access that hv must refuse, fault or keep to the guest, it checks what
 * it saw (all-ones from a refused port, the fault it should get) and
 * prints "ESCAPED" if that was wrong, or "done" and halts. The scenario
 * judges by hv's own lines and the parent's reading of partition_info.
 */
#include "guest/attacks/attacks.h"
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

#include "include/hv/manifest.h"
#include "lib/fmt.h"
#include "lib/string.h"

const char test_name[] = "attacker";

static const struct attack *me;
static uint64_t target;
static uint64_t ram_size;

static void __attribute__((noreturn)) escaped(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* The line the runner looks for when an attack got through. */
static void say_escaped(const char *fmt, va_list ap)
{
	char why[120];

	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	rt_printf("attack %s: ESCAPED: %s\n", me->name, why);
}

static void __attribute__((noreturn)) escaped(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_escaped(fmt, ap);
	va_end(ap);
	rt_halt();
}

static void __attribute__((noreturn)) done(void)
{
	rt_printf("attack %s: done\n", me->name);
	rt_halt();
}

/* ---- memory */

/*
 * The last 2 MiB slot of the entry page tables (virtual 0xffe00000,
 * page directory 3, entry 511) is remapped to any guest-physical 2 MiB
 * page: the attacker's own page tables pointing where it likes.
 */
#define SLOT_VA 0xffe00000ull
#define SLOT_PDE ((uint64_t *)(uintptr_t)(HV_GUEST_PAGE_TABLES + 0x2000 + \
					  3 * 0x1000 + 511 * 8))

static volatile uint64_t *map(uint64_t gpa)
{
	*SLOT_PDE = (gpa & ~0x1fffffull) | 0x83; /* present, writable, 2 MiB */
	asm volatile("invlpg (%0)" : : "r"(SLOT_VA) : "memory");
	return (volatile uint64_t *)(uintptr_t)(SLOT_VA + (gpa & 0x1fffff));
}

static void mem_read(void)
{
	uint64_t v = *map(target);

	escaped("read 0x%lx at guest-physical 0x%lx", (unsigned long)v,
		(unsigned long)target);
}

static void mem_write(void)
{
	*map(target) = 0x6f776e6564ull;
	escaped("wrote guest-physical 0x%lx", (unsigned long)target);
}

static void mem_exec(void)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)map(target);

	fn();
	escaped("executed at guest-physical 0x%lx", (unsigned long)target);
}

/* CR3 at an address outside its RAM: the next walk reads it. */
static void pt_cr3(void)
{
	asm volatile("mov %0, %%cr3" : : "r"(target & ~0xfffull) : "memory");
	escaped("ran with CR3 at guest-physical 0x%lx", (unsigned long)target);
}

/* A page-table page outside its RAM: its PDPT entry names it. */
static void pt_table(void)
{
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(HV_GUEST_PAGE_TABLES + 0x1000);
	volatile uint64_t *va = (volatile uint64_t *)(uintptr_t)(3ull << 30);

	pdpt[3] = (target & ~0xfffull) | 0x3;
	asm volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" : : : "rax", "memory");
	(void)*va;
	escaped("walked a page table at guest-physical 0x%lx",
		(unsigned long)target);
}

/*
 * Stale data: the filler writes a tag over its RAM above its image and
 * halts; the parent destroys it and creates the scanner, which looks for
 * the tag in every word of its RAM but its own image, and must not find
 * it: hv zeroes memory between owners.
 */
static uint64_t stale_tag(void)
{
	volatile uint32_t a = STALE_TAG_A, b = STALE_TAG_B;

	return (uint64_t)a << 32 | b;
}

extern char _start[], __image_end[];

static void stale_fill(void)
{
	uint64_t tag = stale_tag();

	for (uint64_t a = 3ull << 20; a + 8 <= ram_size; a += 8)
		*(volatile uint64_t *)(uintptr_t)a = tag;
	done();
}

static void stale_scan(void)
{
	uint64_t tag = stale_tag(), found = 0;
	uint64_t lo = (uint64_t)(uintptr_t)_start & ~4095ull;
	uint64_t hi = ((uint64_t)(uintptr_t)__image_end + 4095) & ~4095ull;

	/* Its own image and entry stack may hold the tag it computed. */
	for (uint64_t a = 0x1000; a + 8 <= ram_size; a += 8) {
		if ((a >= lo && a < hi) ||
		    (a >= HV_GUEST_STACK_TOP - 0x10000 && a < HV_GUEST_STACK_TOP))
			continue;
		if (*(volatile uint64_t *)(uintptr_t)a == tag)
			found++;
	}
	if (found)
		escaped("found the previous partition's tag %lu times",
			(unsigned long)found);
	done();
}

/* ---- ports */

static void expect_ones(uint32_t got, unsigned size, uint16_t port)
{
	uint32_t ones = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;

	if (got != ones)
		escaped("read 0x%x from port 0x%x", got, port);
}

static void io_pci_config(void)
{
	outl(0xcf8, 0x80000000u);
	expect_ones(inl(0xcfc), 4, 0xcfc);
	done();
}

static void io_pit(void)
{
	outb(0x43, 0x34);
	outb(0x40, 0x00);
	outb(0x40, 0x00);
	expect_ones(inb(0x40), 1, 0x40);
	done();
}

static void io_cmos(void)
{
	outb(0x70, 0x00);
	expect_ones(inb(0x71), 1, 0x71);
	outb(0x70, 0x0f); /* shutdown status: what a reset would read */
	outb(0x71, 0x0a);
	done();
}

static void io_kbd_reset(void)
{
	outb(0x64, 0xfe); /* pulse the CPU reset line */
	expect_ones(inb(0x64), 1, 0x64);
	done();
}

/* The PM1a control register of Bochs's PIIX4 (0xb004) and of QEMU's q35
 * (0x604): SLP_EN with a sleep type, which would power the machine off. */
static void io_pm_block(void)
{
	outw(0xb004, 0x2000 | (0 << 10));
	outw(0x604, 0x2000 | (0 << 10));
	expect_ones(inw(0xb004), 2, 0xb004);
	done();
}

static void io_reset_cf9(void)
{
	outb(0xcf9, 0x0e); /* full reset */
	expect_ones(inb(0xcf9), 1, 0xcf9);
	done();
}

static void io_debug_ports(void)
{
	static const char shutdown[] = "Shutdown";

	outb(0xe9, 'X'); /* Bochs's console */
	outb(0x402, 'X'); /* QEMU's debug console */
	for (const char *c = shutdown; *c; c++)
		outb(0x8900, (uint8_t)*c); /* Bochs's shutdown port */
	expect_ones(inb(0xe9), 1, 0xe9);
	done();
}

/* Wider accesses that start inside COM1 and run past 0x3ff. */
static void io_com1_word(void)
{
	outw(0x3ff, 0x4141);
	expect_ones(inw(0x3ff), 2, 0x3ff);
	done();
}

static void io_com1_dword(void)
{
	outl(0x3fd, 0x41414141u);
	expect_ones(inl(0x3fd), 4, 0x3fd);
	done();
}

static void outs_outside(void *arg)
{
	uint64_t src = (uint64_t)(uintptr_t)arg;

	asm volatile("rep outsb" : "+S"(src) : "d"(0x3f8), "c"(16) : "memory");
}

static void ins_outside(void *arg)
{
	uint64_t dst = (uint64_t)(uintptr_t)arg;

	asm volatile("rep insb" : "+D"(dst) : "d"(0x3f8), "c"(16) : "memory");
}

/* String I/O whose buffer lies outside its RAM: hv must not read or
 * write it for the guest; it refuses string I/O with #GP. */
static void io_string(void (*fn)(void *))
{
	int vec = -1;

	if (!expect_fault(fn, (void *)(uintptr_t)(SLOT_VA + 0x100), &vec) ||
	    vec != VEC_GP)
		escaped("string I/O completed (vector %d)", vec);
	done();
}

/* ---- MSRs */

struct msr_op {
	uint32_t msr;
	uint64_t value;
};

static void do_wrmsr(void *arg)
{
	const struct msr_op *op = arg;

	wrmsr(op->msr, op->value);
}

static void do_rdmsr(void *arg)
{
	struct msr_op *op = arg;

	op->value = rdmsr(op->msr);
}

static void must_gp_wrmsr(uint32_t msr, uint64_t value)
{
	struct msr_op op = { msr, value };
	int vec = -1;

	if (!expect_fault(do_wrmsr, &op, &vec) || vec != VEC_GP)
		escaped("WRMSR 0x%x = 0x%lx completed", msr,
			(unsigned long)value);
}

/* A write the guest owns: no fault, and it reads back as written. */
static void own_wrmsr(uint32_t msr, uint64_t value)
{
	struct msr_op op = { msr, value };
	int vec = -1;

	if (expect_fault(do_wrmsr, &op, &vec))
		escaped("WRMSR 0x%x faulted (vector %d) though the guest owns it",
			msr, vec);
	if (rdmsr(msr) != value)
		escaped("MSR 0x%x reads 0x%lx after writing 0x%lx", msr,
			(unsigned long)rdmsr(msr), (unsigned long)value);
}

static void msr_efer_nxe(void)
{
	uint64_t efer = rdmsr(IA32_EFER);

	own_wrmsr(IA32_EFER, efer & ~EFER_NXE);
	own_wrmsr(IA32_EFER, efer);
	done();
}

static void msr_efer_lme(void)
{
	must_gp_wrmsr(IA32_EFER, rdmsr(IA32_EFER) & ~EFER_LME);
	done();
}

static void msr_lstar(void)
{
	own_wrmsr(IA32_LSTAR, 0xffffffff81000000ull);
	own_wrmsr(IA32_STAR, 0x0023001000000000ull);
	done();
}

static void msr_sysenter(void)
{
	own_wrmsr(IA32_SYSENTER_CS, 0x10);
	own_wrmsr(IA32_SYSENTER_ESP, 0x7000);
	own_wrmsr(IA32_SYSENTER_EIP, 0x200000);
	done();
}

static void msr_pat(void)
{
	own_wrmsr(IA32_PAT, 0x0000000000000000ull); /* everything uncached */
	done();
}

/* Not read back: a CPU may keep only the DEBUGCTL bits it implements. */
static void msr_debugctl(void)
{
	struct msr_op op = { IA32_DEBUGCTL, DEBUGCTL_LBR };
	int vec = -1;

	if (expect_fault(do_wrmsr, &op, &vec))
		escaped("WRMSR DEBUGCTL faulted (vector %d) though the guest owns it",
			vec);
	op.value = 0;
	do_wrmsr(&op);
	done();
}

static void msr_apic_base(void)
{
	must_gp_wrmsr(IA32_APIC_BASE, 0xfec00000ull | APIC_BASE_EN);
	done();
}

static void msr_feature_control(void)
{
	must_gp_wrmsr(IA32_FEATURE_CONTROL,
		      FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	done();
}

static void msr_vmx_write(void)
{
	must_gp_wrmsr(IA32_VMX_BASIC, 0);
	must_gp_wrmsr(IA32_VMX_PROCBASED_CTLS2, ~0ull);
	done();
}

/* Every VMX capability MSR, IA32_VMX_BASIC to IA32_VMX_VMFUNC. */
static void msr_vmx_read(void)
{
	for (uint32_t m = IA32_VMX_BASIC; m <= IA32_VMX_VMFUNC; m++) {
		struct msr_op op = { m, 0 };
		int vec = -1;

		if (!expect_fault(do_rdmsr, &op, &vec) || vec != VEC_GP)
			escaped("RDMSR 0x%x read 0x%lx", m,
				(unsigned long)op.value);
	}
	done();
}

static void msr_mtrr(void)
{
	must_gp_wrmsr(IA32_MTRR_DEF_TYPE, 0); /* MTRRs off: everything uncached */
	must_gp_wrmsr(IA32_MTRR_PHYSBASE0, 0x0);
	done();
}

static void msr_spec_ctrl(void)
{
	must_gp_wrmsr(IA32_SPEC_CTRL, SPEC_CTRL_IBRS);
	done();
}

/* The virtual APIC's ICR: an NMI, and an INIT, to another APIC id. */
static void ipi(uint32_t mode)
{
	must_gp_wrmsr(IA32_X2APIC_ICR, (1ull << 32) | (1u << 14) | mode);
	done();
}

/* ---- instructions and state */

static uint8_t vmx_region[4096] __attribute__((aligned(4096)));

static void ud_vmxon(void *a) { (void)a; asm volatile("vmxon %0" : : "m"(vmx_region)); }
static void ud_vmxoff(void *a) { (void)a; asm volatile("vmxoff"); }
static void ud_vmclear(void *a) { (void)a; asm volatile("vmclear %0" : : "m"(vmx_region)); }
static void ud_vmptrld(void *a) { (void)a; asm volatile("vmptrld %0" : : "m"(vmx_region)); }
static void ud_vmptrst(void *a) { (void)a; asm volatile("vmptrst %0" : "=m"(vmx_region)); }
static void ud_vmread(void *a) { uint64_t v; (void)a; asm volatile("vmread %1, %0" : "=r"(v) : "r"(0x681eull)); }
static void ud_vmwrite(void *a) { (void)a; asm volatile("vmwrite %0, %1" : : "r"(0ull), "r"(0x681eull)); }
static void ud_vmlaunch(void *a) { (void)a; asm volatile("vmlaunch"); }
static void ud_vmresume(void *a) { (void)a; asm volatile("vmresume"); }
static void ud_invept(void *a) { (void)a; asm volatile("invept %0, %1" : : "m"(vmx_region), "r"(1ull)); }
static void ud_invvpid(void *a) { (void)a; asm volatile("invvpid %0, %1" : : "m"(vmx_region), "r"(1ull)); }
static void ud_vmfunc(void *a) { (void)a; asm volatile("vmfunc" : : "a"(0), "c"(0)); }

static void vmx_insns(void)
{
	static void (*const insns[])(void *) = {
		ud_vmxon,  ud_vmxoff,	ud_vmclear,  ud_vmptrld,
		ud_vmptrst, ud_vmread,	ud_vmwrite,  ud_vmlaunch,
		ud_vmresume, ud_invept, ud_invvpid, ud_vmfunc,
	};

	for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		int vec = -1;

		if (!expect_fault(insns[i], NULL, &vec) || vec != VEC_UD)
			escaped("VMX instruction %u completed (vector %d)", i,
				vec);
	}
	done();
}

static void do_xsetbv(void *arg)
{
	const uint64_t *v = arg;

	asm volatile("xsetbv"
		     : : "c"((uint32_t)v[0]), "a"((uint32_t)v[1]),
		       "d"((uint32_t)(v[1] >> 32)));
}

static void xsetbv_bad(void)
{
	static const uint64_t bad[][2] = {
		{ 0, 0 }, /* x87 off */
		{ 0, 1ull << 63 }, /* a bit no CPU has */
		{ 0, 0x5 }, /* AVX without SSE */
		{ 1, 0x1 }, /* XCR1 */
	};

	uint64_t cr4;

	/* With CR4.OSXSAVE clear XSETBV is #UD by the CPU itself; set, it
	 * reaches hv, whose checks are the ones under attack. */
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= 1ull << 18;
	asm volatile("mov %0, %%cr4" : : "r"(cr4));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int vec = -1;

		if (!expect_fault(do_xsetbv, (void *)bad[i], &vec) ||
		    vec != VEC_GP)
			escaped("XSETBV %lu, 0x%lx: vector %d, not #GP",
				(unsigned long)bad[i][0],
				(unsigned long)bad[i][1], vec);
	}
	done();
}

static void do_cr4(void *arg)
{
	asm volatile("mov %0, %%cr4" : : "r"(*(uint64_t *)arg) : "memory");
}

static void do_cr0(void *arg)
{
	asm volatile("mov %0, %%cr0" : : "r"(*(uint64_t *)arg) : "memory");
}

static void cr4_vmxe(void)
{
	uint64_t cr4;
	int vec = -1;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= 1ull << 13;
	if (!expect_fault(do_cr4, &cr4, &vec) || vec != VEC_GP)
		escaped("CR4.VMXE set (vector %d)", vec);
	done();
}

/* Protection and paging off, and a reserved bit: the 64-bit mode hv gives
 * every guest is not the guest's to leave. */
static void cr0_reserved(void)
{
	uint64_t cr0, bad;
	int vec = -1;

	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	bad = (cr0 & ~0x80000001ull) | (1ull << 40);
	if (!expect_fault(do_cr0, &bad, &vec) || vec != VEC_GP)
		escaped("CR0 0x%lx accepted (vector %d)", (unsigned long)bad,
			vec);
	done();
}

static void cr8_15(void)
{
	uint64_t cr8;

	asm volatile("mov %0, %%cr8" : : "r"(15ull));
	asm volatile("mov %%cr8, %0" : "=r"(cr8));
	if (cr8 != 15)
		escaped("CR8 reads %lu after writing 15", (unsigned long)cr8);
	done();
}

static uint8_t user_stack[4096] __attribute__((aligned(16)));

static void user_vmcall(void *arg)
{
	(void)arg;
	asm volatile("vmcall" : : "a"(HV_HC_VERSION));
}

static void enter_user_vmcall(void *arg)
{
	(void)arg;
	rt_enter_user(user_vmcall, NULL, user_stack + sizeof(user_stack));
}

static void vmcall_ring3(void)
{
	int vec = -1;

	rt_gdt_init();
	if (!expect_fault(enter_user_vmcall, NULL, &vec) || vec != VEC_UD)
		escaped("VMCALL from ring 3 (vector %d)", vec);
	done();
}

/* ---- hypercalls */

static void hc_management(void)
{
	static const unsigned long calls[] = {
		HV_HC_SHUTDOWN,	      HV_HC_PARTITION_CREATE,
		HV_HC_PARTITION_START, HV_HC_PARTITION_STOP,
		HV_HC_PARTITION_DESTROY, HV_HC_PARTITION_LIST,
		HV_HC_PARTITION_INFO, HV_HC_TEMPLATE_LIST,
		HV_HC_TRACE_CONTROL, HV_HC_TRACE_READ,
		HV_HC_HV_INFO,	      HV_HC_CONSOLE_ATTACH,
		HV_HC_CONSOLE_INPUT,  HV_HC_CONSOLE_STATE,
	};

	for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		/* Ids 1 and 2 are the parent's and the bystander's. */
		long r = hv_hypercall(calls[i], 1, 0x10000, 64);

		if (r != HV_STATUS_DENIED)
			escaped("management call %lu returned %ld", calls[i],
				r);
	}
	done();
}

static void hc_bad_pointers(void)
{
	static const struct {
		uint64_t gpa, len;
	} bad[] = {
		{ 0, 16 }, /* past its RAM: filled in below */
		{ 0, 16 }, /* the last byte of RAM, running past its end */
		{ 0x10000, ~0ull - 0x8000 }, /* a length that wraps */
		{ ~0ull - 4, 16 }, /* an address that wraps */
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t gpa = i == 0 ? target : i == 1 ? ram_size - 1 :
							  bad[i].gpa;
		long r = hv_hypercall(HV_HC_CONSOLE_WRITE, gpa, bad[i].len, 0);

		if (r >= 0)
			escaped("console_write 0x%lx + 0x%lx returned %ld",
				(unsigned long)gpa, (unsigned long)bad[i].len,
				r);
	}
	/* vcpu_start with page tables outside its RAM. */
	{
		register uint64_t r10 asm("r10") = target;
		register uint64_t r8 asm("r8") = 0;
		long r;

		asm volatile("vmcall"
			     : "=a"(r)
			     : "a"(HV_HC_VCPU_START), "D"(1), "S"(0x200000),
			       "d"(0x10000), "r"(r10), "r"(r8)
			     : "memory");
		if (r != HV_STATUS_INVALID)
			escaped("vcpu_start with CR3 0x%lx returned %ld",
				(unsigned long)target, r);
	}
	done();
}

#define FLOOD 100000

static void hc_flood(void)
{
	for (long i = 0; i < FLOOD; i++)
		if (hv_hypercall(0x7777, i, i, i) != HV_STATUS_UNKNOWN_CALL)
			escaped("unknown hypercall %ld answered", i);
	done();
}

/*
 * TOCTOU: vCPU 1 flips the buffer between a short printable line and a
 * long run of non-printable bytes while vCPU 0 hands it to console_write
 * 10,000 times. hv copies the buffer once and never reads it again, and
 * whatever it prints comes from that copy of the child's own RAM.
 */
#define TOCTOU_CALLS 10000

static volatile char toctou_buf[64];
static volatile int toctou_done;
static uint8_t stack1[8192] __attribute__((aligned(16)));

static void __attribute__((noreturn, used)) toctou_flipper(uint64_t arg)
{
	(void)arg;
	while (!toctou_done) {
		for (unsigned i = 0; i < sizeof(toctou_buf); i++)
			toctou_buf[i] = (char)(i & 1 ? 0x00 : 0x7f);
		for (unsigned i = 0; i < sizeof(toctou_buf); i++)
			toctou_buf[i] = "ok "[i % 3];
	}
	for (;;)
		asm volatile("cli; hlt");
}

/* Starts vCPU 1 at entry on the top of stack1, in this address space. */
static void start_vcpu1(void (*entry)(uint64_t))
{
	register uint64_t r10 asm("r10");
	register uint64_t r8 asm("r8") = 0;
	uint64_t rsp = (uint64_t)(uintptr_t)(stack1 + sizeof(stack1)) - 8;
	long r;

	asm volatile("mov %%cr3, %0" : "=r"(r10));
	asm volatile("vmcall"
		     : "=a"(r)
		     : "a"(HV_HC_VCPU_START), "D"(1), "S"(entry), "d"(rsp),
		       "r"(r10), "r"(r8)
		     : "memory");
	if (r)
		escaped("vcpu_start returned %ld", r);
}

static void hc_toctou(void)
{
	long r;

	start_vcpu1(toctou_flipper);
	for (int i = 0; i < TOCTOU_CALLS; i++) {
		r = hv_hypercall(HV_HC_CONSOLE_WRITE,
				 (uint64_t)(uintptr_t)toctou_buf, 3, 0);
		if (r < 0)
			escaped("console_write of its own buffer returned %ld",
				r);
	}
	toctou_done = 1;
	rt_puts("\n");
	done();
}

/* ---- faults */

struct idtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void fault_triple(void)
{
	struct idtr empty = { 0, 0 };

	asm volatile("lidt %0; int3" : : "m"(empty));
	escaped("survived an exception with an empty IDT");
}

/* An IDT whose gates are all absent: the breakpoint's delivery faults
 * (#NP), that fault's delivery makes a double fault, whose delivery
 * faults again: a triple fault. */
static struct {
	uint64_t lo, hi;
} absent_idt[256] __attribute__((aligned(16)));

static void fault_double(void)
{
	struct idtr broken = { sizeof(absent_idt) - 1,
			       (uint64_t)(uintptr_t)absent_idt };

	asm volatile("lidt %0; int3" : : "m"(broken));
	escaped("survived an exception with every IDT gate absent");
}

static void fault_idt_outside(void)
{
	struct idtr out = { 0xfff, target };

	asm volatile("lidt %0; int3" : : "m"(out));
	escaped("delivered an exception through an IDT at 0x%lx",
		(unsigned long)target);
}

static void fault_cli_loop(void)
{
	rt_printf("attack %s: spinning with interrupts off\n", me->name);
	asm volatile("cli");
	for (;;)
		asm volatile("" : : : "memory");
}

/* Endless on purpose: the depth bound is never reached before the stack
 * runs out. */
static void __attribute__((noinline)) recurse(volatile uint64_t depth)
{
	volatile uint64_t frame[64];

	frame[0] = depth;
	if (frame[0] < (1ull << 40))
		recurse(frame[0] + 1);
	frame[1] = 0;
}

/* The kernel's stack pointer near the bottom of memory, then deeper:
 * the stack runs off the bottom, and no exception can be delivered. */
static void fault_stack_overflow(void)
{
	asm volatile("mov $0x2000, %%rsp" : : : "memory");
	recurse(0);
	escaped("survived a stack overflow");
}

/* ---- vector and extended state */

/*
 * A reader that sees what it must not ends by a triple fault, after its
 * ESCAPED line: hv records that (state faulted, faults 1), so the
 * parent's verdict, from partition_info, says so without taking the
 * reader's word.
 */
static void __attribute__((noreturn)) leaked(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void __attribute__((noreturn)) leaked(const char *fmt, ...)
{
	struct idtr empty = { 0, 0 };
	va_list ap;

	va_start(ap, fmt);
	say_escaped(fmt, ap);
	va_end(ap);
	asm volatile("lidt %0; int3" : : "m"(empty));
	for (;;)
		asm volatile("cli; hlt");
}

/* SSE instructions need only CR4.OSFXSR (SDM Vol. 3A, "Initialization
 * of the SSE Extensions"), no XCR0 bit: the review's case. */
static void sse_on(void)
{
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static void xsetbv0(uint64_t v)
{
	asm volatile("xsetbv"
		     : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* XCR0 = x87 | SSE | AVX, where CPUID has XSAVE and AVX (SDM Vol. 1,
 * "Detection of Intel AVX Instructions"); false where it has not. */
static bool avx_on(void)
{
	struct cpuid_regs r = cpuid(1, 0);

	if (!(r.ecx & (1u << 26)) || !(r.ecx & (1u << 28)))
		return false;
	sse_on();
	write_cr4(read_cr4() | CR4_OSXSAVE);
	xsetbv0(XCR0_X87 | XCR0_SSE | XCR0_AVX);
	return true;
}

/* XMM0-15, or YMM0-15, to and from memory; the compiler itself never
 * touches them (-mgeneral-regs-only). */
static uint64_t vbuf[16][4] __attribute__((aligned(32)));

#define XMM_LOAD(n) "movdqu " #n "*32(%0), %%xmm" #n "\n\t"
#define XMM_STORE(n) "movdqu %%xmm" #n ", " #n "*32(%0)\n\t"
#define YMM_LOAD(n) "vmovdqu " #n "*32(%0), %%ymm" #n "\n\t"
#define YMM_STORE(n) "vmovdqu %%ymm" #n ", " #n "*32(%0)\n\t"
#define ALL16(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) \
	M(10) M(11) M(12) M(13) M(14) M(15)

static void xmm_load(void)
{
	asm volatile(ALL16(XMM_LOAD) : : "r"(vbuf) : "memory");
}

static void xmm_store(void)
{
	memset(vbuf, 0, sizeof(vbuf));
	asm volatile(ALL16(XMM_STORE) : : "r"(vbuf) : "memory");
}

static void ymm_load(void)
{
	asm volatile(ALL16(YMM_LOAD) : : "r"(vbuf) : "memory");
}

static void ymm_store(void)
{
	memset(vbuf, 0, sizeof(vbuf));
	asm volatile(ALL16(YMM_STORE) : : "r"(vbuf) : "memory");
}

static uint32_t mxcsr_get(void)
{
	uint32_t v;

	asm volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static void mxcsr_set(uint32_t v)
{
	asm volatile("ldmxcsr %0" : : "m"(v));
}

/* The tag in every 64-bit lane, numbered so that a partial copy shows. */
static void vbuf_fill(uint32_t tag, unsigned lanes)
{
	for (unsigned r = 0; r < 16; r++)
		for (unsigned l = 0; l < 4; l++)
			vbuf[r][l] = l < lanes ? (uint64_t)tag << 32 | (r * 4 + l) :
						 0;
}

/* The first register whose first `lanes` lanes are not all zero, or -1;
 * *tagged says whether any lane held the tag. */
static int vbuf_nonzero(unsigned from_lane, unsigned lanes, bool *tagged)
{
	volatile uint32_t tag = VEC_TAG;
	int first = -1;

	*tagged = false;
	for (unsigned r = 0; r < 16; r++)
		for (unsigned l = from_lane; l < lanes; l++) {
			if (vbuf[r][l] && first < 0)
				first = (int)r;
			if (vbuf[r][l] >> 32 == tag)
				*tagged = true;
		}
	return first;
}

static void vec_xmm_write(void)
{
	sse_on();
	vbuf_fill(VEC_TAG, 2);
	xmm_load();
	done();
}

/* A new partition's XMM registers are in their initial state, zero
 * (SDM Vol. 3A, "Initialization of the SSE Extensions"). */
static void vec_xmm_read(void)
{
	bool tagged;
	int r;

	sse_on();
	xmm_store();
	r = vbuf_nonzero(0, 2, &tagged);
	if (r >= 0)
		leaked("XMM%d reads 0x%lx%016lx%s", r,
		       (unsigned long)vbuf[r][1], (unsigned long)vbuf[r][0],
		       tagged ? ": the writer's tag" : "");
	done();
}

static void vec_mxcsr_write(void)
{
	sse_on();
	mxcsr_set(MXCSR_TAG);
	done();
}

static void vec_mxcsr_read(void)
{
	uint32_t v;

	sse_on();
	v = mxcsr_get();
	if (v != MXCSR_INIT)
		leaked("MXCSR reads 0x%x, not its initial 0x%x%s", v,
		       MXCSR_INIT, v == MXCSR_TAG ? ": the writer's" : "");
	done();
}

static void vec_ymm_write(void)
{
	if (!avx_on()) {
		rt_printf("attack %s: no AVX in CPUID: nothing to write\n",
			  me->name);
		done();
	}
	vbuf_fill(VEC_TAG, 4);
	ymm_load();
	done();
}

/* Widening XCR0 must not bring another partition's upper halves in:
 * each component starts in its initial state, zero. */
static void vec_ymm_read(void)
{
	bool tagged;
	int r;

	if (!avx_on()) {
		rt_printf("attack %s: no AVX in CPUID: nothing to read\n",
			  me->name);
		done();
	}
	ymm_store();
	r = vbuf_nonzero(0, 4, &tagged);
	if (r >= 0)
		leaked("YMM%d reads 0x%lx%016lx%016lx%016lx%s", r,
		       (unsigned long)vbuf[r][3], (unsigned long)vbuf[r][2],
		       (unsigned long)vbuf[r][1], (unsigned long)vbuf[r][0],
		       tagged ? ": the writer's tag" : "");
	done();
}

/*
 * The AVX-512 state: opmask k0-7, the upper halves of ZMM0-15 and all of
 * ZMM16-31 (XCR0 bits 7:5, which XSETBV takes together and only with
 * AVX; SDM Vol. 1, "Detection of AVX-512 Foundation Instructions").
 * False where CPUID shows no AVX512F or XCR0 cannot hold the state.
 */
static bool avx512_on(void)
{
	struct cpuid_regs r7 = cpuid(7, 0), rd = cpuid(0xd, 0);

	if (!(r7.ebx & (1u << 16)) || (rd.eax & 0xe0) != 0xe0 || !avx_on())
		return false;
	xsetbv0(XCR0_X87 | XCR0_SSE | XCR0_AVX | 0xe0);
	return true;
}

static uint64_t zbuf[32][8] __attribute__((aligned(64)));
static uint64_t kbuf[8];

#define ZMM_LOAD(n) "vmovdqu64 " #n "*64(%0), %%zmm" #n "\n\t"
#define ZMM_STORE(n) "vmovdqu64 %%zmm" #n ", " #n "*64(%0)\n\t"
#define K_LOAD(n) "kmovw " #n "*8(%1), %%k" #n "\n\t"
#define K_STORE(n) "kmovw %%k" #n ", " #n "*8(%1)\n\t"
#define ALL32(M) ALL16(M) M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) \
	M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31)
#define ALL8(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)

static void vec_zmm_write(void)
{
	if (!avx512_on()) {
		rt_printf("attack %s: no AVX-512 in CPUID: nothing to write\n",
			  me->name);
		done();
	}
	for (unsigned r = 0; r < 32; r++)
		for (unsigned l = 0; l < 8; l++)
			zbuf[r][l] = (uint64_t)VEC_TAG << 32 | (r * 8 + l);
	for (unsigned k = 0; k < 8; k++)
		kbuf[k] = 0xa5a0 | k;
	asm volatile(ALL32(ZMM_LOAD) ALL8(K_LOAD)
		     : : "r"(zbuf), "r"(kbuf) : "memory");
	done();
}

/* Every lane of ZMM0-31 and every opmask starts at 0, its initial
 * state, whatever the partition before it left there. */
static void vec_zmm_read(void)
{
	if (!avx512_on()) {
		rt_printf("attack %s: no AVX-512 in CPUID: nothing to read\n",
			  me->name);
		done();
	}
	memset(zbuf, 0x5a, sizeof(zbuf));
	memset(kbuf, 0x5a, sizeof(kbuf));
	asm volatile(ALL32(ZMM_STORE) ALL8(K_STORE)
		     : : "r"(zbuf), "r"(kbuf) : "memory");
	for (unsigned k = 0; k < 8; k++)
		if ((uint16_t)kbuf[k])
			leaked("k%u reads 0x%x%s", k, (unsigned)(uint16_t)kbuf[k],
			       ((uint16_t)kbuf[k] & 0xfff0) == 0xa5a0 ?
				       ": the writer's" :
				       "");
	for (unsigned r = 0; r < 32; r++)
		for (unsigned l = 0; l < 8; l++)
			if (zbuf[r][l])
				leaked("ZMM%u lane %u reads 0x%lx%s", r, l,
				       (unsigned long)zbuf[r][l],
				       zbuf[r][l] >> 32 == VEC_TAG ?
					       ": the writer's tag" :
					       "");
	rt_printf("attack %s: ZMM0-31 and k0-7 read in their initial state\n",
		  me->name);
	done();
}

#define VICTIM_TAG 0x3c71a3c7u
#define VICTIM_MXCSR 0x5f80u /* round up, every exception masked */
#define VICTIM_ROUNDS 400

/*
 * The victim keeps its own values in XMM0-15 and MXCSR across yields to
 * the clobberer, which runs on the same CPU and writes its tag there
 * each time it runs: the victim's must survive.
 */
static void vec_xmm_victim(void)
{
	static uint64_t mine[16][4];
	uint32_t mx;

	sse_on();
	vbuf_fill(VICTIM_TAG, 2);
	memcpy(mine, vbuf, sizeof(mine));
	xmm_load();
	mxcsr_set(VICTIM_MXCSR);
	for (int i = 0; i < VICTIM_ROUNDS; i++) {
		rt_yield();
		mx = mxcsr_get();
		xmm_store();
		if (mx != VICTIM_MXCSR)
			leaked("round %d: MXCSR became 0x%x", i, mx);
		for (int r = 0; r < 16; r++)
			if (vbuf[r][0] != mine[r][0] || vbuf[r][1] != mine[r][1])
				leaked("round %d: XMM%d became 0x%lx%016lx", i,
				       r, (unsigned long)vbuf[r][1],
				       (unsigned long)vbuf[r][0]);
		xmm_load();
	}
	done();
}

static void __attribute__((noreturn)) vec_xmm_clobber(void)
{
	sse_on();
	vbuf_fill(VEC_TAG, 2);
	rt_printf("attack %s: spinning\n", me->name);
	for (;;) {
		xmm_load();
		mxcsr_set(MXCSR_TAG);
		rt_yield();
	}
}

/* ---- control-register state */

/* CD and NW together are a legal setting (SDM Vol. 3A, "Cache Control
 * Registers and Bits"): what the next partition on this CPU must not
 * inherit. */
static void cr0_cd_set(void)
{
	uint64_t cr0 = read_cr0() | CR0_CD | CR0_NW;

	write_cr0(cr0);
	rt_printf("attack %s: CR0 reads 0x%lx\n", me->name,
		  (unsigned long)read_cr0());
	done();
}

static void cr0_cd_next(void)
{
	uint64_t cr0 = read_cr0();

	if (cr0 & (CR0_CD | CR0_NW))
		leaked("CR0 reads 0x%lx: CD/NW of the partition before it",
		       (unsigned long)cr0);
	done();
}

/* MOV to CR0 with NW set and CD clear is #GP(0), as are bits 63:32 of
 * CR0 and CR4 (SDM Vol. 2B, "MOV-Move to/from Control Registers"). */
static void cr0_nw_no_cd(void)
{
	uint64_t bad = (read_cr0() & ~CR0_CD) | CR0_NW;
	int vec = -1;

	if (!expect_fault(do_cr0, &bad, &vec) || vec != VEC_GP)
		escaped("CR0 0x%lx accepted (vector %d)", (unsigned long)bad,
			vec);
	done();
}

static void cr_high_bits(void)
{
	uint64_t cr0 = read_cr0() | (1ull << 32), cr4 = read_cr4() | (1ull << 32);
	int vec = -1;

	if (!expect_fault(do_cr0, &cr0, &vec) || vec != VEC_GP)
		escaped("CR0 0x%lx accepted (vector %d)", (unsigned long)cr0,
			vec);
	vec = -1;
	if (!expect_fault(do_cr4, &cr4, &vec) || vec != VEC_GP)
		escaped("CR4 0x%lx accepted (vector %d)", (unsigned long)cr4,
			vec);
	done();
}

/* ---- privileged instructions from ring 3 */

/* Each ends in an exception: the #GP it must raise, or the UD2 after it
 * if it completed. */
static void u_xsetbv(void *a) { (void)a; asm volatile("xsetbv; ud2" : : "c"(0), "a"(3), "d"(0)); }
static void u_rdmsr(void *a) { (void)a; asm volatile("rdmsr; ud2" : : "c"(IA32_TIME_STAMP_COUNTER) : "rax", "rdx"); }
static void u_wrmsr(void *a) { (void)a; asm volatile("wrmsr; ud2" : : "c"(IA32_DEBUGCTL), "a"(0), "d"(0)); }
static void u_hlt(void *a) { (void)a; asm volatile("hlt; ud2"); }
static void u_rdcr0(void *a) { (void)a; asm volatile("mov %%cr0, %%rax; ud2" : : : "rax"); }
static void u_rdcr4(void *a) { (void)a; asm volatile("mov %%cr4, %%rax" : : : "rax"); }
static void u_wrcr0(void *a) { (void)a; asm volatile("xor %%eax, %%eax; mov %%rax, %%cr0; ud2" : : : "rax"); }
static void u_wrcr3(void *a) { (void)a; asm volatile("xor %%eax, %%eax; mov %%rax, %%cr3; ud2" : : : "rax"); }

static void (*user_fn)(void *);

static void enter_user_fn(void *arg)
{
	rt_enter_user(user_fn, arg, user_stack + sizeof(user_stack));
}

static int in_ring3(void (*fn)(void *))
{
	int vec = -1;

	user_fn = fn;
	if (!expect_fault(enter_user_fn, NULL, &vec))
		return -1;
	return vec;
}

/*
 * XSETBV is privileged: #GP(0) at CPL > 0 comes before its VM exit (SDM
 * Vol. 3C, "Relative Priority of Faults and VM Exits"); Bochs takes the
 * exit first, so hv must check. The guest kernel's XCR0 must not change.
 */
static void xsetbv_ring3(void)
{
	uint64_t before;
	int vec;

	rt_gdt_init();
	if (!(cpuid(1, 0).ecx & (1u << 26)))
		escaped("no XSAVE in CPUID: the attack cannot be made");
	sse_on();
	write_cr4(read_cr4() | CR4_OSXSAVE);
	before = xgetbv0();
	vec = in_ring3(u_xsetbv);
	if (xgetbv0() != before)
		leaked("ring 3 changed XCR0 from 0x%lx to 0x%lx (vector %d)",
		       (unsigned long)before, (unsigned long)xgetbv0(), vec);
	if (vec != VEC_GP)
		escaped("XSETBV from ring 3: vector %d, not #GP", vec);
	done();
}

/* RDMSR, WRMSR, HLT and MOV CR from ring 3: #GP, whether the CPU raises
 * it or hv does; hv must never perform them for ring 3. */
static void ring3_privileged(void)
{
	static const struct {
		const char *what;
		void (*fn)(void *);
	} insns[] = {
		{ "RDMSR", u_rdmsr },	{ "WRMSR", u_wrmsr },
		{ "HLT", u_hlt },	{ "MOV from CR0", u_rdcr0 },
		{ "MOV from CR4", u_rdcr4 }, { "MOV to CR0", u_wrcr0 },
		{ "MOV to CR3", u_wrcr3 },
	};
	uint64_t cr0 = read_cr0(), cr3 = read_cr3();

	rt_gdt_init();
	for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		int vec = in_ring3(insns[i].fn);

		if (read_cr0() != cr0 || read_cr3() != cr3)
			leaked("%s from ring 3 changed CR0 or CR3", insns[i].what);
		if (vec != VEC_GP)
			leaked("%s from ring 3: vector %d, not #GP",
			       insns[i].what, vec);
	}
	done();
}

/* ---- debug and alignment exceptions */

#define VEC_AC 17

static uint8_t ist_stack[4096] __attribute__((aligned(4096)));

/* The TSS that rt_gdt_init loaded, found as the CPU finds it: TR's
 * descriptor in the GDT (SDM Vol. 3A, "TSS Descriptor in 64-bit mode"). */
static struct tss64 *current_tss(void)
{
	struct desc_ptr gdtr;
	uint16_t tr;
	const uint64_t *d;

	asm volatile("sgdt %0; str %1" : "=m"(gdtr), "=r"(tr));
	d = (const uint64_t *)(uintptr_t)(gdtr.base + (tr & ~7u));
	return (struct tss64 *)(uintptr_t)(((d[0] >> 16) & 0xffffff) |
					   ((d[0] >> 56) & 0xff) << 24 |
					   (d[1] & 0xffffffffull) << 32);
}

static void db_trigger(void *arg)
{
	/* A write to the watched slot: the first #DB, whose delivery then
	 * writes the same slot again. */
	*(volatile uint64_t *)arg = 0;
}

/*
 * XSA-156 (CVE-2015-8104): #DB delivered on an IST stack that a data
 * breakpoint watches. The delivery's own push of SS hits the breakpoint,
 * so a new #DB is due before the handler's first instruction, again and
 * again, in the CPU alone: unless hv intercepts #DB, nothing ever exits.
 * The parent must still be able to stop it.
 */
static void fault_db_ist_loop(void)
{
	struct desc_ptr idtr;
	struct idt_gate *idt;
	uint64_t slot = (uint64_t)(uintptr_t)(ist_stack + sizeof(ist_stack)) - 8;
	int vec = -1;

	rt_gdt_init();
	current_tss()->ist[0] = slot + 8;
	asm volatile("sidt %0" : "=m"(idtr));
	idt = (struct idt_gate *)(uintptr_t)idtr.base;
	idt[VEC_DB].ist = 1;
	/* Exits enough for the parent's wait, made before the loop, which
	 * makes none on an hv that lets #DB through. */
	for (int i = 0; i < 40; i++)
		(void)cpuid(0, 0);
	rt_printf("attack %s: spinning in #DB\n", me->name);
	/* DR7: L0, R/W0 = 01 (data writes), LEN0 = 10 (8 bytes) (SDM Vol.
	 * 3B, "Debug Control Register (DR7)"). */
	write_dr0(slot);
	write_dr7(1ull | 1ull << 16 | 2ull << 18);
	if (expect_fault(db_trigger, (void *)(uintptr_t)slot, &vec))
		rt_printf("attack %s: the #DB handler ran (vector %d): this CPU did not loop\n",
			  me->name, vec);
	write_dr7(0);
	asm volatile("cli");
	for (;;)
		asm volatile("" : : : "memory");
}

static volatile uint32_t ac_buf[4];

static void u_misaligned(void *arg)
{
	(void)arg;
	/* RFLAGS.AC at CPL 3, then a 4-byte load from an odd address. */
	asm volatile("pushfq; orq $0x40000, (%%rsp); popfq\n\t"
		     "movl (%0), %%eax; ud2"
		     : : "r"((uintptr_t)ac_buf + 1) : "rax", "memory");
}

/* #AC(0) needs CR0.AM, RFLAGS.AC and CPL 3 (SDM Vol. 3A, "Alignment
 * Check Exception (#AC)"); it must reach the guest's own handler. */
static void fault_ac_ring3(void)
{
	int vec;

	rt_gdt_init();
	write_cr0(read_cr0() | CR0_AM);
	vec = in_ring3(u_misaligned);
	write_cr0(read_cr0() & ~CR0_AM);
	if (vec != VEC_AC)
		leaked("a misaligned load with AC at ring 3: vector %d, not #AC",
		       vec);
	done();
}

/* ---- bounded exits and floods */

/* 128 short lines: the longest console_write (HV_CONSOLE_WRITE_MAX). */
static char long_lines[HV_CONSOLE_WRITE_MAX];

static void __attribute__((noreturn)) refused_forever(void)
{
	for (;;)
		hv_hypercall(HV_HC_PARTITION_LIST, 0x10000, 64, 0);
}

static void __attribute__((noreturn, used)) flood_vcpu1(uint64_t arg)
{
	(void)arg;
	refused_forever();
}

static void __attribute__((noreturn)) console_forever(void)
{
	for (unsigned i = 0; i < sizeof(long_lines); i += 2) {
		long_lines[i] = 's';
		long_lines[i + 1] = '\n';
	}
	for (;;)
		hv_hypercall(HV_HC_CONSOLE_WRITE, (uint64_t)(uintptr_t)long_lines,
			     sizeof(long_lines), 0);
}

static void __attribute__((noreturn, used)) console_vcpu1(uint64_t arg)
{
	(void)arg;
	console_forever();
}

/*
 * vCPU 0 prints 128 lines per console_write, for ever, while vCPU 1 makes
 * refused management calls, each of which hv reports, and the partner
 * does the same the other way round: two long writers and two flooders
 * contend for the console, and the parent's stop lands while vCPU 0 is
 * in hv. Against 75fc0fb vCPU 0 left its CPU 3.3 to 3.9 million TSC
 * ticks (0.8 to 1 s at Bochs' 4 MHz) after the stop request, the
 * parent waiting inside its own exit all along, just under hv's
 * one-second deadline.
 */
static void __attribute__((noreturn)) stall_console(void)
{
	start_vcpu1(flood_vcpu1);
	rt_printf("attack %s: spinning in console_write\n", me->name);
	console_forever();
}

static void __attribute__((noreturn)) stall_flood(void)
{
	start_vcpu1(console_vcpu1);
	rt_printf("attack %s: spinning\n", me->name);
	refused_forever();
}

/* Every port, once: each is refused (or is the virtual UART's). */
static void flood_port_scan(void)
{
	for (uint32_t port = 0; port <= 0xffff; port++)
		(void)inb((uint16_t)port);
	done();
}

#define MANAGEMENT_FLOOD 5000

static void flood_management(void)
{
	for (long i = 0; i < MANAGEMENT_FLOOD; i++) {
		long r = hv_hypercall(HV_HC_PARTITION_LIST, 0x10000, 64, 0);

		if (r != HV_STATUS_DENIED)
			escaped("partition_list returned %ld", r);
	}
	done();
}

/* ---- PKRU and RDPID, on a CPU model that has them */

/*
 * An attacker does not ask CPUID: it sets CR4.PKE, which a CPU without
 * PKU, or an hv that kept the bit, answers with #GP. Where it is set,
 * RDPKRU and WRPKRU reach PKRU, whatever CPUID says.
 */
static bool pku_on(void)
{
	uint64_t cr4 = read_cr4() | CR4_PKE;
	int vec = -1;

	if (expect_fault(do_cr4, &cr4, &vec)) {
		rt_printf("attack %s: CR4.PKE refused (vector %d)\n", me->name,
			  vec);
		return false;
	}
	rt_printf("attack %s: CR4.PKE set, PKRU reachable (PKU %s in CPUID)\n",
		  me->name, cpuid(7, 0).ecx & (1u << 3) ? "shown" : "hidden");
	return true;
}

static void pkru_write(void)
{
	if (pku_on())
		asm volatile("wrpkru" : : "a"(PKRU_TAG), "c"(0), "d"(0));
	done();
}

/* PKRU's initial state is 0 (SDM Vol. 1, "PKRU State"). */
static void pkru_read(void)
{
	uint32_t pkru, edx;

	if (pku_on()) {
		asm volatile("rdpkru" : "=a"(pkru), "=d"(edx) : "c"(0));
		if (pkru)
			leaked("PKRU reads 0x%x%s", pkru,
			       pkru == PKRU_TAG ? ": the writer's" : "");
	}
	done();
}

static void do_rdpid(void *arg)
{
	uint64_t v;

	asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(v)); /* rdpid rax */
	*(uint64_t *)arg = v;
}

/* CPUID.(EAX=7,ECX=0):ECX[22] says whether RDPID works; it must not
 * say one thing while the instruction does the other. */
static void rdpid_cpuid(void)
{
	bool shown = cpuid(7, 0).ecx & (1u << 22);
	uint64_t v = 0;
	int vec = -1;
	bool faulted = expect_fault(do_rdpid, &v, &vec);

	rt_printf("attack %s: RDPID %s in CPUID, %s (vector %d)\n", me->name,
		  shown ? "shown" : "hidden", faulted ? "faulted" : "ran",
		  faulted ? vec : -1);
	if (shown && faulted)
		leaked("CPUID shows RDPID but it raised vector %d", vec);
	if (!shown && (!faulted || vec != VEC_UD))
		leaked("CPUID hides RDPID but it %s (vector %d)",
		       faulted ? "faulted with another vector" : "ran", vec);
	done();
}

/* ---- dispatch */

static bool is(const char *name)
{
	return !strncmp(me->name, name, HV_NAME_MAX);
}

static void run(void)
{
	const char *n = me->name;

	if (is("mem-read-past") || is("mem-read-pool") ||
	    is("mem-read-hv") || is("mem-read-victim") ||
	    !strncmp(n, "mmio-", 5))
		mem_read();
	if (!strncmp(n, "mem-write-", 10))
		mem_write();
	if (!strncmp(n, "mem-exec-", 9))
		mem_exec();
	if (is("pt-cr3-past"))
		pt_cr3();
	if (is("pt-table-past"))
		pt_table();
	if (is("stale-fill"))
		stale_fill();
	if (is("stale-scan"))
		stale_scan();
	if (is("io-pci-config"))
		io_pci_config();
	if (is("io-pit"))
		io_pit();
	if (is("io-cmos"))
		io_cmos();
	if (is("io-kbd-reset"))
		io_kbd_reset();
	if (is("io-pm-block"))
		io_pm_block();
	if (is("io-reset-cf9"))
		io_reset_cf9();
	if (is("io-debug-ports"))
		io_debug_ports();
	if (is("io-com1-word"))
		io_com1_word();
	if (is("io-com1-dword"))
		io_com1_dword();
	if (is("io-outs-outside")) {
		map(target);
		io_string(outs_outside);
	}
	if (is("io-ins-outside")) {
		map(target);
		io_string(ins_outside);
	}
	if (is("msr-efer-nxe"))
		msr_efer_nxe();
	if (is("msr-efer-lme"))
		msr_efer_lme();
	if (is("msr-lstar"))
		msr_lstar();
	if (is("msr-sysenter"))
		msr_sysenter();
	if (is("msr-pat"))
		msr_pat();
	if (is("msr-debugctl"))
		msr_debugctl();
	if (is("msr-apic-base"))
		msr_apic_base();
	if (is("msr-feature-control"))
		msr_feature_control();
	if (is("msr-vmx-write"))
		msr_vmx_write();
	if (is("msr-vmx-read"))
		msr_vmx_read();
	if (is("msr-mtrr"))
		msr_mtrr();
	if (is("msr-spec-ctrl"))
		msr_spec_ctrl();
	if (is("vmx-insns"))
		vmx_insns();
	if (is("xsetbv-bad"))
		xsetbv_bad();
	if (is("cr4-vmxe"))
		cr4_vmxe();
	if (is("cr0-reserved"))
		cr0_reserved();
	if (is("cr8-15"))
		cr8_15();
	if (is("ipi-nmi"))
		ipi(4u << 8);
	if (is("ipi-init"))
		ipi(5u << 8);
	if (is("vmcall-ring3"))
		vmcall_ring3();
	if (is("hc-management"))
		hc_management();
	if (is("hc-bad-pointers"))
		hc_bad_pointers();
	if (is("hc-flood"))
		hc_flood();
	if (is("hc-toctou"))
		hc_toctou();
	if (is("fault-triple"))
		fault_triple();
	if (is("fault-double"))
		fault_double();
	if (is("fault-idt-outside"))
		fault_idt_outside();
	if (is("fault-cli-loop"))
		fault_cli_loop();
	if (is("fault-stack-overflow"))
		fault_stack_overflow();
	if (is("vec-xmm-write"))
		vec_xmm_write();
	if (is("vec-xmm-read"))
		vec_xmm_read();
	if (is("vec-mxcsr-write"))
		vec_mxcsr_write();
	if (is("vec-mxcsr-read"))
		vec_mxcsr_read();
	if (is("vec-ymm-write"))
		vec_ymm_write();
	if (is("vec-ymm-read"))
		vec_ymm_read();
	if (is("vec-zmm-write"))
		vec_zmm_write();
	if (is("vec-zmm-read"))
		vec_zmm_read();
	if (is("vec-xmm-victim"))
		vec_xmm_victim();
	if (is("vec-xmm-clobber"))
		vec_xmm_clobber();
	if (is("cr0-cd-set"))
		cr0_cd_set();
	if (is("cr0-cd-next"))
		cr0_cd_next();
	if (is("cr0-nw-no-cd"))
		cr0_nw_no_cd();
	if (is("cr-high-bits"))
		cr_high_bits();
	if (is("xsetbv-ring3"))
		xsetbv_ring3();
	if (is("ring3-privileged"))
		ring3_privileged();
	if (is("fault-db-ist-loop"))
		fault_db_ist_loop();
	if (is("fault-ac-ring3"))
		fault_ac_ring3();
	if (is("stall-console"))
		stall_console();
	if (is("stall-flood"))
		stall_flood();
	if (is("flood-port-scan"))
		flood_port_scan();
	if (is("flood-management"))
		flood_management();
	if (is("pkru-write"))
		pkru_write();
	if (is("pkru-read"))
		pkru_read();
	if (is("rdpid-cpuid"))
		rdpid_cpuid();
	rt_printf("attacker: no code for attack %s\n", n);
	rt_halt();
}

void test_main(const struct hv_start_info *si)
{
	char name[HV_NAME_MAX];
	const char *c = si->cmdline;
	size_t n = 0;

	/* "attack=NAME ...": the partition is named after it too. */
	if (!strncmp(c, "attack=", 7)) {
		c += 7;
		while (c[n] && c[n] != ' ' && n < sizeof(name) - 1) {
			name[n] = c[n];
			n++;
		}
	}
	name[n] = '\0';
	for (unsigned i = 0; i < ATTACK_COUNT; i++)
		if (!strncmp(attacks[i].name, name, sizeof(name)))
			me = &attacks[i];
	for (unsigned i = 0; i < PARTNER_COUNT; i++)
		if (!strncmp(partners[i].name, name, sizeof(name)))
			me = &partners[i];
	if (!me) {
		rt_printf("attacker: no attack named '%s'\n", name);
		rt_halt();
	}
	ram_size = si->ram_size;
	target = rt_cmdline_u64(si, "addr", ram_size);
	rt_printf("attack %s: target 0x%lx\n", me->name,
		  (unsigned long)target);
	run();
}
