/*
 * pm_a_v2.c - version 2 of pm_a.c: pm_work changed (and keeps its cold
 * part), pm_gone removed, pm_extra added.
 */
#include <stdio.h>

static int sq(int x) { return x * x; }

__attribute__((cold, noinline)) static void complain(int x) {
  fprintf(stderr, "bad value %d (version 2)\n", x);
}

__attribute__((noinline)) int pm_work(int n, int *acc) {
  for (int i = 0; i < n; i++) {
    if (__builtin_expect(acc[i] < 0, 0)) {
      complain(acc[i]);
      acc[i] = -acc[i] * 5 + n;
      continue;
    }
    acc[i] = sq(acc[i]) + 2;
  }
  return acc[0];
}

int pm_extra(int x) { return sq(x) * 7; }

int (*pm_sq)(int) = sq;
