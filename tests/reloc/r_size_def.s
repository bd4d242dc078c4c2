# Sized definitions for r_size.s, in another object so that the sizes come
# from the symbol table at link time.
	.data
	.globl sized_obj
	.type sized_obj, @object
	.size sized_obj, 40
sized_obj:	.zero 40

	.bss
	.globl sized_big
	.type sized_big, @object
	.size sized_big, 0x12345
sized_big:	.zero 0x12345
	.section .note.GNU-stack,"",@progbits
