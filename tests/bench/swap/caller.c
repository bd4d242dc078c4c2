/* The same loop twice: one calls a function of this object (a direct call,
 * as inside one version), the other one of another object (through its
 * stable entry). */
int cross_step(int x);

__attribute__((noinline)) static int local_step(int x) { return x * 3 + 1; }

long loop_local(long n) {
  long acc = 0;
  for (long i = 0; i < n; i++)
    acc += local_step((int)i);
  return acc;
}

long loop_cross(long n) {
  long acc = 0;
  for (long i = 0; i < n; i++)
    acc += cross_step((int)i);
  return acc;
}
