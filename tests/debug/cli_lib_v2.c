/* cli_lib_v2.c - version 2: lib_value changed, lib_old removed, lib_new
 * added. */
static int calls;

int lib_new(int x) { return x * calls; }

int lib_value(void) {
  calls++;
  return 2;
}
