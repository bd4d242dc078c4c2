/* cli_lib_stop.c - the last version: lib_value returns 99, and the
 * program ends. */
static int calls;

int lib_new(int x) { return x * calls; }

int lib_value(void) {
  calls++;
  return 99;
}
