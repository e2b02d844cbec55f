/* start.S - EL2 stub entry (QEMU enters the ELF -kernel at EL2, MMU off; a secondary vCPU at
 * el2_start_secondary through PSCI CPU_ON), exception vectors that save the guest's x0-x30 in
 * a frame for the C handlers, and the entries to the guest. vCPU n's stack is the n-th 16 KiB
 * below __stack_top. */
	.section .text.start, "ax"
	.global _start
_start:
	msr	daifset, #0xf
	ldr	x0, =__stack_top
	mov	sp, x0
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	ldr	x0, =el2_vectors
	msr	vbar_el2, x0
	isb
	bl	el2_main
3:	wfi
	b	3b

/* el2_start_secondary: x0 = the vCPU's index (the stub's CPU_ON context). */
	.global el2_start_secondary
el2_start_secondary:
	msr	daifset, #0xf
	ldr	x1, =__stack_top
	lsl	x2, x0, #14		/* EL2_STACK_SIZE */
	sub	x1, x1, x2
	mov	sp, x1
	ldr	x1, =el2_vectors
	msr	vbar_el2, x1
	isb
	bl	el2_secondary_main
4:	wfi
	b	4b

/* el2_enter_guest(entry, arg, stack_top): eret to Linux at EL1h, DAIF masked, x0 = arg (the
 * DTB, or CPU_ON's context), x1-x3 = 0 (arm64 booting.rst). The EL2 stack restarts empty. */
	.text
	.global el2_enter_guest
el2_enter_guest:
	msr	elr_el2, x0
	mov	x3, #0x3c5
	msr	spsr_el2, x3
	mov	sp, x2
	mov	x0, x1
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	eret

/* Each vector pushes a 256-byte frame, records which vector fired and joins el2_common. */
.macro	vent kind
	.balign	128
	sub	sp, sp, #256
	stp	x0, x1, [sp, #0]
	mov	x0, #\kind
	b	el2_common
.endm

	.balign	2048
	.global	el2_vectors
el2_vectors:
	vent	0	/* current EL, SP0: sync */
	vent	1
	vent	2
	vent	3
	vent	4	/* current EL, SPx: sync (a stub bug) */
	vent	5	/* irq */
	vent	6
	vent	7
	vent	8	/* lower EL, AArch64: sync */
	vent	9	/* irq */
	vent	10	/* fiq */
	vent	11	/* serror */
	vent	12	/* lower EL, AArch32 */
	vent	13
	vent	14
	vent	15

el2_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	str	x30, [sp, #240]
	mov	x1, x0
	mov	x0, sp
	bl	el2_exception
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #256
	eret
