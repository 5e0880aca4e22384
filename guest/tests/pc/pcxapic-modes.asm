; SPDX-License-Identifier: MIT
; The xAPIC accesses of pcxapic (guest/tests/pc/pcxapic.c) from real mode
; and from 64-bit mode (through rt/long.asm), in
; the instruction forms a decoder must take there: in real mode moffs16,
; 16-bit ModRM and, through a 4 GiB ES kept from protected mode ("unreal
; mode"), 32-bit addresses behind 66 and 67 prefixes; in 64-bit mode
; Linux's accessors (mov %eax,(%rdx), mov (%rdx),%eax), a RIP-relative
; load, REX forms, MOVSXD and a 64-bit moffs. Each access's result goes
; to a struct xa_result (pcxapic.c) for the C side to check.

bits 32

%include "modes.inc"

APIC equ 0xfee00000
; In long mode pcxapic.c maps the APIC's page here as well, within
; reach of a RIP-relative displacement from the kernel.
APIC_ALIAS equ 0x40000000

; struct xa_result: the offsets of its fields.
XR_ID equ 0
XR_VERSION equ 4
XR_TPR equ 8
XR_LVT equ 12
XR_INIT equ 16
XR_CUR1 equ 20
XR_CUR2 equ 24
XR_SVR equ 28
XR_CR8 equ 32		; long mode: CR8 after an MMIO TPR write
XR_TPR2 equ 36		; long mode: TPR by MMIO after a CR8 write
XR_SIZE equ 40

TIMER_INIT equ 0xf0000000
REAL_TPR equ 0x40
LONG_TPR equ 0x60

REAL_BASE equ 0x20000
REAL_SEG equ REAL_BASE >> 4

section .text

; void xa_real(struct xa_result *out)
global xa_real
xa_real:
	push ebp
	mov ebp, esp
	pushad
	BLOB_COPY rm_start, rm_end
	; SEL_DATA16's base, for FS: the APIC's page. Put back after.
	sgdt [xa_gdtr]
	mov ebx, [xa_gdtr + 2]
	mov eax, [ebx + SEL_DATA16]
	mov [saved_data16], eax
	mov eax, [ebx + SEL_DATA16 + 4]
	mov [saved_data16 + 4], eax
	mov word [ebx + SEL_DATA16 + 2], APIC & 0xffff
	mov byte [ebx + SEL_DATA16 + 4], (APIC >> 16) & 0xff
	mov byte [ebx + SEL_DATA16 + 7], APIC >> 24
	BLOB_ENTER rm_start, rm_esp, rm_idtr, rm_gdtr, rm_pm16

real_back32:
	BLOB_BACK rm_start, rm_esp, rm_idtr
	mov ebx, [xa_gdtr + 2]
	mov eax, [saved_data16]
	mov [ebx + SEL_DATA16], eax
	mov eax, [saved_data16 + 4]
	mov [ebx + SEL_DATA16 + 4], eax
	mov esi, REAL_BASE + rm_out - rm_start
	mov edi, [ebp + 8]
	mov ecx, XR_SIZE
	rep movsb
	popad
	pop ebp
	ret

bits 16
rm_start:
rm_pm16:
	; ES flat with a 4 GiB limit, FS at the APIC: both stay cached
	; through the switch to real mode, which reloads neither.
	mov ax, SEL_DATA32
	mov es, ax
	mov ax, SEL_DATA16
	mov fs, ax
	mov eax, cr0
	and eax, ~CR0_PE
	mov cr0, eax
	jmp REAL_SEG:(rm_real - rm_start)

rm_real:
	mov ax, REAL_SEG
	mov ds, ax
	; moffs16 with a segment override: 64 66 a1 20 00
	mov eax, [fs:0x20]
	mov [rm_out - rm_start + XR_ID], eax
	; 16-bit ModRM: 64 66 8b 0f
	mov bx, 0x30
	mov ecx, [fs:bx]
	mov [rm_out - rm_start + XR_VERSION], ecx
	; 32-bit addresses in real mode: 67 66 26 c7 02 imm32, 67 66 26 8b 02
	mov edx, APIC + 0x80
	mov dword [es:edx], REAL_TPR
	mov eax, [es:edx]
	mov [rm_out - rm_start + XR_TPR], eax
	; LVT LINT1: masked, vector 0x41
	mov dword [fs:0x360], 0x10041
	mov si, 0x360
	mov eax, [fs:si]
	mov [rm_out - rm_start + XR_LVT], eax
	; SVR: software-enabled, spurious vector 0xff
	mov dword [fs:0xf0], 0x1ff
	mov eax, [fs:0xf0]
	mov [rm_out - rm_start + XR_SVR], eax
	; The timer, masked and one-shot, divide by 1: the current count
	; runs down from the initial count.
	mov dword [fs:0x3e0], 0xb
	mov dword [fs:0x320], 0x10040
	mov dword [fs:0x380], TIMER_INIT
	mov eax, [fs:0x380]
	mov [rm_out - rm_start + XR_INIT], eax
	mov eax, [fs:0x390]
	mov [rm_out - rm_start + XR_CUR1], eax
	mov eax, [fs:0x390]
	mov [rm_out - rm_start + XR_CUR2], eax
	mov dword [fs:0x380], 0
	mov dword [es:edx], 0
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword SEL_CODE32:real_back32

align 4
rm_esp: dd 0
rm_idtr: dw 0
	dd 0
rm_gdtr: dw 0
	dd 0
rm_out: times XR_SIZE db 0
rm_end:

bits 32

; uint32_t xa_long64(struct xa_result *out), in 64-bit mode under
; pc_long_call (rt/long.asm).
bits 64
global xa_long64
xa_long64:
	; The RIP-relative load's displacement, from the next instruction to
	; the alias of the version register; the jump after the store makes
	; the CPU fetch the patched bytes.
	lea rax, [rel lt_riprel_end]
	mov ecx, APIC_ALIAS + 0x30
	sub ecx, eax
	mov [rel lt_riprel + 2], ecx
	jmp lt_patched
lt_patched:
	; Linux's native_apic_mem_read: 8b 02
	mov edx, APIC + 0x20
	mov eax, [rdx]
	mov [rdi + XR_ID], eax
lt_riprel:
	mov eax, [rel lt_riprel]	; 8b 05 disp32, patched above
lt_riprel_end:
	mov [rdi + XR_VERSION], eax
	; native_apic_mem_write: 89 02; then CR8 is TPR[7:4]
	mov edx, APIC + 0x80
	mov eax, LONG_TPR
	mov [rdx], eax
	mov rax, cr8
	mov [rdi + XR_CR8], eax
	; REX.R and REX.B with SIB: 45 8b 8c 24 80 00 00 00
	mov r12d, APIC
	mov r9d, [r12 + 0x80]
	mov [rdi + XR_TPR], r9d
	; A CR8 write is a TPR write: read back by MOVSXD (48 63 02)
	mov eax, 3
	mov cr8, rax
	movsxd rax, dword [rdx]
	mov [rdi + XR_TPR2], eax
	xor eax, eax
	mov cr8, rax
	; REX.B with an immediate: 41 c7 84 24 60 03 00 00 imm32
	mov dword [r12 + 0x360], 0x10042
	mov r15d, [r12 + 0x360]
	mov [rdi + XR_LVT], r15d
	; A 64-bit moffs: a1 with eight address bytes, and a3
	mov eax, 0x1ff
	mov [abs qword APIC + 0xf0], eax
	mov eax, [abs qword APIC + 0xf0]
	mov [rdi + XR_SVR], eax
	mov dword [r12 + 0x3e0], 0xb
	mov dword [r12 + 0x320], 0x10040
	mov eax, TIMER_INIT
	mov [r12 + 0x380], eax
	mov ecx, [r12 + 0x380]
	mov [rdi + XR_INIT], ecx
	mov ecx, [r12 + 0x390]
	mov [rdi + XR_CUR1], ecx
	mov ecx, [r12 + 0x390]
	mov [rdi + XR_CUR2], ecx
	mov dword [r12 + 0x380], 0
	xor eax, eax
	ret

section .data
saved_data16: dd 0, 0
xa_gdtr: dw 0
	dd 0
