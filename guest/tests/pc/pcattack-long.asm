; SPDX-License-Identifier: MIT
; pcattack's way into IA-32e mode (as pcmodes-switch.asm's pc_long_trip):
; uint32_t pc_long_trip_read(uint32_t pml4, uint32_t addr) reads addr
; from 64-bit code and comes back with what it read, if it comes back.

bits 32

%include "modes.inc"

section .text
global pc_long_trip_read
pc_long_trip_read:
	push ebp
	mov ebp, esp
	push ebx
	push esi
	push edi
	mov [lr_esp], esp
	mov eax, [ebp + 12]
	mov [lr_addr], eax
	LONG_PREPARE [ebp + 8]
	mov cr0, eax
	jmp SEL_CODE64:lr64

bits 64
lr64:
	mov esp, esp
	mov eax, [rel lr_addr]
	mov eax, [rax]
	mov [rel lr_value], eax
	push SEL_CODE32
	lea rax, [rel lr_back]
	push rax
	o64 retf

bits 32
lr_back:
	mov eax, cr0
	and eax, ~CR0_PG
	mov cr0, eax
	mov ecx, MSR_EFER
	rdmsr
	LONG_UNWIND
	mov esp, [lr_esp]
	mov eax, [lr_value]
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

section .data
lr_esp: dd 0
lr_addr: dd 0
lr_value: dd 0
