; SPDX-License-Identifier: MIT
; The pc test kernels' trip into 64-bit mode (SDM Vol. 3A, "Initializing
; IA-32e Mode"): uint32_t pc_long_call(uint32_t pml4, uint32_t fn,
; uint32_t arg) turns on PAE, loads CR3 with pml4, sets EFER.LME and
; CR0.PG, calls the 64-bit code at fn with arg in EDI (zero-extended in
; RDI), and comes back to 32-bit protected mode with paging off, PAE and
; LME clear, returning fn's EAX. fn may use every register but RSP and
; must return with RET. pml4 must map this code and the stack 1:1.

bits 32

%include "modes.inc"

section .text
global pc_long_call
pc_long_call:
	push ebp
	mov ebp, esp
	push ebx
	push esi
	push edi
	mov [lc_esp], esp
	mov eax, [ebp + 12]
	mov [lc_fn], eax
	mov eax, [ebp + 16]
	mov [lc_arg], eax
	LONG_PREPARE [ebp + 8]
	mov cr0, eax
	jmp SEL_CODE64:lc64

bits 64
lc64:
	mov esp, esp		; RSP's upper half is undefined after the switch
	mov edi, [rel lc_arg]
	mov eax, [rel lc_fn]
	call rax
	mov [rel lc_ret], eax
	push SEL_CODE32
	lea rax, [rel lc_back]
	push rax
	o64 retf

bits 32
lc_back:
	mov eax, cr0
	and eax, ~CR0_PG
	mov cr0, eax
	mov ecx, MSR_EFER
	rdmsr
	LONG_UNWIND
	mov esp, [lc_esp]
	mov eax, [lc_ret]
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

section .data
lc_esp: dd 0
lc_fn: dd 0
lc_arg: dd 0
lc_ret: dd 0
