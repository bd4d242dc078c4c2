# R_X86_64_SIZE32 and R_X86_64_SIZE64: Z + A.
	.data
	.balign 8
	.globl size32_slot, size32_addend, size64_slot, size64_addend
size64_slot:	.quad sized_big@SIZE
size64_addend:	.quad sized_obj@SIZE + 0x100000000
size32_slot:	.long sized_obj@SIZE
size32_addend:	.long sized_obj@SIZE - 3
	.section .note.GNU-stack,"",@progbits
