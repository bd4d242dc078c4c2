# targets.s - definitions that the relocation tests refer to from other
# objects, so that most relocations resolve across objects through the
# global symbol table.
	.data
	.balign 16
	.globl target_data
	.type target_data, @object
	.size target_data, 64
target_data:
	.quad 0x1111111111111111, 0x2222222222222222
	.quad 0x3333333333333333, 0x4444444444444444
	.quad 0x5555555555555555, 0x6666666666666666
	.quad 0x7777777777777777, 0x8888888888888888

	.text
	.globl target_fn
	.type target_fn, @function
# uint64_t target_fn(uint64_t x) { return 3 * x + 1; }
target_fn:
	leaq 1(%rdi,%rdi,2), %rax
	ret
	.size target_fn, .-target_fn
	.section .note.GNU-stack,"",@progbits
