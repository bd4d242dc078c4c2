/*
 * stacks.c - is any thread still in this code?  A conservative scan of
 * every thread's stack, asked before an old version is unmapped.
 *
 * A thread asleep in a system call made from old code does not fault, and
 * would crash on its return if the code were gone.  So before unmapping,
 * each other thread is sent a signal whose handler publishes its stack
 * pointer and program counter (nothing else: that is async-signal-safe),
 * and the words of its stack from there to the end of the stack's mapping
 * are compared with the code ranges about to go, as a conservative garbage
 * collector scans for pointers.  The calling thread scans its own stack.
 * Any match, or a thread that does not answer in time, keeps the code.
 *
 * The signal is SIGRTMAX-1, with SA_RESTART so that interrupted system
 * calls resume.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "internal.h"

struct snap {
  pid_t tid;
  volatile uint64_t sp, pc;
  volatile int done;
};

/* Static, not allocated: a late answer must never write freed memory. */
#define MAXT 1024
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct snap snapbuf[MAXT];
static struct snap *volatile snaps;
static volatile int nsnaps;
static int sig;

static void on_probe(int s, siginfo_t *si, void *ucp) {
  (void)s;
  (void)si;
  int saved = errno;
  pid_t me = (pid_t)syscall(SYS_gettid);
  ucontext_t *uc = ucp;
  struct snap *v = __atomic_load_n(&snaps, __ATOMIC_ACQUIRE);
  int n = __atomic_load_n(&nsnaps, __ATOMIC_ACQUIRE);
  for (int i = 0; v && i < n; i++)
    if (__atomic_load_n(&v[i].tid, __ATOMIC_RELAXED) == me) {
      __atomic_store_n(&v[i].sp, (uint64_t)uc->uc_mcontext.gregs[REG_RSP],
                       __ATOMIC_RELAXED);
      __atomic_store_n(&v[i].pc, (uint64_t)uc->uc_mcontext.gregs[REG_RIP],
                       __ATOMIC_RELAXED);
      __atomic_store_n(&v[i].done, 1, __ATOMIC_RELEASE);
    }
  errno = saved;
}

static void install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_probe;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sig = SIGRTMAX - 1;
  sigaction(sig, &sa, NULL);
}

/* The end of the mapping that holds `addr`, from /proc/self/maps. */
static uint64_t map_end(const uint64_t (*maps)[2], size_t n, uint64_t addr) {
  for (size_t i = 0; i < n; i++)
    if (maps[i][0] <= addr && addr < maps[i][1])
      return maps[i][1];
  return 0;
}

static size_t read_maps(uint64_t (**out)[2]) {
  FILE *f = fopen("/proc/self/maps", "re");
  if (!f)
    return 0;
  size_t n = 0, cap = 256;
  uint64_t(*v)[2] = malloc(cap * sizeof *v);
  char line[512];
  while (v && fgets(line, sizeof line, f)) {
    unsigned long a, b;
    if (sscanf(line, "%lx-%lx", &a, &b) != 2)
      continue;
    if (n == cap) {
      cap *= 2;
      uint64_t(*nv)[2] = realloc(v, cap * sizeof *v);
      if (!nv)
        break;
      v = nv;
    }
    v[n][0] = a;
    v[n][1] = b;
    n++;
  }
  fclose(f);
  *out = v;
  return v ? n : 0;
}

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(a, n) ((void)(a), (void)(n))
#endif

/* Mark in `hit` every range that a word of [lo, hi) points into.  It
 * reads other threads' stacks and dead parts of its own on purpose, which
 * the sanitizers and valgrind must be told. */
__attribute__((no_sanitize("address", "thread")))
static void scan(uint64_t lo, uint64_t hi, const uint64_t (*ranges)[2],
                 size_t nr, bool *hit) {
  lo = RELOAD__ALIGN_UP(lo, 8);
  for (uint64_t a = lo; a + 8 <= hi; a += 8) {
    uint64_t w = *(const volatile uint64_t *)(uintptr_t)a;
    VALGRIND_MAKE_MEM_DEFINED(&w, sizeof w);
    for (size_t i = 0; i < nr; i++)
      if (w >= ranges[i][0] && w < ranges[i][1])
        hit[i] = true;
  }
}

bool reload__stacks_scan(const uint64_t (*ranges)[2], size_t nr, bool *hit) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, install);
  memset(hit, 0, nr * sizeof *hit);
  pthread_mutex_lock(&lock);
  pid_t me = (pid_t)syscall(SYS_gettid), pid = getpid();
  int n = 0;
  bool complete = true;
  struct snap *v = snapbuf;
  DIR *d = opendir("/proc/self/task");
  if (!d) {
    pthread_mutex_unlock(&lock);
    return false;
  }
  for (struct dirent *e; (e = readdir(d));) {
    pid_t t = (pid_t)atoi(e->d_name);
    if (t <= 0 || t == me)
      continue;
    if (n == MAXT) {
      complete = false;
      break;
    }
    __atomic_store_n(&v[n].sp, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&v[n].pc, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&v[n].done, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&v[n++].tid, t, __ATOMIC_RELAXED);
  }
  closedir(d);
  __atomic_store_n(&nsnaps, n, __ATOMIC_RELEASE);
  __atomic_store_n(&snaps, v, __ATOMIC_RELEASE);
  for (int i = 0; i < n; i++)
    if (syscall(SYS_tgkill, pid, __atomic_load_n(&v[i].tid, __ATOMIC_RELAXED),
                sig) != 0)
      __atomic_store_n(&v[i].done, -1, __ATOMIC_RELEASE); /* exited */
  /* Wait for the answers, up to 100 ms in all. */
  struct timespec ts = {0, 200000};
  for (int tries = 0; tries < 500; tries++) {
    int pending = 0;
    for (int i = 0; i < n; i++)
      pending += __atomic_load_n(&v[i].done, __ATOMIC_ACQUIRE) == 0;
    if (!pending)
      break;
    nanosleep(&ts, NULL);
  }
  uint64_t(*maps)[2] = NULL;
  size_t nmaps = read_maps(&maps);
  uint64_t here = (uint64_t)(uintptr_t)&here;
  uint64_t end = map_end((const uint64_t(*)[2])maps, nmaps, here);
  if (end)
    scan(here, end, ranges, nr, hit);
  else
    complete = false;
  for (int i = 0; i < n; i++) {
    int done = __atomic_load_n(&v[i].done, __ATOMIC_ACQUIRE);
    if (done < 0)
      continue;
    if (done == 0) {
      complete = false; /* no answer: assume the worst */
      continue;
    }
    uint64_t pc = __atomic_load_n(&v[i].pc, __ATOMIC_RELAXED);
    uint64_t sp = __atomic_load_n(&v[i].sp, __ATOMIC_RELAXED);
    for (size_t k = 0; k < nr; k++)
      if (pc >= ranges[k][0] && pc < ranges[k][1])
        hit[k] = true;
    uint64_t top = map_end((const uint64_t(*)[2])maps, nmaps, sp);
    if (top)
      scan(sp, top, ranges, nr, hit);
    else
      complete = false;
  }
  __atomic_store_n(&snaps, NULL, __ATOMIC_RELEASE);
  __atomic_store_n(&nsnaps, 0, __ATOMIC_RELEASE);
  free(maps);
  pthread_mutex_unlock(&lock);
  return complete;
}
