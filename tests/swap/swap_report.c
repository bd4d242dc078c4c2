/*
 * swap_report - reload_last_report() and variables across a reload.
 *
 *   swap_report REPORT_V1.o REPORT_V2.o
 *
 * report_v1.c lists what differs from version 2 and so what the report
 * must count.  Kept variables keep the values the program gave them;
 * variables whose size changed start from version 2's initial values, and
 * a warning names each of them.
 */
#include "swaptest.h"

typedef int (*fn0)(void);
typedef long (*lfn0)(void);

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_EQ(argc, 3);
  reload_ctx *ctx = swt_open(NULL, argv[1], NULL);

  reload_report rep;
  reload_last_report(ctx, &rep);
  ASSERT_UINT_EQ(rep.version, 0);

  lfn0 bump_c = (lfn0)swt_entry(ctx, "bump_c");
  fn0 sum_ab = (fn0)swt_entry(ctx, "sum_ab");
  fn0 version = (fn0)swt_entry(ctx, "version");
  *(int *)swt_sym(ctx, "keep_a") = 11;
  ((int *)swt_sym(ctx, "keep_b"))[1] = 22;
  short *rs = swt_sym(ctx, "resized_s");
  ASSERT_EQ(*rs, 5);
  *rs = 6;
  int *ra = swt_sym(ctx, "resized_a");
  ra[0] = ra[1] = 100;
  ASSERT_EQ(bump_c(), 4);
  ASSERT_EQ(bump_c(), 5);
  ASSERT_EQ(sum_ab(), 33);
  ASSERT_EQ(version(), 1);

  ASSERT_EQ(swt_reload(ctx, argv[2]), 2);
  reload_last_report(ctx, &rep);
  fprintf(stderr,
          "report: %s v%u changed %u added %u removed %u unchanged %u "
          "kept %u reset %u pending %d %.3f ms\n",
          rep.object ? rep.object : "(null)", rep.version, rep.changed,
          rep.added, rep.removed, rep.unchanged, rep.kept, rep.reset,
          rep.pending, rep.link_ms);
  ASSERT_STR_EQ(rep.object, "lib.o");
  ASSERT_UINT_EQ(rep.version, 2);
  ASSERT_UINT_EQ(rep.changed, 1);
  ASSERT_UINT_EQ(rep.unchanged, 2);
  ASSERT_UINT_EQ(rep.added, 3);
  ASSERT_UINT_EQ(rep.removed, 2);
  ASSERT_UINT_EQ(rep.kept, 3);
  ASSERT_UINT_EQ(rep.reset, 2);
  ASSERT_EQ(rep.pending, 0);
  ASSERT(rep.link_ms >= 0.0);

  /* Kept values. */
  ASSERT_EQ(*(int *)swt_sym(ctx, "keep_a"), 11);
  ASSERT_EQ(((int *)swt_sym(ctx, "keep_b"))[1], 22);
  ASSERT_EQ(sum_ab(), 33);
  ASSERT_EQ(bump_c(), 6);
  ASSERT_EQ(version(), 2);
  /* Re-initialised from version 2, not carried. */
  ASSERT_EQ(*(long *)swt_sym(ctx, "resized_s"), 50);
  int *ra2 = swt_sym(ctx, "resized_a");
  ASSERT_EQ(ra2[0], 7);
  ASSERT_EQ(ra2[1], 8);
  ASSERT_EQ(ra2[2], 9);
  ASSERT_EQ(*(int *)swt_sym(ctx, "brand_new"), 9);
  ASSERT_EQ(((fn0)swt_entry(ctx, "new_three"))(), 32);
  ASSERT_EQ(((fn0)swt_entry(ctx, "new_one"))(), 21);

  /* A warning names each re-initialised variable, and only those. */
  const char *log = swt_log_text();
  fprintf(stderr, "log:\n%s", log);
  ASSERT_NOT_NULL(swt_log_find(RELOAD_LOG_WARN, "resized_s", NULL, NULL));
  ASSERT_NOT_NULL(swt_log_find(RELOAD_LOG_WARN, "resized_a", NULL, NULL));
  ASSERT_NULL(swt_log_find(RELOAD_LOG_WARN, "keep_", NULL, NULL));
  ASSERT_NULL(swt_log_find(RELOAD_LOG_WARN, "brand_new", NULL, NULL));

  swt_versions v;
  swt_list(ctx, &v);
  ASSERT_EQ(v.n, 2);
  ASSERT_EQ(v.state[2], 0);
  ASSERT_EQ(v.state[1], 1);
  ASSERT_UINT_EQ(v.functions[1], 5);
  ASSERT_UINT_EQ(v.functions[2], 6);

  reload_close(ctx);
  return 0;
}
