/*
 * swap_stale - code of a retired version that is still running, or still
 * pointed at, survives and is counted.
 *
 *   swap_stale spin|nap|raw|spin-reloads|doze-reloads|doze-blocked
 *              STALE_V1.o STALE_V2.o
 *
 * spin: a thread spins inside version 1's spin() while version 1 is
 *       retired; it faults on its next instruction, must be let go on, and
 *       returns version 1's value once released.
 * nap:  the same with the thread in usleep() called from version 1's
 *       nap(): it faults on the return into retired code.
 * raw:  a raw pointer to version 1's code (not its stable entry) is called
 *       after retirement: the call lands on the function's first byte and
 *       must be forwarded to the newest version; to a static function, it
 *       must run version 1's code instead.
 * spin-reloads: as spin, but 12 more versions (all with version 2's
 *       bytes, so nothing else can stand in for version 1's code) come and
 *       are retired while the thread is still inside version 1, so version
 *       1 falls out of the versions kept (keep_versions, 8 by default); the
 *       thread must still finish.
 * doze-reloads: the same with the thread asleep in usleep() (500 ms at a
 *       time) called from version 1: nothing faults while the versions
 *       come and go, and the return address must still lead somewhere.
 * doze-blocked: doze-reloads with the asynchronous signals blocked in the dozing
 *       thread, and in a bystander thread asleep in read() all along, so
 *       neither can answer the stack probe's signal (as a watcher thread
 *       that leaves signals to the main one cannot).  Version 1 must stay
 *       while the thread dozes in it, and must be unmapped once it has
 *       left, with the bystander still asleep.
 * relay: as spin, but after the release the thread calls inner(), a
 *       static function of version 1 on another (retired) page: a call
 *       from version 1's own code is not forwarded (the compiler may have
 *       built it knowing that callee), so it returns version 1's value.
 * carry: as spin, in spin_inner() called from carry(), assembly without
 *       an unwind table on a retired page of its own: the handler's
 *       backtrace must get through it (the unwinder reads its code).
 * bounce: a thread waits in a callback that version 1's bounce() called,
 *       so its return address lies 3 bytes into bounce; meanwhile a raw
 *       call to bounce's first byte is forwarded to version 2.  Forwarding
 *       must leave the bytes the waiting thread returns to as they were:
 *       it returns into version 1 and finishes there.
 * Each hit is counted in reload_get_stats().stale_hits and in the
 * version's stale_hits, and logged as "stale code reached: lib.o v1,
 * function NAME".
 */
#include "swaptest.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*hold_fn)(volatile int *, volatile int *);
typedef int (*fn0)(void);
typedef void *(*ptr_fn)(void);

static hold_fn hold;
static volatile int entered, release;
static int result;

static int block_signals;

/* Block what a thread that leaves signals to the main one blocks: all but
 * the synchronous ones (a fault with SIGSEGV blocked kills the process, so
 * no program blocks those). */
static void block_async_signals(void) {
  sigset_t s;
  sigfillset(&s);
  sigdelset(&s, SIGSEGV);
  sigdelset(&s, SIGBUS);
  sigdelset(&s, SIGILL);
  sigdelset(&s, SIGFPE);
  pthread_sigmask(SIG_SETMASK, &s, NULL);
}

static void *holder(void *arg) {
  (void)arg;
  if (block_signals)
    block_async_signals();
  result = hold(&entered, &release);
  return NULL;
}

/* Asleep in read() with every signal blocked until the pipe is written. */
static void *bystander(void *arg) {
  int fd = *(int *)arg;
  block_async_signals();
  char c;
  while (read(fd, &c, 1) < 0 && errno == EINTR)
    ;
  return NULL;
}

/* Once the thread has left version 1 for good, it goes: retire until it
 * is unmapped (a stack scan runs at most ten times a second). */
static void check_dropped(reload_ctx *ctx) {
  swt_versions v;
  for (int i = 0; i < 50; i++) {
    swt_sleep_ms(120);
    reload_retire(ctx);
    swt_list(ctx, &v);
    if (v.state[1] < 0)
      return;
  }
  /* ThreadSanitizer's trace buffers hold the program counters of code
   * that ran, so the scan before unmapping rightly keeps version 1. */
  const char *setup = getenv("RELOAD_TEST_SETUP");
  if (setup && strcmp(setup, "tsan") == 0) {
    printf("under tsan: version 1 stays mapped, as its trace buffers "
           "point into it\n");
    return;
  }
  FAIL("version 1 still mapped (state %d) 6 s after the last thread left "
       "it: the stack scan never completed",
       v.state[1]);
}

/* Wait until retirement: the version's state is 2. */
static void retire_v1(reload_ctx *ctx) {
  swt_versions v;
  swt_sleep_ms(80); /* past retire_ms (50) */
  reload_retire(ctx);
  swt_list(ctx, &v);
  ASSERT_EQ(v.state[2], 0);
  ASSERT_EQ(v.state[1], 2);
}

static void check_counted(reload_ctx *ctx, const char *fn) {
  reload_stats s = swt_stats(ctx);
  swt_versions v;
  swt_list(ctx, &v);
  fprintf(stderr, "stale hits: %llu (v1: %llu, %s)\n",
          (unsigned long long)s.stale_hits,
          (unsigned long long)v.stale_hits[1],
          v.state[1] < 0 ? "unmapped" : "mapped");
  ASSERT_UINT_GE(s.stale_hits, 1);
  if (v.state[1] >= 0) /* once nothing runs it, it may be unmapped */
    ASSERT_UINT_GE(v.stale_hits[1], 1);
  ASSERT_UINT_EQ(v.stale_hits[2], 0);
  reload_retire(ctx); /* hits are logged outside the fault handler */
  const char *line =
      swt_log_find(RELOAD_LOG_WARN, "stale code reached: lib.o v1", fn, NULL);
  if (!line)
    FAIL("no stale-code warning for %s; log:\n%s", fn, swt_log_text());
  fprintf(stderr, "logged: %s\n", line);
}

static void thread_case(reload_ctx *ctx, const char *name, const char *v2,
                        int more) {
  pthread_t t;
  hold = (hold_fn)swt_entry(ctx, name);
  ASSERT_EQ(pthread_create(&t, NULL, holder, NULL), 0);
  while (!entered)
    swt_sleep_ms(1);
  ASSERT_EQ(swt_reload(ctx, v2), 2);
  retire_v1(ctx);
  for (int i = 0; i < more; i++)
    ASSERT_EQ(swt_reload(ctx, v2), i + 3); /* never v1's bytes again */
  if (more) {
    swt_sleep_ms(80);
    reload_retire(ctx);
  }
  /* The holder runs version 1's code in retired pages: it must fault and
   * be let go on. */
  uint64_t t0 = swt_now_ms();
  while (swt_stats(ctx).stale_hits == 0) {
    if (swt_now_ms() - t0 > 5000)
      FAIL("the thread in retired %s() never faulted", name);
    swt_sleep_ms(1);
  }
  swt_sleep_ms(10); /* it keeps running the old code for a while */
  release = 1;
  ASSERT_EQ(pthread_join(t, NULL), 0);
  ASSERT_EQ(result, 1); /* version 1 finished */
  check_counted(ctx, name);
  /* New calls run version 2. */
  ASSERT_EQ(hold(&entered, &release), 2);
}

static void raw_case(reload_ctx *ctx, const char *v2) {
  ptr_fn raw_ptr = (ptr_fn)swt_entry(ctx, "raw_ptr");
  fn0 old = (fn0)swt_to_fn(raw_ptr());
  ASSERT_EQ(old(), 1);
  fn0 old_static =
      (fn0)swt_to_fn(((ptr_fn)swt_entry(ctx, "raw_static_ptr"))());
  ASSERT_EQ(old_static(), 1);
  ASSERT_EQ(swt_reload(ctx, v2), 2);
  ASSERT_EQ(old(), 1); /* not retired yet: still version 1's code */
  fn0 now = (fn0)swt_to_fn(raw_ptr());
  ASSERT_PTR_NE(swt_from_fn((swt_fn)now), swt_from_fn((swt_fn)old));
  ASSERT_EQ(now(), 2);
  retire_v1(ctx);
  ASSERT_UINT_EQ(swt_stats(ctx).stale_hits, 0);
  ASSERT_EQ(old(), 2); /* forwarded to the newest version */
  ASSERT_EQ(old(), 2);
  check_counted(ctx, "raw_target");
  /* A static function: version 1's code runs. */
  ASSERT_EQ(old_static(), 1);
  reload_retire(ctx); /* logs the hit */
  if (!swt_log_find(RELOAD_LOG_WARN, "function raw_static", "(let it finish)",
                    NULL))
    FAIL("no \"function raw_static (let it finish)\" line; log:\n%s",
         swt_log_text());
}

typedef int (*bounce_fn)(int (*)(void));
static bounce_fn old_bounce;

/* Atomics: this is instrumented code (TSan), unlike the loaded objects. */
static int wait_cb(void) {
  __atomic_store_n(&entered, 1, __ATOMIC_RELEASE);
  while (!__atomic_load_n(&release, __ATOMIC_ACQUIRE))
    usleep(1000);
  return 0;
}

static int nop_cb(void) { return 0; }

static void *bouncer(void *arg) {
  (void)arg;
  result = old_bounce(wait_cb);
  return NULL;
}

static void bounce_case(reload_ctx *ctx, const char *v2) {
  ptr_fn raw_bounce = (ptr_fn)swt_entry(ctx, "raw_bounce");
  old_bounce = (bounce_fn)swt_to_fn(raw_bounce());
  ASSERT_EQ(old_bounce(nop_cb), 1);
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, NULL, bouncer, NULL), 0);
  while (!__atomic_load_n(&entered, __ATOMIC_ACQUIRE))
    swt_sleep_ms(1);
  ASSERT_EQ(swt_reload(ctx, v2), 2);
  retire_v1(ctx);
  ASSERT_EQ(old_bounce(nop_cb), 2); /* forwarded */
  __atomic_store_n(&release, 1, __ATOMIC_RELEASE);
  ASSERT_EQ(pthread_join(t, NULL), 0);
  ASSERT_EQ(result, 1); /* back in version 1's bytes, as they were */
  check_counted(ctx, "bounce");
  swt_versions v;
  swt_list(ctx, &v);
  ASSERT_UINT_EQ(v.stale_hits[1], 2); /* the forwarded call, the return */
  ASSERT(swt_log_find(RELOAD_LOG_WARN, "function bounce",
                      "(forwarded to the newest version)", NULL));
  ASSERT(swt_log_find(RELOAD_LOG_WARN, "function bounce", "(let it finish)",
                      NULL));
}

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_EQ(argc, 4);
  reload_options opt;
  memset(&opt, 0, sizeof opt);
  opt.retire_ms = 50;
  reload_ctx *ctx = swt_open(&opt, argv[2], NULL);
  if (!strcmp(argv[1], "spin") || !strcmp(argv[1], "nap"))
    thread_case(ctx, argv[1], argv[3], 0);
  else if (!strcmp(argv[1], "relay")) {
    thread_case(ctx, "relay", argv[3], 0);
    if (!swt_log_find(RELOAD_LOG_WARN, "function inner", "(let it finish)",
                      NULL))
      FAIL("no \"function inner (let it finish)\" line; log:\n%s",
           swt_log_text());
  } else if (!strcmp(argv[1], "carry")) {
    thread_case(ctx, "carry", argv[3], 0);
    if (!swt_log_find(RELOAD_LOG_WARN, "function spin_inner", NULL, NULL))
      FAIL("no stale-code line for spin_inner; log:\n%s", swt_log_text());
  } else if (!strcmp(argv[1], "spin-reloads"))
    thread_case(ctx, "spin", argv[3], 12);
  else if (!strcmp(argv[1], "doze-reloads"))
    thread_case(ctx, "doze", argv[3], 12);
  else if (!strcmp(argv[1], "doze-blocked")) {
    swt_skip_under("valgrind", "valgrind runs the program's threads on "
                   "stacks of its own, so the kernel cannot say where a "
                   "thread with the probe signal blocked sleeps, and "
                   "version 1 is rightly never unmapped");
    int fds[2];
    pthread_t b;
    ASSERT_EQ(pipe(fds), 0);
    ASSERT_EQ(pthread_create(&b, NULL, bystander, &fds[0]), 0);
    block_signals = 1;
    thread_case(ctx, "doze", argv[3], 12);
    check_dropped(ctx);
    ASSERT_EQ(write(fds[1], "x", 1), 1);
    ASSERT_EQ(pthread_join(b, NULL), 0);
    close(fds[0]);
    close(fds[1]);
  }
  else if (!strcmp(argv[1], "raw"))
    raw_case(ctx, argv[3]);
  else if (!strcmp(argv[1], "bounce"))
    bounce_case(ctx, argv[3]);
  else
    FAIL("unknown case %s", argv[1]);
  reload_close(ctx);
  return 0;
}
