# Relocation types that only dynamic objects may carry; an ET_REL object
# that has one is refused with RELOAD_EUNSUP.  Assembled once per type with
# --defsym CASE=n.
	.data
	.balign 8
	.globl unsup_slot
unsup_slot:
.if CASE == 1
	.reloc ., R_X86_64_COPY, target_data
.elseif CASE == 2
	.reloc ., R_X86_64_GLOB_DAT, target_data
.elseif CASE == 3
	.reloc ., R_X86_64_JUMP_SLOT, target_data
.elseif CASE == 4
	.reloc ., R_X86_64_RELATIVE, target_data
.elseif CASE == 5
	.reloc ., R_X86_64_TLSDESC, target_data
.elseif CASE == 6
	.reloc ., R_X86_64_IRELATIVE, target_data
.endif
	.quad 0
	.section .note.GNU-stack,"",@progbits
