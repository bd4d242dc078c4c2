# R_X86_64_PLT32: L + A - P for calls and tail calls, to a host function
# that is usually much more than 2 GiB away (needs a stub), to a function in
# another object, and to libc.
	.text
	.globl plt32_call_host, plt32_call_arena, plt32_tail_host, plt32_call_libc
plt32_call_host:
	subq $8, %rsp
	call host_add7@PLT
	addq $8, %rsp
	ret
plt32_call_arena:
	subq $8, %rsp
	call target_fn
	addq $8, %rsp
	ret
plt32_tail_host:
	jmp host_add7
plt32_call_libc:
	subq $8, %rsp
	call labs@PLT
	addq $8, %rsp
	ret
	.section .note.GNU-stack,"",@progbits
