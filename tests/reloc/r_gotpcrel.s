# R_X86_64_GOTPCREL: G + GOT + A - P.  Assembled with
# -mrelax-relocations=no so that gas does not use the GOTPCRELX forms.
	.text
	.globl gotpcrel_arena, gotpcrel_host, gotpcrel_call, gotpcrel_local
	.globl gotpcrel_far
gotpcrel_arena:
	movq target_data@GOTPCREL(%rip), %rax
	ret
gotpcrel_host:
	movq host_obj@GOTPCREL(%rip), %rax
	ret
gotpcrel_far:
	movq host_far@GOTPCREL(%rip), %rax
	ret
gotpcrel_call:
	subq $8, %rsp
	call *host_add7@GOTPCREL(%rip)
	addq $8, %rsp
	ret
gotpcrel_local:
	movq local_obj@GOTPCREL(%rip), %rax
	ret

	.data
	.balign 8
	.globl gotpcrel_slot, gotpcrel_local_alias
gotpcrel_slot:	.long target_data@GOTPCREL
	.long 0
gotpcrel_local_alias:
local_obj:	.quad 77
	.section .note.GNU-stack,"",@progbits
