/*
 * seed_a.c - a valid object for the malformed-input generator: functions,
 * a weak definition, .data/.bss/.rodata, pointers that need R_X86_64_64,
 * calls into libc, a constructor in .init_array and a COMDAT group.
 */
#include <string.h>

int seed_a_counter;
static int seed_a_table[4] = {1, 2, 3, 4};
const char *const seed_a_names[] = {"alpha", "beta", "gamma"};
int (*seed_a_hook)(int);

__attribute__((weak)) int seed_a_weak(int x) { return x + 1; }

static int twice(int x) { return 2 * x; }

__attribute__((constructor)) static void seed_a_init(void) {
  seed_a_counter = 10;
}

/* C has no COMDAT of its own; write the group the way C++ inline functions
 * get one. */
__asm__(".section .text.seed_a_comdat,\"axG\",@progbits,seed_a_comdat,comdat\n"
        ".globl seed_a_comdat\n"
        ".type seed_a_comdat,@function\n"
        "seed_a_comdat:\n"
        "  movl $7, %eax\n"
        "  ret\n"
        ".size seed_a_comdat, .-seed_a_comdat\n"
        ".text\n");
int seed_a_comdat(void);

int seed_a_entry(int x);
int seed_a_entry(int x) {
  seed_a_hook = twice;
  return seed_a_hook(x) + seed_a_table[x & 3] + seed_a_weak(x) +
         seed_a_counter + (int)strlen(seed_a_names[x % 3]) + seed_a_comdat();
}
