/* SPDX-License-Identifier: MIT */
/*
 * The VMCS: the enum of every field hv uses (listed, with its encoding, in
 * arch/x86/vmcs_fields.h), width-checked VMREAD and VMWRITE, the other VMX
 * instructions, and the bit layouts of the fields hv fills in or decodes.
 *
 * The layout of an encoding is in SDM Vol. 3C "Software Use of
 * Virtual-Machine Control Structures" (section "VMREAD, VMWRITE, and
 * Encodings of VMCS Fields"). This header must also compile on the host
 * for the unit tests: its inline assembly is never run there.
 */
#ifndef ARCH_X86_VMCS_H
#define ARCH_X86_VMCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/vmx_controls.h"

/*
 * An encoding holds: bit 0, access type (1 = high 32 bits of a 64-bit
 * field); bits 9:1, index; bits 11:10, type (control, read-only data,
 * guest state, host state); bits 14:13, width.
 */
#define VMCS_FIELD_HIGH (1u << 0)
#define VMCS_FIELD_WIDTH(f) ((((uint32_t)(f)) >> 13) & 3u)
#define VMCS_FIELD_TYPE(f) ((((uint32_t)(f)) >> 10) & 3u)

enum vmcs_width {
	VMCS_WIDTH_16 = 0,
	VMCS_WIDTH_64 = 1,
	VMCS_WIDTH_32 = 2,
	VMCS_WIDTH_NAT = 3, /* natural width: 64 bits on a 64-bit CPU */
};

enum vmcs_field_type {
	VMCS_TYPE_CONTROL = 0,
	VMCS_TYPE_EXIT_INFO = 1, /* read-only data */
	VMCS_TYPE_GUEST = 2,
	VMCS_TYPE_HOST = 3,
};

/* VMCS_VPID, VMCS_GUEST_RIP, ...: the list is arch/x86/vmcs_fields.h. */
enum vmcs_field {
#define VMCS_FIELD(name, encoding) VMCS_##name = encoding,
#include "arch/x86/vmcs_fields.h"
};

/* Bits 14:13 of an encoding: one of enum vmcs_width. */
static inline unsigned vmcs_field_width(uint32_t f)
{
	return VMCS_FIELD_WIDTH(f);
}

/*
 * Provided by the hv core, which reports the field (and for a write the
 * value) with the VM-instruction error, and halts. Each means a bug in
 * hv: a field of the wrong width reached an accessor that the compiler
 * could not check, or VMREAD or VMWRITE failed (no current VMCS, a field
 * this CPU does not support, a write to a read-only field), none of which
 * a guest can cause. Where failure is expected, use vmcs_read_checked or
 * the raw vmcs_vmwrite.
 */
void vmcs_width_mismatch(uint32_t field) __attribute__((noreturn, cold));
void vmcs_read_failed(uint32_t field) __attribute__((noreturn, cold));
void vmcs_write_failed(uint32_t field, uint64_t value)
	__attribute__((noreturn, cold));

/*
 * Refuses to compile when f is a compile-time constant of another width
 * than w. __builtin_choose_expr evaluates neither branch, so f is never
 * evaluated here; a non-constant f is left to the run-time check in the
 * accessor.
 */
#define VMCS_BUILD_CHECK_WIDTH(f, w)                                      \
	((void)__builtin_choose_expr(                                     \
		__builtin_constant_p(f),                                  \
		sizeof(char[VMCS_FIELD_WIDTH(f) == (w) ? 1 : -1]), 0))

static inline void vmcs_require_width(enum vmcs_field f, unsigned w)
{
	if (vmcs_field_width(f) != w)
		vmcs_width_mismatch(f);
}

/*
 * SDM Vol. 3C "Conventions" (VMX instruction reference): a VMX instruction
 * reports VMfailInvalid with CF=1 (no current VMCS, or a bad operand it
 * cannot record) and VMfailValid with ZF=1 (the reason is then in
 * VMCS_VM_INSTRUCTION_ERROR).
 */
enum vmx_result {
	VMX_OK,
	VMX_FAIL_INVALID,
	VMX_FAIL_VALID,
};

static inline enum vmx_result vmx_result_of(bool cf, bool zf)
{
	if (cf)
		return VMX_FAIL_INVALID;
	if (zf)
		return VMX_FAIL_VALID;
	return VMX_OK;
}

/*
 * The raw VMWRITE, without a width check or report: false when it failed.
 * Use the typed writers below unless failure is expected. A value wider
 * than the field loses its high bits, as the SDM specifies for VMWRITE.
 * The "memory" clobber keeps VMCS accesses in program order with the VM
 * entry and with the memory the VMCS points to.
 */
static inline bool __attribute__((warn_unused_result))
vmcs_vmwrite(enum vmcs_field f, uint64_t value)
{
	bool failed;

	__asm__ volatile("vmwrite %[value], %[field]"
			 : "=@ccbe"(failed)
			 : [field] "r"((uint64_t)f), [value] "rm"(value)
			 : "memory");
	return !failed;
}

/*
 * A zero in memory: VMWRITE takes its value from memory too, so writing
 * 0 from here needs no register cleared first.
 */
extern const uint64_t vmcs_zero;

/* Writes 0 to field f (any width), checked as the typed writers are. */
static inline void vmcs_write_zero(enum vmcs_field f)
{
	bool failed;

	__asm__ volatile("vmwrite %[value], %[field]"
			 : "=@ccbe"(failed)
			 : [field] "r"((uint64_t)f), [value] "m"(vmcs_zero)
			 : "memory");
	if (__builtin_expect(failed, 0))
		vmcs_write_failed(f, 0);
}

/* The raw VMREAD: false when it failed, *value then undefined. */
static inline bool vmcs_vmread(enum vmcs_field f, uint64_t *value)
{
	bool failed;

	__asm__ volatile("vmread %[field], %[value]"
			 : [value] "=rm"(*value), "=@ccbe"(failed)
			 : [field] "r"((uint64_t)f)
			 : "memory");
	return !failed;
}

/*
 * VMREAD of any field, whatever its width. On failure *v is 0 and the
 * result is false; for a field the CPU does not support, that is VMfailValid
 * with error 12.
 */
static inline bool __attribute__((warn_unused_result))
vmcs_read_checked(enum vmcs_field f, uint64_t *v)
{
	uint64_t value;
	bool ok = vmcs_vmread(f, &value);

	*v = ok ? value : 0;
	return ok;
}

/* A failure is fatal here, so the value needs no clearing on it. */
static inline uint64_t vmcs_read_width(enum vmcs_field f, unsigned w)
{
	uint64_t v;

	vmcs_require_width(f, w);
	if (__builtin_expect(!vmcs_vmread(f, &v), 0))
		vmcs_read_failed(f);
	return v;
}

static inline void vmcs_write_width(enum vmcs_field f, unsigned w,
				    uint64_t v)
{
	vmcs_require_width(f, w);
	if (__builtin_expect(!vmcs_vmwrite(f, v), 0))
		vmcs_write_failed(f, v);
}

/*
 * The typed accessors. Each is an inline function and a macro of the same
 * name: the macro adds the compile-time width check and then calls the
 * function (the parentheses around the name stop the macro from expanding
 * again). With a constant field at -O2 the run-time check folds away.
 * Every VMREAD and VMWRITE through them is checked in the accessor, which
 * reports a failure and halts, so callers check nothing.
 */
static inline void (vmcs_write16)(enum vmcs_field f, uint16_t v)
{
	vmcs_write_width(f, VMCS_WIDTH_16, v);
}

static inline void (vmcs_write32)(enum vmcs_field f, uint32_t v)
{
	vmcs_write_width(f, VMCS_WIDTH_32, v);
}

static inline void (vmcs_write64)(enum vmcs_field f, uint64_t v)
{
	vmcs_write_width(f, VMCS_WIDTH_64, v);
}

static inline void (vmcs_write_nat)(enum vmcs_field f, uint64_t v)
{
	vmcs_write_width(f, VMCS_WIDTH_NAT, v);
}

static inline uint16_t (vmcs_read16)(enum vmcs_field f)
{
	return (uint16_t)vmcs_read_width(f, VMCS_WIDTH_16);
}

static inline uint32_t (vmcs_read32)(enum vmcs_field f)
{
	return (uint32_t)vmcs_read_width(f, VMCS_WIDTH_32);
}

static inline uint64_t (vmcs_read64)(enum vmcs_field f)
{
	return vmcs_read_width(f, VMCS_WIDTH_64);
}

static inline uint64_t (vmcs_read_nat)(enum vmcs_field f)
{
	return vmcs_read_width(f, VMCS_WIDTH_NAT);
}

#define vmcs_write16(f, v) \
	(VMCS_BUILD_CHECK_WIDTH(f, VMCS_WIDTH_16), (vmcs_write16)(f, v))
#define vmcs_write32(f, v) \
	(VMCS_BUILD_CHECK_WIDTH(f, VMCS_WIDTH_32), (vmcs_write32)(f, v))
#define vmcs_write64(f, v) \
	(VMCS_BUILD_CHECK_WIDTH(f, VMCS_WIDTH_64), (vmcs_write64)(f, v))
#define vmcs_write_nat(f, v) \
	(VMCS_BUILD_CHECK_WIDTH(f, VMCS_WIDTH_NAT), (vmcs_write_nat)(f, v))
#define vmcs_read16(f) \
	(VMCS_BUILD_CHECK_WIDTH(f, VMCS_WIDTH_16), (vmcs_read16)(f))
#define vmcs_read32(f) \
	(VMCS_BUILD_CHECK_WIDTH(f, VMCS_WIDTH_32), (vmcs_read32)(f))
#define vmcs_read64(f) \
	(VMCS_BUILD_CHECK_WIDTH(f, VMCS_WIDTH_64), (vmcs_read64)(f))
#define vmcs_read_nat(f) \
	(VMCS_BUILD_CHECK_WIDTH(f, VMCS_WIDTH_NAT), (vmcs_read_nat)(f))

/*
 * VMCLEAR and VMPTRLD take the VMCS's physical address as a memory
 * operand. VMCLEAR writes the VMCS data back to that memory, hence
 * "memory".
 */
static inline enum vmx_result __attribute__((warn_unused_result))
vmx_vmclear(uint64_t pa)
{
	bool cf, zf;

	__asm__ volatile("vmclear %[pa]"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : [pa] "m"(pa)
			 : "memory");
	return vmx_result_of(cf, zf);
}

static inline enum vmx_result __attribute__((warn_unused_result))
vmx_vmptrld(uint64_t pa)
{
	bool cf, zf;

	__asm__ volatile("vmptrld %[pa]"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : [pa] "m"(pa)
			 : "memory");
	return vmx_result_of(cf, zf);
}

/*
 * INVEPT types (SDM Vol. 3C "Invalidation of TLBs and Paging-Structure
 * Caches", and the INVEPT instruction reference).
 */
#define INVEPT_SINGLE_CONTEXT 1ull
#define INVEPT_ALL_CONTEXT 2ull

/* INVVPID types (the INVVPID instruction reference). */
#define INVVPID_INDIVIDUAL_ADDRESS 0ull
#define INVVPID_SINGLE_CONTEXT 1ull
#define INVVPID_ALL_CONTEXT 2ull
#define INVVPID_SINGLE_CONTEXT_KEEP_GLOBALS 3ull

/* The 128-bit INVEPT descriptor: the EPTP, then 64 reserved zero bits. */
static inline enum vmx_result __attribute__((warn_unused_result))
vmx_invept(uint64_t type, uint64_t eptp)
{
	struct {
		uint64_t eptp;
		uint64_t reserved;
	} desc = { eptp, 0 };
	bool cf, zf;

	__asm__ volatile("invept %[desc], %[type]"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : [desc] "m"(desc), [type] "r"(type)
			 : "memory");
	return vmx_result_of(cf, zf);
}

/*
 * The 128-bit INVVPID descriptor: the VPID in bits 15:0, reserved zero bits
 * 63:16, and the linear address (used by the individual-address type
 * only) in bits 127:64.
 */
static inline enum vmx_result __attribute__((warn_unused_result))
vmx_invvpid(uint64_t type, uint16_t vpid, uint64_t gla)
{
	struct {
		uint64_t vpid;
		uint64_t gla;
	} desc = { vpid, gla };
	bool cf, zf;

	__asm__ volatile("invvpid %[desc], %[type]"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : [desc] "m"(desc), [type] "r"(type)
			 : "memory");
	return vmx_result_of(cf, zf);
}

/* SDM Vol. 3C "Extended-Page-Table Pointer (EPTP)". */
#define EPTP_MT_UC 0ull
#define EPTP_MT_WB 6ull
#define EPTP_WALK_LENGTH_4 (3ull << 3) /* page-walk length minus one */
#define EPTP_AD_ENABLE (1ull << 6)

/*
 * EPT paging-structure entries (SDM Vol. 3C "EPT Translation Mechanism").
 * The memory type and ignore-PAT bits apply to entries that map a page;
 * the large-page bit applies to PDPTEs (1 GiB) and PDEs (2 MiB).
 */
#define EPTE_READ (1ull << 0)
#define EPTE_WRITE (1ull << 1)
#define EPTE_EXEC (1ull << 2)
#define EPTE_MT_SHIFT 3
#define EPTE_MT_MASK (7ull << EPTE_MT_SHIFT)
#define EPTE_MT_UC (0ull << EPTE_MT_SHIFT)
#define EPTE_MT_WB (6ull << EPTE_MT_SHIFT)
#define EPTE_IGNORE_PAT (1ull << 6)
#define EPTE_LARGE (1ull << 7)
#define EPTE_ACCESSED (1ull << 8)
#define EPTE_DIRTY (1ull << 9)

/*
 * The interruption-information format shared by the VM-entry, VM-exit and
 * IDT-vectoring fields (SDM Vol. 3C "VM-Entry Controls for Event
 * Injection" and "Information for VM Exits Due to Vectored Events").
 * INTR_TYPE_* are already shifted into bits 10:8.
 */
#define INTR_INFO_VECTOR_MASK 0xffu
#define INTR_INFO_TYPE_SHIFT 8
#define INTR_INFO_TYPE_MASK (7u << INTR_INFO_TYPE_SHIFT)
#define INTR_INFO_DELIVER_ERROR_CODE (1u << 11)
#define INTR_INFO_NMI_UNBLOCKING (1u << 12) /* exit info only */
#define INTR_INFO_VALID (1u << 31)

#define INTR_TYPE_EXTERNAL_INTERRUPT (0u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_NMI (2u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_HW_EXCEPTION (3u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_SW_INTERRUPT (4u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_PRIV_SW_EXCEPTION (5u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_SW_EXCEPTION (6u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_OTHER_EVENT (7u << INTR_INFO_TYPE_SHIFT)

/* SDM Vol. 3C "Guest Non-Register State": interruptibility state. */
#define INTERRUPTIBILITY_STI (1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)
#define INTERRUPTIBILITY_SMI (1u << 2)
#define INTERRUPTIBILITY_NMI (1u << 3)

/* ... and activity state. */
#define ACTIVITY_STATE_ACTIVE 0u
#define ACTIVITY_STATE_HLT 1u
#define ACTIVITY_STATE_SHUTDOWN 2u
#define ACTIVITY_STATE_WAIT_FOR_SIPI 3u

/*
 * Segment access rights as the VMCS holds them (SDM Vol. 3C "Guest
 * Register State"): the descriptor's attribute bits, plus bit 16, which
 * marks a segment register unusable.
 */
#define VMCS_AR_UNUSABLE (1u << 16)

/*
 * The exit-reason field (SDM Vol. 3C "Basic VM-Exit Information"). Bit 31
 * set means a VM entry failed while or after loading guest state; test it
 * before dispatching on the basic reason.
 */
#define EXIT_REASON_BASIC_MASK 0xffffu
#define EXIT_REASON_ENTRY_FAILURE (1u << 31)

/*
 * Basic exit reasons (SDM Vol. 3D appendix "VMX Basic Exit Reasons").
 * Numbers without a name here (35, 38, 42, 71) are not defined by the SDM.
 */
enum exit_reason {
	EXIT_REASON_EXCEPTION_NMI = 0,
	EXIT_REASON_EXTERNAL_INTERRUPT = 1,
	EXIT_REASON_TRIPLE_FAULT = 2,
	EXIT_REASON_INIT = 3,
	EXIT_REASON_SIPI = 4,
	EXIT_REASON_IO_SMI = 5,
	EXIT_REASON_OTHER_SMI = 6,
	EXIT_REASON_INTERRUPT_WINDOW = 7,
	EXIT_REASON_NMI_WINDOW = 8,
	EXIT_REASON_TASK_SWITCH = 9,
	EXIT_REASON_CPUID = 10,
	EXIT_REASON_GETSEC = 11,
	EXIT_REASON_HLT = 12,
	EXIT_REASON_INVD = 13,
	EXIT_REASON_INVLPG = 14,
	EXIT_REASON_RDPMC = 15,
	EXIT_REASON_RDTSC = 16,
	EXIT_REASON_RSM = 17,
	EXIT_REASON_VMCALL = 18,
	EXIT_REASON_VMCLEAR = 19,
	EXIT_REASON_VMLAUNCH = 20,
	EXIT_REASON_VMPTRLD = 21,
	EXIT_REASON_VMPTRST = 22,
	EXIT_REASON_VMREAD = 23,
	EXIT_REASON_VMRESUME = 24,
	EXIT_REASON_VMWRITE = 25,
	EXIT_REASON_VMXOFF = 26,
	EXIT_REASON_VMXON = 27,
	EXIT_REASON_CR_ACCESS = 28,
	EXIT_REASON_DR_ACCESS = 29,
	EXIT_REASON_IO_INSTRUCTION = 30,
	EXIT_REASON_RDMSR = 31,
	EXIT_REASON_WRMSR = 32,
	EXIT_REASON_ENTRY_FAIL_GUEST_STATE = 33,
	EXIT_REASON_ENTRY_FAIL_MSR_LOADING = 34,
	EXIT_REASON_MWAIT = 36,
	EXIT_REASON_MONITOR_TRAP_FLAG = 37,
	EXIT_REASON_MONITOR = 39,
	EXIT_REASON_PAUSE = 40,
	EXIT_REASON_ENTRY_FAIL_MACHINE_CHECK = 41,
	EXIT_REASON_TPR_BELOW_THRESHOLD = 43,
	EXIT_REASON_APIC_ACCESS = 44,
	EXIT_REASON_VIRTUALIZED_EOI = 45,
	EXIT_REASON_GDTR_IDTR_ACCESS = 46,
	EXIT_REASON_LDTR_TR_ACCESS = 47,
	EXIT_REASON_EPT_VIOLATION = 48,
	EXIT_REASON_EPT_MISCONFIG = 49,
	EXIT_REASON_INVEPT = 50,
	EXIT_REASON_RDTSCP = 51,
	EXIT_REASON_PREEMPTION_TIMER = 52,
	EXIT_REASON_INVVPID = 53,
	EXIT_REASON_WBINVD = 54, /* WBINVD or WBNOINVD */
	EXIT_REASON_XSETBV = 55,
	EXIT_REASON_APIC_WRITE = 56,
	EXIT_REASON_RDRAND = 57,
	EXIT_REASON_INVPCID = 58,
	EXIT_REASON_VMFUNC = 59,
	EXIT_REASON_ENCLS = 60,
	EXIT_REASON_RDSEED = 61,
	EXIT_REASON_PML_FULL = 62,
	EXIT_REASON_XSAVES = 63,
	EXIT_REASON_XRSTORS = 64,
	EXIT_REASON_PCONFIG = 65,
	EXIT_REASON_SPP_EVENT = 66,
	EXIT_REASON_UMWAIT = 67,
	EXIT_REASON_TPAUSE = 68,
	EXIT_REASON_LOADIWKEY = 69,
	EXIT_REASON_ENCLV = 70,
	EXIT_REASON_ENQCMD_PASID_FAIL = 72,
	EXIT_REASON_ENQCMDS_PASID_FAIL = 73,
	EXIT_REASON_BUS_LOCK = 74,
	EXIT_REASON_INSTRUCTION_TIMEOUT = 75,
	EXIT_REASON_SEAMCALL = 76,
	EXIT_REASON_TDCALL = 77,
	EXIT_REASON_RDMSRLIST = 78,
	EXIT_REASON_WRMSRLIST = 79,
	/*
	 * The highest number named above: a table indexed by basic reason
	 * needs EXIT_REASON_LAST + 1 entries.
	 */
	EXIT_REASON_LAST = EXIT_REASON_WRMSRLIST,
};

/*
 * VM-instruction error numbers, read from VMCS_VM_INSTRUCTION_ERROR after
 * VMfailValid (SDM Vol. 3C "VM-Instruction Error Numbers"). 14, 21 and 27
 * are not used.
 */
enum vmx_insn_error {
	VMXERR_VMCALL_IN_ROOT = 1,
	VMXERR_VMCLEAR_INVALID_ADDRESS = 2,
	VMXERR_VMCLEAR_VMXON_POINTER = 3,
	VMXERR_VMLAUNCH_NONCLEAR_VMCS = 4,
	VMXERR_VMRESUME_NONLAUNCHED_VMCS = 5,
	VMXERR_VMRESUME_AFTER_VMXOFF = 6,
	VMXERR_ENTRY_INVALID_CONTROL = 7,
	VMXERR_ENTRY_INVALID_HOST_STATE = 8,
	VMXERR_VMPTRLD_INVALID_ADDRESS = 9,
	VMXERR_VMPTRLD_VMXON_POINTER = 10,
	VMXERR_VMPTRLD_BAD_REVISION = 11,
	VMXERR_UNSUPPORTED_COMPONENT = 12,
	VMXERR_VMWRITE_READ_ONLY = 13,
	VMXERR_VMXON_IN_ROOT = 15,
	VMXERR_ENTRY_INVALID_EXECUTIVE_VMCS = 16,
	VMXERR_ENTRY_NONLAUNCHED_EXECUTIVE_VMCS = 17,
	VMXERR_ENTRY_EXECUTIVE_NOT_VMXON = 18,
	VMXERR_VMCALL_NONCLEAR_VMCS = 19,
	VMXERR_VMCALL_INVALID_EXIT_CONTROLS = 20,
	VMXERR_VMCALL_BAD_MSEG_REVISION = 22,
	VMXERR_VMXOFF_DUAL_MONITOR = 23,
	VMXERR_VMCALL_INVALID_SMM_FEATURES = 24,
	VMXERR_ENTRY_INVALID_EXECUTIVE_CONTROLS = 25,
	VMXERR_ENTRY_BLOCKED_BY_MOV_SS = 26,
	VMXERR_INVALID_INVEPT_INVVPID_OPERAND = 28,
	VMXERR_LAST = VMXERR_INVALID_INVEPT_INVVPID_OPERAND,
};

/* The enumerator's name without "VMCS_" (e.g. "GUEST_RIP"), or "UNKNOWN". */
const char *vmcs_field_name(uint32_t encoding);

/*
 * VMREADs the guest-state area, the controls, the host-state area and the
 * exit information of the current VMCS, and hands print one line of a few
 * fields at a time. A field that cannot be read prints as "<unreadable>";
 * the dump never stops on a failed VMREAD, so it is safe in panic paths.
 */
void vmcs_dump(void (*print)(const char *line, void *ctx), void *ctx);

#endif
