; SPDX-License-Identifier: MIT
; The APs of pcsmp (guest/tests/pc/pcsmp.c): where a start-up IPI with
; vector AP_VECTOR starts them, in real mode at AP_VECTOR << 8:0 (SDM
; "MP Initialization Protocol Algorithm"), a copy of ap_start the BSP
; puts at AP_BASE. Each AP prints from real mode, goes to 32-bit
; protected mode with the kernel's GDT and calls ap_main(apic_id) on its
; own stack; pcsmp_long later takes it on to long mode, where it prints
; again, says so in ap_long_done and waits with interrupts off.

%include "guest/tests/pc/rt/modes.inc"

bits 16

AP_BASE equ 0x30000
STACK_SIZE equ 4096

extern ap_main, ap_stacks, pcsmp_pml4
global ap_start, ap_end, ap_gdtr, ap_long_done, pcsmp_long

section .text

%define AP(x) ((x) - ap_start)

ap_start:
	cli
	mov ax, cs
	mov ds, ax
	mov ss, ax
	mov sp, AP(ap_rm_stack_top)
	; The initial APIC ID, CPUID.1:EBX[31:24], names the vCPU.
	mov eax, 1
	cpuid
	shr ebx, 24
	mov [AP(ap_rm_id)], bx
	add bl, '0'
	mov [AP(ap_msg_real.digit)], bl
	mov si, AP(ap_msg_real)
	call rm_print
	o32 lgdt [AP(ap_gdtr)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword SEL_CODE32:ap_pm32

rm_print:
	COM1_PUTS
	ret

align 8
ap_gdtr: dw 0		; filled in by the BSP (SGDT)
	dd 0
ap_rm_id: dw 0
ap_msg_real: db "vcpu "
.digit: db "?: real mode, cs:ip from the start-up IPI", 10, 0
align 16
	times 128 db 0
ap_rm_stack_top:
ap_end:

bits 32
ap_pm32:
	DATA32_SEGS
	movzx eax, word [AP_BASE + AP(ap_rm_id)]
	and eax, 15
	mov esp, eax
	inc esp
	imul esp, esp, STACK_SIZE
	add esp, ap_stacks
	push eax
	call ap_main
.hang:
	cli
	hlt
	jmp .hang

; void pcsmp_long(uint32_t id): PAE paging with the BSP's identity map,
; EFER.LME, then CR0.PG: IA-32e mode; a far jump into 64-bit code.
pcsmp_long:
	cli
	mov ebx, [esp + 4]
	LONG_PREPARE pcsmp_pml4
	mov cr0, eax
	jmp SEL_CODE64:ap_lm64

bits 64
ap_lm64:
	mov ebp, ebx		; COM1_PUTS takes BL
	lea eax, [rbx + '0']
	mov [rel ap_msg_long.digit], al
	lea rsi, [rel ap_msg_long]
	COM1_PUTS
	lea rax, [rel ap_long_done]
	lock inc dword [rax + rbp * 4]
	; Waits for good with interrupts off: only an NMI or INIT ends it.
.wait:
	cli
	hlt
	jmp .wait

section .data
ap_msg_long: db "vcpu "
.digit: db "?: long mode", 10, 0
align 4
ap_long_done: times 16 dd 0
