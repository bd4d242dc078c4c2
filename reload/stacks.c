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

#include "internal.h"

struct snap {
  pid_t tid;
  volatile uint64_t sp, pc;
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
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(a, n) ((void)(a), (void)(n))
#endif

/* The ranges to look for, sorted by start, so that a stack word costs one
 * compare against the whole span and a binary search inside it, not one
 * compare per range: a thread's stack (with the sanitizers' per-thread
 * state beside it) can be a megabyte, and a long-running program can have
 * hundreds of versions waiting to be dropped. */
struct want {
  uint64_t lo, hi;
  size_t idx; /* into the caller's `hit` */
};

struct wants {
  struct want *v;
  size_t n;
  uint64_t lo, hi; /* the span of them all */
  bool overlap;
  bool (*harmless)(const void *ud, size_t idx, uint64_t x);
  const void *ud;
};

static int want_cmp(const void *a, const void *b) {
  const struct want *x = a, *y = b;
  return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static bool wants_init(struct wants *w, const uint64_t (*ranges)[2],
                       size_t nr) {
  memset(w, 0, sizeof *w);
  w->v = malloc((nr ? nr : 1) * sizeof *w->v);
  if (!w->v)
    return false;
  w->lo = UINT64_MAX;
  for (size_t i = 0; i < nr; i++) {
    if (ranges[i][0] >= ranges[i][1])
      continue;
    w->v[w->n++] = (struct want){ranges[i][0], ranges[i][1], i};
    if (ranges[i][0] < w->lo)
      w->lo = ranges[i][0];
    if (ranges[i][1] > w->hi)
      w->hi = ranges[i][1];
  }
  qsort(w->v, w->n, sizeof *w->v, want_cmp);
  for (size_t i = 1; i < w->n; i++)
    w->overlap |= w->v[i].lo < w->v[i - 1].hi;
  return true;
}

/* Mark the range that holds `x`.  The ranges are text spans of distinct
 * versions, which never share a page; should two ever overlap, every
 * range is compared, because a missed hit would unmap running code. */
static void want_mark(const struct wants *w, uint64_t x, bool *hit) {
  if (x < w->lo || x >= w->hi)
    return;
  if (w->overlap) {
    for (size_t i = 0; i < w->n; i++)
      if (x >= w->v[i].lo && x < w->v[i].hi &&
          !(w->harmless && w->harmless(w->ud, w->v[i].idx, x)))
        hit[w->v[i].idx] = true;
    return;
  }
  size_t l = 0, r = w->n; /* first range with lo > x */
  while (l < r) {
    size_t m = l + (r - l) / 2;
    if (w->v[m].lo <= x)
      l = m + 1;
    else
      r = m;
  }
  if (l && x < w->v[l - 1].hi &&
      !(w->harmless && w->harmless(w->ud, w->v[l - 1].idx, x)))
    hit[w->v[l - 1].idx] = true;
}

/* A thread's pc counts wherever it is. */
static void want_mark_pc(const struct wants *w, uint64_t pc, bool *hit) {
  struct wants exact = *w;
  exact.harmless = NULL;
  want_mark(&exact, pc, hit);
}

/* The same with plain loads, for when neither process_vm_readv nor
 * /proc/self/mem may be used (a seccomp filter, no /proc): a stack
 * unmapped meanwhile then crashes the program.  It reads other threads'
 * stacks and dead parts of its own on purpose, which the sanitizers and
 * valgrind must be told. */
__attribute__((no_sanitize("address", "thread")))
static void scan_direct(uint64_t lo, uint64_t hi, const struct wants *w,
                        bool *hit) {
  for (uint64_t a = lo; a + 8 <= hi; a += 8) {
    uint64_t x = *(const volatile uint64_t *)(uintptr_t)a;
    VALGRIND_MAKE_MEM_DEFINED(&x, sizeof x);
    want_mark(w, x, hit);
  }
}

/* Mark in `hit` every range that a word of [lo, hi) points into.  The
 * words are copied by the kernel, a chunk at a time: a thread that exits
 * meanwhile may have its stack unmapped (or the program may unmap what
 * the kernel merged with it), and then the copy fails where a load would
 * crash the program.  False when part of it could not be read. */
static bool scan(uint64_t lo, uint64_t hi, const struct wants *w, bool *hit) {
  static uint64_t buf[8192]; /* under `lock`, as the rest */
  static int how;            /* 0 process_vm_readv, 1 /proc/self/mem, 2 loads */
  static int mem = -1;
  lo = RELOAD__ALIGN_UP(lo, 8);
  while (lo + 8 <= hi) {
    size_t want = (hi - lo) / 8 < 8192 ? (size_t)(hi - lo) / 8 : 8192;
    ssize_t got = -1;
    if (how == 0) {
      struct iovec here = {buf, want * 8};
      struct iovec there = {(void *)(uintptr_t)lo, want * 8};
      got = process_vm_readv(getpid(), &here, 1, &there, 1, 0);
      if (got < 0 && (errno == ENOSYS || errno == EPERM))
        how = 1;
    }
    if (how == 1) {
      if (mem < 0)
        mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
      if (mem < 0)
        how = 2;
      else /* an unmapped page reads as EIO */
        got = pread(mem, buf, want * 8, (off_t)lo);
    }
    if (how == 2) {
      scan_direct(lo, hi, w, hit);
      return true;
    }
    if (got < 8)
      return false;
    for (size_t i = 0; i < (size_t)got / 8; i++)
      want_mark(w, buf[i], hit);
    lo += (uint64_t)got & ~(uint64_t)7;
  }
  return true;
}

bool reload__stacks_scan(const uint64_t (*ranges)[2], size_t nr, bool *hit,
                         uint64_t self_sp,
                         bool (*harmless)(const void *, size_t, uint64_t),
                         const void *ud) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, install);
  memset(hit, 0, nr * sizeof *hit);
  struct wants w;
  if (!wants_init(&w, ranges, nr))
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
    free(w.v);
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
  uint64_t(*maps)[2] = NULL;
  size_t nmaps = read_maps(&maps);
  uint64_t here = self_sp ? self_sp : (uint64_t)(uintptr_t)&here;
  uint64_t end = map_end((const uint64_t(*)[2])maps, nmaps, here);
  if (!end || !scan(here, end, &w, hit))
    complete = false;
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
    want_mark_pc(&w, pc, hit);
    uint64_t top = map_end((const uint64_t(*)[2])maps, nmaps, sp);
    if (!top || !scan(sp, top, &w, hit))
      complete = false;
  }
  nsilent = 0;
  for (int i = 0; i < n; i++)
    if (__atomic_load_n(&v[i].done, __ATOMIC_ACQUIRE) != 1)
      silent[nsilent++] = v[i].tid;
  __atomic_store_n(&snaps, NULL, __ATOMIC_RELEASE);
  __atomic_store_n(&nsnaps, 0, __ATOMIC_RELEASE);
  free(maps);
  pthread_mutex_unlock(&lock);
  free(w.v);
  return complete;
}
