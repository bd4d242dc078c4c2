# R_X86_64_64: S + A, to a global in another object, to a local (section
# symbol plus offset), to a host symbol, with a negative addend, to a
# function, from read-only data, to an undefined weak symbol (0) and to
# host memory far from the arena.
	.data
	.balign 8
	.globl r64_global, r64_local, r64_host, r64_neg, r64_fn, r64_weak, r64_lbl
	.globl r64_far
r64_global:	.quad target_data + 5
r64_local:	.quad lbl + 3
r64_host:	.quad host_obj + 0x10
r64_neg:	.quad target_data - 8
r64_fn:		.quad target_fn
r64_weak:	.quad reload_test_weak_missing
r64_far:	.quad host_far + 8
r64_lbl:
lbl:		.quad 0
	.weak reload_test_weak_missing

	.section .rodata
	.balign 8
	.globl r64_ro
r64_ro:		.quad lbl + 0x20
	.section .note.GNU-stack,"",@progbits
