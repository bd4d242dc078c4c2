/* cli_lib_v1.c - version 1 of the object cli_test.py reloads. */
static int calls;

int lib_old(int x) { return x + calls; }

int lib_value(void) {
  calls++;
  return 1;
}
