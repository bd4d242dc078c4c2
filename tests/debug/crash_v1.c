/*
 * crash_v1.c - version 1 of the object the crash report test loads: it
 * works.  Built with -g -O2 -fno-optimize-sibling-calls.
 */
int *volatile crash_ptr;

static __attribute__((noinline)) int poke(int x) {
  return x + 1;
}

__attribute__((noinline)) int step(int x) {
  int r = poke(x);
  __asm__ volatile("" ::: "memory");
  return r * 2;
}
