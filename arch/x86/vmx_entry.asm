; SPDX-License-Identifier: MIT
; Entering a guest and coming back from it.
;
; vmx_enter saves RBP and the vCPU pointer on its stack, loads every
; guest general register and executes VMLAUNCH or VMRESUME. Its one
; caller (enter_guest in vmx_exit.c) tells the compiler that every other
; general register is lost, so the compiler keeps nothing in them across
; the call, instead of this code saving six callee-saved registers at
; every entry and restoring them at every exit.
;
; A VM exit lands at vmx_exit_stub (HOST_RIP, written once per CPU by
; vmx_setup_host_state) with RSP = HOST_RSP: it stores every guest
; register back, marks the VMCS launched and returns 0 from vmx_enter,
; with RDI the vCPU pointer again. If the instruction itself fails,
; vmx_enter returns 1 (VMfailInvalid) or 2 (VMfailValid: read the
; VM-instruction error field).
;
; HOST_RSP is where this function's frame is, the same for every entry
; from the same caller; the vCPU remembers the value its VMCS holds, and
; the VMWRITE happens only when that changes (arrive() forgets it when
; the host state is rewritten on another CPU).
bits 64
default rel

%include "asm-offsets.inc"

global vmx_enter
global vmx_exit_stub

section .text
; RDI = the vCPU; returns EAX, keeps RBP and RDI, loses the rest.
vmx_enter:
	push rbp
	push rdi			; the vCPU pointer, for the exit stub

	cmp rsp, [rdi + VCPU_HOST_RSP]
	jne .host_rsp
.host_rsp_done:
	cmp byte [rdi + VCPU_LAUNCHED], 0
	mov rax, [rdi + VCPU_RAX]
	mov rbx, [rdi + VCPU_RBX]
	mov rcx, [rdi + VCPU_RCX]
	mov rdx, [rdi + VCPU_RDX]
	mov rsi, [rdi + VCPU_RSI]
	mov rbp, [rdi + VCPU_RBP]
	mov r8, [rdi + VCPU_R8]
	mov r9, [rdi + VCPU_R9]
	mov r10, [rdi + VCPU_R10]
	mov r11, [rdi + VCPU_R11]
	mov r12, [rdi + VCPU_R12]
	mov r13, [rdi + VCPU_R13]
	mov r14, [rdi + VCPU_R14]
	mov r15, [rdi + VCPU_R15]
	; RDI last, since it holds the pointer; MOV leaves the flags of the
	; CMP above intact.
	mov rdi, [rdi + VCPU_RDI]
	jne .resume
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
	pop rdi
	pop rbp
	ret
.host_rsp:
	mov rax, VMCS_HOST_RSP_ASM
	vmwrite rax, rsp
	jbe .failed
	mov [rdi + VCPU_HOST_RSP], rsp
	jmp .host_rsp_done

; Every VM exit comes here (HOST_RIP). RSP = HOST_RSP = &saved pointer.
align 16
vmx_exit_stub:
	push rax
	mov rax, [rsp + 8]
	mov [rax + VCPU_RBX], rbx
	mov [rax + VCPU_RCX], rcx
	mov [rax + VCPU_RDX], rdx
	mov [rax + VCPU_RSI], rsi
	mov [rax + VCPU_RDI], rdi
	mov [rax + VCPU_RBP], rbp
	mov [rax + VCPU_R8], r8
	mov [rax + VCPU_R9], r9
	mov [rax + VCPU_R10], r10
	mov [rax + VCPU_R11], r11
	mov [rax + VCPU_R12], r12
	mov [rax + VCPU_R13], r13
	mov [rax + VCPU_R14], r14
	mov [rax + VCPU_R15], r15
	pop qword [rax + VCPU_RAX]
	mov byte [rax + VCPU_LAUNCHED], 1
	xor eax, eax
	pop rdi
	pop rbp
	ret
