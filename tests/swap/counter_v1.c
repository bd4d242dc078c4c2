/* counter, version 1: the object most swap tests reload.
 *
 * Versions 2 and 3 keep the names and change what the functions return or
 * how far the counters step, so a test can tell which version ran and
 * whether the state was carried: version N steps each counter by 100^(N-1)
 * and value() returns N.  The callbacks are static and reached only through
 * a table in writable data, as a vtable would be. */

static int calls;   /* a static */
int total;          /* a global */

int value(void) { return 1; }

int count_static(void) { return calls += 1; }

int count_global(void) { return total += 1; }

/* GCC names this static local `n.0`, clang `count_local.n`. */
int count_local(void) {
  static int n;
  return n += 1;
}

static int cb_add(int x) { return x + 10; }

static int cb_mul(int x) { return x * 3; }

int (*table[2])(int) = {cb_add, cb_mul};

int call_table(int i, int x) { return table[i](x); }

int (*get_cb(int i))(int) { return table[i]; }

/* Gone in version 2. */
int removed_fn(void) { return 7; }
