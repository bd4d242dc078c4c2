/*
 * swap_safepoint - RELOAD_MODE_SAFEPOINT: a reload links at once but the
 * old code keeps running until reload_safepoint().
 *
 *   swap_safepoint COUNTER_V1.o COUNTER_V2.o COUNTER_V3.o
 *
 * Then two reloads pending at once: the newest wins at the safepoint, and
 * a function that only the intermediate version had must not stay
 * reachable.
 */
#include "swaptest.h"

#include <sys/wait.h>

typedef int (*fn0)(void);
typedef int (*fn2)(int, int);

static void call_it(void *arg) {
  fn0 f = (fn0)swt_to_fn(arg);
  int r = f();
  fprintf(stderr, "returned %d\n", r);
}

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_EQ(argc, 4);
  reload_options opt;
  memset(&opt, 0, sizeof opt);
  opt.mode = RELOAD_MODE_SAFEPOINT;
  reload_ctx *ctx = swt_open(&opt, argv[1], NULL);
  fn0 value = (fn0)swt_entry(ctx, "value");
  fn0 count_static = (fn0)swt_entry(ctx, "count_static");
  fn2 call_table = (fn2)swt_entry(ctx, "call_table");

  /* Nothing pending: a safepoint changes nothing. */
  reload_safepoint();
  ASSERT_EQ(value(), 1);
  ASSERT_EQ(count_static(), 1);
  ASSERT_EQ(count_static(), 2);

  ASSERT_EQ(swt_reload(ctx, argv[2]), 2);
  reload_report rep;
  reload_last_report(ctx, &rep);
  ASSERT_UINT_EQ(rep.version, 2);
  ASSERT_EQ(rep.pending, 1);
  /* Old code until the safepoint, working on the same state. */
  for (int i = 0; i < 5; i++)
    ASSERT_EQ(value(), 1);
  ASSERT_EQ(count_static(), 3);
  ASSERT_EQ(call_table(0, 4), 14);
  ASSERT_EQ(((fn0)swt_entry(ctx, "removed_fn"))(), 7);
  reload_retire(ctx);
  ASSERT_EQ(value(), 1);
  if (swt_log_find(RELOAD_LOG_INFO, "v2 is live", NULL, NULL))
    FAIL("version 2 said to be live before the safepoint:\n%s",
         swt_log_text());

  reload_safepoint();
  ASSERT_EQ(value(), 2);
  /* The log says when a pending version took effect. */
  const char *live = swt_log_find(RELOAD_LOG_INFO, "lib.o v2 is live",
                                  "at the program's safepoint", NULL);
  if (!live)
    FAIL("no line saying version 2 is live; log:\n%s", swt_log_text());
  fprintf(stderr, "logged: %s\n", live);
  ASSERT_EQ(count_static(), 103);
  ASSERT_EQ(call_table(0, 4), 24);
  ASSERT_EQ(((fn0)swt_entry(ctx, "added_fn"))(), 42);
  reload_last_report(ctx, &rep);
  ASSERT_EQ(rep.pending, 0);

  /* Two pending versions: 3 (adds get_fresh) and 4 (version 1's bytes
   * again, no get_fresh). */
  ASSERT_EQ(swt_reload(ctx, argv[3]), 3);
  ASSERT_EQ(value(), 2);
  ASSERT_EQ(swt_reload(ctx, argv[1]), 4);
  ASSERT_EQ(value(), 2);
  ASSERT_EQ(count_static(), 203);
  swt_log_clear();
  reload_safepoint();
  ASSERT_EQ(value(), 1);
  /* Only the version that won is said to be live. */
  if (swt_log_find(RELOAD_LOG_INFO, "v3 is live", NULL, NULL) ||
      !swt_log_find(RELOAD_LOG_INFO, "lib.o v4 is live", NULL, NULL))
    FAIL("expected only v4 to be logged live; log:\n%s", swt_log_text());
  ASSERT_EQ(count_static(), 204);
  ASSERT_EQ(call_table(0, 4), 14);
  ASSERT_EQ(((fn0)swt_entry(ctx, "removed_fn"))(), 7);

  /* get_fresh belonged to version 3 only, which never ran: calling it now
   * must stop the program like any removed function, not run version 3. */
  void *gf = reload_entry(ctx, "get_fresh");
  if (gf) {
    char err[4096];
    int st = swt_child(call_it, gf, err, sizeof err);
    fprintf(stderr, "get_fresh child stderr: %s", err);
    ASSERT_FALSE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ASSERT_STR_CONTAINS(err, "function get_fresh (lib.o) was removed in version");
  }

  reload_close(ctx);
  return 0;
}
