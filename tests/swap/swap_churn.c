/*
 * swap_churn - old versions are unmapped (each after a scan of every
 * thread's stack) while threads come and go on stacks the program maps
 * and unmaps itself.
 *
 *   swap_churn SECONDS COUNTER_V1.o COUNTER_V2.o
 *
 * Four churn threads start short-lived threads, each on a stack of its own
 * mmap()ed and munmap()ed by the test as soon as the thread is joined.  A
 * stack scan that was told where such a thread's stack is may find it
 * gone by the time it reads it: the scan must notice (and keep what it
 * could not check), never crash.  Meanwhile the main thread swaps lib.o
 * back and forth with keep_versions 1 and a 1 ms grace, so scans run as
 * often as the library allows (ten a second).  At the end old versions
 * must have been unmapped, so the scans did complete now and then.
 */
#include "swaptest.h"

#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <sys/mman.h>

#define STACK (1024 * 1024)
#define NCHURN 4

static int stop;
static uint64_t started;

/* Alive for a millisecond: long enough to be asked where its stack is,
 * short enough to be gone (and its stack with it) before the scan ends. */
static void *brief(void *arg) {
  (void)arg;
  swt_sleep_ms(1);
  return NULL;
}

static void *churn(void *arg) {
  (void)arg;
  while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
    void *stk = mmap(NULL, STACK, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    ASSERT(stk != MAP_FAILED);
    pthread_attr_t at;
    pthread_t t;
    ASSERT_EQ(pthread_attr_init(&at), 0);
    ASSERT_EQ(pthread_attr_setstack(&at, stk, STACK), 0);
    ASSERT_EQ(pthread_create(&t, &at, brief, NULL), 0);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&at);
    ASSERT_EQ(munmap(stk, STACK), 0);
    __atomic_add_fetch(&started, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

int main(int argc, char **argv) {
  swt_args(argc, argv);
  ASSERT_EQ(argc, 4);
  uint64_t ms = (uint64_t)atoi(argv[1]) * 1000;
  reload_options opt;
  memset(&opt, 0, sizeof opt);
  opt.retire_ms = 1;
  opt.keep_versions = 1;
  reload_ctx *ctx = swt_open(&opt, argv[2], NULL);
  pthread_t c[NCHURN];
  for (int i = 0; i < NCHURN; i++)
    ASSERT_EQ(pthread_create(&c[i], NULL, churn, NULL), 0);
  uint64_t t0 = swt_now_ms();
  int v = 1, swaps = 0;
  while (swt_now_ms() - t0 < ms) {
    ASSERT_EQ(swt_reload(ctx, (v & 1) ? argv[3] : argv[2]), v + 1);
    v++;
    swaps++;
    swt_sleep_ms(5);
    reload_retire(ctx);
  }
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < NCHURN; i++)
    ASSERT_EQ(pthread_join(c[i], NULL), 0);
  swt_versions l;
  swt_list(ctx, &l);
  int gone = 0;
  for (int i = 1; i < v - 2 && i < 64; i++)
    gone += l.state[i] < 0;
  fprintf(stderr, "%d swaps, %llu threads started and unmapped, %d of the "
                  "first %d versions unmapped\n",
          swaps, (unsigned long long)started, gone, v - 3 < 63 ? v - 3 : 63);
  ASSERT_GT(started, 100);
  /* ThreadSanitizer's trace buffers hold the program counters of code
   * that ran, so the scan before unmapping rightly keeps those versions. */
  const char *setup = getenv("RELOAD_TEST_SETUP");
  if (!setup || strcmp(setup, "tsan") != 0)
    ASSERT_GT(gone, 0);
  reload_close(ctx);
  return 0;
}
