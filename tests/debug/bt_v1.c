/*
 * bt_v1.c - version 1 of the object the unwinding tests load.  Built with
 * -O2 -fno-optimize-sibling-calls (every call keeps its frame) and
 * -fexceptions (so C++ exceptions may pass through its frames).
 *
 * bt_outer -> bt_inner -> host_leaf (the host's, which calls backtrace())
 * bt_through -> bt_pass -> host_throw (the host's, which may throw)
 */
int host_leaf(void **pcs, int max);
void host_throw(int x);

static __attribute__((noinline)) int bt_inner(void **pcs, int max) {
  int n = host_leaf(pcs, max);
  __asm__ volatile("" ::: "memory");
  return n;
}

__attribute__((noinline)) int bt_outer(void **pcs, int max) {
  int n = bt_inner(pcs, max);
  __asm__ volatile("" ::: "memory");
  return n;
}

static __attribute__((noinline)) int bt_pass(int x) {
  host_throw(x);
  __asm__ volatile("" ::: "memory");
  return x + 1;
}

__attribute__((noinline)) int bt_through(int x) {
  int r = bt_pass(x);
  __asm__ volatile("" ::: "memory");
  return r * 2;
}
