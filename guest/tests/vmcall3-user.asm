; SPDX-License-Identifier: MIT
; The ring 3 half of the vmcall3 guest, entered by rt_enter_user() with
; RDI = the hypercall number to try.
bits 64
default rel

global user_vmcall
global user_vmcall_insn
global user_vmcall_after
global user_vmcall_rax

section .text
user_vmcall:
	mov rax, rdi
user_vmcall_insn:
	vmcall
	; Reached only if hv ran the call for ring 3. Keep what it returned,
	; then HLT: privileged at CPL 3, so it #GPs back into ring 0, where
	; the kernel half tells this case from the #UD it wants.
	mov [user_vmcall_rax], rax
user_vmcall_after:
	hlt
	jmp user_vmcall_after

section .bss
alignb 8
user_vmcall_rax:
	resq 1

section .note.GNU-stack noalloc noexec nowrite progbits
