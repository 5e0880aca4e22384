; SPDX-License-Identifier: MIT
; The code an application processor runs first, after its start-up IPI:
; real mode, then protected mode, then long mode on hv's page tables, and
; a jump into hv. hv copies it to the page below 1 MiB that the loader
; reserved and fills in the parameter block (struct ap_tramp in smp.c).
; The start-up IPI's vector names the page, so CS:IP is page:0 and every
; address here is taken relative to the copy's base, kept in EBX.

%include "asm-offsets.inc"

global ap_trampoline
global ap_trampoline_end

section .rodata
align 16
bits 16
ap_trampoline:
	jmp near real_mode
	align 8, db 0
; The parameter block: offsets from the start, matched by struct ap_tramp.
params:
p_pm_off:	dd protected_mode - ap_trampoline	; 8
p_lm_off:	dd long_mode - ap_trampoline		; 12
p_gdt_off:	dd gdt - ap_trampoline			; 16
p_reserved:	dd 0					; 20
p_cr3:		dq 0					; 24, below 4 GiB
p_cr4:		dq 0					; 32
p_cr0:		dq 0					; 40
p_efer:		dq 0					; 48
p_stack:	dq 0					; 56
p_percpu:	dq 0					; 64
p_entry:	dq 0					; 72
p_pm_jump:	dd 0					; 80: base + pm_off
		dw 0x08
		dw 0
p_lm_jump:	dd 0					; 88: base + lm_off
		dw 0x18
		dw 0
p_gdtr:		dw gdt_end - gdt - 1			; 96
		dd 0					; 98: base + gdt_off
		dw 0
align 8, db 0
gdt:
	dq 0
	dq 0x00cf9a000000ffff	; 0x08: 32-bit code
	dq 0x00cf92000000ffff	; 0x10: data
	dq 0x00af9a000000ffff	; 0x18: 64-bit code
gdt_end:

real_mode:
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4
	lgdt [p_gdtr - ap_trampoline]
	mov eax, cr0
	or eax, 1			; PE
	mov cr0, eax
	jmp dword far [p_pm_jump - ap_trampoline]

bits 32
protected_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	; SDM "Initializing IA-32e Mode": PAE, then CR3, then EFER.LME, then
	; paging, which activates IA-32e mode.
	mov eax, [ebx + p_cr4 - ap_trampoline]
	mov cr4, eax
	mov eax, [ebx + p_cr3 - ap_trampoline]
	mov cr3, eax
	mov ecx, IA32_EFER_ASM
	mov eax, [ebx + p_efer - ap_trampoline]
	mov edx, [ebx + p_efer - ap_trampoline + 4]
	wrmsr
	mov eax, [ebx + p_cr0 - ap_trampoline]
	mov cr0, eax
	jmp far [ebx + p_lm_jump - ap_trampoline]

bits 64
long_mode:
	mov rsp, [rbx + p_stack - ap_trampoline]
	mov rdi, [rbx + p_percpu - ap_trampoline]
	mov rax, [rbx + p_entry - ap_trampoline]
	xor ebp, ebp		; ends the backtrace chain
	push 0			; a return address slot: the ABI's alignment
	jmp rax
ap_trampoline_end:
