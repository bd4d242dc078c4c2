/*
 * swap_wx - no mapping of the process is ever writable and executable.
 *
 *   swap_wx COUNTER_V1.o COUNTER_V2.o
 *
 * /proc/self/maps is checked after each of 50 reloads (with a short grace,
 * so old versions are retired along the way), then continuously while a
 * second thread reloads 300 times and a third calls into the object.
 */
#include "swaptest.h"

#include <pthread.h>

typedef int (*fn0)(void);

static fn0 value;

/* Count w+x mappings; describe the first in `bad`. */
static int scan(char *bad, size_t n) {
  FILE *f = fopen("/proc/self/maps", "r");
  ASSERT_NOT_NULL(f);
  char line[1024];
  int hits = 0;
  while (fgets(line, sizeof line, f)) {
    char perms[8] = "";
    if (sscanf(line, "%*s %7s", perms) != 1)
      continue;
    if (perms[1] == 'w' && perms[2] == 'x') {
      if (!hits)
        snprintf(bad, n, "%s", line);
      hits++;
    }
  }
  fclose(f);
  return hits;
}

static reload_ctx *ctx;
static void *bytes[2];
static size_t len[2];
static int done, failed;

static void *reloader(void *arg) {
  (void)arg;
  for (int i = 0; i < 300; i++) {
    int w = i & 1 ? 0 : 1;
    if (reload_update_memory(ctx, "lib.o", bytes[w], len[w]) < 0) {
      failed = 1;
      break;
    }
  }
  __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void *caller(void *arg) {
  int *bad = arg;
  while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
    int v = value();
    if (v != 1 && v != 2)
      *bad = 1;
  }
  return NULL;
}

int main(int argc, char **argv) {
  swt_skip_under("valgrind", "valgrind maps its own writable and executable "
                             "pages into the process");
  swt_args(argc, argv);
  ASSERT_EQ(argc, 3);
  reload_options opt;
  memset(&opt, 0, sizeof opt);
  /* Old versions retire (their pages change protection) but are never
   * unmapped here: unmapping under a running caller is stale-spin-reloads'
   * and stress-retire's business, not this test's. */
  opt.retire_ms = 1;
  opt.keep_versions = 1000;
  ctx = swt_open(&opt, argv[1], NULL);
  value = (fn0)swt_entry(ctx, "value");
  bytes[0] = swt_slurp(argv[1], &len[0]);
  bytes[1] = swt_slurp(argv[2], &len[1]);
  char bad[1024];

  if (scan(bad, sizeof bad))
    FAIL("writable and executable before any reload: %s", bad);
  for (int i = 0; i < 50; i++) {
    const char *src = argv[i & 1 ? 1 : 2];
    ASSERT_EQ(swt_reload(ctx, src), i + 2);
    ASSERT_EQ(value(), i & 1 ? 1 : 2);
    if (scan(bad, sizeof bad))
      FAIL("writable and executable after reload %d: %s", i + 1, bad);
    swt_sleep_ms(2);
    reload_retire(ctx);
    if (scan(bad, sizeof bad))
      FAIL("writable and executable after retiring (reload %d): %s", i + 1,
           bad);
  }

  pthread_t r, c;
  int call_bad = 0;
  ASSERT_EQ(pthread_create(&r, NULL, reloader, NULL), 0);
  ASSERT_EQ(pthread_create(&c, NULL, caller, &call_bad), 0);
  int scans = 0, hits = 0;
  while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
    if (scan(bad, sizeof bad) && !hits++)
      fprintf(stderr, "writable and executable during reloads: %s", bad);
    scans++;
  }
  ASSERT_EQ(pthread_join(r, NULL), 0);
  ASSERT_EQ(pthread_join(c, NULL), 0);
  fprintf(stderr, "%d scans during 300 reloads\n", scans);
  ASSERT_EQ(failed, 0);
  ASSERT_EQ(call_bad, 0);
  ASSERT_EQ(hits, 0);
  ASSERT_GT(scans, 0);
  if (scan(bad, sizeof bad))
    FAIL("writable and executable after the reloads: %s", bad);

  free(bytes[0]);
  free(bytes[1]);
  reload_close(ctx);
  return 0;
}
