# TLS through __tls_get_addr: the general-dynamic sequence (R_X86_64_TLSGD),
# in its PLT and its -fno-plt form, and the local-dynamic one
# (R_X86_64_TLSLD with R_X86_64_DTPOFF32, and R_X86_64_DTPOFF64 in code and
# data).  A linker may relax the sequences; the results must not change.
	.section .tdata,"awT",@progbits
	.balign 8
	.globl tls_a, tls_b
tls_a:	.quad 0x1122334455667788
tls_b:	.quad 42
	.section .tbss,"awT",@nobits
	.balign 8
	.globl tls_z
tls_z:	.zero 16

	.text
	.globl tls_gd_a, tls_gd_b, tls_gd_z, tls_ld_base, tls_ld_b, tls_ld64_b
	.globl tls_ld_z
tls_gd_a:
	subq $8, %rsp
	.byte 0x66
	leaq tls_a@tlsgd(%rip), %rdi
	.value 0x6666
	rex64
	call __tls_get_addr@PLT
	addq $8, %rsp
	ret
tls_gd_b:
	subq $8, %rsp
	.byte 0x66
	leaq tls_b@tlsgd(%rip), %rdi
	.value 0x6666
	rex64
	call __tls_get_addr@PLT
	addq $8, %rsp
	ret
# The -fno-plt form of the general-dynamic sequence.
tls_gd_z:
	subq $8, %rsp
	.byte 0x66
	leaq tls_z@tlsgd(%rip), %rdi
	.byte 0x66
	rex64
	call *__tls_get_addr@GOTPCREL(%rip)
	addq $8, %rsp
	ret
tls_ld_base:
	subq $8, %rsp
	leaq tls_b@tlsld(%rip), %rdi
	call __tls_get_addr@PLT
	addq $8, %rsp
	ret
tls_ld_b:
	subq $8, %rsp
	leaq tls_b@tlsld(%rip), %rdi
	call __tls_get_addr@PLT
	leaq tls_b@dtpoff(%rax), %rax
	addq $8, %rsp
	ret
tls_ld64_b:
	subq $8, %rsp
	leaq tls_b@tlsld(%rip), %rdi
	call __tls_get_addr@PLT
	movabsq $tls_b@dtpoff, %rdx
	addq %rdx, %rax
	addq $8, %rsp
	ret
tls_ld_z:
	subq $8, %rsp
	leaq tls_z@tlsld(%rip), %rdi
	call __tls_get_addr@PLT
	leaq tls_z@dtpoff(%rax), %rax
	addq $8, %rsp
	ret

	.data
	.balign 8
	.globl tls_dtpoff_b, tls_dtpoff_z
tls_dtpoff_b:	.quad tls_b@dtpoff
tls_dtpoff_z:	.quad tls_z@dtpoff
	.section .note.GNU-stack,"",@progbits
