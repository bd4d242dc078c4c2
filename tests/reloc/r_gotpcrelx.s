# R_X86_64_GOTPCRELX: indirect call and jump through the GOT.  A linker may
# relax them to direct ones; either way the call must land.
	.text
	.globl gotpcrelx_call_host, gotpcrelx_call_arena, gotpcrelx_jmp_host
	.globl gotpcrelx_jmp_arena, gotpcrelx_call_libc
gotpcrelx_call_host:
	subq $8, %rsp
	call *host_add7@GOTPCREL(%rip)
	addq $8, %rsp
	ret
gotpcrelx_call_arena:
	subq $8, %rsp
	call *target_fn@GOTPCREL(%rip)
	addq $8, %rsp
	ret
gotpcrelx_jmp_host:
	jmp *host_add7@GOTPCREL(%rip)
gotpcrelx_jmp_arena:
	jmp *target_fn@GOTPCREL(%rip)
# libc is mapped far from the arena: the GOT slot must hold the full address.
gotpcrelx_call_libc:
	subq $8, %rsp
	call *labs@GOTPCREL(%rip)
	addq $8, %rsp
	ret
	.section .note.GNU-stack,"",@progbits
