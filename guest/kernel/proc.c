// SPDX-License-Identifier: MIT
/*
 * Programs: loading them from the ELF files hv copied into RAM, and
 * taking turns. A program runs until it exits, faults, yields, waits for
 * another to end, or the timer's tick preempts it (timer.c); the
 * scheduler then picks the next ready one round-robin, in the order hv
 * listed them.
 *
 * Each program has a kernel stack of its own. Its ring 3 registers sit at
 * the top of that stack whenever it is in the kernel, whether it came in
 * by SYSCALL, exception or interrupt; switching programs is switching
 * kernel stacks (ctx_switch), by way of the scheduler's. The kernel runs
 * with interrupts off throughout, so a switch never happens halfway
 * through kernel work: only ring 3 is ever preempted.
 */
#include "guest/kernel/kernel.h"

#include "include/hv/hypercall.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* ELF64 (System V ABI, "ELF Header" and "Program Header"). */
struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2

/* More than any program here has; a bound on the loader's work. */
#define MAX_PHDRS 16

struct proc *current;

static struct proc procs[MAX_PROCS];
static int next_pid = 1;
static int cursor = MAX_PROCS - 1; /* the last slot that ran */
static uint64_t sched_ksp;

static uint64_t page_down(uint64_t a)
{
	return a & ~(PAGE_SIZE - 1);
}

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static char why_buf[96];

/* Program-header checks; NULL if ph[0..n) can be loaded as they are. */
static const char *check_segments(const struct elf64_phdr *ph, int n,
				  uint64_t size, uint64_t entry)
{
	bool loadable = false, entry_ok = false;

	for (int i = 0; i < n; i++) {
		const struct elf64_phdr *s = &ph[i];

		if (s->p_type != PT_LOAD || !s->p_memsz)
			continue;
		loadable = true;
		if (s->p_filesz > s->p_memsz || s->p_offset > size ||
		    s->p_filesz > size - s->p_offset) {
			fmt_snprintf(why_buf, sizeof(why_buf),
				     "segment %d lies outside the file", i);
			return why_buf;
		}
		if (s->p_vaddr < USER_BASE || s->p_vaddr >= USER_IMAGE_END ||
		    s->p_memsz > USER_IMAGE_END - s->p_vaddr) {
			fmt_snprintf(why_buf, sizeof(why_buf),
				     "segment %d is not inside [0x%llx, 0x%llx)",
				     i, USER_BASE, USER_IMAGE_END);
			return why_buf;
		}
		if ((s->p_flags & PF_W) && (s->p_flags & PF_X)) {
			fmt_snprintf(why_buf, sizeof(why_buf),
				     "segment %d is writable and executable",
				     i);
			return why_buf;
		}
		/* Whole pages, since each gets one set of permissions. */
		for (int j = 0; j < i; j++) {
			const struct elf64_phdr *t = &ph[j];

			if (t->p_type != PT_LOAD || !t->p_memsz)
				continue;
			if (page_down(s->p_vaddr) <
				    page_up(t->p_vaddr + t->p_memsz) &&
			    page_down(t->p_vaddr) <
				    page_up(s->p_vaddr + s->p_memsz)) {
				fmt_snprintf(why_buf, sizeof(why_buf),
					     "segments %d and %d share a page",
					     j, i);
				return why_buf;
			}
		}
		if ((s->p_flags & PF_X) && entry >= s->p_vaddr &&
		    entry - s->p_vaddr < s->p_memsz)
			entry_ok = true;
	}
	if (!loadable)
		return "no loadable segment";
	if (!entry_ok)
		return "entry point outside every executable segment";
	return NULL;
}

/* Copies one checked segment into fresh pages of the address space. */
static const char *load_segment(uint64_t pml4, const uint8_t *file,
				const struct elf64_phdr *s)
{
	uint64_t flags = (s->p_flags & PF_W ? PTE_W : 0) |
			 (s->p_flags & PF_X ? 0 : PTE_NX);
	uint64_t file_end = s->p_vaddr + s->p_filesz;

	for (uint64_t va = page_down(s->p_vaddr); va < s->p_vaddr + s->p_memsz;
	     va += PAGE_SIZE) {
		uint64_t pa = page_alloc();
		uint64_t lo = va > s->p_vaddr ? va : s->p_vaddr;
		uint64_t hi = va + PAGE_SIZE < file_end ? va + PAGE_SIZE :
							  file_end;

		if (!pa)
			return "out of memory";
		/* The rest of the page stays zero: that is the .bss. */
		if (lo < hi)
			memcpy((void *)(uintptr_t)(pa + (lo - va)),
			       file + s->p_offset + (lo - s->p_vaddr), hi - lo);
		if (as_map(pml4, va, pa, flags)) {
			page_free(pa);
			return "out of memory";
		}
	}
	return NULL;
}

static const char *load_program(uint64_t pml4, const uint8_t *file,
				uint64_t size, uint64_t *entry)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph[MAX_PHDRS];
	const char *why;

	if (size < sizeof(eh))
		return "too small for an ELF header";
	memcpy(&eh, file, sizeof(eh));
	if (memcmp(eh.e_ident, "\x7f" "ELF", 4))
		return "not an ELF file";
	if (eh.e_ident[4] != ELFCLASS64 || eh.e_ident[5] != ELFDATA2LSB ||
	    eh.e_ident[6] != EV_CURRENT)
		return "not a little-endian ELF64 file";
	if (eh.e_type != ET_EXEC)
		return "not a fixed-address executable (ET_EXEC)";
	if (eh.e_machine != EM_X86_64)
		return "not an x86-64 program";
	if (eh.e_phentsize != sizeof(ph[0]) || !eh.e_phnum ||
	    eh.e_phnum > MAX_PHDRS)
		return "unexpected program header size or count";
	if (eh.e_phoff > size ||
	    eh.e_phnum * sizeof(ph[0]) > size - eh.e_phoff)
		return "program headers lie outside the file";
	/* A copy: the file's headers need not be aligned. */
	memcpy(ph, file + eh.e_phoff, eh.e_phnum * sizeof(ph[0]));

	why = check_segments(ph, eh.e_phnum, size, eh.e_entry);
	if (why)
		return why;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		why = load_segment(pml4, file, &ph[i]);
		if (why)
			return why;
	}
	for (uint64_t va = USER_STACK_TOP - USER_STACK_SIZE;
	     va < USER_STACK_TOP; va += PAGE_SIZE) {
		uint64_t pa = page_alloc();

		if (!pa)
			return "out of memory";
		if (as_map(pml4, va, pa, PTE_W | PTE_NX)) {
			page_free(pa);
			return "out of memory";
		}
	}
	*entry = eh.e_entry;
	return NULL;
}

/*
 * The program's kernel stack starts as if it had been switched out just
 * before trap_return, with a frame there that IRETQ takes to ring 3.
 */
static void prepare_kstack(struct proc *p, uint64_t entry)
{
	uint64_t top = kstack_top(p->kstack);
	struct trap_frame *f;
	uint64_t *sp;

	f = (struct trap_frame *)(uintptr_t)(top - sizeof(*f));
	sp = (uint64_t *)f;

	memset(f, 0, sizeof(*f));
	f->rip = entry;
	f->cs = SEL_UCODE;
	/* IOPL 0: CLI, HLT and port I/O fault in ring 3. */
	f->rflags = RFLAGS_FIXED | RFLAGS_IF;
	f->rsp = USER_STACK_TOP;
	f->ss = SEL_UDATA;

	*--sp = (uint64_t)(uintptr_t)trap_return;
	for (int i = 0; i < 6; i++) /* ctx_switch's callee-saved registers */
		*--sp = 0;
	p->ksp = (uint64_t)(uintptr_t)sp;
}

void proc_create(const struct hv_start_module *m)
{
	struct proc *p = NULL;
	char name[sizeof(p->name)];
	uint64_t entry = 0;
	const char *why;
	size_t len;

	for (int i = 0; i < MAX_PROCS && !p; i++)
		if (procs[i].state == PROC_FREE && !procs[i].pid)
			p = &procs[i];
	/* hv terminates the name; the bound holds even if it did not. */
	len = strnlen(m->name, sizeof(name) - 1);
	memcpy(name, m->name, len);
	name[len] = '\0';
	if (!p) {
		kprintf("kernel: cannot load %s: too many programs\n", name);
		return;
	}
	memcpy(p->name, name, sizeof(name));

	p->pml4 = as_create();
	if (!p->pml4) {
		kprintf("kernel: cannot load %s: out of memory\n", p->name);
		return;
	}
	why = load_program(p->pml4, (const uint8_t *)(uintptr_t)m->gpa,
			   m->size, &entry);
	if (why) {
		kprintf("kernel: cannot load %s: %s\n", p->name, why);
		as_destroy(p->pml4);
		p->pml4 = 0;
		return;
	}
	p->kstack = KSTACK_PROC0 + (int)(p - procs);
	prepare_kstack(p, entry);
	p->pid = next_pid++;
	p->state = PROC_READY;
}

static struct proc *pick_next(void)
{
	for (int n = 1; n <= MAX_PROCS; n++) {
		int i = (cursor + n) % MAX_PROCS;

		if (procs[i].state == PROC_READY) {
			cursor = i;
			return &procs[i];
		}
	}
	return NULL;
}

static bool live(const struct proc *p)
{
	return p->state == PROC_READY || p->state == PROC_RUNNING ||
	       p->state == PROC_WAITING || p->state == PROC_NAPPING;
}

/*
 * A napper is ready again once its nap has lasted a period, or at any
 * interrupt that ended an idle HLT (all: the tick is the only source).
 * The time check matters because every dispatch restarts the period
 * (timer_restart): programs that yield to one another without end would
 * otherwise hold off the tick, and the napper, for ever.
 */
static int wake_nappers(bool all)
{
	uint64_t now = rdtsc();
	int napping = 0;

	for (int i = 0; i < MAX_PROCS; i++) {
		if (procs[i].state != PROC_NAPPING)
			continue;
		if (all || now >= procs[i].nap_end)
			procs[i].state = PROC_READY;
		else
			napping++;
	}
	return napping;
}

/* The next program to run; with only nappers left, halts until one wakes. */
static struct proc *next_to_run(void)
{
	struct proc *p;

	for (;;) {
		int napping = wake_nappers(false);

		p = pick_next();
		if (p || !napping)
			return p;
		timer_idle();
		wake_nappers(true);
	}
}

int sched_run(void)
{
	struct proc *p;
	int waiting = 0;

	while ((p = next_to_run())) {
		current = p;
		p->state = PROC_RUNNING;
		set_kernel_entry_stack(kstack_top(p->kstack));
		/*
		 * Every address space maps the kernel, so the scheduler runs
		 * on whichever was loaded last; a program that runs turn
		 * after turn, alone, keeps its TLB entries.
		 */
		if (read_cr3() != p->pml4)
			write_cr3(p->pml4);
		timer_restart();
		ctx_switch(&sched_ksp, p->ksp);
		/* Back when p yielded, waited, was preempted or ended. */
		current = NULL;
		if (p->state == PROC_DEAD) {
			write_cr3(kernel_pml4());
			as_destroy(p->pml4);
			p->pml4 = 0;
			p->state = PROC_FREE;
		}
	}
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].state == PROC_WAITING)
			waiting++;
	return waiting;
}

static int others_live(const struct proc *self)
{
	int n = 0;

	for (int i = 0; i < MAX_PROCS; i++)
		if (&procs[i] != self && live(&procs[i]))
			n++;
	return n;
}

/* Back to the scheduler; returns when p is picked again. */
static void switch_out(struct proc *p)
{
	ctx_switch(&p->ksp, sched_ksp);
}

long proc_yield(void)
{
	struct proc *p = current;

	if (others_live(p)) {
		p->state = PROC_READY;
		switch_out(p);
	}
	return others_live(p);
}

/*
 * Nothing to do until something outside the program changes (a key, a
 * child's progress): the program sleeps for a tick's period, the other
 * programs run, and with none ready the kernel halts, so hv can give the
 * CPU to other partitions or let it idle instead of running a poll. With
 * no timer there would be nothing to end the halt: yield instead, to the
 * other programs and to hv.
 */
long proc_nap(void)
{
	struct proc *p = current;
	uint32_t period = timer_period_ticks();

	if (!period) {
		proc_yield();
		hv_call(HV_HC_YIELD, 0, 0, 0);
		return 0;
	}
	p->nap_end = rdtsc() + period;
	p->state = PROC_NAPPING;
	switch_out(p);
	return 0;
}

void proc_preempt(void)
{
	struct proc *p = current;

	/* Alone, p would only be picked again. */
	for (int i = 0; i < MAX_PROCS; i++) {
		if (procs[i].state == PROC_READY) {
			p->state = PROC_READY;
			p->preemptions++;
			switch_out(p);
			return;
		}
	}
}

long proc_wait(long pid)
{
	struct proc *p = current;

	if (pid == p->pid)
		return -SYS_EINVAL; /* it would wait forever */
	/* Pids are never reused, so an earlier pid not live has ended. */
	if (pid < 1 || pid >= next_pid)
		return -SYS_ECHILD;
	for (int i = 0; i < MAX_PROCS; i++) {
		if (procs[i].pid == pid && live(&procs[i])) {
			p->wait_pid = (int)pid;
			p->state = PROC_WAITING;
			switch_out(p);
			break;
		}
	}
	return 0;
}

static void __attribute__((noreturn)) proc_end(struct proc *p)
{
	if (p->preemptions)
		kprintf("kernel: %s (pid %d) was preempted %lu time%s\n",
			p->name, p->pid, p->preemptions,
			p->preemptions == 1 ? "" : "s");
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].state == PROC_WAITING &&
		    procs[i].wait_pid == p->pid)
			procs[i].state = PROC_READY;
	p->state = PROC_DEAD;
	switch_out(p);
	panic("%s (pid %d) ran after its end", p->name, p->pid);
}

void proc_exit(int status)
{
	kprintf("kernel: %s (pid %d) exited with status %d\n", current->name,
		current->pid, status);
	proc_end(current);
}

void proc_kill(const struct trap_frame *f)
{
	char error[32] = "", address[32] = "";

	if (vector_has_error(f->vector))
		fmt_snprintf(error, sizeof(error), ", error 0x%lx",
			     (unsigned long)f->error);
	if (f->vector == VEC_PF)
		fmt_snprintf(address, sizeof(address), ", address 0x%lx",
			     (unsigned long)read_cr2());
	kprintf("kernel: killed %s (pid %d): %s%s, at rip 0x%lx%s\n",
		current->name, current->pid, vector_name(f->vector), error,
		(unsigned long)f->rip, address);
	proc_end(current);
}
