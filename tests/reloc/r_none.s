# R_X86_64_NONE: must be accepted and must not touch the bytes it names.
	.data
	.balign 8
	.globl none_slot
	.type none_slot, @object
none_slot:
	.reloc ., R_X86_64_NONE, target_data
	.reloc .+4, R_X86_64_NONE
	.quad 0x0123456789abcdef
	.size none_slot, 8
	.section .note.GNU-stack,"",@progbits
