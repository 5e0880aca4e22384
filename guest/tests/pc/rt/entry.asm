; SPDX-License-Identifier: MIT
; The pc test kernels' entry (guest/tests/pc/rt/pcrt.h): the multiboot
; header, in the first 8 KiB of the image, and _start, entered as the
; Multiboot Specification's "Machine state" says: 32-bit protected mode,
; paging off, EAX = 0x2BADB002, EBX = the information, ESP undefined.
; With -DAOUT_KLUDGE the header also carries the address fields (flag 16)
; for the flat-binary build of a kernel. Also the exception stubs and
; pc_try, which need the stack as it is.

bits 32

MB_MAGIC equ 0x1badb002
MB_PAGE_ALIGN equ 1 << 0
MB_MEMORY_INFO equ 1 << 1
MB_AOUT_KLUDGE equ 1 << 16
%ifdef AOUT_KLUDGE
MB_FLAGS equ MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_AOUT_KLUDGE
%else
MB_FLAGS equ MB_PAGE_ALIGN | MB_MEMORY_INFO
%endif

extern pcrt_start, pcrt_exception
extern __image_start, __load_end, __image_end

section .multiboot progbits alloc noexec nowrite align=4
mb_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)
%ifdef AOUT_KLUDGE
	dd mb_header		; header_addr
	dd __image_start	; load_addr: the file's first byte
	dd __load_end		; load_end_addr: the end of .data
	dd __image_end		; bss_end_addr
	dd _start		; entry_addr
%endif

section .text
global _start
_start:
	cli
	cld
	mov esp, stack_top
	push ebx
	push eax
	call pcrt_start
.hang:
	hlt
	jmp .hang

; Every vector 0-31 gets a stub that pushes an error code of 0 where the
; CPU pushes none, then the vector.
%macro STUB 1
stub_%1:
%if %1 != 8 && (%1 < 10 || %1 > 14) && %1 != 17 && %1 != 21
	push 0
%endif
	push %1
	jmp exc_common
%endmacro

%assign v 0
%rep 32
	STUB v
%assign v v + 1
%endrep

; The frame: vector, error, EIP, CS, EFLAGS. Under pc_try, the fault is
; recorded and pc_try returns vector + 1; otherwise pcrt_exception
; reports it and ends the kernel.
exc_common:
	mov eax, [try_esp]
	test eax, eax
	jz .fatal
	mov ecx, [esp]
	mov [pc_last_fault], ecx
	mov ecx, [esp + 4]
	mov [pc_last_fault + 4], ecx
	mov ecx, [esp + 8]
	mov [pc_last_fault + 8], ecx
	mov eax, [esp]
	inc eax
	mov esp, [try_esp]
	mov dword [try_esp], 0
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret
.fatal:
	push esp
	call pcrt_exception
	jmp _start.hang

; uint32_t pc_try(void (*fn)(void *), void *arg)
global pc_try
pc_try:
	push ebp
	push ebx
	push esi
	push edi
	mov [try_esp], esp
	push dword [esp + 24]	; arg
	call [esp + 24]		; fn (the push moved it by 4)
	add esp, 4
	mov dword [try_esp], 0
	xor eax, eax
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

section .rodata
global pcrt_stubs
pcrt_stubs:
%assign v 0
%rep 32
	dd stub_ %+ v
%assign v v + 1
%endrep

section .data
try_esp: dd 0
global pc_last_fault
pc_last_fault: dd 0, 0, 0

section .bss
align 16
	resb 16384
stack_top:
