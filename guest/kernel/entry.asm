; SPDX-License-Identifier: MIT
; The kernel's ways in and out: the entry point, the exception stubs, the
; SYSCALL entry with its SYSRET exit, and the switch between kernel stacks.
; The C side is trap.c, syscall.c and proc.c; the frame layout is struct
; trap_frame in kernel.h.
bits 64
default rel

; These must match kernel.h.
%define SEL_UCODE	(0x28 | 3)
%define SEL_UDATA	(0x20 | 3)
%define VEC_SYSCALL	256

extern kmain
extern trap
extern syscall_handler
extern boot_rsp
extern syscall_kstack_top

global _start
global trap_stubs
global trap_return
global syscall_entry
global ctx_switch

section .text.entry progbits alloc exec nowrite align=16
; hv enters here at CPL 0 with RDI = struct hv_start_info *, interrupts off,
; on a stack below 1 MiB that belongs to hv's entry state. The kernel
; leaves it at once for its own, which has a guard page under it.
_start:
	cld
	mov rsp, [rel boot_rsp]
	xor ebp, ebp		; ends the frame-pointer chain
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .text
; The CPU pushes an error code for these vectors only (SDM Vol. 3A,
; "Exception and Interrupt Reference"); the other stubs push a zero so that
; every frame has the same layout.
%define ERRCODE_MASK ((1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | \
			(1 << 13) | (1 << 14) | (1 << 17) | (1 << 21) | \
			(1 << 29) | (1 << 30))

%macro TRAP_STUB 1
align 16
trap_stub_%1:
%if %1 >= 32 || ((ERRCODE_MASK >> %1) & 1) == 0
	push 0
%endif
	push %1
	jmp trap_common
%endmacro

%assign v 0
%rep 256
	TRAP_STUB %[v]
%assign v v + 1
%endrep

; In 64-bit mode the CPU aligns RSP to 16 bytes before it pushes its
; 40-byte frame, and an exception from ring 3 lands on RSP0, which is
; aligned: with the error code, the vector and 15 registers the frame is
; 176 bytes, so RSP is aligned again at the call.
trap_common:
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
	cld
	mov rdi, rsp
	call trap
; A new program's first way to ring 3 too: proc.c builds a frame here.
trap_return:
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

; SYSCALL left RIP in RCX and RFLAGS in R11, loaded CS and SS from STAR,
; and cleared the RFLAGS bits in SFMASK, IF among them (SDM Vol. 2B,
; "SYSCALL"). RSP is still the program's, so nothing may touch the stack
; before the switch; with IF clear nothing can interrupt this window, and
; the one CPU makes a single scratch slot enough.
syscall_entry:
	mov [rel syscall_user_rsp], rsp
	mov rsp, [rel syscall_kstack_top]
	; The same frame an exception from ring 3 would leave, so that the
	; program's registers are always at the top of its kernel stack.
	push SEL_UDATA
	push qword [rel syscall_user_rsp]
	push r11
	push SEL_UCODE
	push rcx
	push 0
	push VEC_SYSCALL
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
	call syscall_handler
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
	; SYSRET takes RIP from RCX and RFLAGS from R11. The RIP is the one
	; SYSCALL saved, the address after an instruction in a user page, so
	; it is canonical and SYSRET cannot fault in ring 0 (SDM Vol. 2B,
	; "SYSRET").
	pop rcx			; RIP
	add rsp, 8		; CS: SYSRET loads it from STAR
	pop r11			; RFLAGS
	pop rsp			; the program's RSP; SS comes from STAR too
	o64 sysret

; void ctx_switch(uint64_t *save_rsp, uint64_t rsp)
; Saves the callee-saved registers on this stack and its RSP in *save_rsp,
; then resumes the stack at rsp, which an earlier ctx_switch saved or
; proc.c built. The caller-saved registers are the C caller's to lose.
ctx_switch:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

section .rodata
align 8
trap_stubs:
%assign v 0
%rep 256
	dq trap_stub_%[v]
%assign v v + 1
%endrep

section .bss
alignb 8
syscall_user_rsp:
	resq 1

section .note.GNU-stack noalloc noexec nowrite progbits
