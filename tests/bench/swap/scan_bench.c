/*
 * scan_bench - what the scan for pointers into old versions costs with a
 * big heap (issue "Hot reload stays correct on real programs", part 2).
 *
 *   scan_bench CALLEE.o [--csv FILE]
 *
 * For heaps of 100 MB and 1 GB (malloc'd, every page written with words
 * that point nowhere), an object is reloaded until an old version may be
 * unmapped, and the time of the scan that decides it is read from
 * reload_get_stats().  The peer, measured in the same run, is one plain
 * pass over the same heap summing its words: the memory bandwidth the
 * scan cannot beat.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reload.h"

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nap_ms(int ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

static volatile uint64_t sink;

__attribute__((noinline)) static double sum_pass(const uint64_t *h, size_t n) {
  uint64_t t0 = now_ns(), s = 0;
  for (size_t i = 0; i < n; i++)
    s += h[i];
  sink = s;
  return (double)(now_ns() - t0) / 1e6;
}

static int bench(const char *obj, size_t mb, FILE *out) {
  size_t n = mb * ((size_t)1 << 20) / 8;
  uint64_t *heap = malloc(n * 8);
  if (!heap) {
    fprintf(stderr, "scan_bench: no %zu MB\n", mb);
    return 1;
  }
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    heap[i] = x & 0xffffffffu; /* small numbers: never an address */
  }
  reload_options opt = {.keep_versions = 1, .retire_ms = 1};
  reload_ctx *ctx = reload_open(&opt);
  if (!ctx || reload_add_file(ctx, obj) || reload_link(ctx)) {
    fprintf(stderr, "scan_bench: %s\n", ctx ? reload_errmsg(ctx) : "");
    return 1;
  }
  double best = 0, peer = 0;
  uint64_t bytes = 0;
  for (int round = 0; round < 3; round++) {
    reload_stats before;
    reload_get_stats(ctx, &before);
    for (int i = 0; i < 2; i++)
      if (reload_update(ctx, obj) < 0) {
        fprintf(stderr, "scan_bench: %s\n", reload_errmsg(ctx));
        return 1;
      }
    reload_stats st = before;
    for (int t = 0; t < 100 && st.scan_ns == before.scan_ns; t++) {
      nap_ms(20);
      reload_retire(ctx);
      reload_get_stats(ctx, &st);
    }
    double ms = (double)st.scan_ns / 1e6;
    if (st.scan_ns == before.scan_ns) {
      fprintf(stderr, "scan_bench: no scan happened\n");
      return 1;
    }
    if (!best || ms < best) {
      best = ms;
      bytes = st.scan_bytes;
    }
    double p = sum_pass(heap, n);
    if (!peer || p < peer)
      peer = p;
  }
  printf("scan of %zu MB heap: %.1f ms (%.0f MB scanned), one pass over "
         "it: %.1f ms, ratio %.2f\n",
         mb, best, (double)bytes / 1e6, peer, best / peer);
  if (out)
    fprintf(out, "reach_scan_%zumb,%.2f,ms,one summing pass,%.2f,%.3f\n", mb,
            best, peer, best / peer);
  reload_close(ctx);
  free(heap);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: scan_bench CALLEE.o [--csv FILE]\n");
    return 2;
  }
  FILE *out = argc >= 4 && strcmp(argv[2], "--csv") == 0 ? fopen(argv[3], "w")
                                                         : NULL;
  if (out)
    fprintf(out, "benchmark,figure,unit,peer,peer_figure,ratio\n");
  int r = bench(argv[1], 100, out) || bench(argv[1], 1024, out);
  if (out)
    fclose(out);
  return r;
}
