/*
 * soak_host.c - the program soak_faults.py runs under reloadd.
 *
 * Every 10 ms it calls lib_tick() once, so lib.o's counter equals the
 * number of iterations so far: a line "tick N value V count C" always has
 * C == N + 1 unless the object's state was lost or reset.  It prints such
 * a line every fifth iteration and whenever lib_value() changes, so the
 * test sees both that the program is still running and which version
 * runs.  It ends with status 0 when lib_value() returns 99, or with 3
 * after argv[1] iterations (default 60000, ten minutes) so that a broken
 * test cannot leave it running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int lib_tick(void);
int lib_value(void);

static void nap(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
  long limit = argc > 1 ? atol(argv[1]) : 60000;
  int last = -1;
  for (long n = 0; n < limit; n++) {
    int c = lib_tick();
    int v = lib_value();
    if (v == 99) {
      printf("stop tick %ld count %d\n", n, c);
      fflush(stdout);
      return 0;
    }
    if (n % 5 == 0 || v != last) {
      printf("tick %ld value %d count %d\n", n, v, c);
      fflush(stdout);
      last = v;
    }
    nap(10);
  }
  printf("timeout\n");
  return 3;
}
