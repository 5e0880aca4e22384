; SPDX-License-Identifier: MIT
; Entering a guest and coming back from it.
;
; vmx_enter saves the host's callee-saved registers and the guest_regs
; pointer on its stack, points HOST_RSP there, loads every guest general
; register and executes VMLAUNCH or VMRESUME. A VM exit lands at
; vmx_exit_stub with RSP = HOST_RSP: it stores every guest register back
; and returns 0 from vmx_enter. If the instruction itself fails, vmx_enter
; returns 1 (VMfailInvalid) or 2 (VMfailValid: read the VM-instruction
; error field).
bits 64
default rel

%include "asm-offsets.inc"

global vmx_enter
global vmx_exit_stub

section .text
; int vmx_enter(struct guest_regs *regs, int launched)
vmx_enter:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	push rdi			; the guest_regs pointer, for the exit stub

	mov rax, VMCS_HOST_RSP_ASM
	vmwrite rax, rsp
	jbe .fail_early
	mov rax, VMCS_HOST_RIP_ASM
	lea rbx, [vmx_exit_stub]
	vmwrite rax, rbx
	jbe .fail_early

	mov eax, esi			; launched?
	test eax, eax
	mov rax, rdi
	mov rbx, [rax + REGS_RBX]
	mov rcx, [rax + REGS_RCX]
	mov rdx, [rax + REGS_RDX]
	mov rsi, [rax + REGS_RSI]
	mov rdi, [rax + REGS_RDI]
	mov rbp, [rax + REGS_RBP]
	mov r8, [rax + REGS_R8]
	mov r9, [rax + REGS_R9]
	mov r10, [rax + REGS_R10]
	mov r11, [rax + REGS_R11]
	mov r12, [rax + REGS_R12]
	mov r13, [rax + REGS_R13]
	mov r14, [rax + REGS_R14]
	mov r15, [rax + REGS_R15]
	; MOV leaves the flags of the TEST above intact.
	mov rax, [rax + REGS_RAX]
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:
	; Still in root mode: the instruction failed. CF=1 invalid, ZF=1 valid.
	mov eax, 1
	jc .out
	mov eax, 2
.out:
	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret
.fail_early:
	mov eax, 1
	jc .out
	mov eax, 2
	jmp .out

; Every VM exit comes here (HOST_RIP). RSP = HOST_RSP = &saved pointer.
align 16
vmx_exit_stub:
	push rax
	mov rax, [rsp + 8]
	mov [rax + REGS_RBX], rbx
	mov [rax + REGS_RCX], rcx
	mov [rax + REGS_RDX], rdx
	mov [rax + REGS_RSI], rsi
	mov [rax + REGS_RDI], rdi
	mov [rax + REGS_RBP], rbp
	mov [rax + REGS_R8], r8
	mov [rax + REGS_R9], r9
	mov [rax + REGS_R10], r10
	mov [rax + REGS_R11], r11
	mov [rax + REGS_R12], r12
	mov [rax + REGS_R13], r13
	mov [rax + REGS_R14], r14
	mov [rax + REGS_R15], r15
	pop rbx
	mov [rax + REGS_RAX], rbx
	xor eax, eax
	jmp vmx_enter.out
