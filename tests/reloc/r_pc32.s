# R_X86_64_PC32: S + A - P, from data and from code (RIP-relative operands,
# addend -4 plus the offset), across objects and to a local .bss variable.
	.data
	.balign 4
	.globl pc32_slot, pc32_slot12, pc32_slot_fn
pc32_slot:	.long target_data - .
pc32_slot12:	.long target_data + 12 - .
pc32_slot_fn:	.long target_fn - .

	.text
	.globl pc32_lea, pc32_load, pc32_store, pc32_getvar
# void *pc32_lea(void) { return target_data; }
pc32_lea:
	leaq target_data(%rip), %rax
	ret
# uint32_t pc32_load(void) { return low half of target_data[1]; }
pc32_load:
	movl target_data+8(%rip), %eax
	ret
# void pc32_store(uint32_t v) { var = v; }
pc32_store:
	movl %edi, var(%rip)
	ret
pc32_getvar:
	movl var(%rip), %eax
	ret

	.bss
	.balign 4
	.zero 12
var:	.zero 4
	.section .note.GNU-stack,"",@progbits
