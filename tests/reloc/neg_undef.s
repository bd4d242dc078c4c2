# Two references that nothing defines: a call and a data pointer.
	.text
	.globl undef_caller
undef_caller:
	jmp reload_test_missing_fn
	.data
	.balign 8
	.globl undef_ptr
undef_ptr:	.quad reload_test_missing_obj
	.section .note.GNU-stack,"",@progbits
