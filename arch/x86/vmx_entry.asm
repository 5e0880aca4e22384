; SPDX-License-Identifier: MIT
; Entering a guest and coming back from it.
;
; vmx_resume and vmx_launch take the vCPU in RBX, push RBP and RBX, save
; the stack pointer in the vCPU, load every guest general register and
; execute VMRESUME or VMLAUNCH. The caller (enter_guest in vmx_run.c)
; calls the one the vCPU's `enter` names, so that no compare of the
; launch state is made at each entry: vmx_launch makes it name
; vmx_resume_fn, and VMCLEAR makes it vmx_launch_fn again
; (vmx_entry_clear); with the VM-entry check on, both are vmcheck_enter.
; The caller tells the compiler that every other general register is
; lost, so the compiler keeps nothing in them across the call, instead
; of this code saving the callee-saved registers at every entry and
; restoring them at every exit.
;
; HOST_RSP is the end of the vCPU's guest registers (struct guest_regs,
; at the start of struct vcpu, in push order: RAX lowest, R15 highest),
; written with the host state (vmx_setup_host_state). A VM exit lands at
; vmx_exit_stub (HOST_RIP) and pushes the guest's registers into their
; places; RSP is then the vCPU itself, which holds the stack pointer
; the entry saved. The host's NMI, #DF and #MC use IST stacks
; (arch/x86/desc.c), so nothing is pushed on the vCPU meanwhile, and
; interrupts are off: a VM exit clears RFLAGS but bit 1.
;
; The result is in the flags: a VM exit returns with CF and ZF clear
; (RFLAGS as the exit loaded it; nothing here changes them); a failed
; VMLAUNCH or VMRESUME with CF set (VMfailInvalid, EAX 1) or ZF set
; (VMfailValid, EAX 2: read the VM-instruction error field) (SDM
; "Conventions", the VMX instruction results). RBX is the vCPU again, RBP
; kept, the rest lost.
bits 64
default rel

%include "asm-offsets.inc"

global vmx_resume
global vmx_launch
global vmx_exit_stub
extern vmx_resume_fn
extern vmx_launch_fn

%macro load_guest 0
	mov rax, [rbx + VCPU_RAX]
	mov rcx, [rbx + VCPU_RCX]
	mov rdx, [rbx + VCPU_RDX]
	mov rsi, [rbx + VCPU_RSI]
	mov rdi, [rbx + VCPU_RDI]
	mov rbp, [rbx + VCPU_RBP]
	mov r8, [rbx + VCPU_R8]
	mov r9, [rbx + VCPU_R9]
	mov r10, [rbx + VCPU_R10]
	mov r11, [rbx + VCPU_R11]
	mov r12, [rbx + VCPU_R12]
	mov r13, [rbx + VCPU_R13]
	mov r14, [rbx + VCPU_R14]
	mov r15, [rbx + VCPU_R15]
	mov rbx, [rbx + VCPU_RBX]	; last: it held the vCPU
%endmacro

section .text
; RBX = the vCPU, its VMCS launched.
vmx_resume:
	push rbp
	push rbx			; the vCPU, for a failed entry
	mov [rbx + VCPU_HOST_STACK], rsp
	load_guest
	vmresume
	; Still in root mode: the instruction failed, the VMCS stays launched.
	pop rbx
	jmp fail_code

; RBX = the vCPU, its VMCS clear.
vmx_launch:
	push rbp
	push rbx
	mov [rbx + VCPU_HOST_STACK], rsp
	; Set before: the exit stub need not. A VMLAUNCH that fails leaves
	; the VMCS clear, and the failure undoes them.
	mov byte [rbx + VCPU_LAUNCHED], 1
	mov rax, [vmx_resume_fn]
	mov [rbx + VCPU_ENTER], rax
	load_guest
	vmlaunch
	pop rbx
	; MOV keeps the flags.
	mov byte [rbx + VCPU_LAUNCHED], 0
	mov rax, [vmx_launch_fn]
	mov [rbx + VCPU_ENTER], rax
fail_code:
	mov eax, 1
	jc .out
	mov eax, 2
.out:
	pop rbp
	ret

; Every VM exit comes here (HOST_RIP), RSP = HOST_RSP.
align 16
vmx_exit_stub:
	push r15
	push r14
	push r13
	push r12
	push r11
	push r10
	push r9
	push r8
	push rbp
	push rdi
	push rsi
	push rdx
	push rcx
	push rbx
	push rax
	mov rsp, [rsp + VCPU_HOST_STACK]
	pop rbx
	pop rbp
	ret
