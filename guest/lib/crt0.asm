; SPDX-License-Identifier: MIT
; A program's entry point. The kernel enters _start in ring 3 with RSP at
; the top of the program's stack and every other register zero.
bits 64
default rel

extern main
extern exit

global _start

section .text.entry progbits alloc exec nowrite align=16
_start:
	xor ebp, ebp		; ends the frame-pointer chain
	and rsp, -16		; the ABI's alignment before a call
	call main
	mov edi, eax
	call exit
	ud2			; exit does not return

section .note.GNU-stack noalloc noexec nowrite progbits
