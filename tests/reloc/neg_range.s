# Values that do not fit their field.  Assembled once per case with
# --defsym CASE=n.
	.data
	.globl neg_slot
neg_slot:
.if CASE == 1
	.byte big_host8			# R_X86_64_8, host at 0x1234
.elseif CASE == 2
	.long huge_host32		# R_X86_64_32, host at 0x123456789
.elseif CASE == 3
	.word big_host16		# R_X86_64_16, host at 0x12345
.endif
	.quad 0
	.section .note.GNU-stack,"",@progbits
