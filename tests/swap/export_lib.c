/* export_lib.c: a shared library the program uses (libreloadhook.so).  It
 * defines value() too, and calls it through its PLT: the program's
 * definition interposes on that call, as an executable's would. */
int value(void) { return -1; }

int lib_calls_value(void) { return value(); }
