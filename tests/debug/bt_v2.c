/*
 * bt_v2.c - version 2 of the object the unwinding tests load: one more
 * frame between bt_outer and bt_inner, and bt_through returns r * 3.
 * Built as bt_v1.c is.
 */
int host_leaf(void **pcs, int max);
void host_throw(int x);

static __attribute__((noinline)) int bt_inner(void **pcs, int max) {
  int n = host_leaf(pcs, max);
  __asm__ volatile("" ::: "memory");
  return n;
}

static __attribute__((noinline)) int bt_middle(void **pcs, int max) {
  int n = bt_inner(pcs, max);
  __asm__ volatile("" ::: "memory");
  return n;
}

__attribute__((noinline)) int bt_outer(void **pcs, int max) {
  int n = bt_middle(pcs, max);
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
  return r * 3;
}
