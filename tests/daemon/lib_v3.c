/* lib_v3.c - version 3 of the reloaded object: lib_value() returns 3;
 * the call counter is state that must survive reloads. */
static int count;
int lib_value(void) {
  count++;
  return 3;
}
int lib_count(void) { return count; }
