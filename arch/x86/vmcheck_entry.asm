; SPDX-License-Identifier: MIT
; The checked VM entry (arch/x86/vmcheck_hv.h): vmx_enter's contract --
; RDI the vCPU, EAX 0 after a VM exit or 1/2 for VMfailInvalid/Valid,
; RBP, RSP and RDI kept and every other register lost -- with the check
; before the entry.
; EAX 3 (VMCHECK_REFUSED): the check stopped the partition, no entry.
; The C functions keep RBP and the callee-saved registers; the caller
; (enter_guest in vmx_run.c) expects the others lost.
bits 64
default rel

global vmcheck_enter
extern vmx_enter
extern vmcheck_before_entry

section .text
vmcheck_enter:
	push rdi
	call vmcheck_before_entry
	pop rdi
	test eax, eax
	jnz .out
	; vmx_enter returns to our caller: its HOST_RSP is the one an
	; unchecked entry gives it.
	jmp vmx_enter
.out:
	ret
