/*
 * swap_xobj - another object that is not reloaded keeps working with the
 * reloaded one: its calls reach the new code, the function pointer it
 * saved reaches the new code, and the global it shares with lib.o stays
 * one variable (issue: a variable that exists in both versions with the
 * same size keeps its address and its value).
 *
 *   swap_xobj COUNTER_V1.o COUNTER_V2.o COUNTER_V3.o USER.o
 *
 * Version 2 keeps lib.o's data layout; version 3 changes it.
 */
#include "swaptest.h"

typedef int (*fn0)(void);
typedef int (*fn1)(int);
typedef void (*vfn)(void);

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_EQ(argc, 5);
  const char *extra[] = {argv[4], NULL};
  reload_ctx *ctx = swt_open(NULL, argv[1], extra);
  fn0 user_value = (fn0)swt_entry(ctx, "user_value");
  fn0 bump_total = (fn0)swt_entry(ctx, "bump_total");
  fn0 count_global = (fn0)swt_entry(ctx, "count_global");
  fn1 user_call_saved = (fn1)swt_entry(ctx, "user_call_saved");
  int *total = swt_sym(ctx, "total");

  ((vfn)swt_entry(ctx, "user_save_cb"))();
  ASSERT_EQ(user_value(), 1);
  ASSERT_EQ(user_call_saved(4), 14);
  ASSERT_EQ(count_global(), 1);
  ASSERT_EQ(bump_total(), 2);
  ASSERT_EQ(count_global(), 3);
  ASSERT_EQ(*total, 3);

  ASSERT_EQ(swt_reload(ctx, argv[2]), 2);
  ASSERT_EQ(user_value(), 2);
  ASSERT_EQ(user_call_saved(4), 24);
  ASSERT_EQ(count_global(), 103);
  ASSERT_EQ(bump_total(), 104);
  ASSERT_EQ(count_global(), 204);
  ASSERT_EQ(*total, 204);
  ASSERT_PTR_EQ(swt_sym(ctx, "total"), total);

  ASSERT_EQ(swt_reload(ctx, argv[3]), 3);
  ASSERT_EQ(user_value(), 3);
  ASSERT_EQ(user_call_saved(4), 34);
  ASSERT_EQ(count_global(), 10204);
  ASSERT_EQ(bump_total(), 10205);   /* user.o writes the same `total` */
  ASSERT_EQ(count_global(), 20205);
  ASSERT_PTR_EQ(swt_sym(ctx, "total"), total);
  ASSERT_EQ(*total, 20205);

  reload_close(ctx);
  return 0;
}
