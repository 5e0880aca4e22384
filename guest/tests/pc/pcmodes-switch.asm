; SPDX-License-Identifier: MIT
; The mode switches of pcmodes (guest/tests/pc/pcmodes.c), each a round
; trip from 32-bit protected mode and back (SDM Vol. 3A, "Switching Back
; to Real-Address Mode" and "Initializing IA-32e Mode"). With via_cd set,
; the MOV to CR0 that changes PE or PG also changes CD, a bit hv keeps:
; the write exits and hv completes it (arch/x86/vmx_pc.c); without, PE
; and PG are the guest's and the CPU does it without an exit.

bits 32

%include "modes.inc"

REAL_BASE equ 0x20000
REAL_SEG equ REAL_BASE >> 4

%define RM(x) (REAL_BASE + (x) - rm_start)

section .text

; uint32_t pc_real_trip(uint32_t flags): the blob's result bits
; (pcmodes.c, REAL_*). Flags: bit 0 via_cd; bit 1, raise a #GP in real
; mode with a MOV to CR4 setting VMXE, which hv refuses (QEMU's TCG
; loops on it instead).
global pc_real_trip
pc_real_trip:
	push ebp
	mov ebp, esp
	pushad
	BLOB_COPY rm_start, rm_end
	mov eax, [ebp + 8]
	mov [RM(rm_via_cd)], eax
	mov dword [RM(rm_result)], 0
	BLOB_ENTER rm_start, rm_esp, rm_idtr, rm_gdtr, rm_pm16

; Back from the blob, in 32-bit protected mode.
real_back32:
	BLOB_BACK rm_start, rm_esp, rm_idtr
	or dword [RM(rm_result)], 0x20
	mov eax, [RM(rm_result)]
	mov [esp + 28], eax	; pushad's EAX
	popad
	pop ebp
	ret

bits 16
rm_start:
; 16-bit protected mode: CS is SEL_CODE16, a 64 KiB segment.
rm_pm16:
	mov ax, SEL_DATA16
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	; A code segment is not writable in protected mode: the result
	; waits in BP until real mode.
	xor bp, bp
	smsw ax
	test al, 1
	jz .not_pm
	mov bp, 1
.not_pm:
	lidt [cs:rm_ivtr - rm_start]
	mov eax, cr0
	and eax, ~CR0_PE
	test byte [cs:rm_via_cd - rm_start], 1
	jz .clear
	or eax, CR0_CD
.clear:
	mov cr0, eax
	jmp REAL_SEG:(rm_real - rm_start)

; Real mode.
rm_real:
	mov ax, REAL_SEG
	mov ds, ax
	mov ss, ax
	mov sp, 0xfff0
	movzx ebp, bp
	or [rm_result - rm_start], ebp
	smsw ax
	test al, 1
	jnz .pe
	or dword [rm_result - rm_start], 2
.pe:
	mov eax, cr0
	test eax, CR0_CD
	jz .no_cd
	or dword [rm_result - rm_start], 0x10
.no_cd:
	mov si, rm_msg - rm_start
	call rm_print
	; #UD and #GP through the real-mode IVT: the first raised by the
	; CPU (UD2), the second, under hv, injected by hv (a MOV to CR4
	; setting VMXE, a bit hv keeps, exits and is refused), which in real
	; mode must push no error code.
	xor ax, ax
	mov es, ax
	mov eax, [es:6 * 4]
	mov [rm_old6 - rm_start], eax
	mov eax, [es:13 * 4]
	mov [rm_old13 - rm_start], eax
	mov word [es:6 * 4], rm_ud - rm_start
	mov word [es:6 * 4 + 2], REAL_SEG
	mov word [es:13 * 4], rm_gp - rm_start
	mov word [es:13 * 4 + 2], REAL_SEG
	ud2
	test byte [rm_via_cd - rm_start], 2
	jz .no_gp
	mov eax, cr4
	or eax, CR4_VMXE
	mov cr4, eax		; three bytes: 0f 22 e0
	and eax, ~CR4_VMXE	; where it did not fault, VMXE goes again
	mov cr4, eax
.no_gp:
	mov eax, [rm_old6 - rm_start]
	mov [es:6 * 4], eax
	mov eax, [rm_old13 - rm_start]
	mov [es:13 * 4], eax
	; Back: PE set (and CD cleared in the same MOV with via_cd), then a
	; far jump to the flat 32-bit code segment.
	mov eax, cr0
	or eax, CR0_PE
	and eax, ~CR0_CD
	mov cr0, eax
	jmp dword SEL_CODE32:real_back32

; Handlers: note the exception and step over its instruction, UD2's
; two bytes or the MOV to CR4's three. The frame is IP, CS, FLAGS: an
; error code pushed in real mode would sit in IP's place.
rm_ud:
	or dword [rm_result - rm_start], 4
	push bp
	mov bp, sp
	add word [bp + 2], 2
	pop bp
	iret
rm_gp:
	or dword [rm_result - rm_start], 8
	push bp
	mov bp, sp
	add word [bp + 2], 3
	pop bp
	iret

; COM1, polled: DS:SI a NUL-terminated string.
rm_print:
	COM1_PUTS
	ret

align 4
rm_via_cd: dd 0
rm_result: dd 0
rm_esp: dd 0
rm_old6: dd 0
rm_old13: dd 0
rm_idtr: dw 0
	dd 0
rm_gdtr: dw 0
	dd 0
rm_ivtr: dw 0x3ff
	dd 0
rm_msg: db "pcmodes: hello from real mode", 10, 0
rm_end:

bits 32

; uint32_t pc_long_trip(uint32_t pml4, uint32_t via_cd): into IA-32e mode
; and 64-bit code, and back; result bits LONG_* (pcmodes.c).
global pc_long_trip
pc_long_trip:
	push ebp
	mov ebp, esp
	push ebx
	push esi
	push edi
	mov [lt_esp], esp
	mov dword [lt_result], 0
	LONG_PREPARE [ebp + 8]
	test byte [ebp + 12], 1
	jz .pg
	or eax, CR0_CD
.pg:
	mov cr0, eax
	; Compatibility mode: IA-32e is on, CS still 32-bit.
	mov ecx, MSR_EFER
	rdmsr
	test eax, EFER_LMA
	jz .no_lma
	or dword [lt_result], 1
.no_lma:
	jmp SEL_CODE64:lt64

bits 64
lt64:
	mov esp, esp		; RSP's upper half is undefined after the switch
	mov rax, 0x123456789abcdef0
	mov rbx, rax
	shr rbx, 32
	cmp ebx, 0x12345678
	jne .no64
	or dword [rel lt_result], 2
.no64:
	lea rsi, [rel lt_msg]
	COM1_PUTS
	push SEL_CODE32
	lea rax, [rel lt_back32]
	push rax
	o64 retf

bits 32
lt_back32:
	mov eax, cr0
	and eax, ~(CR0_PG | CR0_CD)
	mov cr0, eax
	mov ecx, MSR_EFER
	rdmsr
	test eax, EFER_LMA
	jnz .still
	or dword [lt_result], 4
.still:
	LONG_UNWIND
	mov esp, [lt_esp]
	mov eax, [lt_result]
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

section .data
lt_esp: dd 0
lt_result: dd 0
lt_msg: db "pcmodes: hello from 64-bit mode", 10, 0
