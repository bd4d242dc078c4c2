/* crash, version 2: risky() loads through a NULL pointer.  The pointer is
 * volatile so the compiler emits the load instead of a trap.  wild() calls
 * an address where nothing is mapped (a stale or garbage function
 * pointer). */

int risky(int x) {
  int *volatile np = 0;
  return *np + x;
}

int steady(void) { return 5; }

int wild(int x) {
  void (*volatile fp)(void) = (void (*)(void))0xdead0000ul;
  fp();
  return x;
}
