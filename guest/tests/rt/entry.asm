; SPDX-License-Identifier: MIT
; Entry point, exception stubs, fault recovery and the way down to ring 3
; for the test guests. The C side is rt/rt.c and rt/trap.c.
bits 64
default rel

extern rt_start
extern rt_trap

global _start
global rt_trap_stubs
global rt_try
global rt_try_resume
global rt_iret_to_user

section .text.entry progbits alloc exec nowrite align=16
; hv's entry state already gives C everything it needs: 64-bit mode, flat
; segments, a 64 KiB stack, interrupts off, RDI = struct hv_start_info *.
_start:
	cld
	xor ebp, ebp		; ends the backtrace chain
	and rsp, -16		; the ABI's alignment, whatever hv handed over
	call rt_start
.hang:
	cli
	hlt
	jmp .hang

section .text
; The CPU pushes an error code for these vectors only (SDM Vol. 3A,
; "Exception and Interrupt Reference"); the stubs of the others push a zero
; so that every frame has the same layout (struct rt_frame in rt/trap.c).
%define ERRCODE_MASK ((1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | \
			(1 << 13) | (1 << 14) | (1 << 17) | (1 << 21) | \
			(1 << 29) | (1 << 30))

%macro TRAP_STUB 1
align 16
trap_stub_%1:
%if ((ERRCODE_MASK >> %1) & 1) == 0
	push 0
%endif
	push %1
	jmp trap_common
%endmacro

%assign v 0
%rep 32
	TRAP_STUB %[v]
%assign v v + 1
%endrep

; In 64-bit mode the CPU aligns RSP to 16 bytes before it pushes the
; 40-byte frame; with the error code, the vector and 15 registers the total
; is 176 bytes, so RSP is aligned again at the call.
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
	call rt_trap
	; rt_trap may have rewritten the frame to resume at rt_try_resume.
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

; long rt_try(void (*fn)(void *), void *arg, uint64_t *resume_rsp,
;             uint64_t *resume_rflags)
; Calls fn(arg) and returns -1. An exception taken while the runtime is
; armed comes back instead through rt_try_resume, with RSP = *resume_rsp and
; RAX = the vector: the callee-saved registers fn may have clobbered are
; restored from this frame, so the caller sees an ordinary return.
rt_try:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	sub rsp, 8		; six pushes and the return address: realign
	mov [rdx], rsp
	pushfq
	pop qword [rcx]
	mov rax, rdi
	mov rdi, rsi
	call rax
	mov rax, -1
rt_try_resume:
	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

; void rt_iret_to_user(uint64_t rip, uint64_t arg, uint64_t rsp,
;                      uint64_t cs, uint64_t ss, uint64_t rflags)
; IRETQ is the one way to lower the CPL without SYSRET's MSR setup (SDM
; Vol. 2A, "IRET/IRETD/IRETQ": return to outer privilege level).
rt_iret_to_user:
	push r8			; SS
	push rdx		; RSP
	push r9			; RFLAGS
	push rcx		; CS
	push rdi		; RIP
	mov rdi, rsi
	; Nothing of ring 0 leaks into ring 3's registers.
	xor eax, eax
	xor ebx, ebx
	xor ecx, ecx
	xor edx, edx
	xor esi, esi
	xor ebp, ebp
	xor r8d, r8d
	xor r9d, r9d
	xor r10d, r10d
	xor r11d, r11d
	xor r12d, r12d
	xor r13d, r13d
	xor r14d, r14d
	xor r15d, r15d
	iretq

section .rodata
align 8
rt_trap_stubs:
%assign v 0
%rep 32
	dq trap_stub_%[v]
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
