# R_X86_64_PC32 from the arena to a host symbol that the test places more
# than 4 GiB away.  A stub cannot stand in for data, so each form must make
# the link fail and say to recompile with -fPIC.  Assembled once per case
# with --defsym CASE=n.
	.text
	.globl far_pc32_fn
far_pc32_fn:
.if CASE == 1
	movl far_host(%rip), %eax	# a load: PC32, addend -4
.elseif CASE == 2
	leaq far_host(%rip), %rax	# address taken: PC32, addend -4
.elseif CASE == 3
	movl far_host+8(%rip), %eax	# a load with an offset: addend 4
.endif
	ret
.if CASE == 4
	.data
	.globl far_pc32_slot
far_pc32_slot:
	.long far_host - .		# in data: PC32, addend 0
.endif
	.section .note.GNU-stack,"",@progbits
