/* mem_lib.c - the object soak_memory reloads, built as two versions
 * (-DVERSION=1 and -DVERSION=2).  It has something in every section class
 * a real object has: code, read-only data, a table of function pointers in
 * writable data (relocated), a zero-initialised buffer and a static
 * counter.  The variables keep their sizes, so their values carry over
 * each reload; step() adds VERSION to the counter, so the test can tell
 * which versions ran and that no reload reset or skipped the state. */
#ifndef VERSION
#error "build with -DVERSION=1 or -DVERSION=2"
#endif

#define STR2(x) #x
#define STR(x) STR2(x)

static int calls;
static unsigned char scratch[16384];

int value(void) { return VERSION; }

int step(void) {
  scratch[(unsigned)calls % sizeof scratch]++;
  return calls += VERSION;
}

const char *name(void) { return "mem v" STR(VERSION); }

static int add(int x) { return x + 10 * VERSION; }
static int mul(int x) { return x * (VERSION + 2); }

int (*table[2])(int) = {add, mul};

int call_table(int i, int x) { return table[i](x); }
