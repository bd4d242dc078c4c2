/* cli_lib_crash.c - version 3: lib_value reads through a null pointer;
 * under [reload] guard the daemon rolls it back.  Its data are laid out as
 * version 2's, so that only lib_value counts as changed.  The marker in a
 * comment is how the test finds the line the crash report must name; keep
 * it. */
static int calls;

int lib_new(int x) { return x * calls; }

int lib_value(void) {
  calls++;
  int *volatile p = 0;
  return *p; /* CRASH HERE */
}
