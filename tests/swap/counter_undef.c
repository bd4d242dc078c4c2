/* counter, a broken version 2: it calls a function nobody defines, so the
 * reload must be refused and change nothing (not even make added_fn
 * visible). */

static int calls;
int total;

int undefined_helper_xyz(int);

int value(void) { return undefined_helper_xyz(2); }

int count_static(void) { return calls += 100; }

int count_global(void) { return total += 100; }

int count_local(void) {
  static int n;
  return n += 100;
}

static int cb_add(int x) { return x + 20; }

static int cb_mul(int x) { return x * 5; }

int (*table[2])(int) = {cb_add, cb_mul};

int call_table(int i, int x) { return table[i](x); }

int (*get_cb(int i))(int) { return table[i]; }

int added_fn(void) { return 42; }
