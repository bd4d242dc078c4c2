/* lib_stop.c - the version that tells host_main.c to finish (99). */
static int count;
int lib_value(void) {
  count++;
  return 99;
}
int lib_count(void) { return count; }
