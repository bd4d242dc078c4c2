/* deep.c - the callee of the hand-written main() of main.s.in: it walks
 * the stack with backtrace(), which makes libgcc read every registered
 * unwind table, main's included, and unwind through main's frame. */
#include <execinfo.h>
#include <stdio.h>

__attribute__((noinline)) int deep(void) {
  void *pc[64];
  int n = backtrace(pc, 64);
  printf("backtrace: %s\n", n >= 2 ? "ok" : "short");
  return 0;
}
