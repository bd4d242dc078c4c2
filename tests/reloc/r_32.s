# R_X86_64_32: S + A zero-extended; arena symbols only fit when the arena
# sits in the low 4 GiB (reload decides that from the object).
	.data
	.balign 4
	.globl r32_slot, r32_host
r32_slot:	.long target_data + 4
r32_host:	.long host_small + 0x10

	.text
	.globl r32_movl
r32_movl:
	movl $target_data, %eax
	ret
	.section .note.GNU-stack,"",@progbits
