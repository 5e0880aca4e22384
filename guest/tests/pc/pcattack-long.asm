; SPDX-License-Identifier: MIT
; pcattack's 64-bit read: uint32_t pc_long_read64(uint32_t addr), called
; by pc_long_call (guest/tests/pc/rt/long.asm) in 64-bit mode, reads addr
; and returns what it read, if it returns.

bits 64

section .text
global pc_long_read64
pc_long_read64:
	mov eax, [rdi]
	ret
