/*
 * swap_stress - four threads call into lib.o while the main thread swaps
 * it between two versions.
 *
 *   swap_stress SWAPS RETIRE_MS KEEP_VERSIONS COUNTER_V1.o COUNTER_V2.o
 *
 * Every call must return what one of the two versions returns: value() is
 * 1 or 2, call_table(0, 4) (a call through a table in data) is 14 or 24.
 * After each swap the main thread sees the version it just installed.
 * RETIRE_MS and KEEP_VERSIONS set reload_options (0: the defaults); a
 * small grace makes old versions retire (and fault back in) while the
 * threads still run them.
 */
#include "swaptest.h"

#include <pthread.h>

typedef int (*fn0)(void);
typedef int (*fn2)(int, int);

#define NTHREADS 4

static fn0 value;
static fn2 call_table;
static int stop;

struct worker {
  pthread_t tid;
  uint64_t calls, seen[3];
  int bad_value, bad_table;
};

static void *work(void *arg) {
  struct worker *w = arg;
  while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
    for (int i = 0; i < 64; i++) {
      int v = value();
      if (v == 1 || v == 2)
        w->seen[v]++;
      else if (!w->bad_value)
        w->bad_value = v ? v : -1000;
      int t = call_table(0, 4);
      if (t != 14 && t != 24 && !w->bad_table)
        w->bad_table = t ? t : -1000;
      w->calls += 2;
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_EQ(argc, 6);
  int swaps = atoi(argv[1]);
  ASSERT_GT(swaps, 0);
  reload_options opt;
  memset(&opt, 0, sizeof opt);
  opt.retire_ms = (unsigned)atoi(argv[2]);
  opt.keep_versions = (unsigned)atoi(argv[3]);
  reload_ctx *ctx = swt_open(&opt, argv[4], NULL);
  size_t len[2];
  void *bytes[2];
  bytes[0] = swt_slurp(argv[4], &len[0]);
  bytes[1] = swt_slurp(argv[5], &len[1]);
  value = (fn0)swt_entry(ctx, "value");
  call_table = (fn2)swt_entry(ctx, "call_table");
  ASSERT_EQ(value(), 1);

  static struct worker w[NTHREADS];
  for (int i = 0; i < NTHREADS; i++)
    ASSERT_EQ(pthread_create(&w[i].tid, NULL, work, &w[i]), 0);

  uint64_t t0 = swt_now_ms();
  for (int i = 0; i < swaps; i++) {
    int which = (i & 1) ? 0 : 1; /* v2, v1, v2, ... */
    int r = reload_update_memory(ctx, "lib.o", bytes[which], len[which]);
    if (r != i + 2) {
      __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
      FAIL("swap %d: reload_update_memory returned %d, want %d: %s", i, r,
           i + 2, reload_errmsg(ctx));
    }
    ASSERT_EQ(value(), which + 1);
    ASSERT_EQ(call_table(0, 4), which ? 24 : 14);
  }
  uint64_t t1 = swt_now_ms();
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);

  uint64_t calls = 0;
  for (int i = 0; i < NTHREADS; i++) {
    ASSERT_EQ(pthread_join(w[i].tid, NULL), 0);
    fprintf(stderr, "thread %d: %llu calls, saw v1 %llu times, v2 %llu\n", i,
            (unsigned long long)w[i].calls, (unsigned long long)w[i].seen[1],
            (unsigned long long)w[i].seen[2]);
    ASSERT_EQ(w[i].bad_value, 0);
    ASSERT_EQ(w[i].bad_table, 0);
    ASSERT_UINT_GT(w[i].calls, 0);
    calls += w[i].calls;
  }
  reload_stats s = swt_stats(ctx);
  swt_versions v;
  swt_list(ctx, &v);
  fprintf(stderr,
          "%d swaps in %llu ms, %llu calls; reloads %llu, stale hits %llu, "
          "%d versions mapped, arena %llu bytes\n",
          swaps, (unsigned long long)(t1 - t0), (unsigned long long)calls,
          (unsigned long long)s.reloads, (unsigned long long)s.stale_hits,
          v.n, (unsigned long long)s.arena_bytes);
  ASSERT_UINT_EQ(s.reloads, (uint64_t)swaps);
  ASSERT_UINT_EQ(s.refused, 0);
  ASSERT_EQ(value(), (swaps & 1) ? 2 : 1);

  free(bytes[0]);
  free(bytes[1]);
  reload_close(ctx);
  return 0;
}
