; SPDX-License-Identifier: MIT
; The checked VM entry (arch/x86/vmcheck_hv.h): vmx_enter's contract --
; RDI the vCPU, EAX 0 after a VM exit or 1/2 for VMfailInvalid/Valid,
; RBP, RSP and RDI kept and every other register lost -- with the check
; before the entry and the snapshot of the guest state after the exit.
; EAX 3 (VMCHECK_REFUSED): the check stopped the partition, no entry.
; The C functions keep RBP and the callee-saved registers; the caller
; (enter_guest in vmx_exit.c) expects the others lost.
bits 64
default rel

global vmcheck_enter
extern vmx_enter
extern vmcheck_before_entry
extern vmcheck_after_exit

section .text
vmcheck_enter:
	push rdi
	call vmcheck_before_entry
	pop rdi
	test eax, eax
	jnz .out
	call vmx_enter
	test eax, eax
	jnz .out
	push rdi
	call vmcheck_after_exit
	pop rdi
	xor eax, eax
.out:
	ret
