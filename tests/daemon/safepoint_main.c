/*
 * safepoint_main.c - for [reload] mode = safepoint: like host_main.c, but
 * it calls reload_safepoint() (found in libreload.so, which hosts reloadd)
 * only after argv[1] milliseconds, announcing "safepoints on" first.  A
 * reload made before then must not take effect until then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int lib_value(void);
int lib_count(void);
void reload_safepoint(void);

static void nap(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
  long from = argc > 1 ? atol(argv[1]) : 1000;
  int last = -1, on = 0;
  for (long t = 0; t < 20000; t += 2) {
    int v = lib_value();
    if (v != last) {
      printf("value %d count %d\n", v, lib_count());
      fflush(stdout);
      last = v;
    }
    if (v == 99)
      return 0;
    if (t >= from) {
      if (!on) {
        printf("safepoints on\n");
        fflush(stdout);
        on = 1;
      }
      reload_safepoint();
    }
    nap(2);
  }
  printf("timeout\n");
  return 3;
}
