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
 * collector scans for pointers.  The calling thread scans its own stack
 * from where it entered the library: the library's frames below that hold
 * the very ranges being looked for, and would always match.
 * A thread that has the signal blocked is asked of the kernel instead,
 * when it is asleep there.  Any match, or a thread that cannot be asked,
 * keeps the code.
 *
 * The signal is SIGRTMAX-1, with SA_RESTART so that interrupted system
 * calls resume.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "words.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* The general registers a thread's answer carries besides sp and pc. */
static const int regs[] = {REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI,
                           REG_RDI, REG_RBP, REG_R8,  REG_R9,  REG_R10,
                           REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
#define NREGS (int)(sizeof regs / sizeof *regs)

struct snap {
  pid_t tid;
  volatile uint64_t sp, pc;
  uint64_t regs[15];
  volatile int done; /* 0 asked, 2 answering, 1 answered, -1 gone */
};

/* Static, not allocated: a late answer must never write freed memory. */
#define MAXT 1024
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct snap snapbuf[MAXT];
static uint64_t asleep[MAXT][2]; /* under `lock`, like the rest */
static bool asleep_ok[MAXT];
static pid_t silent[MAXT]; /* threads that did not answer the last scan */
static int nsilent;
static struct snap *volatile snaps;
/* A stack pointer of every thread the last scan read (its own first). */
static uint64_t stack_at[MAXT];
static int nstacks;
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
  /* Only the first answer counts: a second one (a late signal of an
   * earlier scan) must not tear the pair the scanner is reading. */
  for (int i = 0; v && i < n; i++) {
    int idle = 0;
    if (__atomic_load_n(&v[i].tid, __ATOMIC_RELAXED) == me &&
        __atomic_compare_exchange_n(&v[i].done, &idle, 2, false,
                                    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
      /* A late answer to an earlier scan may have read the slot before
       * the scanner gave it to another thread. */
      if (__atomic_load_n(&v[i].tid, __ATOMIC_ACQUIRE) != me) {
        __atomic_store_n(&v[i].done, 0, __ATOMIC_RELEASE);
        continue;
      }
      __atomic_store_n(&v[i].sp, (uint64_t)uc->uc_mcontext.gregs[REG_RSP],
                       __ATOMIC_RELAXED);
      __atomic_store_n(&v[i].pc, (uint64_t)uc->uc_mcontext.gregs[REG_RIP],
                       __ATOMIC_RELAXED);
      for (int k = 0; k < NREGS; k++)
        __atomic_store_n(&v[i].regs[k],
                         (uint64_t)uc->uc_mcontext.gregs[regs[k]],
                         __ATOMIC_RELAXED);
      __atomic_store_n(&v[i].done, 1, __ATOMIC_RELEASE);
    }
  }
  errno = saved;
}

/* Read /proc/self/task/TID/NAME into buf, NUL-terminated; its length,
 * or 0 when it cannot be read. */
static size_t task_file(pid_t tid, const char *name, char *buf, size_t n) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/%s", (int)tid, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t len = read(fd, buf, n - 1);
  close(fd);
  if (len <= 0)
    return 0;
  buf[len] = 0;
  return (size_t)len;
}

/* Where a thread that does not answer sleeps, from
 * /proc/self/task/TID/syscall: "NR ARG1..ARG6 SP PC" in a system call,
 * "-1 SP PC" blocked elsewhere in the kernel, "running" otherwise. */
static bool asleep_at(pid_t tid, uint64_t out[2]) {
  char buf[256];
  if (!task_file(tid, "syscall", buf, sizeof buf) || buf[0] == 'r')
    return false;
  uint64_t f[9];
  int nf = 0;
  for (char *p = buf, *end; nf < 9; p = end) {
    errno = 0;
    unsigned long long x = strtoull(p, &end, 0);
    if (end == p || errno)
      break;
    f[nf++] = x;
  }
  if (nf != 3 && nf != 9)
    return false;
  out[0] = f[nf - 2];
  out[1] = f[nf - 1];
  return out[0] != 0;
}

static bool was_silent(pid_t t) {
  for (int i = 0; i < nsilent; i++)
    if (silent[i] == t)
      return true;
  return false;
}

/* Is the probe signal pending for thread t (SigPnd in its status)? */
static bool probe_pending(pid_t t) {
  char buf[4096];
  if (!task_file(t, "status", buf, sizeof buf))
    return false;
  const char *p = strstr(buf, "\nSigPnd:");
  if (!p)
    return false;
  unsigned long long mask = strtoull(p + 9, NULL, 16);
  return sig >= 1 && sig <= 64 && (mask >> (sig - 1)) & 1;
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

size_t reload__stacks_last(uint64_t *out, size_t max) {
  pthread_mutex_lock(&lock);
  size_t n = (size_t)nstacks < max ? (size_t)nstacks : max;
  memcpy(out, stack_at, n * sizeof *out);
  pthread_mutex_unlock(&lock);
  return n;
}

bool reload__stacks_scan(const uint64_t (*ranges)[2], size_t nr, bool *hit,
                         uint64_t self_sp,
                         bool (*harmless)(const void *, size_t, uint64_t,
                                          uint64_t),
                         const void *ud) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, install);
  memset(hit, 0, nr * sizeof *hit);
  reload__words w;
  if (!reload__words_init(&w, ranges, nr))
    return false;
  w.harmless = harmless;
  w.ud = ud;
  pthread_mutex_lock(&lock);
  pid_t me = (pid_t)syscall(SYS_gettid), pid = getpid();
  int n = 0;
  bool complete = true;
  struct snap *v = snapbuf;
  DIR *d = opendir("/proc/self/task");
  if (!d) {
    pthread_mutex_unlock(&lock);
    reload__words_free(&w);
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
    __atomic_store_n(&v[n].tid, t, __ATOMIC_RELEASE);
    __atomic_store_n(&v[n].sp, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&v[n].pc, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&v[n++].done, 0, __ATOMIC_RELEASE);
  }
  closedir(d);
  __atomic_store_n(&nsnaps, n, __ATOMIC_RELEASE);
  __atomic_store_n(&snaps, v, __ATOMIC_RELEASE);
  /* The signal is a realtime one, so it queues: a thread that blocks it
   * and still has one pending from an earlier scan is not sent another
   * (they would pile up to the user's limit of pending signals, and then
   * sending fails). */
  for (int i = 0; i < n; i++) {
    pid_t t = __atomic_load_n(&v[i].tid, __ATOMIC_RELAXED);
    if (was_silent(t) && probe_pending(t))
      continue;
    if (syscall(SYS_tgkill, pid, t, sig) != 0 && errno == ESRCH)
      __atomic_store_n(&v[i].done, -1, __ATOMIC_RELEASE); /* exited */
    /* any other failure: no answer, the scan is incomplete */
  }
  /* Wait for the answers.  A thread with the signal blocked (a watcher
   * thread that leaves signals to the main one, say) cannot answer; if it
   * is asleep in the kernel, the kernel says where: its stack pointer and
   * program counter.  A thread busy with the signal blocked tells nobody:
   * after 20 ms the scan is incomplete, nothing is unmapped this time, and
   * a later pass asks again.  Reloads wait for this, so it stays short. */
  memset(asleep_ok, 0, (size_t)n * sizeof *asleep_ok);
  struct timespec ts = {0, 100000};
  for (int tries = 0; tries < 200; tries++) {
    int pending = 0;
    for (int i = 0; i < n; i++) {
      int done = __atomic_load_n(&v[i].done, __ATOMIC_ACQUIRE);
      if (done == 1 || done < 0 || asleep_ok[i])
        continue;
      /* Under valgrind the kernel sees valgrind's stacks, not the
       * program's: only an answer to the signal will do there. */
      if (tries >= 5 && !RUNNING_ON_VALGRIND)
        asleep_ok[i] = asleep_at(
            __atomic_load_n(&v[i].tid, __ATOMIC_RELAXED), asleep[i]);
      pending += !asleep_ok[i];
    }
    if (!pending)
      break;
    nanosleep(&ts, NULL);
  }
  reload__maps maps;
  if (!reload__maps_read(&maps))
    complete = false;
  uint64_t here = self_sp ? self_sp : (uint64_t)(uintptr_t)&here;
  const struct reload__map *mine = reload__maps_find(&maps, here);
  if (!mine || !reload__words_scan(here, mine->hi, &w, hit))
    complete = false;
  nstacks = 0;
  if (mine)
    stack_at[nstacks++] = here;
  for (int i = 0; i < n; i++) {
    int done = __atomic_load_n(&v[i].done, __ATOMIC_ACQUIRE);
    if (done < 0)
      continue;
    uint64_t sp, pc;
    if (done == 1) {
      pc = __atomic_load_n(&v[i].pc, __ATOMIC_RELAXED);
      sp = __atomic_load_n(&v[i].sp, __ATOMIC_RELAXED);
    } else if (asleep_ok[i]) {
      sp = asleep[i][0];
      pc = asleep[i][1];
    } else {
      complete = false; /* no answer: assume the worst */
      continue;
    }
    reload__words_mark_exact(&w, pc, hit);
    for (int k = 0; done == 1 && k < NREGS; k++)
      reload__words_mark_exact(
          &w, __atomic_load_n(&v[i].regs[k], __ATOMIC_RELAXED), hit);
    const struct reload__map *st = reload__maps_find(&maps, sp);
    if (!st || !reload__words_scan(sp, st->hi, &w, hit))
      complete = false;
    if (nstacks < MAXT)
      stack_at[nstacks++] = sp;
  }
  nsilent = 0;
  for (int i = 0; i < n; i++)
    if (__atomic_load_n(&v[i].done, __ATOMIC_ACQUIRE) != 1)
      silent[nsilent++] = v[i].tid;
  __atomic_store_n(&snaps, NULL, __ATOMIC_RELEASE);
  __atomic_store_n(&nsnaps, 0, __ATOMIC_RELEASE);
  reload__maps_free(&maps);
  pthread_mutex_unlock(&lock);
  reload__words_free(&w);
  return complete;
}
