/*
 * pm_a.c - version 1 of an object for the perf map test: a static
 * function (whose name pm_b.c uses too), a cold function, and a hot one
 * from which gcc -O2 splits the unlikely path into pm_work.cold.
 */
#include <stdio.h>

static int sq(int x) { return x * x; }

__attribute__((cold, noinline)) static void complain(int x) {
  fprintf(stderr, "bad value %d\n", x);
}

__attribute__((noinline)) int pm_work(int n, int *acc) {
  for (int i = 0; i < n; i++) {
    if (__builtin_expect(acc[i] < 0, 0)) {
      complain(acc[i]);
      acc[i] = -acc[i] * 3 + n;
      continue;
    }
    acc[i] = sq(acc[i]) + 1;
  }
  return acc[0];
}

int pm_gone(int x) { return sq(x) - 1; }

int (*pm_sq)(int) = sq;
