/*
 * swap_fork - fork() while another thread reloads and drops versions.
 *
 *   swap_fork COUNTER_V1.o COUNTER_V2.o
 *
 * The fork handler holds every context's lock across fork(); retirement
 * holds a context's lock and rewrites the perf map from every context.
 * Once they took the registry's and the contexts' locks in opposite
 * orders, and the program hung at its first fork during a drop.  For about
 * a second: the main thread forks children that call the loaded code and
 * check a global of their own, while a thread swaps versions (one kept,
 * 1 ms grace, perf map on, so every swap drops one).
 */
#include "swaptest.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef int (*fn0)(void);

static reload_ctx *ctx;
static const char *versions[2];
static volatile int stop;
static int reloads;

static void *reloader(void *arg) {
  (void)arg;
  for (int i = 1; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); i++) {
    swt_install(versions[i & 1]);
    if (reload_update(ctx, "lib.o") < 0)
      FAIL("reload: %s", reload_errmsg(ctx));
    reload_retire(ctx);
    reloads++;
  }
  return NULL;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_EQ(argc, 3);
  versions[0] = argv[1];
  versions[1] = argv[2];
  reload_options o;
  memset(&o, 0, sizeof o);
  o.flags = RELOAD_OPT_PERFMAP;
  o.retire_ms = 1;
  o.keep_versions = 1;
  ctx = swt_open(&o, argv[1], NULL);
  fn0 value = (fn0)swt_entry(ctx, "value");
  int *total = swt_sym(ctx, "total");
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, NULL, reloader, NULL), 0);
  int forks = 0;
  for (double end = now() + 1.0; now() < end; forks++) {
    pid_t pid = fork();
    if (pid == 0) {
      int v = value();
      *total = -1;
      _exit(v == 1 || v == 2 ? 0 : 3);
    }
    ASSERT(pid > 0);
    int st;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
      FAIL("child: status 0x%x", st);
    ASSERT(*total != -1); /* the child's write stayed the child's */
  }
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
  ASSERT_EQ(pthread_join(t, NULL), 0);
  /* Under ThreadSanitizer every unmapping scans its runtime's memory too,
   * with the context's lock held, which fork() waits for: fewer forks. */
  const char *setup = getenv("RELOAD_TEST_SETUP");
  bool tsan = setup && !strcmp(setup, "tsan");
  ASSERT(forks > (tsan ? 0 : 10));
  ASSERT(reloads > (tsan ? 0 : 10));
  printf("ok: %d forks during %d reloads\n", forks, reloads);
  /* The library leaves the map (reloadd removes its own): not in /tmp. */
  char map[64];
  snprintf(map, sizeof map, "/tmp/perf-%d.map", (int)getpid());
  unlink(map);
  return 0;
}
