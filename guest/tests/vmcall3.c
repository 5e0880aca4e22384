// SPDX-License-Identifier: MIT
/*
 * Hypercalls are for guest kernels only. VMCALL exits to hv from any CPL,
 * so hv must check the CPL itself and answer ring 3 with #UD, which the
 * guest kernel receives as a fault at the VMCALL, from CPL 3. The call
 * tried is HV_HC_SHUTDOWN: if hv ran it for ring 3, the machine would
 * power off and this guest's PASS line would never appear.
 */
#include "guest/tests/rt/rt.h"
#include "guest/tests/rt/x86.h"

const char test_name[] = "vmcall3";

#define USER_STACK_SIZE 8192

/* vmcall3-user.asm */
void user_vmcall(void *nr);
extern const char user_vmcall_insn[];
extern const char user_vmcall_after[];
extern uint64_t user_vmcall_rax;

static uint8_t user_stack[USER_STACK_SIZE] __attribute__((aligned(16)));

static void run_user(void *arg)
{
	(void)arg;
	rt_enter_user(user_vmcall, (void *)(uintptr_t)HV_HC_SHUTDOWN,
		      user_stack + sizeof(user_stack));
}

void test_main(const struct hv_start_info *si)
{
	const uint64_t insn = (uint64_t)(uintptr_t)user_vmcall_insn;
	const struct rt_fault *f = &rt_last_fault;
	int vector;

	(void)si;
	rt_gdt_init();
	if (!expect_fault(run_user, NULL, &vector)) {
		/* rt_enter_user cannot return; this would be a runtime bug. */
		test_fail("vmcall-ring3-ud", "ring 3 code returned");
	} else if (f->rip == (uint64_t)(uintptr_t)user_vmcall_after) {
		test_fail("vmcall-ring3-ud",
			  "VMCALL ran at CPL 3 and returned rax 0x%lx",
			  (unsigned long)user_vmcall_rax);
	} else if (vector != VEC_UD) {
		test_fail("vmcall-ring3-ud",
			  "%s (vector %d) error 0x%lx at rip 0x%lx cs 0x%lx, "
			  "want #UD at 0x%lx",
			  rt_vector_name(vector), vector,
			  (unsigned long)f->error, (unsigned long)f->rip,
			  (unsigned long)f->cs, (unsigned long)insn);
	} else if ((f->cs & 3) != 3) {
		test_fail("vmcall-ring3-ud",
			  "#UD with saved cs 0x%lx, not CPL 3",
			  (unsigned long)f->cs);
	} else if (f->rip != insn) {
		test_fail("vmcall-ring3-ud",
			  "#UD at rip 0x%lx, want 0x%lx (the VMCALL)",
			  (unsigned long)f->rip, (unsigned long)insn);
	} else {
		test_pass("vmcall-ring3-ud");
	}
	/* Back in ring 0: the shutdown that follows comes from here. */
	if ((read_cs() & 3) != 0)
		test_fail("vmcall-ring3-ud", "still at CPL %u after recovery",
			  read_cs() & 3u);
}
