/*
 * host_main.c - the program the watcher tests run under reloadd.  It polls
 * lib_value() every few milliseconds and prints "value V count C" whenever
 * the value changes, so the test sees each reload take effect, and whether
 * lib.o's static counter kept counting.  It ends when the value is 99, or
 * after argv[1] milliseconds (default 20000) so a broken test cannot hang.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int lib_value(void);
int lib_count(void);

static void nap(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
  long limit = argc > 1 ? atol(argv[1]) : 20000;
  int last = -1;
  for (long t = 0; t < limit; t += 2) {
    int v = lib_value();
    if (v != last) {
      printf("value %d count %d\n", v, lib_count());
      fflush(stdout);
      last = v;
    }
    if (v == 99)
      return 0;
    nap(2);
  }
  printf("timeout\n");
  return 3;
}
