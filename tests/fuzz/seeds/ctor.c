/* ctor.c - a seed: constructors and destructors with priorities, and a
 * table of function pointers (absolute 64-bit relocations in .data). */
#include <stdlib.h>

static int ctor_state;

__attribute__((constructor(200))) static void ctor_first(void) { ctor_state = 1; }
__attribute__((constructor)) static void ctor_later(void) { ctor_state *= 3; }
__attribute__((destructor)) static void ctor_done(void) { ctor_state = 0; }

static int op_add(int a, int b) { return a + b; }
static int op_mul(int a, int b) { return a * b; }
int (*const ctor_ops[])(int, int) = {op_add, op_mul, NULL};

int ctor_apply(int which, int a, int b);
int ctor_apply(int which, int a, int b) {
  if (which < 0 || which > 1)
    abort();
  return ctor_ops[which](a, b) + ctor_state;
}
