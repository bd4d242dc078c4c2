/* next_lib.c: libnativenext.so, a library the program is linked with,
 * which defines a name the program defines too. */
int next_value(void) { return 7; }
