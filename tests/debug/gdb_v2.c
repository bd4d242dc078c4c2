/*
 * gdb_v2.c - version 2 of the object gdb_test.py debugs: dbg_helper has a
 * local only this version has, and its lines moved.  Built with -g -O0.
 * The markers in comments are how the test finds the lines it expects gdb
 * to name; keep them.
 */

/* An extra line or two, so that no line number matches version 1's. */

static int dbg_helper(int x) {
  int only_v2 = x * 3; /* V2 BREAK */
  return only_v2 + 1;
}

int dbg_target(int x) {
  int r = dbg_helper(x); /* V2 CALL */
  return r;
}
