/*
 * crash_v2.c - version 2 of the object the crash report test loads: poke
 * reads through a null pointer (SIGSEGV).  The markers in comments are
 * how the test finds the lines the report must name; keep them.
 */
int *volatile crash_ptr;

/* A few more lines than version 1, so that no line number matches. */

static __attribute__((noinline)) int poke(int x) {
  return *crash_ptr + x; /* CRASH HERE */
}

__attribute__((noinline)) int step(int x) {
  int r = poke(x); /* CALL POKE */
  __asm__ volatile("" ::: "memory");
  return r * 2;
}
