/*
 * retire.c - old versions: retiring their code, catching what still runs
 * it, and finally unmapping them.
 *
 * After a swap and a grace period, an old version's code pages become
 * inaccessible and are registered with libsigsegv's dispatcher.  Whatever
 * still reaches them (a return address, a raw pointer) faults into
 * stale_fault(), which lets it go on: at a function's first byte it
 * plants a jump to that function's stable entry, so the call lands in the
 * newest version; anywhere else it makes the page executable again, so the
 * old function can finish.  Either way the hit is counted and logged later
 * (the handler itself only does async-signal-safe work).
 *
 * Versions beyond `keep_versions` are unmapped for good.
 */
#include <execinfo.h>
#include <sigsegv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* libsigsegv's dispatcher is not safe against a fault on one thread while
 * another registers an area, so registration waits for handlers in flight
 * and handlers wait for registration (a tiny writer-preferring lock made
 * of atomics, usable in a signal handler). */
static sigsegv_dispatcher dispatcher;
static int writer, readers;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int installed = -1;

/* A ring of stale hits for logging outside the handler.  A handler takes
 * a slot, fills it, then publishes it by storing its sequence number (slot
 * index + 1); the reader takes only published slots, in order. */
#define RING 64
#define RING_PCS 12
static struct slot {
  unsigned seq;
  reload_ctx *ctx;
  reload__obj *o;
  uint64_t addr;
  void *pcs[RING_PCS];
  int npc;
} ring[RING];
static unsigned ring_head; /* taken by handlers */
static unsigned ring_tail; /* under ring_lock */
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;

static void wlock(void) {
  while (__atomic_exchange_n(&writer, 1, __ATOMIC_ACQUIRE))
    ;
  while (__atomic_load_n(&readers, __ATOMIC_ACQUIRE))
    ;
}

static void wunlock(void) { __atomic_store_n(&writer, 0, __ATOMIC_RELEASE); }

/* Write jmp rel32 from `at` to `to` at `w` (its write view), opcode
 * first, as before.  Threads that fault at the same entry together write
 * the same bytes: byte-wise atomic stores make that well defined.  A
 * thread that fetches these bytes while they change (another handler made
 * the page executable meanwhile) could see a torn jump; one aligned 8-byte
 * store would close that, and was tried, but swap/stress-retire crashes
 * rarely under load with either form, and that is not understood yet, so
 * the long-tested form stays. */
static void plant_jmp(uint8_t *w, uint64_t at, uint64_t to) {
  int32_t rel = (int32_t)(to - (at + 5));
  uint8_t b[5] = {0xe9};
  memcpy(b + 1, &rel, 4);
  for (int i = 0; i < 5; i++)
    __atomic_store_n(&w[i], b[i], __ATOMIC_RELAXED);
}

static int stale_fault(void *fault, void *arg) {
  reload__obj *o = arg;
  reload_ctx *ctx = o->ctx;
  uint64_t a = (uint64_t)(uintptr_t)fault;
  uint64_t page = a & ~(uint64_t)(RELOAD__PAGE - 1);
  uint64_t base = (uint64_t)(uintptr_t)ctx->arena.run;
  const reload__fn *f = reload__fn_at(o, a);
  /* Forward a call at the entry to the newest version: jmp rel32 to the
   * function's stable entry.  Only where the function is long enough to
   * hold the jump without spilling into its neighbour. */
  if (f && f->size >= 5)
    plant_jmp(ctx->arena.wr + (a - base), a,
              reload__entry_addr(ctx, f->entry));
  mprotect((void *)(uintptr_t)page, RELOAD__PAGE, PROT_READ | PROT_EXEC);
  __atomic_add_fetch(&o->stale_hits, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&ctx->stale_hits, 1, __ATOMIC_RELAXED);
  unsigned h = __atomic_fetch_add(&ring_head, 1, __ATOMIC_RELAXED);
  /* The faulting thread was running loaded code, so it holds none of the
   * unwinder's or malloc's locks; backtrace() was primed (guard.c). */
  bool gate = reload__unwind_enter();
  void *pcs[RING_PCS];
  int npc = backtrace(pcs, RING_PCS);
  reload__unwind_leave(gate);
  /* Field by field with atomics: a reader a lap behind may be copying the
   * slot (it checks the sequence again afterwards). */
  struct slot *sl = &ring[h % RING];
  __atomic_store_n(&sl->seq, 0, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);
  for (int i = 0; i < npc; i++)
    __atomic_store_n(&sl->pcs[i], pcs[i], __ATOMIC_RELAXED);
  __atomic_store_n(&sl->npc, npc, __ATOMIC_RELAXED);
  __atomic_store_n(&sl->ctx, ctx, __ATOMIC_RELAXED);
  __atomic_store_n(&sl->o, o, __ATOMIC_RELAXED);
  __atomic_store_n(&sl->addr, a, __ATOMIC_RELAXED);
  __atomic_store_n(&sl->seq, h + 1, __ATOMIC_RELEASE);
  return 1;
}

static int on_segv(void *fault, int serious) {
  for (;;) {
    while (__atomic_load_n(&writer, __ATOMIC_ACQUIRE))
      ;
    __atomic_add_fetch(&readers, 1, __ATOMIC_ACQUIRE);
    if (!__atomic_load_n(&writer, __ATOMIC_ACQUIRE))
      break;
    __atomic_sub_fetch(&readers, 1, __ATOMIC_RELEASE);
  }
  int r = sigsegv_dispatch(&dispatcher, fault);
  __atomic_sub_fetch(&readers, 1, __ATOMIC_RELEASE);
  if (r)
    return r;
  /* Not retired code: the crash guard's, or nobody's (then the program
   * dies as it would without us). */
  return reload__guard_fault(fault, serious);
}

static void install(void) {
  /* backtrace() loads libgcc_s and allocates on first use: do that now,
   * not in a fault handler. */
  void *prime[2];
  backtrace(prime, 2);
  sigsegv_init(&dispatcher);
  installed = sigsegv_install_handler(on_segv);
}

int reload__faults_install(void) {
  pthread_once(&once, install);
  return installed;
}

static void retire(reload_ctx *ctx, reload__obj *o) {
  reload__span *s = &o->span[RELOAD__CLS_TEXT];
  if (!s->len || reload__faults_install() != 0) {
    o->state = RELOAD__V_RETIRED;
    return;
  }
  void *start = ctx->arena.run + s->off;
  wlock();
  o->ticket = sigsegv_register(&dispatcher, start, s->len, stale_fault, o);
  wunlock();
  mprotect(start, s->len, PROT_NONE);
  o->state = RELOAD__V_RETIRED;
}

void reload__unretire(reload_ctx *ctx, reload__obj *o) {
  reload__span *s = &o->span[RELOAD__CLS_TEXT];
  if (o->ticket) {
    wlock();
    sigsegv_unregister(&dispatcher, o->ticket);
    wunlock();
    o->ticket = NULL;
  }
  if (s->len)
    mprotect(ctx->arena.run + s->off, s->len, PROT_READ | PROT_EXEC);
}

/*
 * Unmapped code is remembered for a while: the addresses of its functions
 * and their entries.  A thread that jumped to one of those functions just
 * before it went (and was descheduled in between) lands on a page that is
 * gone; the handler writes a jump to the function's entry there and lets
 * it go on.  Pages are reused as late as possible (arena.c), and a record
 * is forgotten when its pages are reused or when newer ones push it out.
 */
#define NDEAD 128
struct dead {
  reload_ctx *ctx;
  uint64_t start, len;
  uint64_t *fn;      /* pairs: code address, entry address; sorted */
  uint32_t n;
  void *ticket;
};
static struct dead dead[NDEAD];
static unsigned dead_next;

static void dead_forget(struct dead *d) {
  if (d->ticket)
    sigsegv_unregister(&dispatcher, d->ticket);
  free(d->fn);
  memset(d, 0, sizeof *d);
}

static int dead_fault(void *fault, void *arg) {
  struct dead *d = arg;
  uint64_t a = (uint64_t)(uintptr_t)fault;
  uint32_t lo = 0, hi = d->n;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (d->fn[2 * mid] == a) {
      reload_ctx *ctx = d->ctx;
      uint64_t base = (uint64_t)(uintptr_t)ctx->arena.run;
      plant_jmp(ctx->arena.wr + (a - base), a, d->fn[2 * mid + 1]);
      uint64_t page = a & ~(uint64_t)(RELOAD__PAGE - 1);
      /* The jump may cross into the next page. */
      uint64_t end = RELOAD__ALIGN_UP(a + 5, RELOAD__PAGE);
      mprotect((void *)(uintptr_t)page, end - page, PROT_READ | PROT_EXEC);
      __atomic_add_fetch(&ctx->stale_hits, 1, __ATOMIC_RELAXED);
      return 1;
    }
    if (d->fn[2 * mid] < a)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0; /* inside a function that is gone: nothing can be done */
}

static int by_code(const void *x, const void *y) {
  const uint64_t *a = x, *b = y;
  return a[0] < b[0] ? -1 : a[0] > b[0];
}

/* Called with the dispatcher write-locked. */
static void dead_add(reload_ctx *ctx, const reload__obj *o) {
  const reload__span *s = &o->span[RELOAD__CLS_TEXT];
  if (!s->len || !o->nfns)
    return;
  struct dead *d = &dead[dead_next++ % NDEAD];
  dead_forget(d);
  d->fn = malloc(2 * sizeof *d->fn * o->nfns);
  if (!d->fn)
    return;
  for (uint32_t i = 0; i < o->nfns; i++) {
    d->fn[2 * i] = o->fns[i].addr;
    d->fn[2 * i + 1] = reload__entry_addr(ctx, o->fns[i].entry);
  }
  qsort(d->fn, o->nfns, 2 * sizeof *d->fn, by_code);
  d->n = o->nfns;
  d->ctx = ctx;
  d->start = (uint64_t)(uintptr_t)ctx->arena.run + s->off;
  d->len = s->len;
  d->ticket = sigsegv_register(&dispatcher, (void *)(uintptr_t)d->start,
                               d->len, dead_fault, d);
}

/* Pages at [off, off+len) are being reused: forget what was there. */
void reload__dead_evict(reload_ctx *ctx, size_t off, size_t len) {
  uint64_t a = (uint64_t)(uintptr_t)ctx->arena.run + off;
  bool any = false;
  for (unsigned i = 0; i < NDEAD && !any; i++)
    any = dead[i].ctx == ctx && dead[i].start < a + len &&
          a < dead[i].start + dead[i].len;
  if (!any)
    return;
  wlock();
  for (unsigned i = 0; i < NDEAD; i++)
    if (dead[i].ctx == ctx && dead[i].start < a + len &&
        a < dead[i].start + dead[i].len)
      dead_forget(&dead[i]);
  wunlock();
}

static void dead_close(reload_ctx *ctx) {
  wlock();
  for (unsigned i = 0; i < NDEAD; i++)
    if (dead[i].ctx == ctx)
      dead_forget(&dead[i]);
  wunlock();
}

/* A version is going: its hits not logged yet must not point at it.  Its
 * handlers are all done (drop() held the write lock). */
static void ring_forget(const reload__obj *o) {
  pthread_mutex_lock(&ring_lock);
  for (unsigned i = 0; i < RING; i++)
    if (__atomic_load_n(&ring[i].o, __ATOMIC_RELAXED) == o)
      __atomic_store_n(&ring[i].o, NULL, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&ring_lock);
}

/* Unmap a version, unless it was hit since the stack scan began: a thread
 * that came back into its code meanwhile (the page fault says so) may
 * still be there, where no stack word shows it.  Handlers count hits
 * inside the dispatcher's read lock, so under the write lock the count is
 * final: a thread that faults from now on finds the dead record. */
static bool drop(reload_ctx *ctx, reload__obj *o) {
  wlock();
  if (__atomic_load_n(&o->stale_hits, __ATOMIC_RELAXED) != o->hits_seen) {
    wunlock();
    return false;
  }
  if (o->ticket)
    sigsegv_unregister(&dispatcher, o->ticket);
  o->ticket = NULL;
  dead_add(ctx, o);
  wunlock();
  ring_forget(o);
  reload__debug_remove(ctx, o, true);
  reload__symtab_forget(ctx, o);
  reload__obj_unmap(ctx, o);
  /* Out of its batch's list, then freed; an empty batch goes too. */
  for (reload__batch **bp = &ctx->batches, *b; (b = *bp); bp = &b->next)
    for (reload__obj **pp = &b->objs; *pp; pp = &(*pp)->next)
      if (*pp == o) {
        *pp = o->next;
        if (!b->objs) {
          *bp = b->next;
          reload__tls_free(b->tls);
          free(b);
        }
        goto found;
      }
found:
  reload__obj_free(o);
  return true;
}

/* Log stale hits recorded by the handler.  Called with ctx->lock held. */
static void drain(reload_ctx *ctx) {
  pthread_mutex_lock(&ring_lock);
  unsigned head = __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE);
  if (head - ring_tail > RING)
    ring_tail = head - RING; /* overrun: the oldest hits are not logged */
  for (; ring_tail != head; ring_tail++) {
    struct slot *sl = &ring[ring_tail % RING], c;
    unsigned seq = __atomic_load_n(&sl->seq, __ATOMIC_ACQUIRE);
    if (seq != ring_tail + 1 && (unsigned)(seq - ring_tail - 1) > 0x7fffffffu)
      break; /* taken, not yet filled: the next pass logs it */
    if (seq != ring_tail + 1)
      continue; /* filled again since: lost to the overrun */
    /* Copy, then check that no handler a lap ahead rewrote it meanwhile. */
    c.npc = __atomic_load_n(&sl->npc, __ATOMIC_RELAXED);
    if (c.npc < 0 || c.npc > RING_PCS)
      c.npc = 0;
    for (int i = 0; i < c.npc; i++)
      c.pcs[i] = __atomic_load_n(&sl->pcs[i], __ATOMIC_RELAXED);
    c.ctx = __atomic_load_n(&sl->ctx, __ATOMIC_RELAXED);
    c.o = __atomic_load_n(&sl->o, __ATOMIC_RELAXED);
    c.addr = __atomic_load_n(&sl->addr, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&sl->seq, __ATOMIC_RELAXED) != seq)
      continue;
    /* Another context's hit is its own business (and its objects may be
     * freed under its own lock, which we do not hold); a dropped
     * version's hits were cleared by drop(). */
    if (c.ctx != ctx || !c.o)
      continue;
    reload__obj *o = c.o;
    const reload__fn *f = reload__fn_containing(o, c.addr);
    const char *fn = f ? reload__sym_name(o, f->sym) : "?";
    reload__log(ctx, RELOAD_LOG_WARN, o->unit ? o->unit->key : o->name,
                "stale code reached: %s v%u, function %s%s",
                o->unit ? o->unit->key : o->name, o->version, fn,
                f && f->addr == c.addr ? " (forwarded to the newest version)"
                                       : " (let it finish)");
    reload__report_frames(ctx, RELOAD_LOG_WARN, c.pcs, c.npc);
  }
  pthread_mutex_unlock(&ring_lock);
}

/*
 * A retired version is unmapped only once it has been quiet: no stale hit
 * for a whole grace period.  A hit re-enables a page, after which a thread
 * may run there without faulting again; so a version that was hit has its
 * code made inaccessible once more, and the grace starts over.  A thread
 * still inside it then faults, is counted, and keeps the version alive.
 */
void reload__retire_locked(reload_ctx *ctx, uint64_t self_sp) {
  uint64_t now = reload__now_ns();
  unsigned keep = ctx->opt.keep_versions ? ctx->opt.keep_versions : 8;
  uint64_t grace =
      (uint64_t)(ctx->opt.retire_ms ? ctx->opt.retire_ms : 250) * 1000000u;
  size_t ndrop = 0;
  drain(ctx);
  for (reload__unit *u = ctx->units; u; u = u->next) {
    unsigned n = 0;
    for (reload__obj **pp = &u->newest, *o; (o = *pp);) {
      bool old = o != u->cur && o->state != RELOAD__V_PENDING;
      /* A version that is current again after a rollback runs: it must
       * not stay retired. */
      if (old && (o->state == RELOAD__V_OLD ||
                  o->state == RELOAD__V_ROLLEDBACK) && now >= o->retire_at) {
        retire(ctx, o);
        o->hits_seen = __atomic_load_n(&o->stale_hits, __ATOMIC_RELAXED);
        o->retire_at = now + grace;
      } else if (old && o->state == RELOAD__V_RETIRED) {
        uint64_t h = __atomic_load_n(&o->stale_hits, __ATOMIC_RELAXED);
        if (h != o->hits_seen) {
          o->hits_seen = h;
          o->retire_at = now + grace;
          reload__span *s = &o->span[RELOAD__CLS_TEXT];
          if (s->len && o->ticket)
            mprotect(ctx->arena.run + s->off, s->len, PROT_NONE);
        }
      }
      o->droppable = old && ++n > keep && o->state == RELOAD__V_RETIRED &&
                     now >= o->retire_at;
      ndrop += o->droppable;
      pp = &o->older;
    }
  }
  /* Unmapping costs a scan of every thread's stack: do it at most ten
   * times a second, for everything that became droppable meanwhile. */
  if (!ndrop || now - ctx->last_scan < 100000000u) {
    for (reload__unit *u = ctx->units; u; u = u->next)
      for (reload__obj *o = u->newest; o; o = o->older)
        o->droppable = false;
    return;
  }
  ctx->last_scan = now;
  /* Last, make sure no thread's stack still holds a return address into
   * what is about to go. */
  uint64_t(*ranges)[2] = malloc(ndrop * sizeof *ranges);
  bool *hit = malloc(ndrop * sizeof *hit);
  size_t k = 0;
  uint64_t base = (uint64_t)(uintptr_t)ctx->arena.run;
  for (reload__unit *u = ctx->units; u && ranges && hit; u = u->next)
    for (reload__obj *o = u->newest; o; o = o->older)
      if (o->droppable && k < ndrop) {
        ranges[k][0] = base + o->span[RELOAD__CLS_TEXT].off;
        ranges[k][1] = ranges[k][0] + o->span[RELOAD__CLS_TEXT].len;
        k++;
      }
  bool complete = ranges && hit &&
                  reload__stacks_scan((const uint64_t(*)[2])ranges, k, hit,
                                      self_sp);
  k = 0;
  for (reload__unit *u = ctx->units; u; u = u->next)
    for (reload__obj **pp = &u->newest, *o; (o = *pp);) {
      if (!o->droppable) {
        pp = &o->older;
        continue;
      }
      o->droppable = false;
      bool keep_it = !complete || hit[k++];
      /* Out of the list first: what drop() rewrites (the perf map) must
       * not list it. */
      if (!keep_it) {
        *pp = o->older;
        if (drop(ctx, o))
          continue;
        *pp = o;
      }
      o->retire_at = now + grace;
      pp = &o->older;
    }
  free(ranges);
  free(hit);
}

void reload__retire_from(reload_ctx *ctx, uint64_t self_sp) {
  pthread_mutex_lock(&ctx->lock);
  reload__retire_locked(ctx, self_sp);
  pthread_mutex_unlock(&ctx->lock);
}

void reload_retire(reload_ctx *ctx) {
  if (ctx)
    reload__retire_from(ctx, (uint64_t)(uintptr_t)__builtin_frame_address(0));
}

/* On close: nothing of this context may stay registered. */
void reload__retire_close(reload_ctx *ctx) {
  dead_close(ctx);
  for (reload__unit *u = ctx->units; u; u = u->next)
    for (reload__obj *o = u->newest; o; o = o->older) {
      reload__debug_remove(ctx, o, false);
      if (o->ticket) {
        wlock();
        sigsegv_unregister(&dispatcher, o->ticket);
        wunlock();
        o->ticket = NULL;
      }
    }
}
