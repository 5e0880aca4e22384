// SPDX-License-Identifier: MIT
/* Names of VMCS fields, and a dump of the current VMCS for fatal paths. */
#include "hv/arch.h"
#include "arch/x86/vmcs.h"

#include "arch/x86/vmx_names.h"
#include "lib/fmt.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const uint64_t vmcs_zero;

/*
 * The name is the enumerator's spelling, from the same list. A switch, so
 * that the compiler refuses two fields with one encoding.
 */
const char *vmcs_field_name(uint32_t encoding)
{
	switch (encoding) {
#define VMCS_FIELD(name, enc) \
	case enc:             \
		return #name;
#include "arch/x86/vmcs_fields.h"
	}
	return "UNKNOWN";
}

/*
 * The dump is data: each line is a prefix and up to DUMP_ITEMS labelled
 * fields. The order follows the SDM's areas so that a failed VM entry can
 * be checked against "Checks on VMX Controls and Host-State Area" and
 * "Checks on the Guest State Area" from top to bottom.
 */
#define DUMP_ITEMS 7

struct dump_item {
	const char *label; /* NULL ends the line early */
	enum vmcs_field field;
};

struct dump_line {
	const char *prefix;
	struct dump_item items[DUMP_ITEMS];
};

#define SEGMENT(name, seg)                                              \
	{                                                               \
		"guest " name, {                                        \
			{ "sel", VMCS_GUEST_##seg##_SELECTOR },          \
			{ "base", VMCS_GUEST_##seg##_BASE },             \
			{ "limit", VMCS_GUEST_##seg##_LIMIT },           \
			{ "ar", VMCS_GUEST_##seg##_AR },                 \
		}                                                       \
	}

static const struct dump_line dump_lines[] = {
	{ "guest",
	  { { "rip", VMCS_GUEST_RIP },
	    { "rsp", VMCS_GUEST_RSP },
	    { "rflags", VMCS_GUEST_RFLAGS } } },
	{ "guest",
	  { { "cr0", VMCS_GUEST_CR0 },
	    { "cr3", VMCS_GUEST_CR3 },
	    { "cr4", VMCS_GUEST_CR4 },
	    { "dr7", VMCS_GUEST_DR7 } } },
	{ "guest",
	  { { "efer", VMCS_GUEST_IA32_EFER },
	    { "pat", VMCS_GUEST_IA32_PAT },
	    { "debugctl", VMCS_GUEST_IA32_DEBUGCTL } } },
	{ "guest sysenter",
	  { { "cs", VMCS_GUEST_SYSENTER_CS },
	    { "esp", VMCS_GUEST_SYSENTER_ESP },
	    { "eip", VMCS_GUEST_SYSENTER_EIP } } },
	SEGMENT("cs", CS),
	SEGMENT("ss", SS),
	SEGMENT("ds", DS),
	SEGMENT("es", ES),
	SEGMENT("fs", FS),
	SEGMENT("gs", GS),
	SEGMENT("ldtr", LDTR),
	SEGMENT("tr", TR),
	{ "guest",
	  { { "gdtr base", VMCS_GUEST_GDTR_BASE },
	    { "limit", VMCS_GUEST_GDTR_LIMIT },
	    { "idtr base", VMCS_GUEST_IDTR_BASE },
	    { "limit", VMCS_GUEST_IDTR_LIMIT } } },
	{ "guest",
	  { { "interruptibility", VMCS_GUEST_INTERRUPTIBILITY },
	    { "activity", VMCS_GUEST_ACTIVITY_STATE },
	    { "pending dbg", VMCS_GUEST_PENDING_DBG_EXCEPTIONS },
	    { "link", VMCS_VMCS_LINK_POINTER },
	    { "preemption timer", VMCS_PREEMPTION_TIMER } } },
	{ "ctls",
	  { { "pin", VMCS_PIN_BASED_CTLS },
	    { "proc", VMCS_PROC_BASED_CTLS },
	    { "proc2", VMCS_PROC_BASED_CTLS2 },
	    { "exit", VMCS_EXIT_CTLS },
	    { "entry", VMCS_ENTRY_CTLS } } },
	{ "ctls",
	  { { "exception bitmap", VMCS_EXCEPTION_BITMAP },
	    { "pf mask", VMCS_PAGE_FAULT_ERROR_CODE_MASK },
	    { "pf match", VMCS_PAGE_FAULT_ERROR_CODE_MATCH },
	    { "cr3 targets", VMCS_CR3_TARGET_COUNT } } },
	{ "ctls",
	  { { "cr0 mask", VMCS_CR0_GUEST_HOST_MASK },
	    { "shadow", VMCS_CR0_READ_SHADOW },
	    { "cr4 mask", VMCS_CR4_GUEST_HOST_MASK },
	    { "shadow", VMCS_CR4_READ_SHADOW } } },
	{ "ctls",
	  { { "eptp", VMCS_EPT_POINTER },
	    { "vpid", VMCS_VPID },
	    { "tsc offset", VMCS_TSC_OFFSET },
	    { "tpr threshold", VMCS_TPR_THRESHOLD },
	    { "virtual apic", VMCS_VIRTUAL_APIC_ADDR } } },
	{ "ctls",
	  { { "io bitmap a", VMCS_IO_BITMAP_A },
	    { "b", VMCS_IO_BITMAP_B },
	    { "msr bitmap", VMCS_MSR_BITMAP } } },
	{ "ctls exit msr",
	  { { "store count", VMCS_EXIT_MSR_STORE_COUNT },
	    { "addr", VMCS_EXIT_MSR_STORE_ADDR },
	    { "load count", VMCS_EXIT_MSR_LOAD_COUNT },
	    { "addr", VMCS_EXIT_MSR_LOAD_ADDR } } },
	{ "ctls entry",
	  { { "msr load count", VMCS_ENTRY_MSR_LOAD_COUNT },
	    { "addr", VMCS_ENTRY_MSR_LOAD_ADDR },
	    { "intr info", VMCS_ENTRY_INTR_INFO },
	    { "error code", VMCS_ENTRY_EXCEPTION_ERROR_CODE },
	    { "instr len", VMCS_ENTRY_INSTR_LEN } } },
	{ "host",
	  { { "rip", VMCS_HOST_RIP },
	    { "rsp", VMCS_HOST_RSP },
	    { "cr0", VMCS_HOST_CR0 },
	    { "cr3", VMCS_HOST_CR3 },
	    { "cr4", VMCS_HOST_CR4 } } },
	{ "host sel",
	  { { "cs", VMCS_HOST_CS_SELECTOR },
	    { "ss", VMCS_HOST_SS_SELECTOR },
	    { "ds", VMCS_HOST_DS_SELECTOR },
	    { "es", VMCS_HOST_ES_SELECTOR },
	    { "fs", VMCS_HOST_FS_SELECTOR },
	    { "gs", VMCS_HOST_GS_SELECTOR },
	    { "tr", VMCS_HOST_TR_SELECTOR } } },
	{ "host base",
	  { { "fs", VMCS_HOST_FS_BASE },
	    { "gs", VMCS_HOST_GS_BASE },
	    { "tr", VMCS_HOST_TR_BASE },
	    { "gdtr", VMCS_HOST_GDTR_BASE },
	    { "idtr", VMCS_HOST_IDTR_BASE } } },
	{ "host",
	  { { "efer", VMCS_HOST_IA32_EFER },
	    { "pat", VMCS_HOST_IA32_PAT },
	    { "sysenter cs", VMCS_HOST_SYSENTER_CS },
	    { "esp", VMCS_HOST_SYSENTER_ESP },
	    { "eip", VMCS_HOST_SYSENTER_EIP } } },
	{ "exit",
	  { { "qualification", VMCS_EXIT_QUALIFICATION },
	    { "gpa", VMCS_GUEST_PHYSICAL_ADDRESS },
	    { "gla", VMCS_GUEST_LINEAR_ADDRESS } } },
	{ "exit",
	  { { "intr info", VMCS_EXIT_INTR_INFO },
	    { "error code", VMCS_EXIT_INTR_ERROR_CODE },
	    { "idt vectoring info", VMCS_IDT_VECTORING_INFO },
	    { "error code", VMCS_IDT_VECTORING_ERROR_CODE } } },
	{ "exit",
	  { { "instr len", VMCS_EXIT_INSTR_LEN },
	    { "instr info", VMCS_EXIT_INSTR_INFO } } },
};

#undef SEGMENT

/* A line long enough for the widest entry of dump_lines; longer is cut. */
struct line {
	char buf[192];
	size_t len;
};

/* fmt_snprintf returns the untruncated length; keep len inside buf. */
static void line_advance(struct line *l, int n)
{
	size_t room = sizeof(l->buf) - l->len;

	if (n <= 0)
		return;
	l->len += (size_t)n < room ? (size_t)n : room - 1;
}

static void line_str(struct line *l, const char *s)
{
	line_advance(l, fmt_snprintf(l->buf + l->len, sizeof(l->buf) - l->len,
				     "%s", s));
}

static void line_field(struct line *l, const char *label, enum vmcs_field f)
{
	uint64_t v;

	if (vmcs_read_checked(f, &v))
		line_advance(l, fmt_snprintf(l->buf + l->len,
					     sizeof(l->buf) - l->len,
					     " %s 0x%lx", label, v));
	else
		line_advance(l, fmt_snprintf(l->buf + l->len,
					     sizeof(l->buf) - l->len,
					     " %s <unreadable>", label));
}

void vmcs_dump(void (*print)(const char *line, void *ctx), void *ctx)
{
	struct line l;
	uint64_t v;

	for (size_t i = 0; i < ARRAY_LEN(dump_lines); i++) {
		const struct dump_line *d = &dump_lines[i];

		l.len = 0;
		l.buf[0] = '\0';
		line_str(&l, d->prefix);
		for (size_t j = 0; j < DUMP_ITEMS && d->items[j].label; j++)
			line_field(&l, d->items[j].label, d->items[j].field);
		print(l.buf, ctx);
	}

	/*
	 * The reason and the error are printed with their names. The error
	 * field holds the number of the last VMfailValid on this VMCS, which
	 * may be stale; it is printed anyway because a failed VMWRITE during
	 * setup is exactly when a dump is wanted.
	 */
	l.len = 0;
	l.buf[0] = '\0';
	if (vmcs_read_checked(VMCS_EXIT_REASON, &v))
		line_advance(&l, fmt_snprintf(l.buf, sizeof(l.buf),
					      "exit reason 0x%lx %s%s", v,
					      vmx_exit_reason_name(
						      v & EXIT_REASON_BASIC_MASK),
					      v & EXIT_REASON_ENTRY_FAILURE ?
						      " (VM-entry failure)" :
						      ""));
	else
		line_str(&l, "exit reason <unreadable>");
	print(l.buf, ctx);

	l.len = 0;
	l.buf[0] = '\0';
	if (vmcs_read_checked(VMCS_VM_INSTRUCTION_ERROR, &v))
		line_advance(&l, fmt_snprintf(l.buf, sizeof(l.buf),
					      "vm-instruction error %lu (%s)",
					      v,
					      vmx_instruction_error_text(
						      (uint32_t)v)));
	else
		line_str(&l, "vm-instruction error <unreadable>");
	print(l.buf, ctx);
}
