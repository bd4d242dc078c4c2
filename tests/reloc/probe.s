# A first object linked on its own, so that a test learns where the arena is.
	.text
	.globl probe_fn
probe_fn:
	movl $1234, %eax
	ret
	.section .note.GNU-stack,"",@progbits
