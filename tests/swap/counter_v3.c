/* counter, version 3: new variables in front of the old ones change the
 * layout of .data and .bss, so the old values must be copied over one by
 * one rather than kept with their section. */

int fresh = 77;             /* new: starts from this object */
int fresh_bss[5];           /* new; global, so it is not optimised away */
static int calls;
int total;

int value(void) { return 3; }

int count_static(void) { return calls += 10000; }

int count_global(void) { return total += 10000; }

int count_local(void) {
  static int n;
  return n += 10000;
}

static int cb_add(int x) { return x + 30; }

static int cb_mul(int x) { return x * 7; }

int (*table[2])(int) = {cb_add, cb_mul};

int call_table(int i, int x) { return table[i](x); }

int (*get_cb(int i))(int) { return table[i]; }

int added_fn(void) { return 43; }

int get_fresh(void) { return fresh + fresh_bss[0]; }
