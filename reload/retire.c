/*
 * retire.c - old versions: retiring their code, catching what still runs
 * it, and finally unmapping them.
 *
 * After a swap and a grace period, an old version's code pages become
 * readable only, not executable (inaccessible under READ_IMPLIES_EXEC),
 * and are registered with libsigsegv's dispatcher.  (Readable: the
 * unwinder reads code where a frame has no unwind table, and a fault
 * inside a fault handler would kill the program.)  Whatever still reaches
 * them (a return address, a raw pointer) faults into stale_fault(), which
 * lets it go on: a call from outside the version to a global function's
 * first byte is sent to that function's stable entry (so it lands in the
 * newest version), by setting the faulting thread's pc; anything else
 * makes the page executable again, so the old code can run on.  Either way
 * the hit is counted and logged later (the handler itself only does
 * async-signal-safe work).
 *
 * Retired code is never written to.  Planting a jump over a function's
 * first bytes (as this file once did) cannot be made safe: a thread
 * preempted between the first and the fifth byte resumes inside the jump's
 * displacement, and a thread running the page that another handler just
 * re-opened may fetch a half-written jump.  Both were seen, rarely, as
 * SIGSEGV, SIGILL or SIGTRAP in swap/stress-retire.
 *
 * Versions beyond `keep_versions` are unmapped for good.
 */
#include <execinfo.h>
#include <signal.h>
#include <sigsegv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <ucontext.h>

#include "internal.h"

/* libsigsegv's dispatcher is not safe against a fault on one thread while
 * another registers an area, so registration waits for handlers in flight
 * and handlers wait for registration (a tiny writer-preferring lock made
 * of atomics, usable in a signal handler). */
static sigsegv_dispatcher dispatcher;
static int writer, readers;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int installed = -1;

/* libsigsegv gives its handlers the fault address only; sending a call on
 * needs the thread's registers.  So libsigsegv's signal handler is wrapped
 * by one that leaves the context where stale_fault() finds it, for the
 * time of the call (initial-exec: a signal handler must not make the
 * dynamic linker allocate a TLS block). */
static struct sigaction lib_action;
static __thread ucontext_t *fault_uc __attribute__((tls_model("initial-exec")));

static void wrap(int sig, siginfo_t *si, void *uc) {
  /* Sent, not a fault (raise(), kill): nothing of ours; the program dies
   * of it as it would without us, once this handler returns. */
  if (si && si->si_code <= 0) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  ucontext_t *prev = fault_uc;
  fault_uc = uc;
  if (lib_action.sa_flags & SA_SIGINFO)
    lib_action.sa_sigaction(sig, si, uc);
  else
    lib_action.sa_handler(sig);
  fault_uc = prev;
}

/* The faulting thread's pc when it faulted fetching the instruction at
 * `a` (it jumped or called there, or ran into it from the page before),
 * else NULL: a data access to code. */
static greg_t *fetch_pc(uint64_t a) {
  ucontext_t *uc = fault_uc;
  if (!uc || (uint64_t)uc->uc_mcontext.gregs[REG_RIP] != a)
    return NULL;
  return &uc->uc_mcontext.gregs[REG_RIP];
}

/* How retired code is protected: readable, not executable, unless the
 * process runs with READ_IMPLIES_EXEC (old kernels set it for programs
 * without a PT_GNU_STACK), where readable means executable. */
static int retired_prot = PROT_READ;

/* Whether a fault in retired code is the program's own bug, not ours to
 * let through: anything but an instruction fetch (one that starts at or
 * runs into the address), and a write whatever the pc (x86 page-fault
 * error code, bit 1).  On a readable page only a fetch or a write can
 * fault. */
static bool not_ours(uint64_t a) {
  ucontext_t *uc = fault_uc;
  if (!uc)
    return false; /* no context (a handler installed over ours): go on */
  uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
  bool fetch = rip <= a && a - rip < 15; /* 15: the longest instruction */
  if (uc->uc_mcontext.gregs[REG_ERR] & 2)
    return true;
  return retired_prot == PROT_READ && !fetch;
}

/* The word at the top of the faulting thread's stack: at a function's
 * first byte, the return address of the call that got there.  Copied by
 * the kernel, so a wild stack pointer cannot fault in here. */
static bool stack_top(uint64_t *out) {
  ucontext_t *uc = fault_uc;
  return uc && reload__peek((uint64_t)uc->uc_mcontext.gregs[REG_RSP], out,
                            sizeof *out);
}

/* The function at `a` that a stale call may be sent on to: the only one
 * there that may be forwarded. */
static const reload__fn *fwd_at(const reload__obj *o, uint64_t a) {
  const reload__fn *f = reload__fn_at(o, a), *pick = NULL;
  if (!f)
    return NULL;
  while (f > o->fns && f[-1].addr == a)
    f--;
  for (; f < o->fns + o->nfns && f->addr == a; f++)
    if (f->fwd) {
      if (pick && pick->entry != f->entry)
        return NULL;
      pick = f;
    }
  return pick;
}

/*
 * Whether a thread at `a`, a function's first byte in retired version o,
 * may go to the newest version instead: the stable entry of fwd_at()'s
 * function (global, C name; aliases with other names, as after
 * identical-code folding, leave it open which one was meant).  Not
 * for a call from o's own code: the compiler may have made it knowing
 * that very callee (the registers it leaves alone, -fipa-ra; the values
 * it returns), and the newest version need not keep those promises.  Not
 * when the function was removed since.  In all these cases the old code
 * runs instead, which is always safe.  (A tail jump from o's own code
 * shows its caller's return address, and is forwarded: the callee then
 * returns to a caller that only knows the psABI, which a global function
 * keeps.)
 */
static const reload__fn *forward_to(const reload__obj *o, uint64_t a,
                                    uint64_t base, uint64_t *ret) {
  const reload__fn *pick = fwd_at(o, a);
  if (!pick || !stack_top(ret))
    return NULL;
  const reload__span *t = &o->span[RELOAD__CLS_TEXT];
  if (*ret >= base + t->off && *ret < base + t->off + t->len)
    return NULL;
  uint64_t to = __atomic_load_n(pick->slot, __ATOMIC_ACQUIRE);
  if (to == pick->ent + 6)
    return NULL; /* the "removed" stub: see entry.c */
  if (to >= base + t->off && to < base + t->off + t->len)
    return NULL; /* removed since, and its entry leads back here */
  return pick;
}

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
  int forwarded;
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

static int stale_fault(void *fault, void *arg) {
  reload__obj *o = arg;
  reload_ctx *ctx = o->ctx;
  uint64_t a = (uint64_t)(uintptr_t)fault;
  uint64_t base = (uint64_t)(uintptr_t)ctx->arena.run;
  if (not_ours(a))
    return 0;
  greg_t *pc = fetch_pc(a);
  uint64_t ret = 0;
  const reload__fn *f = pc ? forward_to(o, a, base, &ret) : NULL;
  if (f) {
    /* The registers hold the arguments, the stack the return address:
     * only the pc changes, and the old code is not touched. */
    *pc = (greg_t)f->ent;
  } else {
    uint64_t page = a & ~(uint64_t)(RELOAD__PAGE - 1);
    mprotect((void *)(uintptr_t)page, RELOAD__PAGE, PROT_READ | PROT_EXEC);
    __atomic_add_fetch(&o->runs, 1, __ATOMIC_RELAXED);
  }
  __atomic_add_fetch(&o->stale_hits, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&ctx->stale_hits, 1, __ATOMIC_RELAXED);
  unsigned h = __atomic_fetch_add(&ring_head, 1, __ATOMIC_RELAXED);
  void *pcs[RING_PCS];
  int npc = 2;
  if (f) {
    /* The unwinder would start from the entry, which has no unwind
     * table: the function and its caller are what there is to say. */
    pcs[0] = (void *)(uintptr_t)a;
    pcs[1] = (void *)(uintptr_t)ret;
  } else {
    /* The faulting thread was running retired code, so it holds none of
     * the unwinder's or malloc's locks; backtrace() was primed (guard.c).
     * Its page is readable again, for the unwinder's look at code that
     * has no table. */
    bool gate = reload__unwind_enter();
    npc = backtrace(pcs, RING_PCS);
    reload__unwind_leave(gate);
  }
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
  __atomic_store_n(&sl->forwarded, f != NULL, __ATOMIC_RELAXED);
  __atomic_store_n(&sl->seq, h + 1, __ATOMIC_RELEASE);
  return 1;
}

/* The crash guard leaves the signal handler for good (siglongjmp): the
 * context goes with it. */
void reload__faults_leaving(void) { fault_uc = NULL; }

/* The context of the SIGSEGV being handled on this thread, or NULL. */
void *reload__faults_context(void) { return fault_uc; }

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
  int pers = personality(0xffffffff);
  if (pers != -1 && (pers & READ_IMPLIES_EXEC))
    retired_prot = PROT_NONE;
  sigsegv_init(&dispatcher);
  installed = sigsegv_install_handler(on_segv);
  if (installed != 0)
    return;
  /* Put wrap() in front of the handler libsigsegv just installed, with
   * its flags and mask. */
  struct sigaction w;
  if (sigaction(SIGSEGV, NULL, &lib_action) != 0 ||
      lib_action.sa_handler == SIG_DFL || lib_action.sa_handler == SIG_IGN) {
    installed = -1;
    return;
  }
  w = lib_action;
  w.sa_sigaction = wrap;
  w.sa_flags |= SA_SIGINFO;
  if (sigaction(SIGSEGV, &w, NULL) != 0)
    installed = -1;
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
  if (!o->ticket) { /* else still registered since a rollback */
    wlock();
    o->ticket = sigsegv_register(&dispatcher, start, s->len, stale_fault, o);
    wunlock();
  }
  mprotect(start, s->len, retired_prot);
  o->state = RELOAD__V_RETIRED;
}

/* A retired version runs again (a rollback made it current).  Its code
 * becomes executable; its fault handler stays registered until it is
 * retired again or unmapped: a thread that faulted just before may not
 * have reached the dispatcher yet, and must still find it (it then finds
 * the page executable, or is sent to the entry, which leads here again).
 * Writes to the code are declined by the handler as ever. */
void reload__unretire(reload_ctx *ctx, reload__obj *o) {
  reload__span *s = &o->span[RELOAD__CLS_TEXT];
  if (s->len)
    mprotect(ctx->arena.run + s->off, s->len, PROT_READ | PROT_EXEC);
}

/*
 * Unmapped code is remembered for a while: the addresses of its functions
 * and their entries.  A thread that jumped to one of those functions just
 * before it went (and was descheduled in between) lands on a page that is
 * gone; the handler sends it to the function's entry (nothing else can be
 * done there, and no thread still runs that code: the stack scan saw to
 * it).  Pages are reused as late as possible (arena.c), and a record is
 * forgotten when its pages are reused or when newer ones push it out.
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
  greg_t *pc = fetch_pc(a);
  uint32_t lo = 0, hi = d->n;
  while (pc && lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (d->fn[2 * mid] == a) {
      *pc = (greg_t)d->fn[2 * mid + 1];
      __atomic_add_fetch(&d->ctx->stale_hits, 1, __ATOMIC_RELAXED);
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
  /* What stale_fault would forward (fwd_at(); no removal check: the
   * entry's stub says so itself). */
  uint32_t k = 0;
  for (uint32_t i = 0; i < o->nfns; i++)
    if (fwd_at(o, o->fns[i].addr) == &o->fns[i]) {
      d->fn[2 * k] = o->fns[i].addr;
      d->fn[2 * k + 1] = o->fns[i].ent;
      k++;
    }
  qsort(d->fn, k, 2 * sizeof *d->fn, by_code);
  d->n = k;
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

/*
 * The stale hits already logged in full, one per version, function and
 * kind (sent on, or let finish), under ring_lock.  A thread that stays in
 * old code (a main that never returns, a worker's loop) faults again each
 * time the version is retired anew, for as long as it runs: the first hit
 * is a warning with its backtrace, the later ones a debug line each (they
 * are all counted in the stats all the same).
 */
static struct seen {
  const reload__obj *o;
  const reload__fn *f;
  bool forwarded;
} *seen;
static size_t nseen, capseen;

/* Whether this is the first hit of its kind; noted if so.  Out of memory,
 * every hit is the first: too much said rather than too little. */
static bool first_hit(const reload__obj *o, const reload__fn *f,
                      bool forwarded) {
  for (size_t i = 0; i < nseen; i++)
    if (seen[i].o == o && seen[i].f == f && seen[i].forwarded == forwarded)
      return false;
  if (nseen == capseen) {
    size_t cap = capseen ? 2 * capseen : 16;
    struct seen *v = realloc(seen, cap * sizeof *v);
    if (!v)
      return true;
    seen = v;
    capseen = cap;
  }
  seen[nseen++] = (struct seen){o, f, forwarded};
  return true;
}

/* Called with ring_lock held. */
static void seen_forget(const reload__obj *o) {
  for (size_t i = 0; i < nseen;)
    if (seen[i].o == o)
      seen[i] = seen[--nseen];
    else
      i++;
}

/* A version is going: its hits not logged yet must not point at it, nor
 * may a version that later has its address pass for it.  Its handlers
 * are all done (drop() held the write lock). */
static void ring_forget(const reload__obj *o) {
  pthread_mutex_lock(&ring_lock);
  for (unsigned i = 0; i < RING; i++)
    if (__atomic_load_n(&ring[i].o, __ATOMIC_RELAXED) == o)
      __atomic_store_n(&ring[i].o, NULL, __ATOMIC_RELAXED);
  seen_forget(o);
  pthread_mutex_unlock(&ring_lock);
}

/* Unmap a version, unless its code ran since the stack scan began: a
 * thread that came back into it meanwhile (the page fault says so) may
 * still be there, where no stack word shows it.  (A call that was sent on
 * to the stable entry left nothing behind.)  Handlers count inside the
 * dispatcher's read lock, so under the write lock the count is final: a
 * thread that faults from now on finds the dead record. */
static bool drop(reload_ctx *ctx, reload__obj *o) {
  wlock();
  if (__atomic_load_n(&o->runs, __ATOMIC_RELAXED) != o->runs_seen) {
    wunlock();
    return false;
  }
  if (o->ticket)
    sigsegv_unregister(&dispatcher, o->ticket);
  o->ticket = NULL;
  dead_add(ctx, o);
  wunlock();
  {
    size_t bytes = 0;
    for (int c = RELOAD__CLS_TEXT; c <= RELOAD__CLS_DATA; c++)
      bytes += o->span[c].len;
    const char *key = o->unit ? o->unit->key : o->name;
    reload__log(ctx, RELOAD_LOG_DEBUG, key,
                "%s v%u unmapped (%zu KiB): replaced, quiet for the grace "
                "period, more than %u newer versions, and no thread's stack "
                "points into its code",
                key, o->version, bytes >> 10,
                ctx->opt.keep_versions ? ctx->opt.keep_versions : 8);
  }
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

/* The functions that `f`, running in retired version `o`, calls straight
 * (not through their entries) and that a newer version has replaced since:
 * ", it calls NAME directly, ..." for the warning, or "" when none. */
static void direct_changed(reload_ctx *ctx, const reload__obj *o,
                           const reload__fn *f, char *out, size_t len) {
  out[0] = 0;
  if (!f || !o->direct)
    return;
  uint32_t sec = reload__sym_shndx(o, f->sym);
  if (sec >= o->nsec || !o->secs[sec].rela)
    return;
  const Elf64_Shdr *rs = &o->sh[o->secs[sec].rela];
  const Elf64_Rela *r = (const Elf64_Rela *)(const void *)(o->data + rs->sh_offset);
  uint64_t n = rs->sh_size / sizeof *r, lo = o->sym[f->sym].st_value;
  size_t used = 0, names = 0;
  for (uint64_t k = 0; k < n && used + 80 < len; k++) {
    uint32_t sym = ELF64_R_SYM(r[k].r_info), type = ELF64_R_TYPE(r[k].r_info);
    if (r[k].r_offset < lo || r[k].r_offset >= lo + f->size || !o->direct[sym] ||
        !reload__rel_is_branch(type, r[k].r_offset,
                               o->data + o->sh[sec].sh_offset + r[k].r_offset) ||
        reload__call_follows(o, sym, type))
      continue;
    const reload__fn *g = reload__fn_at(o, o->direct[sym]);
    if (!g || g == f ||
        __atomic_load_n(g->slot, __ATOMIC_RELAXED) == g->addr)
      continue; /* still this version's */
    const char *name = reload__sym_name(o, sym);
    if (strstr(out, name))
      continue;
    used += (size_t)snprintf(out + used, len - used, "%s%s",
                             names++ ? ", " : "; it calls ", name);
  }
  if (names)
    snprintf(out + used, len - used,
             " directly, which %s changed since: the change%s take%s effect "
             "when %s returns (calls between default-visibility functions "
             "of one -fPIC object follow reloads; static functions, hidden "
             "ones and -fPIE calls cannot)",
             names == 1 ? "has" : "have", names == 1 ? "" : "s",
             names == 1 ? "s" : "", reload__sym_name(o, f->sym));
  (void)ctx;
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
    c.forwarded = __atomic_load_n(&sl->forwarded, __ATOMIC_RELAXED);
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
    const char *key = o->unit ? o->unit->key : o->name;
    const char *how = c.forwarded ? " (forwarded to the newest version)"
                                  : " (let it finish)";
    if (first_hit(o, f, c.forwarded)) {
      char calls[600] = "";
      if (f && !c.forwarded)
        direct_changed(ctx, o, f, calls, sizeof calls);
      reload__log(ctx, RELOAD_LOG_WARN, key,
                  "stale code reached: %s v%u, function %s%s%s; later hits "
                  "of it are counted and logged at debug level",
                  key, o->version, fn, how, calls);
      reload__report_frames(ctx, RELOAD_LOG_WARN, c.pcs, c.npc);
    } else {
      reload__log(ctx, RELOAD_LOG_DEBUG, key,
                  "stale code reached again: %s v%u, function %s%s; %llu "
                  "hits of v%u so far",
                  key, o->version, fn, how,
                  (unsigned long long)__atomic_load_n(&o->stale_hits,
                                                      __ATOMIC_RELAXED),
                  o->version);
    }
  }
  pthread_mutex_unlock(&ring_lock);
}

/* A version whose code a removed function's entry leads to stays. */
static bool pinned(const reload_ctx *ctx, const reload__obj *o) {
  const reload__span *t = &o->span[RELOAD__CLS_TEXT];
  uint64_t lo = (uint64_t)(uintptr_t)ctx->arena.run + t->off;
  return t->len && reload__entry_pins(ctx, lo, lo + t->len);
}

/* A stack word that points exactly at a function's first byte does not
 * keep its version: it is no return address (a call returns after itself;
 * only a call to a noreturn function at the end of the function before
 * would return there, and it does not return).  It is a function pointer
 * or, likelier, a stale word in a frame (a slot not written since a
 * deeper call: a conservative scan sees those too).  A call through it
 * once the version is gone is sent on by the dead record, if the function
 * may be forwarded; otherwise it faults as a call to freed code does.
 * Threads' program counters are not asked about: they are exact. */
struct code_of {
  const reload__obj *const *objs; /* ranges [0, n) are their code */
  size_t n;
};

static bool harmless(const void *ud, size_t idx, uint64_t x, uint64_t where) {
  (void)where;
  const struct code_of *c = ud;
  return idx < c->n && reload__fn_at(c->objs[idx], x) != NULL;
}

/*
 * What the droppable versions would take with them: each one's code, and
 * the pages (read-only data, data) that only droppable versions hold.
 * Ranges [0, ndrop) are the versions' code, in `objs` order; the rest are
 * those pages, each with the chunk it is.
 */
struct going {
  uint64_t (*ranges)[2];
  reload__chunk **chunk;    /* per range; NULL for code */
  size_t n, ndrop;
  uint64_t (*ignore)[2];    /* their unwind tables */
  size_t nignore;
  uint64_t (*live)[2];      /* the arena's pages that stay */
  size_t nlive;
  struct cguard *guard;     /* per chunk range, while the scan runs */
};

/* A page that only droppable versions hold is made inaccessible while the
 * program's memory is scanned: a use that the scan could not see (a
 * pointer written meanwhile) faults here, gets its page back and keeps
 * the version. */
struct cguard {
  uint64_t start, len;
  int prot;
  int faults;
  void *ticket;
};

static int chunk_fault(void *fault, void *arg) {
  (void)fault;
  struct cguard *g = arg;
  mprotect((void *)(uintptr_t)g->start, g->len, g->prot);
  __atomic_add_fetch(&g->faults, 1, __ATOMIC_RELAXED);
  return 1;
}

static bool add_range(uint64_t (**v)[2], size_t *n, size_t *cap, uint64_t lo,
                      uint64_t hi) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 16;
    uint64_t(*nv)[2] = realloc(*v, nc * sizeof *nv);
    if (!nv)
      return false;
    *v = nv;
    *cap = nc;
  }
  (*v)[*n][0] = lo;
  (*v)[*n][1] = hi;
  (*n)++;
  return true;
}

static void going_free(struct going *g) {
  free(g->ranges);
  free(g->chunk);
  free(g->ignore);
  free(g->live);
  free(g->guard);
  memset(g, 0, sizeof *g);
}

static bool going_collect(reload_ctx *ctx, struct going *g,
                          reload__obj **objs, size_t ndrop) {
  memset(g, 0, sizeof *g);
  uint64_t base = (uint64_t)(uintptr_t)ctx->arena.run;
  size_t cap = 0, icap = 0, lcap = 0;
  bool ok = true;
  for (size_t k = 0; k < ndrop && ok; k++) {
    const reload__span *t = &objs[k]->span[RELOAD__CLS_TEXT];
    ok = add_range(&g->ranges, &g->n, &cap, base + t->off,
                   base + t->off + t->len);
  }
  g->ndrop = g->n;
  /* Count each chunk's droppable holders; all of them: it goes too. */
  for (reload__batch *b = ctx->batches; b; b = b->next)
    for (reload__obj *o = b->objs; o; o = o->next)
      for (uint32_t i = 0; i < o->nchunks; i++)
        o->chunks[i]->mark = 0;
  for (size_t k = 0; k < ndrop; k++)
    for (uint32_t i = 0; i < objs[k]->nchunks; i++)
      objs[k]->chunks[i]->mark++;
  for (size_t k = 0; k < ndrop && ok; k++)
    for (uint32_t i = 0; i < objs[k]->nchunks && ok; i++) {
      reload__chunk *c = objs[k]->chunks[i];
      if (c->mark != c->refs)
        continue;
      c->mark = UINT32_MAX; /* listed as going */
      ok = add_range(&g->ranges, &g->n, &cap, base + c->off,
                     base + c->off + c->len);
    }
  g->chunk = calloc(g->n ? g->n : 1, sizeof *g->chunk);
  ok = ok && g->chunk;
  size_t at = g->ndrop;
  for (size_t k = 0; k < ndrop && ok; k++)
    for (uint32_t i = 0; i < objs[k]->nchunks; i++) {
      reload__chunk *c = objs[k]->chunks[i];
      if (c->mark == UINT32_MAX && at < g->n) {
        g->chunk[at++] = c;
        c->mark = UINT32_MAX - 2; /* placed */
      }
    }
  /* Their unwind tables: libgcc's sorted copies point there. */
  for (size_t k = 0; k < ndrop && ok; k++) {
    const reload__obj *o = objs[k];
    for (uint32_t i = 1; i < o->nsec && ok; i++)
      if (o->secs[i].addr && !o->secs[i].discard && reload__is_ehframe(o, i))
        ok = add_range(&g->ignore, &g->nignore, &icap, o->secs[i].addr,
                       o->secs[i].addr + o->sh[i].sh_size);
  }
  /* The pages that stay: every other chunk, read through the run view. */
  for (reload__batch *b = ctx->batches; b && ok; b = b->next)
    for (reload__obj *o = b->objs; o && ok; o = o->next)
      for (uint32_t i = 0; i < o->nchunks && ok; i++) {
        reload__chunk *c = o->chunks[i];
        if (c->mark >= UINT32_MAX - 2)
          continue;
        c->mark = UINT32_MAX - 1; /* listed as staying */
        ok = add_range(&g->live, &g->nlive, &lcap, base + c->off,
                       base + c->off + c->len);
      }
  if (ok) {
    g->guard = calloc(g->n ? g->n : 1, sizeof *g->guard);
    ok = g->guard != NULL;
  }
  return ok;
}

/* Make the chunks that would go inaccessible, or give them back. */
static void going_guard(struct going *g, bool on) {
  for (size_t i = g->ndrop; i < g->n; i++) {
    struct cguard *c = &g->guard[i];
    if (on) {
      c->start = g->ranges[i][0];
      c->len = g->ranges[i][1] - g->ranges[i][0];
      c->prot = g->chunk[i]->cls == RELOAD__CLS_DATA ? PROT_READ | PROT_WRITE
                                                     : PROT_READ;
      wlock();
      c->ticket = sigsegv_register(&dispatcher, (void *)(uintptr_t)c->start,
                                   c->len, chunk_fault, c);
      wunlock();
      if (c->ticket)
        mprotect((void *)(uintptr_t)c->start, c->len, PROT_NONE);
      else
        c->faults = 1; /* unguarded: cannot be sure, so it stays */
    } else if (c->ticket) {
      mprotect((void *)(uintptr_t)c->start, c->len, c->prot);
      wlock();
      sigsegv_unregister(&dispatcher, c->ticket);
      wunlock();
      c->ticket = NULL;
    }
  }
}

/* Unmap the droppable versions that nothing reaches any more.  Called
 * with ctx->lock held. */
static void unmap_unreached(reload_ctx *ctx, uint64_t self_sp, uint64_t now,
                            uint64_t grace, size_t ndrop) {
  reload__obj **objs = malloc(ndrop * sizeof *objs);
  size_t k = 0;
  for (reload__unit *u = ctx->units; u && objs; u = u->next)
    for (reload__obj *o = u->newest; o; o = o->older)
      if (o->droppable && k < ndrop)
        objs[k++] = o;
  ndrop = k;
  struct going g = {0};
  bool complete = objs && going_collect(ctx, &g, objs, ndrop);
  bool *hit = complete ? calloc(g.n ? g.n : 1, sizeof *hit) : NULL;
  bool *held = complete ? calloc(g.n ? g.n : 1, sizeof *held) : NULL;
  uint64_t *where = complete ? calloc(g.n ? g.n : 1, sizeof *where) : NULL;
  struct code_of cof = {(const reload__obj *const *)objs, g.ndrop};
  complete = hit && held && where &&
             reload__stacks_scan((const uint64_t(*)[2])g.ranges, g.n, hit,
                                 self_sp, harmless, &cof);
  uint64_t scanned = 0, t0 = reload__now_ns();
  bool any_free = false;
  for (size_t i = 0; complete && i < g.ndrop; i++)
    any_free |= !hit[i];
  bool guarded = complete && any_free;
  if (guarded) {
    going_guard(&g, true);
    complete = reload__reach_scan(
        ctx, (const uint64_t(*)[2])g.ranges, g.n, held,
        (const uint64_t(*)[2])g.ignore, g.nignore,
        (const uint64_t(*)[2])g.live, g.nlive, &scanned, where);
    ctx->stats.scan_ns = reload__now_ns() - t0;
    ctx->stats.scan_bytes = scanned;
  }
  /* Every page gets its protection back before its guard goes (a page
   * that goes is given back to the arena by drop()); once the guards are
   * gone, their fault counts are final. */
  if (guarded)
    going_guard(&g, false);
  if (guarded && !complete)
    reload__log(ctx, RELOAD_LOG_DEBUG, NULL,
                "%zu old version%s stay mapped: the program's memory could "
                "not be scanned whole for pointers into them (more than "
                "2 GiB of it is resident, or it could not be read)",
                ndrop, ndrop == 1 ? "" : "s");
  /* Which versions stay: a hit in their code or in a chunk they hold. */
  uint64_t kept = 0, kept_bytes = 0;
  for (size_t i = 0; i < ndrop; i++) {
    reload__obj *o = objs[i];
    bool stays = !complete || hit[i];
    bool reached = complete && !hit[i] && held[i];
    uint64_t at = reached ? where[i] : 0;
    const char *what = "code";
    for (size_t r = g.ndrop; complete && r < g.n && !stays; r++) {
      bool mine = false;
      for (uint32_t c = 0; c < o->nchunks && !mine; c++)
        mine = o->chunks[c] == g.chunk[r];
      if (mine && (hit[r] || held[r] || g.guard[r].faults)) {
        stays = reached = true;
        at = where[r];
        what = g.chunk[r]->cls == RELOAD__CLS_DATA ? "data" : "constants";
      }
    }
    stays |= reached;
    o->droppable = !stays;
    if (reached) {
      size_t bytes = 0;
      for (int c = RELOAD__CLS_TEXT; c <= RELOAD__CLS_DATA; c++)
        bytes += o->span[c].len;
      kept++;
      kept_bytes += bytes;
      if (at != o->reached_at) {
        o->reached_at = at;
        const char *key = o->unit ? o->unit->key : o->name;
        reload__log(ctx, RELOAD_LOG_DEBUG, key,
                    "%s v%u stays mapped (%zu KiB): the program keeps a "
                    "pointer into its %s (at %#llx%s); it goes once no "
                    "such pointer is left",
                    key, o->version, bytes >> 10, what,
                    (unsigned long long)at,
                    at ? "" : ", a use while it was being scanned");
      }
    }
  }
  if (complete) {
    ctx->stats.kept_versions = kept;
    ctx->stats.kept_bytes = kept_bytes;
  }
  for (reload__unit *u = ctx->units; u; u = u->next)
    for (reload__obj **pp = &u->newest, *o; (o = *pp);) {
      bool listed = false;
      for (size_t i = 0; i < ndrop && !listed; i++)
        listed = objs[i] == o;
      if (!listed) {
        pp = &o->older;
        continue;
      }
      bool go = o->droppable;
      o->droppable = false;
      /* Out of the list first: what drop() rewrites (the perf map) must
       * not list it. */
      if (go) {
        *pp = o->older;
        if (drop(ctx, o))
          continue;
        *pp = o;
      }
      o->retire_at = now + grace;
      pp = &o->older;
    }
  going_free(&g);
  free(hit);
  free(held);
  free(where);
  free(objs);
}

/*
 * A retired version is unmapped only once it has been quiet: none of its
 * code run for a whole grace period.  Running it re-enables a page, after
 * which a thread may run there without faulting again; so a version whose
 * code ran has it made non-executable once more, and the grace starts over.
 * A thread still inside it then faults, is counted, and keeps the version
 * alive.  Calls sent on to the stable entry do not.
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
        /* Counted before: a thread that faults in between must count. */
        o->runs_seen = __atomic_load_n(&o->runs, __ATOMIC_RELAXED);
        retire(ctx, o);
        o->retire_at = now + grace;
      } else if (old && o->state == RELOAD__V_RETIRED) {
        uint64_t h = __atomic_load_n(&o->runs, __ATOMIC_RELAXED);
        if (h != o->runs_seen) {
          o->runs_seen = h;
          o->retire_at = now + grace;
          reload__span *s = &o->span[RELOAD__CLS_TEXT];
          if (s->len && o->ticket)
            mprotect(ctx->arena.run + s->off, s->len, retired_prot);
        }
      }
      o->droppable = old && ++n > keep && o->state == RELOAD__V_RETIRED &&
                     now >= o->retire_at && !pinned(ctx, o);
      ndrop += o->droppable;
      pp = &o->older;
    }
  }
  /* Unmapping costs a scan of every thread's stack and of the program's
   * memory: do it at most ten times a second, and so that scanning takes
   * at most a tenth of the time (a big heap, a sanitizer's shadow), for
   * everything that became droppable meanwhile. */
  uint64_t gap = 10 * ctx->stats.scan_ns;
  if (gap < 100000000u)
    gap = 100000000u;
  if (!ndrop || now - ctx->last_scan < gap) {
    for (reload__unit *u = ctx->units; u; u = u->next)
      for (reload__obj *o = u->newest; o; o = o->older)
        o->droppable = false;
    return;
  }
  ctx->last_scan = now;
  /* Last, make sure nothing the program keeps still leads there. */
  unmap_unreached(ctx, self_sp, now, grace, ndrop);
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
      ring_forget(o);
      reload__debug_remove(ctx, o, false);
      if (o->ticket) {
        wlock();
        sigsegv_unregister(&dispatcher, o->ticket);
        wunlock();
        o->ticket = NULL;
      }
    }
}
