; SPDX-License-Identifier: MIT
; The core's entry point and the host exception stubs.
bits 64
default rel

%include "asm-offsets.inc"

extern hv_main
extern trap_handler
global hv_entry
global hv_exception_stubs
global rdmsr_safe
global rdmsr_safe_insn
global rdmsr_safe_fixup
global cpu_unblock_nmi
global cpu_idle_hlt
global idle_window_start
global idle_window_end

section .bss
align 16
boot_stack:
	resb HV_STACK_SIZE_ASM
boot_stack_top:

section .text.entry
; The loader calls this with the System V ABI: RDI = struct hv_boot_info *.
; Interrupts are off; the firmware's page tables are still live.
hv_entry:
	cli
	cld
	lea rsp, [boot_stack_top]
	xor ebp, ebp		; ends the backtrace chain
	call hv_main
.hang:
	cli
	hlt
	jmp .hang

section .text
; int rdmsr_safe(uint32_t msr, uint64_t *value): 0, or -1 if RDMSR faulted.
; The #GP handler resumes a fault at rdmsr_safe_insn at rdmsr_safe_fixup,
; so an MSR the manifest names but this CPU lacks cannot crash hv.
rdmsr_safe:
	mov ecx, edi
rdmsr_safe_insn:
	rdmsr
	shl rdx, 32
	or rax, rdx
	mov [rsi], rax
	xor eax, eax
	ret
rdmsr_safe_fixup:
	mov eax, -1
	ret

; void cpu_unblock_nmi(void): an IRET to the next instruction. After a VM
; exit caused by an NMI, NMIs stay blocked until the next IRET (SDM
; "Architectural State Before a VM Exit"); a CPU that goes idle instead of
; re-entering the guest would never hear another NMI.
cpu_unblock_nmi:
	mov rax, rsp
	push GDT_DATA_ASM
	push rax
	pushfq
	push GDT_CODE_ASM
	lea rax, [rel .unblocked]
	push rax
	iretq
.unblocked:
	ret

; int cpu_idle_hlt(const uint32_t *wake_seq, uint32_t seen): halts unless
; *wake_seq has moved on from seen. Called with interrupts off. The kick
; that ends an idle wait is an NMI, and NMIs are not held off by IF or by
; STI's shadow: one that lands between the compare and the HLT would be
; handled and forgotten, and the CPU would sleep. The NMI handler moves a
; saved RIP in [idle_window_start, idle_window_end) to idle_window_end
; (trap.c), so the HLT is skipped. A maskable interrupt (the idle timer)
; cannot land there: IF is 0 until STI, whose shadow covers the HLT.
; Returns 1 if it did not halt because a kick had come, else 0.
cpu_idle_hlt:
idle_window_start:
	cmp [rdi], esi
	jne idle_kicked
	sti
	hlt
idle_window_end:
	cli
	xor eax, eax
	ret
idle_kicked:
	mov eax, 1
	ret

; Vectors that push an error code: 8, 10-14, 17, 21, 29, 30.
%macro STUB 1
	align 16
stub_%1:
%if %1 > 31 || (%1 != 8 && (%1 < 10 || %1 > 14) && %1 != 17 && %1 != 21 && %1 != 29 && %1 != 30)
	push 0
%endif
	push %1
	jmp exception_common
%endmacro

exception_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	; Keep the call aligned the way the ABI expects.
	mov rbx, rsp
	and rsp, -16
	call trap_handler
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16		; vector and error code
	iretq

; Exceptions 0-31, then the interrupt vectors 32-255, which reach hv only
; while it idles with interrupts on.
%assign i 0
%rep 256
	STUB i
%assign i i+1
%endrep

section .data
align 8
; The IDT builder reads the 256 stub addresses from here.
hv_exception_stubs:
%assign i 0
%rep 256
	dq stub_ %+ i
%assign i i+1
%endrep
