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

/* A ring of stale hits for logging outside the handler. */
#define RING 64
static struct {
  reload__obj *o;
  uint64_t addr;
} ring[RING];
static unsigned ring_head; /* written by handlers */
static unsigned ring_tail; /* read under the context lock */

static void wlock(void) {
  while (__atomic_exchange_n(&writer, 1, __ATOMIC_ACQUIRE))
    ;
  while (__atomic_load_n(&readers, __ATOMIC_ACQUIRE))
    ;
}

static void wunlock(void) { __atomic_store_n(&writer, 0, __ATOMIC_RELEASE); }

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
  if (f && f->size >= 5) {
    uint8_t *w = ctx->arena.wr + (a - base);
    int32_t rel = (int32_t)(reload__entry_addr(ctx, f->entry) - (a + 5));
    w[0] = 0xe9;
    memcpy(w + 1, &rel, 4);
  }
  mprotect((void *)(uintptr_t)page, RELOAD__PAGE, PROT_READ | PROT_EXEC);
  __atomic_add_fetch(&o->stale_hits, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&ctx->stats.stale_hits, 1, __ATOMIC_RELAXED);
  unsigned h = __atomic_fetch_add(&ring_head, 1, __ATOMIC_RELAXED);
  ring[h % RING].o = o;
  ring[h % RING].addr = a;
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

static void drop(reload_ctx *ctx, reload__obj *o) {
  if (o->ticket) {
    wlock();
    sigsegv_unregister(&dispatcher, o->ticket);
    wunlock();
    o->ticket = NULL;
  }
  reload__debug_remove(ctx, o, true);
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
}

/* Log stale hits recorded by the handler.  Called with ctx->lock held. */
static void drain(reload_ctx *ctx) {
  unsigned head = __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE);
  if (head - ring_tail > RING)
    ring_tail = head - RING;
  for (; ring_tail != head; ring_tail++) {
    reload__obj *o = ring[ring_tail % RING].o;
    uint64_t a = ring[ring_tail % RING].addr;
    if (!o || o->ctx != ctx)
      continue;
    const reload__fn *f = reload__fn_containing(o, a);
    const char *fn = f ? reload__sym_name(o, f->sym) : "?";
    reload__log(ctx, RELOAD_LOG_WARN, o->unit ? o->unit->key : o->name,
                "stale code reached: %s v%u, function %s%s",
                o->unit ? o->unit->key : o->name, o->version, fn,
                f && f->addr == a ? " (forwarded to the newest version)"
                                  : " (let it finish)");
  }
}

void reload__retire_locked(reload_ctx *ctx) {
  uint64_t now = reload__now_ns();
  unsigned keep = ctx->opt.keep_versions ? ctx->opt.keep_versions : 8;
  drain(ctx);
  for (reload__unit *u = ctx->units; u; u = u->next) {
    unsigned n = 0;
    for (reload__obj **pp = &u->newest, *o; (o = *pp);) {
      bool old = o != u->cur && o->state != RELOAD__V_PENDING;
      if (old && (o->state == RELOAD__V_OLD ||
                  o->state == RELOAD__V_ROLLEDBACK) && now >= o->retire_at)
        retire(ctx, o);
      if (old && ++n > keep && o->state == RELOAD__V_RETIRED) {
        *pp = o->older;
        drop(ctx, o);
        continue;
      }
      pp = &o->older;
    }
  }
}

void reload_retire(reload_ctx *ctx) {
  if (!ctx)
    return;
  pthread_mutex_lock(&ctx->lock);
  reload__retire_locked(ctx);
  pthread_mutex_unlock(&ctx->lock);
}

/* On close: nothing of this context may stay registered. */
void reload__retire_close(reload_ctx *ctx) {
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
