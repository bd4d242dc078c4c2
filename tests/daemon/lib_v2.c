/* lib_v2.c - version 2 of the reloaded object: lib_value() returns 2;
 * the call counter is state that must survive reloads. */
static int count;
int lib_value(void) {
  count++;
  return 2;
}
int lib_count(void) { return count; }
