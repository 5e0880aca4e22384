; SPDX-License-Identifier: MIT
; The statecheck guest's register access that C compiled with
; -mgeneral-regs-only cannot do: the vector registers, and every
; general-purpose register across a yield at once.
bits 64
default rel

global sc_ymm_load
global sc_ymm_store
global sc_xmm_load
global sc_xmm_store
global sc_yield_gprs

%define HV_HC_YIELD 3

section .text
; void sc_ymm_load(const void *buf): YMMn from buf + 32 * n.
sc_ymm_load:
%assign i 0
%rep 16
	vmovdqu ymm%[i], [rdi + 32 * i]
%assign i i + 1
%endrep
	ret

; void sc_ymm_store(void *buf)
sc_ymm_store:
%assign i 0
%rep 16
	vmovdqu [rdi + 32 * i], ymm%[i]
%assign i i + 1
%endrep
	ret

; The same 32-byte stride as the YMM pair, so one buffer layout serves
; both. Legacy SSE encodings: they need no AVX state enabled in XCR0.
sc_xmm_load:
%assign i 0
%rep 16
	movdqu xmm%[i], [rdi + 32 * i]
%assign i i + 1
%endrep
	ret

sc_xmm_store:
%assign i 0
%rep 16
	movdqu [rdi + 32 * i], xmm%[i]
%assign i i + 1
%endrep
	ret

; void sc_yield_gprs(const uint64_t in[15], uint64_t out[15])
; Index 0 RAX, then RBX RCX RDX RSI RDI RBP R8-R15. Loads every register
; but RAX and RSP from in[], yields, and stores what came back, RAX (the
; status) included. RSP is in the VMCS, not switched by hv's code.
sc_yield_gprs:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	push rsi
	mov rax, rdi
	mov rbx, [rax + 8 * 1]
	mov rcx, [rax + 8 * 2]
	mov rdx, [rax + 8 * 3]
	mov rsi, [rax + 8 * 4]
	mov rdi, [rax + 8 * 5]
	mov rbp, [rax + 8 * 6]
	mov r8, [rax + 8 * 7]
	mov r9, [rax + 8 * 8]
	mov r10, [rax + 8 * 9]
	mov r11, [rax + 8 * 10]
	mov r12, [rax + 8 * 11]
	mov r13, [rax + 8 * 12]
	mov r14, [rax + 8 * 13]
	mov r15, [rax + 8 * 14]
	mov eax, HV_HC_YIELD
	vmcall
	push rax
	mov rax, [rsp + 8]	; out
	pop qword [rax]
	mov [rax + 8 * 1], rbx
	mov [rax + 8 * 2], rcx
	mov [rax + 8 * 3], rdx
	mov [rax + 8 * 4], rsi
	mov [rax + 8 * 5], rdi
	mov [rax + 8 * 6], rbp
	mov [rax + 8 * 7], r8
	mov [rax + 8 * 8], r9
	mov [rax + 8 * 9], r10
	mov [rax + 8 * 10], r11
	mov [rax + 8 * 11], r12
	mov [rax + 8 * 12], r13
	mov [rax + 8 * 13], r14
	mov [rax + 8 * 14], r15
	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
