/*
 * cli_main.c - the program cli_test.py runs under reloadd.  It prints its
 * pid (the perf map is named after it), then polls lib_value() every
 * 2 ms and prints "value V" whenever it changes.  It ends when the value
 * is 99, or after argv[1] milliseconds (default 20000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int lib_value(void);

int main(int argc, char **argv) {
  long limit = argc > 1 ? atol(argv[1]) : 20000;
  printf("pid %d\n", (int)getpid());
  fflush(stdout);
  int last = -1;
  for (long t = 0; t < limit; t += 2) {
    int v = lib_value();
    if (v != last) {
      printf("value %d\n", v);
      fflush(stdout);
      last = v;
    }
    if (v == 99)
      return 0;
    struct timespec ts = {0, 2000000L};
    nanosleep(&ts, NULL);
  }
  printf("timeout\n");
  return 3;
}
