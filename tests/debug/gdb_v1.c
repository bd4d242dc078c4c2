/*
 * gdb_v1.c - version 1 of the object gdb_test.py debugs.  Built with -g
 * -O0, so that each statement has its own line.  The markers in comments
 * are how the test finds the lines it expects gdb to name; keep them.
 */
static int dbg_helper(int x) {
  int only_v1 = x * 2; /* V1 BREAK */
  return only_v1 + 1;
}

int dbg_target(int x) {
  int r = dbg_helper(x); /* V1 CALL */
  return r;
}
