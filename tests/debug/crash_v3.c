/*
 * crash_v3.c - another version 2 of the object the crash report test
 * loads: poke divides by zero (SIGFPE).  The markers in comments are how
 * the test finds the lines the report must name; keep them.
 */
int *volatile crash_ptr;
static volatile int zero;

/* Other lines than versions 1 and 2. */


static __attribute__((noinline)) int poke(int x) {
  return x / zero + x; /* CRASH HERE */
}

__attribute__((noinline)) int step(int x) {
  int r = poke(x); /* CALL POKE */
  __asm__ volatile("" ::: "memory");
  return r * 2;
}
