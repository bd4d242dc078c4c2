/*
 * alloc.c - a program that replaces malloc and free, hosted in a process
 * that already has a heap (RELOAD_OPT_EXPORT).
 *
 * Natively the executable's malloc and free are everybody's: libc's own
 * allocations (strdup, fopen, getline) and libstdc++'s come from it, and
 * any module's free() reaches it.  Hosted, the host (reloadd, its libraries)
 * has allocated with glibc's long before the program was linked, and keeps
 * freeing what it allocated.  So the program's allocator cannot simply
 * replace glibc's for everyone.  Instead every call goes through a
 * dispatcher that knows who owns what:
 *
 *  - The program's objects, and the libraries the program shares with the
 *    host (libc, libstdc++, and those it loaded), call the dispatcher for
 *    every name of the family that the program defines.  Allocations go
 *    to the program's allocator, as natively, and the pointers it returns
 *    are remembered, until they are freed.
 *  - The host's own modules keep glibc's allocating functions, but their
 *    free(), realloc() and malloc_usable_size() come here too: a string
 *    that libc's strdup() made for the host may be the program's.
 *  - free() of a remembered pointer goes to the program's free(); of any
 *    other pointer, to glibc's (the host's memory, made before or beside
 *    the program).
 *  - A thread that says it is the host's (reload_host_thread(), reloadd's
 *    watcher) gets glibc's memory from libc's internal allocations: the
 *    program's allocator may not be thread-safe, as it need not be in a
 *    program with one thread.
 *
 * Memory the program's allocator hands out through a function of its own
 * (not one of the family's names) and that is then given to free() is not
 * known here and goes to glibc's free: the one case that differs from a
 * native link.  The remembered set costs one hashed store per allocation;
 * only programs that define free() pay it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Its bookkeeping is the dispatcher's, made with glibc's own functions. */
#define RELOAD__MEM_RAW

#include "internal.h"

/* ---- the set of the program's pointers --------------------------------- */

/* Few enough that holding them all across fork() stays within what
 * ThreadSanitizer's deadlock detector takes (it stops at 64 locks held). */
#define SHARDS 16
#define TOMB ((uintptr_t)1)

/* A block of the program's, with the size it was asked for: realloc()
 * needs it when the program has none of its own. */
struct slot {
  uintptr_t p; /* 0 empty, TOMB deleted */
  size_t n;
};

static struct shard {
  pthread_mutex_t lock; /* all zero: PTHREAD_MUTEX_INITIALIZER on glibc */
  struct slot *slot;
  size_t cap, used, live;
} shards[SHARDS];

static uint64_t mix(uintptr_t p) {
  uint64_t h = (uint64_t)p * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}

static struct shard *shard_of(uintptr_t p, uint64_t *h) {
  *h = mix(p);
  return &shards[*h >> 60];
}

/* Grow (or clean out tombstones); the table lives in its own mapping, so
 * that keeping it never calls the allocator being tracked. */
static bool rehash(struct shard *s) {
  size_t cap = s->cap ? s->cap : 1024;
  if (s->live * 4 >= cap)
    cap *= 2;
  struct slot *v = mmap(NULL, cap * sizeof *v, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (v == MAP_FAILED)
    return false;
  for (size_t i = 0; i < s->cap; i++) {
    uintptr_t p = s->slot[i].p;
    if (p <= TOMB)
      continue;
    for (size_t j = mix(p) & (cap - 1);; j = (j + 1) & (cap - 1))
      if (!v[j].p) {
        v[j] = s->slot[i];
        break;
      }
  }
  if (s->slot)
    munmap(s->slot, s->cap * sizeof *s->slot);
  s->slot = v;
  s->cap = cap;
  s->used = s->live;
  return true;
}

static void remember(void *ptr, size_t n) {
  uintptr_t p = (uintptr_t)ptr;
  if (p <= TOMB)
    return;
  uint64_t h;
  struct shard *s = shard_of(p, &h);
  pthread_mutex_lock(&s->lock);
  if ((s->used + 1) * 2 > s->cap && !rehash(s)) {
    pthread_mutex_unlock(&s->lock);
    return; /* then freed by glibc's free: as good as it gets */
  }
  size_t tomb = SIZE_MAX;
  for (size_t j = h & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
    uintptr_t x = s->slot[j].p;
    if (x == p) {
      s->slot[j].n = n;
      break;
    }
    if (x == TOMB && tomb == SIZE_MAX)
      tomb = j;
    if (!x) {
      if (tomb != SIZE_MAX)
        j = tomb;
      else
        s->used++;
      s->slot[j] = (struct slot){p, n};
      s->live++;
      break;
    }
  }
  pthread_mutex_unlock(&s->lock);
}

/* Whether the program's allocator made `ptr`, and how large it was asked
 * to be (`*n`, may be NULL); `take` forgets it. */
static bool owned_size(void *ptr, bool take, size_t *n) {
  uintptr_t p = (uintptr_t)ptr;
  uint64_t h;
  struct shard *s = shard_of(p, &h);
  bool hit = false;
  pthread_mutex_lock(&s->lock);
  for (size_t j = s->cap ? h & (s->cap - 1) : 0; s->cap;
       j = (j + 1) & (s->cap - 1)) {
    uintptr_t x = s->slot[j].p;
    if (!x)
      break;
    if (x == p) {
      hit = true;
      if (n)
        *n = s->slot[j].n;
      if (take) {
        s->slot[j].p = TOMB;
        s->live--;
      }
      break;
    }
  }
  pthread_mutex_unlock(&s->lock);
  return hit;
}

static bool owned(void *ptr, bool take) { return owned_size(ptr, take, NULL); }

/* ---- the dispatcher ------------------------------------------------------ */

enum {
  A_MALLOC,
  A_FREE,
  A_CALLOC,
  A_REALLOC,
  A_MEMALIGN,
  A_POSIX_MEMALIGN,
  A_ALIGNED_ALLOC,
  A_VALLOC,
  A_PVALLOC,
  A_USABLE,
  A_N
};

static const char *const names[A_N] = {
    "malloc",  "free",   "calloc",  "realloc",
    "memalign", "posix_memalign", "aligned_alloc", "valloc",
    "pvalloc", "malloc_usable_size",
};

/* The program's functions (stable entries, 0 where it defines none) and
 * the host's (what its own modules call: glibc's, or a sanitizer's). */
static void *prog[A_N], *host[A_N];
static __thread bool host_thread;

#define CALL(tab, i, type) ((type)(uintptr_t)(tab)[i])

static void *d_malloc(size_t n) {
  if (host_thread || !prog[A_MALLOC])
    return CALL(host, A_MALLOC, void *(*)(size_t))(n);
  void *p = CALL(prog, A_MALLOC, void *(*)(size_t))(n);
  remember(p, n);
  return p;
}

static void *d_calloc(size_t n, size_t m) {
  if (host_thread || !prog[A_CALLOC])
    return CALL(host, A_CALLOC, void *(*)(size_t, size_t))(n, m);
  void *p = CALL(prog, A_CALLOC, void *(*)(size_t, size_t))(n, m);
  remember(p, n * m);
  return p;
}

static void d_free(void *p) {
  if (!p)
    return;
  if (owned(p, true))
    CALL(prog, A_FREE, void (*)(void *))(p);
  else
    CALL(host, A_FREE, void (*)(void *))(p);
}

static void *d_realloc(void *p, size_t n) {
  if (!p)
    return d_malloc(n);
  size_t asked;
  if (!owned_size(p, false, &asked))
    return CALL(host, A_REALLOC, void *(*)(void *, size_t))(p, n);
  if (!prog[A_REALLOC]) {
    /* The program replaced malloc and free but not realloc: as glibc's
     * does, through them, with the size the block was asked for. */
    if (n == 0) {
      d_free(p);
      return NULL;
    }
    void *q = d_malloc(n);
    if (q) {
      memcpy(q, p, asked < n ? asked : n);
      d_free(p);
    }
    return q;
  }
  owned(p, true);
  void *q = CALL(prog, A_REALLOC, void *(*)(void *, size_t))(p, n);
  /* A failed realloc leaves the old block the program's. */
  if (q)
    remember(q, n);
  else if (n)
    remember(p, asked);
  return q;
}

static void *aligned(int i, size_t a, size_t n) {
  if (host_thread || !prog[i])
    return i == A_VALLOC || i == A_PVALLOC
               ? CALL(host, i, void *(*)(size_t))(n)
               : CALL(host, i, void *(*)(size_t, size_t))(a, n);
  void *p = i == A_VALLOC || i == A_PVALLOC
                ? CALL(prog, i, void *(*)(size_t))(n)
                : CALL(prog, i, void *(*)(size_t, size_t))(a, n);
  remember(p, n);
  return p;
}

static void *d_memalign(size_t a, size_t n) { return aligned(A_MEMALIGN, a, n); }
static void *d_aligned_alloc(size_t a, size_t n) {
  return aligned(A_ALIGNED_ALLOC, a, n);
}
static void *d_valloc(size_t n) { return aligned(A_VALLOC, 0, n); }
static void *d_pvalloc(size_t n) { return aligned(A_PVALLOC, 0, n); }

static int d_posix_memalign(void **out, size_t a, size_t n) {
  if (host_thread || !prog[A_POSIX_MEMALIGN])
    return CALL(host, A_POSIX_MEMALIGN, int (*)(void **, size_t, size_t))(out, a, n);
  int r = CALL(prog, A_POSIX_MEMALIGN, int (*)(void **, size_t, size_t))(out, a, n);
  if (r == 0)
    remember(*out, n);
  return r;
}

static size_t d_usable(void *p) {
  if (p && owned(p, false) && prog[A_USABLE])
    return CALL(prog, A_USABLE, size_t (*)(void *))(p);
  return CALL(host, A_USABLE, size_t (*)(void *))(p);
}

static void *const dispatch[A_N] = {
    (void *)(uintptr_t)d_malloc,        (void *)(uintptr_t)d_free,
    (void *)(uintptr_t)d_calloc,        (void *)(uintptr_t)d_realloc,
    (void *)(uintptr_t)d_memalign,      (void *)(uintptr_t)d_posix_memalign,
    (void *)(uintptr_t)d_aligned_alloc, (void *)(uintptr_t)d_valloc,
    (void *)(uintptr_t)d_pvalloc,       (void *)(uintptr_t)d_usable,
};

/* ---- what the rest of the core asks ------------------------------------- */

static int index_of(const char *name) {
  if (name[0] != 'm' && name[0] != 'f' && name[0] != 'c' && name[0] != 'r' &&
      name[0] != 'p' && name[0] != 'a' && name[0] != 'v')
    return -1;
  for (int i = 0; i < A_N; i++)
    if (strcmp(name, names[i]) == 0)
      return i;
  return -1;
}

bool reload__alloc_name(const char *name) { return index_of(name) >= 0; }

bool reload__alloc_is_dispatch(const void *p) {
  for (int i = 0; i < A_N; i++)
    if (dispatch[i] == p)
      return true;
  return false;
}

bool reload__alloc_active(void) {
  return __atomic_load_n(&prog[A_FREE], __ATOMIC_ACQUIRE) != NULL;
}

/* What the program's objects' references to `name` reach while it
 * defines free() (link.c): the dispatcher.  Until the link is published
 * the dispatcher knows none of the program's functions and hands out the
 * host's memory, which it frees again the host's way. */
void *reload__alloc_dispatch(const char *name) {
  int i = index_of(name);
  return i < 0 ? NULL : dispatch[i];
}

/* The program defines `name` at `addr` (its stable entry), published
 * after a successful link (export.c). */
void reload__alloc_define(const char *name, void *addr) {
  int i = index_of(name);
  if (i < 0)
    return;
  if (!host[A_MALLOC])
    for (int k = 0; k < A_N; k++)
      host[k] = dlsym(RTLD_DEFAULT, names[k]);
  __atomic_store_n(&prog[i], addr, __ATOMIC_RELEASE);
}

/* Where a reference to `name` goes: for the program's objects and the
 * libraries it shares (`host_module` false), or for the host's own. */
void *reload__alloc_target(const char *name, bool host_module) {
  int i = index_of(name);
  if (i < 0 || !reload__alloc_active())
    return NULL;
  if (host_module)
    return i == A_FREE || i == A_REALLOC || i == A_USABLE ? dispatch[i]
                                                          : NULL;
  return dispatch[i];
}

/* fork.c: no shard may stay locked in the child. */
void reload__alloc_hold(void) {
  for (int i = 0; i < SHARDS; i++)
    pthread_mutex_lock(&shards[i].lock);
}

void reload__alloc_release(void) {
  for (int i = SHARDS; i-- > 0;)
    pthread_mutex_unlock(&shards[i].lock);
}

void reload_host_thread(int on) { host_thread = on != 0; }
