/*
 * words.c - finding pointers in memory, as a conservative garbage
 * collector does: every aligned word of a range is compared with the
 * ranges looked for.  Used by the stack scan (stacks.c) and by the scan
 * of everything the program keeps (reach.c) before old code goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "words.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(a, n) ((void)(a), (void)(n))
#endif

static int want_cmp(const void *a, const void *b) {
  const struct reload__want *x = a, *y = b;
  return x->lo < y->lo ? -1 : x->lo > y->lo;
}

bool reload__words_init(reload__words *w, const uint64_t (*ranges)[2],
                        size_t nr) {
  memset(w, 0, sizeof *w);
  w->v = malloc((nr ? nr : 1) * sizeof *w->v);
  if (!w->v)
    return false;
  w->lo = UINT64_MAX;
  for (size_t i = 0; i < nr; i++) {
    if (ranges[i][0] >= ranges[i][1])
      continue;
    w->v[w->n++] = (struct reload__want){ranges[i][0], ranges[i][1], i};
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

void reload__words_free(reload__words *w) {
  free(w->v);
  w->v = NULL;
}

/* Should two ranges ever overlap, every range is compared, because a
 * missed hit would unmap what is in use. */
void reload__words_mark(const reload__words *w, uint64_t x, uint64_t where,
                        bool *hit) {
  if (x < w->lo || x >= w->hi)
    return;
  if (w->overlap) {
    for (size_t i = 0; i < w->n; i++)
      if (x >= w->v[i].lo && x < w->v[i].hi &&
          !(w->harmless && w->harmless(w->ud, w->v[i].idx, x, where)))
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
      !(w->harmless && w->harmless(w->ud, w->v[l - 1].idx, x, where)))
    hit[w->v[l - 1].idx] = true;
}

void reload__words_mark_exact(const reload__words *w, uint64_t x, bool *hit) {
  reload__words exact = *w;
  exact.harmless = NULL;
  reload__words_mark(&exact, x, 0, hit);
}

/* With plain loads, for when neither process_vm_readv nor /proc/self/mem
 * may be used (a seccomp filter, no /proc): memory unmapped meanwhile
 * then crashes the program.  It reads other threads' stacks and memory
 * it does not own on purpose, which the sanitizers and valgrind must be
 * told. */
__attribute__((no_sanitize("address", "thread")))
static void scan_direct(uint64_t lo, uint64_t hi, const reload__words *w,
                        bool *hit) {
  for (uint64_t a = lo; a + 8 <= hi; a += 8) {
    uint64_t x = *(const volatile uint64_t *)(uintptr_t)a;
    VALGRIND_MAKE_MEM_DEFINED(&x, sizeof x);
    reload__words_mark(w, x, a, hit);
  }
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The hot loop, over the kernel's copy: not instrumented, so that a
 * sanitized build's scan costs what a plain one's does. */
__attribute__((no_sanitize("address", "thread")))
static void mark_all(const uint64_t *buf, size_t nw, uint64_t lo,
                     const reload__words *w, bool *hit) {
  for (size_t i = 0; i < nw; i++)
    if (RELOAD__UNLIKELY(buf[i] - w->lo < w->hi - w->lo))
      reload__words_mark(w, buf[i], lo + 8 * i, hit);
}

bool reload__words_scan(uint64_t lo, uint64_t hi, const reload__words *w,
                        bool *hit) {
  static uint64_t buf[8192]; /* under `lock`, as the rest */
  static int how;            /* 0 process_vm_readv, 1 /proc/self/mem, 2 loads */
  static int mem = -1;
  bool ok = true;
  pthread_mutex_lock(&lock);
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
      break;
    }
    if (got < 8) {
      ok = false;
      break;
    }
    mark_all(buf, (size_t)got / 8, lo, w, hit);
    lo += (uint64_t)got & ~(uint64_t)7;
  }
  pthread_mutex_unlock(&lock);
  return ok;
}

bool reload__maps_read(reload__maps *m) {
  memset(m, 0, sizeof *m);
  FILE *f = fopen("/proc/self/maps", "re");
  if (!f)
    return false;
  size_t cap = 256, ncap = 4096, nlen = 1;
  m->v = malloc(cap * sizeof *m->v);
  m->names = malloc(ncap);
  char line[4200];
  bool ok = m->v && m->names;
  if (ok)
    m->names[0] = 0;
  while (ok && fgets(line, sizeof line, f)) {
    unsigned long a, b;
    char perm[5];
    int at = 0;
    if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &a, &b, perm, &at) < 3)
      continue;
    if (m->n == cap) {
      cap *= 2;
      struct reload__map *nv = realloc(m->v, cap * sizeof *nv);
      if (!nv) {
        ok = false;
        break;
      }
      m->v = nv;
    }
    struct reload__map *e = &m->v[m->n++];
    e->lo = a;
    e->hi = b;
    memcpy(e->perm, perm, 5);
    e->path = 0;
    char *p = at ? line + at : NULL;
    size_t len = p ? strcspn(p, "\n") : 0;
    if (len) {
      while (nlen + len + 1 > ncap) {
        ncap *= 2;
        char *nn = realloc(m->names, ncap);
        if (!nn) {
          ok = false;
          break;
        }
        m->names = nn;
      }
      if (!ok)
        break;
      memcpy(m->names + nlen, p, len);
      m->names[nlen + len] = 0;
      e->path = (uint32_t)nlen;
      nlen += len + 1;
    }
  }
  fclose(f);
  if (!ok)
    reload__maps_free(m);
  return ok;
}

void reload__maps_free(reload__maps *m) {
  free(m->v);
  free(m->names);
  memset(m, 0, sizeof *m);
}

const struct reload__map *reload__maps_find(const reload__maps *m,
                                            uint64_t addr) {
  for (size_t i = 0; i < m->n; i++)
    if (m->v[i].lo <= addr && addr < m->v[i].hi)
      return &m->v[i];
  return NULL;
}
