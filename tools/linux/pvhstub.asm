; SPDX-License-Identifier: MIT
;
; A 64 KiB firmware for QEMU's -bios that enters a Linux vmlinux by its PVH
; entry, for the benchmark's anchor (tools/linux/qemu_anchor.py). It does
; what hv does when it starts a Linux child by PVH, and nothing else: no
; tables, no devices, no memory set-up. QEMU's generic loader has put the
; kernel's segments, the start info, the command line, the initrd and the
; ACPI tables in RAM before the first instruction.
;
; State at the jump (Linux arch/x86/platform/pvh/head.S, the comment above
; pvh_start_xen): 32-bit protected mode with paging off (CR0 = PE, CR4 = 0),
; flat 32-bit code and data segments, interrupts off, EBX = the physical
; address of struct hvm_start_info. The ABI also wants TR to hold a 32-bit
; TSS; Linux never uses it and QEMU checks nothing, so TR stays as reset
; left it.
;
; Build: nasm -f bin -DPVH_ENTRY=0x... -DSTART_INFO=0x... -o stub.bin pvhstub.asm

%ifndef PVH_ENTRY
%error "PVH_ENTRY (the vmlinux's XEN_ELFNOTE_PHYS32_ENTRY) must be defined"
%endif
%ifndef START_INFO
%error "START_INFO (where struct hvm_start_info is) must be defined"
%endif

ROM_BASE equ 0xffff0000	; 64 KiB ending at 4 GiB, where -bios maps it

	org ROM_BASE
	; The GDT comes first: nasm then knows its address when the code
	; below takes it apart into a segment offset.
gdt:
	dq 0
CODE32 equ $ - gdt
	dq 0x00cf9a000000ffff	; flat 32-bit code, base 0, 4 GiB
DATA32 equ $ - gdt
	dq 0x00cf92000000ffff	; flat 32-bit data
gdt_end:
gdt_pointer:
	dw gdt_end - gdt - 1
	dd gdt

	bits 16
start16:
	cli
	cld
	; After reset CS's base is ROM_BASE, where gdt is, so the offset is
	; taken from there; o32 loads all 32 bits of the GDT's base.
	o32 lgdt [cs:gdt_pointer - gdt]
	mov eax, cr0
	or al, 1		; PE
	mov cr0, eax
	jmp dword CODE32:start32

	bits 32
start32:
	mov ax, DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov ebx, START_INFO
	mov eax, PVH_ENTRY
	jmp eax

	; The CPU's first instruction is 16 bytes below 4 GiB.
	times 0xfff0 - ($ - $$) db 0
reset:
	; A near jump, encoded by hand: IP wraps within the 64 KiB segment,
	; which nasm's 32-bit addresses here cannot express.
	db 0xe9
	dw (start16 - (reset + 3)) & 0xffff
	times 0x10000 - ($ - $$) db 0
