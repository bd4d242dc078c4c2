/*
 * swap_state - what is state and what belongs to a version (issue "Hot
 * reload stays correct on real programs", part 1).
 *
 *   swap_state goto|goto-safepoint INTERP_V1.o INTERP_V2.o
 *   swap_state table TABLE_V1.o TABLE_V2.o TABUSER.o
 *   swap_state shared TABLE_V1.o TABLE_V2.o TABUSER.o
 *
 * goto: a computed-goto interpreter keeps running its dispatch loop in a
 * thread while its object is reloaded (at once, or queued for a safepoint
 * the loop never reaches).  The old loop must go on jumping through its
 * own version's label table, and compute exactly what version 1 computes;
 * the next call runs version 2.
 *
 * table: an edit to a const table reaches an object that reads it through
 * its GOT; one that reads it directly keeps the old table, and the reload
 * says so.
 *
 * shared: with one old version kept and a 1 ms grace, a dozen reloads
 * unmap old versions while the variables every version shares (COMMON
 * ones, a plain one, one that a reload added) and the table another
 * object holds stay valid.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "swaptest.h"

enum { OP_ADD, OP_XOR, OP_MIX, OP_LOOP };
static const unsigned char code[] = {OP_ADD, OP_XOR, OP_MIX, OP_ADD, OP_LOOP};

typedef long (*run_fn)(const unsigned char *, const volatile int *, long *);
typedef int (*int_fn)(void);
typedef int (*int1_fn)(int);
typedef long (*long_fn)(void);

/* interp.c's semantics, for `passes` passes over `code`. */
static long reference(int version, long passes) {
  unsigned long acc = 7, n = 0;
  for (long p = 0; p < passes; p++) {
    for (size_t k = 0; k < sizeof code; k++) {
      switch (code[k]) {
      case OP_ADD:
        acc += 3 * (unsigned long)version + (n & 7);
        break;
      case OP_XOR:
        if (version == 1)
          acc ^= acc >> 3;
        else
          acc ^= (acc >> 5) + (acc << 1) + n;
        break;
      case OP_MIX:
        acc = acc * (version == 1 ? 31u : 17u) + 1;
        break;
      case OP_LOOP:
        n++;
        break;
      }
    }
  }
  return (long)acc;
}

struct job {
  run_fn run;
  volatile int gate;
  long acc, passes;
};

static void *runner(void *arg) {
  struct job *j = arg;
  j->acc = j->run(code, &j->gate, &j->passes);
  return NULL;
}

static void test_goto(bool safepoint, const char *v1, const char *v2) {
  reload_options opt = {.retire_ms = 1, .keep_versions = 4};
  if (safepoint)
    opt.mode = RELOAD_MODE_SAFEPOINT;
  reload_ctx *ctx = swt_open(&opt, v1, NULL);
  struct job j = {.run = (run_fn)swt_entry(ctx, "interp_run")};
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, NULL, runner, &j), 0);
  swt_sleep_ms(30);
  ASSERT_EQ(swt_reload(ctx, v2), 2);
  /* The old loop runs on beside the new version, and its code retires
   * and faults back in while it does. */
  for (int i = 0; i < 5; i++) {
    swt_sleep_ms(10);
    reload_retire(ctx);
  }
  j.gate = 1;
  ASSERT_EQ(pthread_join(t, NULL), 0);
  ASSERT_TRUE(j.passes > 0);
  ASSERT_EQ(j.acc, reference(1, j.passes));
  if (safepoint)
    reload_safepoint();
  ASSERT_EQ(((int_fn)swt_entry(ctx, "interp_version"))(), 2);
  struct job k = {.run = j.run, .gate = 1};
  runner(&k);
  ASSERT_EQ(k.passes, 1);
  ASSERT_EQ(k.acc, reference(2, 1));
  reload_close(ctx);
}

static void test_table(const char *v1, const char *v2, const char *user) {
  const char *extra[] = {user, NULL};
  reload_ctx *ctx = swt_open(NULL, v1, extra);
  int1_fn gamma = (int1_fn)swt_entry(ctx, "tabuser_gamma");
  ASSERT_EQ(gamma(7), 100);
  ASSERT_EQ(gamma(1), 2);
  swt_log_clear();
  ASSERT_EQ(swt_reload(ctx, v2), 2);
  int now = gamma(7);
  const char *warned = swt_log_find(RELOAD_LOG_WARN, "gamma_tab", "directly", NULL);
  if (strstr(user, "-pic")) {
    /* -fPIC code reads extern data through its GOT: the edit reaches it. */
    ASSERT_EQ(now, 200);
    ASSERT_EQ(gamma(1), 4);
  }
  /* Either the edit reached it, or the reload said why not. */
  if (now == 200)
    ASSERT_TRUE(warned == NULL);
  else {
    ASSERT_EQ(now, 100);
    ASSERT_TRUE(warned != NULL);
  }
  /* A byte-identical reload changes no table: nothing to say where the
   * reader follows, and the same warning where it still has version 1's. */
  swt_log_clear();
  ASSERT_EQ(swt_reload(ctx, v2), 3);
  ASSERT_EQ(gamma(7), now);
  warned = swt_log_find(RELOAD_LOG_WARN, "gamma_tab", "directly", NULL);
  ASSERT_TRUE((warned == NULL) == (now == 200));
  reload_close(ctx);
}

static void test_shared(const char *v1, const char *v2, const char *user) {
  reload_options opt = {.retire_ms = 1, .keep_versions = 1};
  const char *extra[] = {user, NULL};
  reload_ctx *ctx = swt_open(&opt, v1, extra);
  int_fn hits = (int_fn)swt_entry(ctx, "tabuser_hits");
  long_fn total = (long_fn)swt_entry(ctx, "tabuser_total");
  int1_fn gamma = (int1_fn)swt_entry(ctx, "tabuser_gamma");
  int first = gamma(7);
  int_fn bump = (int_fn)swt_entry(ctx, "tab_bump");
  long want_total = 5;
  int want_hits = 0, want_new = 0;
  for (int i = 0; i < 14; i++) {
    /* Version 1 again, then version 2 (byte-identical copies from then on):
     * tab_new lives where the first of them put it. */
    int v = i == 0 ? 1 : 2;
    swt_reload(ctx, v == 1 ? v1 : v2);
    if (v == 2)
      ASSERT_EQ(((int_fn)swt_entry(ctx, "tab_bump_new"))(), ++want_new);
    ASSERT_EQ(bump(), ++want_hits);
    want_total += v;
    ASSERT_EQ(hits(), want_hits);
    ASSERT_EQ(total(), want_total);
    /* The table it reads is the current one or the one it holds. */
    int g = gamma(7);
    ASSERT_TRUE(g == 100 * v || g == first);
    swt_sleep_ms(3);
    reload_retire(ctx);
    /* Unmapping waits for a stack scan, at most ten a second. */
    swt_sleep_ms(i % 4 == 3 ? 110 : 3);
    reload_retire(ctx);
  }
  swt_versions vs;
  swt_list(ctx, &vs);
  int mapped = 0;
  for (int v = 1; v <= 15 && v < 64; v++)
    mapped += vs.state[v] >= 0;
  /* Versions were really unmapped, so what stayed was really kept. */
  ASSERT_TRUE(mapped < 15);
  ASSERT_EQ(hits(), want_hits);
  ASSERT_EQ(*(int *)swt_sym(ctx, "tab_hits"), want_hits);
  ASSERT_EQ(*(int *)swt_sym(ctx, "tab_new"), want_new);
  reload_close(ctx);
}

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_TRUE(argc >= 4);
  if (strcmp(argv[1], "goto") == 0)
    test_goto(false, argv[2], argv[3]);
  else if (strcmp(argv[1], "goto-safepoint") == 0)
    test_goto(true, argv[2], argv[3]);
  else if (strcmp(argv[1], "table") == 0 && argc == 5)
    test_table(argv[2], argv[3], argv[4]);
  else if (strcmp(argv[1], "shared") == 0 && argc == 5)
    test_shared(argv[2], argv[3], argv[4]);
  else
    ASSERT_TRUE(!"usage: swap_state goto|goto-safepoint|table|shared ...");
  return 0;
}
