; SPDX-License-Identifier: MIT
; The real-mode attacks of pcattack (guest/tests/pc/pcattack.c): from
; 32-bit protected mode through 16-bit protected mode to real mode, one
; attack, and back (as pcmodes-switch.asm goes). A #GP or #UD that an
; attack draws lands in a real-mode IVT handler that resumes after the
; attack; the attack's number picks it.

bits 32

%include "modes.inc"

REAL_BASE equ 0x30000
REAL_SEG equ REAL_BASE >> 4

%define RA(x) (REAL_BASE + (x) - ra_start)

section .text

; uint32_t pc_real_attack(uint32_t which): returns the vectors the attack
; drew as bits (1 << 6 for #UD, 1 << 13 for #GP); does not return from
; those that end the partition.
global pc_real_attack
pc_real_attack:
	push ebp
	mov ebp, esp
	pushad
	BLOB_COPY ra_start, ra_end
	mov eax, [ebp + 8]
	mov [RA(ra_which)], eax
	mov dword [RA(ra_seen)], 0
	BLOB_ENTER ra_start, ra_esp, ra_idtr, ra_gdtr, ra_pm16

ra_back32:
	BLOB_BACK ra_start, ra_esp, ra_idtr
	mov eax, [RA(ra_seen)]
	mov [esp + 28], eax
	popad
	pop ebp
	ret

bits 16
ra_start:
ra_pm16:
	mov ax, SEL_DATA16
	mov ds, ax
	mov es, ax
	mov ss, ax
	lidt [cs:ra_ivtr - ra_start]
	mov eax, cr0
	and eax, ~CR0_PE
	mov cr0, eax
	jmp REAL_SEG:(ra_real - ra_start)

ra_real:
	mov ax, REAL_SEG
	mov ds, ax
	mov ss, ax
	mov sp, 0xfff0
	xor ax, ax
	mov es, ax
	mov eax, [es:6 * 4]
	mov [ra_old6 - ra_start], eax
	mov eax, [es:13 * 4]
	mov [ra_old13 - ra_start], eax
	mov word [es:6 * 4], ra_ud - ra_start
	mov word [es:6 * 4 + 2], REAL_SEG
	mov word [es:13 * 4], ra_gp - ra_start
	mov word [es:13 * 4 + 2], REAL_SEG
	mov eax, [ra_which - ra_start]
	cmp eax, 1
	je .pit
	cmp eax, 2
	je .cmos
	cmp eax, 3
	je .msr_vmx
	cmp eax, 4
	je .vmcall
	cmp eax, 5
	je .vmxe
	cmp eax, 6
	je .outs
	cmp eax, 7
	je .triple
	cmp eax, 8
	je .spin
	jmp ra_after
.pit:
	; Reprogram the PIT's channel 0, the host's tick on a PC.
	mov al, 0x34
	out 0x43, al
	mov al, 0xff
	out 0x40, al
	out 0x40, al
	jmp ra_after
.cmos:
	; Write the RTC's status register B, then read it.
	mov al, 0x8b
	out 0x70, al
	mov al, 0x82
	out 0x71, al
	in al, 0x71
	jmp ra_after
.msr_vmx:
	mov ecx, 0x480		; IA32_VMX_BASIC
	rdmsr
	jmp ra_after
.vmcall:
	vmcall
	jmp ra_after
.vmxe:
	mov eax, cr4
	or eax, CR4_VMXE
	mov cr4, eax
	jmp ra_after
.outs:
	; String output to the PIT's ports, from the copy's own bytes.
	mov si, ra_start - ra_start
	mov cx, 16
	mov dx, 0x40
	rep outsb
	jmp ra_after
.triple:
	; An IVT that holds no vector: the #BP cannot be delivered, nor the
	; #GP of that, nor the #DF: the CPU shuts down.
	lidt [ra_nothing - ra_start]
	int3
	jmp ra_after
.spin:
	cli
.forever:
	jmp .forever

ra_after:
	xor ax, ax
	mov es, ax
	mov eax, [ra_old6 - ra_start]
	mov [es:6 * 4], eax
	mov eax, [ra_old13 - ra_start]
	mov [es:13 * 4], eax
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword SEL_CODE32:ra_back32

; A vector the attack drew: noted, and the attack is over.
ra_ud:
	or dword [ra_seen - ra_start], 1 << 6
	jmp ra_resume
ra_gp:
	or dword [ra_seen - ra_start], 1 << 13
ra_resume:
	push bp
	mov bp, sp
	mov word [bp + 2], ra_after - ra_start
	pop bp
	iret

align 4
ra_which: dd 0
ra_seen: dd 0
ra_esp: dd 0
ra_old6: dd 0
ra_old13: dd 0
ra_idtr: dw 0
	dd 0
ra_gdtr: dw 0
	dd 0
ra_ivtr: dw 0x3ff
	dd 0
ra_nothing: dw 0
	dd 0
ra_end:
