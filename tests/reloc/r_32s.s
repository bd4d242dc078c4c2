# R_X86_64_32S: S + A sign-extended: immediate and SIB displacement, and a
# host symbol at a negative address.
	.text
	.globl r32s_movq, r32s_index, r32s_neg
r32s_movq:
	movq $target_data, %rax
	ret
# uint64_t r32s_index(long i) { return target_data[i]; }
r32s_index:
	movq target_data(,%rdi,8), %rax
	ret
r32s_neg:
	movq $host_neg, %rax
	ret
	.section .note.GNU-stack,"",@progbits
