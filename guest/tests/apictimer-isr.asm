; SPDX-License-Identifier: MIT
; The apictimer guest's timer interrupt handler. It counts the tick,
; notes whether the virtual APIC shows the vector in service, and ends
; the interrupt with an EOI, which the next tick needs: an x2APIC does
; not deliver a vector again while it is still in service (SDM Vol. 3A,
; "Interrupt Acceptance for Fixed Interrupts").
bits 64
default rel

global at_isr
extern at_ticks
extern at_ticks_in_service
extern at_last_tick_tsc

; x2APIC MSRs (SDM Vol. 3A, "x2APIC Register Address Space").
%define MSR_X2APIC_EOI 0x80b
; ISR bits 95:64; the timer's vector 0x40 is bit 0 there.
%define MSR_X2APIC_ISR2 0x812

section .text
align 16
at_isr:
	push rax
	push rcx
	push rdx
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov [at_last_tick_tsc], rax
	mov ecx, MSR_X2APIC_ISR2
	rdmsr
	and eax, 1
	add [at_ticks_in_service], rax
	inc qword [at_ticks]
	mov ecx, MSR_X2APIC_EOI
	xor eax, eax
	xor edx, edx
	wrmsr
	pop rdx
	pop rcx
	pop rax
	iretq

section .note.GNU-stack noalloc noexec nowrite progbits
