# R_X86_64_REX_GOTPCRELX: mov and the ALU forms (add, sub, and, or, xor,
# cmp, test) that ld may relax to immediates.  A wrong relaxation changes
# the result of the arithmetic.
	.text
	.globl rex_mov_arena, rex_mov_host, rex_add, rex_sub_host, rex_and
	.globl rex_or, rex_xor, rex_cmp, rex_test, rex_adc, rex_mov_far, rex_add_far
rex_mov_arena:
	movq target_data@GOTPCREL(%rip), %rax
	ret
rex_mov_host:
	movq host_obj@GOTPCREL(%rip), %r11
	movq %r11, %rax
	ret
# host_far is memory mapped far from the arena: no relaxation can apply.
rex_mov_far:
	movq host_far@GOTPCREL(%rip), %rax
	ret
rex_add_far:
	movq %rdi, %rax
	addq host_far@GOTPCREL(%rip), %rax
	ret
rex_add:
	movq %rdi, %rax
	addq target_data@GOTPCREL(%rip), %rax
	ret
rex_sub_host:
	movq %rdi, %rax
	subq host_obj@GOTPCREL(%rip), %rax
	ret
rex_and:
	movq %rdi, %rax
	andq target_data@GOTPCREL(%rip), %rax
	ret
rex_or:
	movq %rdi, %r10
	orq target_data@GOTPCREL(%rip), %r10
	movq %r10, %rax
	ret
rex_xor:
	movq %rdi, %rax
	xorq target_data@GOTPCREL(%rip), %rax
	ret
rex_cmp:
	xorl %eax, %eax
	cmpq target_data@GOTPCREL(%rip), %rdi
	sete %al
	ret
rex_test:
	xorl %eax, %eax
	testq %rdi, target_data@GOTPCREL(%rip)
	setne %al
	ret
# adc is not relaxable by ld; with CF set it adds one more.
rex_adc:
	movq %rdi, %rax
	stc
	adcq target_data@GOTPCREL(%rip), %rax
	ret
	.section .note.GNU-stack,"",@progbits
