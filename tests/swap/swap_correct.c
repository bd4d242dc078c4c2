/*
 * swap_correct - reload correctness.
 *
 *   swap_correct COUNTER_V1.o COUNTER_V2.o COUNTER_V3.o
 *
 * Pointers taken before a reload (reload_sym, reload_entry, pointers that
 * the object itself handed out and the callback table in its data) reach
 * the new code after it; counters in a static, a global and a static local
 * keep counting; a function added in version 2 becomes reachable and one
 * removed in version 2 runs its last version when a pointer the program
 * kept still calls it, and says so once.  Version 2 keeps
 * the data layout (sections keep their memory), version 3 changes it
 * (values are copied over).
 */
#include "swaptest.h"

#include <sys/wait.h>

typedef int (*fn0)(void);
typedef int (*fn1)(int);
typedef int (*fn2)(int, int);
typedef fn1 (*getcb_fn)(int);

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_EQ(argc, 4);
  reload_ctx *ctx = swt_open(NULL, argv[1], NULL);

  fn0 value_sym = (fn0)swt_to_fn(swt_sym(ctx, "value"));
  fn0 value = (fn0)swt_entry(ctx, "value");
  fn0 count_static = (fn0)swt_entry(ctx, "count_static");
  fn0 count_global = (fn0)swt_entry(ctx, "count_global");
  fn0 count_local = (fn0)swt_entry(ctx, "count_local");
  fn2 call_table = (fn2)swt_entry(ctx, "call_table");
  getcb_fn get_cb = (getcb_fn)swt_entry(ctx, "get_cb");
  fn0 removed = (fn0)swt_entry(ctx, "removed_fn");
  int *total = swt_sym(ctx, "total");
  fn1 *table = swt_sym(ctx, "table");

  ASSERT_NULL(reload_entry(ctx, "added_fn"));
  ASSERT_NULL(reload_sym(ctx, "added_fn"));

  /* Version 1. */
  ASSERT_EQ(value_sym(), 1);
  ASSERT_EQ(value(), 1);
  for (int i = 1; i <= 3; i++) {
    ASSERT_EQ(count_static(), i);
    ASSERT_EQ(count_global(), i);
    ASSERT_EQ(count_local(), i);
  }
  ASSERT_EQ(*total, 3);
  ASSERT_EQ(call_table(0, 4), 14);
  ASSERT_EQ(call_table(1, 4), 12);
  fn1 host_add = get_cb(0), host_mul = get_cb(1); /* kept in host memory */
  ASSERT_EQ(host_add(4), 14);
  ASSERT_EQ(host_mul(4), 12);
  ASSERT_EQ(table[0](4), 14);
  ASSERT_EQ(removed(), 7);

  /* Version 2: same layout, new code. */
  ASSERT_EQ(swt_reload(ctx, argv[2]), 2);
  ASSERT_EQ(value_sym(), 2);
  ASSERT_EQ(value(), 2);
  ASSERT_EQ(count_static(), 103);
  ASSERT_EQ(count_global(), 103);
  ASSERT_EQ(count_local(), 103);
  ASSERT_EQ(*total, 103);
  ASSERT_PTR_EQ(reload_sym(ctx, "total"), total);
  ASSERT_EQ(call_table(0, 4), 24);
  ASSERT_EQ(call_table(1, 4), 20);
  ASSERT_EQ(host_add(4), 24);
  ASSERT_EQ(host_mul(4), 20);
  ASSERT_EQ(table[0](4), 24);
  ASSERT_EQ(table[1](4), 20);
  ASSERT_EQ(get_cb(0)(4), 24);

  fn0 added = (fn0)swt_entry(ctx, "added_fn");
  ASSERT_EQ(added(), 42);
  ASSERT_EQ(((fn0)swt_to_fn(swt_sym(ctx, "added_fn")))(), 42);

  reload_report rep;
  reload_last_report(ctx, &rep);
  ASSERT_STR_EQ(rep.object, "lib.o");
  ASSERT_UINT_EQ(rep.version, 2);
  ASSERT_UINT_EQ(rep.added, 1);
  ASSERT_UINT_EQ(rep.removed, 1);
  ASSERT_UINT_EQ(rep.reset, 0);
  ASSERT_EQ(rep.pending, 0);

  /* Calling the removed function runs version 1's, with one warning. */
  swt_log_clear();
  ASSERT_EQ(removed(), 7);
  ASSERT_EQ(removed(), 7);
  const char *w = swt_log_find(RELOAD_LOG_WARN, "removed_fn was removed in "
                               "version 2 but is still called", "v1", NULL);
  if (!w)
    FAIL("expected one warning about removed_fn; log:\n%s", swt_log_text());
  reload_retire(ctx); /* v1 stays: the entry leads there */
  ASSERT_EQ(removed(), 7);

  /* Version 3: new variables in front change the layout; values are
   * carried over, new variables start from the new object. */
  ASSERT_EQ(swt_reload(ctx, argv[3]), 3);
  ASSERT_EQ(value(), 3);
  ASSERT_EQ(value_sym(), 3);
  ASSERT_EQ(count_static(), 10103);
  ASSERT_EQ(count_global(), 10103);
  ASSERT_EQ(count_local(), 10103);
  ASSERT_EQ(*(int *)swt_sym(ctx, "total"), 10103);
  ASSERT_EQ(((fn0)swt_entry(ctx, "get_fresh"))(), 77);
  ASSERT_EQ(*(int *)swt_sym(ctx, "fresh"), 77);
  ASSERT_EQ(call_table(0, 4), 34);
  ASSERT_EQ(call_table(1, 4), 28);
  ASSERT_EQ(host_add(4), 34);
  ASSERT_EQ(host_mul(4), 28);
  ASSERT_EQ(added(), 43);

  reload_stats s = swt_stats(ctx);
  ASSERT_UINT_EQ(s.reloads, 2);
  ASSERT_UINT_EQ(s.refused, 0);

  reload_close(ctx);
  return 0;
}
