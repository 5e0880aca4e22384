; SPDX-License-Identifier: MIT
; The checked VM entry (arch/x86/vmcheck_hv.h): vmx_resume's contract --
; RBX the vCPU; CF and ZF clear after a VM exit, or one of them set with
; EAX 1/2 for VMfailInvalid/Valid; RBP, RSP and RBX kept and every other
; register lost -- with the check before the entry, which is then
; vmx_resume or vmx_launch by the vCPU's launch state.
; EAX 3 (VMCHECK_REFUSED), with CF set: the check stopped the partition,
; no entry.
; The C function keeps RBX, RBP and the other callee-saved registers;
; the caller (enter_guest in vmx_run.c) expects the others lost.
bits 64
default rel

%include "asm-offsets.inc"

global vmcheck_enter
extern vmx_resume
extern vmx_launch
extern vmcheck_before_entry

section .text
vmcheck_enter:
	push rbx			; the stack 16-aligned for the call
	mov rdi, rbx
	call vmcheck_before_entry
	pop rbx
	test eax, eax
	jnz .out
	; Either returns to our caller.
	cmp byte [rbx + VCPU_LAUNCHED], 0
	jne vmx_resume
	jmp vmx_launch
.out:
	stc
	ret
