/*
 * gdb_host.c - the program gdb_test.py runs under gdb.
 *
 *   gdb_host V1.o V2.o
 *
 * Links V1.o, calls its dbg_target(5) from call_target() (outside the
 * arena, built with -g -O0), reloads the object with V2.o's bytes and
 * calls it again.  It prints "v1 result N" and "v2 result N", so the test
 * can tell that the program ran to the end.  The markers in comments are
 * how the test finds the lines it expects gdb to name; keep them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbgtest.h"

static __attribute__((noinline)) int call_target(reload_ctx *ctx, int x) {
  int (*fn)(int) = (int (*)(int))dbg_fn(dbg_entry(ctx, "dbg_target"));
  int r = fn(x); /* HOST CALL */
  return r;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: gdb_host V1.o V2.o\n");
    return 2;
  }
  reload_ctx *ctx = reload_open(NULL);
  ASSERT_NOT_NULL(ctx);
  DBG_OK(ctx, reload_add_file(ctx, argv[1]));
  DBG_OK(ctx, reload_link(ctx));
  int r1 = call_target(ctx, 5); /* MAIN V1 */
  printf("v1 result %d\n", r1);
  size_t len;
  void *v2 = dbg_slurp(argv[2], &len);
  DBG_OK(ctx, reload_update_memory(ctx, argv[1], v2, len));
  free(v2);
  int r2 = call_target(ctx, 5); /* MAIN V2 */
  printf("v2 result %d\n", r2);
  fflush(stdout);
  reload_close(ctx);
  return 0;
}
