/* lib_v1.c - version 1 of the reloaded object: lib_value() returns 1;
 * the call counter is state that must survive reloads. */
static int count;
int lib_value(void) {
  count++;
  return 1;
}
int lib_count(void) { return count; }
