# R_X86_64_PC64: S + A - P over 64 bits, also to a far host symbol.
	.data
	.balign 8
	.globl pc64_slot, pc64_host
pc64_slot:	.quad target_data + 3 - .
pc64_host:	.quad host_obj - .
	.globl pc64_far
pc64_far:	.quad host_far - .
	.section .note.GNU-stack,"",@progbits
