/* crash, version 2: risky() loads through a NULL pointer.  The pointer is
 * volatile so the compiler emits the load instead of a trap. */

int risky(int x) {
  int *volatile np = 0;
  return *np + x;
}

int steady(void) { return 5; }
