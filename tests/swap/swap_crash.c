/*
 * swap_crash - the crash guard rolls back a version that faults.
 *
 *   swap_crash CRASH_V1.o CRASH_V2.o CRASH_V3.o
 *
 * Version 2 of risky() loads through NULL.  Called under reload_guard(),
 * the guard returns RELOAD_ECRASH, the slots go back to version 1, the
 * rollback is counted and the log names the function, the object and the
 * version.  The program carries on; a good version 3 then swaps in.  A
 * fault in the host under a guard rolls nothing back, and a fault in the
 * host outside any guard kills the process with SIGSEGV as it would
 * without reload.  Version 2's wild() calls an unmapped address: the guard
 * must still catch it (the unwinder must not be let read code there) and
 * roll back, naming wild as the caller.
 */
#include "swaptest.h"

#include <signal.h>
#include <sys/wait.h>

typedef int (*fn1)(int);
typedef int (*fn0)(void);

static fn1 risky, wild;

static int call_risky(void *arg) { return risky(*(int *)arg); }
static int call_wild(void *arg) { return wild(*(int *)arg); }

/* Host code that faults: a load from an unmapped address near NULL (not
 * NULL itself, which UBSan would stop at before the fault happens). */
static volatile uintptr_t bad_addr = 16;

static int host_fault(void *arg) {
  (void)arg;
  return *(volatile int *)bad_addr;
}

static void host_fault_unguarded(void *arg) {
  (void)arg;
  fprintf(stderr, "read %d\n", *(volatile int *)bad_addr);
}

int main(int argc, char **argv) {
  swt_skip_under("valgrind", "memcheck reports the deliberate NULL loads "
                             "as errors even though the guard handles them");
  swt_args(argc, argv);
  ASSERT_EQ(argc, 4);
  reload_ctx *ctx = swt_open(NULL, argv[1], NULL);
  risky = (fn1)swt_entry(ctx, "risky");
  wild = (fn1)swt_entry(ctx, "wild");
  fn0 steady = (fn0)swt_entry(ctx, "steady");
  int one = 1;

  ASSERT_EQ(reload_guard(call_risky, &one), 2);

  ASSERT_EQ(swt_reload(ctx, argv[2]), 2);
  swt_log_clear();
  int r = reload_guard(call_risky, &one);
  fprintf(stderr, "guard: %d, message: %s\nlog:\n%s", r, reload_errmsg(ctx),
          swt_log_text());
  ASSERT_EQ(r, RELOAD_ECRASH);
  reload_stats s = swt_stats(ctx);
  ASSERT_UINT_EQ(s.rollbacks, 1);
  /* Back on version 1. */
  ASSERT_EQ(risky(1), 2);
  ASSERT_EQ(reload_guard(call_risky, &one), 2);
  ASSERT_EQ(steady(), 5);
  if (!swt_log_find(-1, "risky", "lib.o", "v2"))
    FAIL("the log does not name risky, lib.o and v2:\n%s", swt_log_text());
  swt_versions v;
  swt_list(ctx, &v);
  ASSERT_EQ(v.state[1], 0);
  ASSERT_EQ(v.state[2], 3);

  /* A fault in host code under a guard: an error, nothing rolled back. */
  ASSERT_EQ(reload_guard(host_fault, NULL), RELOAD_ECRASH);
  ASSERT_UINT_EQ(swt_stats(ctx).rollbacks, 1);
  ASSERT_EQ(risky(1), 2);

  /* The next good build swaps in as usual. */
  ASSERT_EQ(swt_reload(ctx, argv[3]), 3);
  ASSERT_EQ(risky(1), 4);
  ASSERT_EQ(reload_guard(call_risky, &one), 4);
  ASSERT_UINT_EQ(swt_stats(ctx).rollbacks, 1);
  swt_list(ctx, &v);
  ASSERT_EQ(v.state[3], 0);

  /* A call to an unmapped address in version 4 (version 2's bytes). */
  ASSERT_EQ(swt_reload(ctx, argv[2]), 4);
  swt_log_clear();
  r = reload_guard(call_wild, &one);
  fprintf(stderr, "wild: guard %d, log:\n%s", r, swt_log_text());
  ASSERT_EQ(r, RELOAD_ECRASH);
  ASSERT_UINT_EQ(swt_stats(ctx).rollbacks, 2);
  ASSERT_EQ(wild(1), 4); /* version 3 again */
  if (!swt_log_find(-1, "wild", "lib.o v4", "rolled back to v3"))
    FAIL("the log does not say wild (lib.o v4) was rolled back to v3:\n%s",
         swt_log_text());

  /* Outside any guard, a host fault is the program's own business. */
  char err[1024];
  int st = swt_child(host_fault_unguarded, NULL, err, sizeof err);
  ASSERT(WIFSIGNALED(st));
  ASSERT_EQ(WTERMSIG(st), SIGSEGV);

  reload_close(ctx);
  return 0;
}
