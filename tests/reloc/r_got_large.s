# Large-model GOT relocations: R_X86_64_GOTPC64 and R_X86_64_GOTPC32 (the
# GOT base), R_X86_64_GOTOFF64 (S + A - GOT), R_X86_64_GOT64 (G + A) and
# R_X86_64_PLTOFF64 (L + A - GOT).  Each function computes the GOT base
# itself; GOTPC64 and GOTPC32 must agree on it.
	.text
	.globl got_base64, got_base32
	.globl gotoff64_global, gotoff64_local, gotoff64_host
	.globl got64_load, got64_host, pltoff64_host, pltoff64_arena
	.globl gotoff64_far, got64_far, pltoff64_libc, gotoff64_addend

got_base64:
1:	leaq 1b(%rip), %rax
	movabsq $_GLOBAL_OFFSET_TABLE_-1b, %r11
	addq %r11, %rax
	ret

got_base32:
	leaq _GLOBAL_OFFSET_TABLE_(%rip), %rax
	ret

gotoff64_global:
1:	leaq 1b(%rip), %rcx
	movabsq $_GLOBAL_OFFSET_TABLE_-1b, %r11
	addq %r11, %rcx
	movabsq $target_data@GOTOFF, %rax
	addq %rcx, %rax
	ret

gotoff64_local:
1:	leaq 1b(%rip), %rcx
	movabsq $_GLOBAL_OFFSET_TABLE_-1b, %r11
	addq %r11, %rcx
	movabsq $local_obj@GOTOFF, %rax
	addq %rcx, %rax
	ret

# &target_data[2] through an addend.
gotoff64_addend:
	leaq _GLOBAL_OFFSET_TABLE_(%rip), %rcx
	movabsq $target_data@GOTOFF+16, %rax
	addq %rcx, %rax
	ret

gotoff64_host:
	leaq _GLOBAL_OFFSET_TABLE_(%rip), %rcx
	movabsq $host_obj@GOTOFF, %rax
	addq %rcx, %rax
	ret

got64_load:
1:	leaq 1b(%rip), %rcx
	movabsq $_GLOBAL_OFFSET_TABLE_-1b, %r11
	addq %r11, %rcx
	movabsq $target_data@GOT, %rax
	movq (%rcx,%rax), %rax
	ret

gotoff64_far:
	leaq _GLOBAL_OFFSET_TABLE_(%rip), %rcx
	movabsq $host_far@GOTOFF, %rax
	addq %rcx, %rax
	ret

got64_far:
	leaq _GLOBAL_OFFSET_TABLE_(%rip), %rcx
	movabsq $host_far@GOT, %rax
	movq (%rcx,%rax), %rax
	ret

# long pltoff64_libc(long x) { return labs(x); }
pltoff64_libc:
	pushq %rbx
	leaq _GLOBAL_OFFSET_TABLE_(%rip), %rbx
	movabsq $labs@PLTOFF, %rax
	addq %rbx, %rax
	call *%rax
	popq %rbx
	ret

got64_host:
	leaq _GLOBAL_OFFSET_TABLE_(%rip), %rcx
	movabsq $host_obj@GOT, %rax
	movq (%rcx,%rax), %rax
	ret

# uint64_t pltoff64_host(uint64_t x) { return host_add7(x); }
pltoff64_host:
	pushq %rbx
1:	leaq 1b(%rip), %rbx
	movabsq $_GLOBAL_OFFSET_TABLE_-1b, %r11
	addq %r11, %rbx
	movabsq $host_add7@PLTOFF, %rax
	addq %rbx, %rax
	call *%rax
	popq %rbx
	ret

pltoff64_arena:
	pushq %rbx
	leaq _GLOBAL_OFFSET_TABLE_(%rip), %rbx
	movabsq $target_fn@PLTOFF, %rax
	addq %rbx, %rax
	call *%rax
	popq %rbx
	ret

	.data
	.balign 8
	.globl gotoff64_local_alias
	.quad 0
gotoff64_local_alias:
local_obj:	.quad 5
	.section .note.GNU-stack,"",@progbits
