/* lib_undef.c - a version that needs a symbol nobody defines: reloadd
 * must refuse it and keep the running version. */
int lib_missing_helper(int);
static int count;
int lib_value(void) {
  count++;
  return lib_missing_helper(4);
}
int lib_count(void) { return count; }
