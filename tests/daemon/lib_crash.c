/* lib_crash.c - a version that crashes when called: with [reload] guard,
 * reloadd must roll it back and carry on with the previous version. */
static int count;
int lib_value(void) {
  count++;
  return *(volatile int *)0;
}
int lib_count(void) { return count; }
