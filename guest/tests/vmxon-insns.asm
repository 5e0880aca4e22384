; SPDX-License-Identifier: MIT
; One VMX instruction per function, first thing, so that a #UD's saved RIP
; can be compared with the function's address: a fault leaves RIP at the
; faulting instruction. Each is called as void fn(void *) under
; expect_fault(); the ret after it runs only if hv let the instruction
; complete.
bits 64
default rel

global ud_vmxon, ud_vmxoff, ud_vmclear, ud_vmptrld, ud_vmptrst
global ud_vmread, ud_vmwrite, ud_vmlaunch, ud_vmresume
global ud_invept, ud_invvpid

section .text
align 16
ud_vmxon:
	vmxon [vmx_page]
	ret

align 16
ud_vmxoff:
	vmxoff
	ret

align 16
ud_vmclear:
	vmclear [vmx_page]
	ret

align 16
ud_vmptrld:
	vmptrld [vmx_page]
	ret

align 16
ud_vmptrst:
	vmptrst [vmx_page]
	ret

; RAX holds the field encoding; any value, the instruction must not run.
align 16
ud_vmread:
	vmread rdx, rax
	ret

align 16
ud_vmwrite:
	vmwrite rax, rdx
	ret

align 16
ud_vmlaunch:
	vmlaunch
	ret

align 16
ud_vmresume:
	vmresume
	ret

; The type in RDI is whatever the caller passed: it does not matter, as
; the instruction must not run.
align 16
ud_invept:
	invept rdi, [inv_desc]
	ret

align 16
ud_invvpid:
	invvpid rdi, [inv_desc]
	ret

section .bss
; A page-aligned region, as VMXON and VMPTRLD require of their operands.
alignb 4096
vmx_page:
	resb 4096
inv_desc:
	resb 16

section .note.GNU-stack noalloc noexec nowrite progbits
