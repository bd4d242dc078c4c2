# R_X86_64_8, R_X86_64_16 (S + A, to small host addresses) and
# R_X86_64_PC8, R_X86_64_PC16 (S + A - P).  The PC-relative ones are forced
# with .reloc inside one section so that the distance is known and fits.
	.data
	.globl r8_slot, r8_max, r16_slot, r16_zero
	.globl pc8_back, pc8_fwd, pc16_back, pc16_fwd, pc_lo, pc_hi
	.globl pc8_max, pc8_min, pc16_max, pc16_min
r8_slot:	.byte host_small8 + 1
r8_max:		.byte host_small8 + 0xbf
r16_slot:	.word host_small16 + 2
r16_zero:	.word host_small16 - 0x1234

	.balign 4
pc_lo:	.long 0
	.zero 16
pc8_back:
	.reloc ., R_X86_64_PC8, pc_lo
	.byte 0
pc8_fwd:
	.reloc ., R_X86_64_PC8, pc_hi + 3
	.byte 0
pc16_back:
	.reloc ., R_X86_64_PC16, pc_lo - 100
	.word 0
pc16_fwd:
	.reloc ., R_X86_64_PC16, pc_hi + 1000
	.word 0
	.zero 20
pc_hi:	.long 0
# The edges of the signed ranges: exactly 127, -128, 32767 and -32768.
pc8_max:
	.reloc ., R_X86_64_PC8, pc8_max + 127
	.byte 0
pc8_min:
	.reloc ., R_X86_64_PC8, pc8_min - 128
	.byte 0
pc16_max:
	.reloc ., R_X86_64_PC16, pc16_max + 32767
	.word 0
pc16_min:
	.reloc ., R_X86_64_PC16, pc16_min - 32768
	.word 0
	.section .note.GNU-stack,"",@progbits
