/*
 * guard.c - the crash guard: reload_guard(fn, arg) runs fn, and if code
 * faults inside it, the reload that introduced the faulting code is rolled
 * back and the guard returns RELOAD_ECRASH.
 *
 * SIGSEGV comes through libsigsegv (retire.c hands us what is not retired
 * code) and is left with sigsegv_leave_handler(); SIGILL, SIGFPE and SIGBUS
 * come through handlers of our own.  Neither path does more than record
 * the fault and jump back to the guard: finding the version, rolling back
 * and logging happen after the jump, outside the signal handler.
 */
#include <execinfo.h>
#include <setjmp.h>
#include <signal.h>
#include <sigsegv.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#include "internal.h"

#define NPC 16

struct guard {
  sigjmp_buf jb;
  struct guard *prev;
  int sig;
  uint64_t addr;
  void *pcs[NPC];
  int npc;
};

static __thread struct guard *volatile current;
static struct sigaction saved[3];
static const int sigs[3] = {SIGILL, SIGFPE, SIGBUS};
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void leave(void *g, void *unused1, void *unused2) {
  (void)unused1;
  (void)unused2;
  siglongjmp(((struct guard *)g)->jb, 1);
}

/*
 * Where the unwinder must not go: a pc with no unwind table makes libgcc
 * read the code there (is it the signal trampoline?), and a pc that is not
 * mapped (a wild call, a jump through a stale pointer) then faults inside
 * this handler, which kills the program.  So when the faulting pc cannot
 * be read, the frames are that pc and the word on top of the stack (after
 * a call, the caller's return address) and the unwinder is not asked.
 * Returns how many it wrote, 0 when backtrace() may go ahead.
 */
static int short_trace(const ucontext_t *uc, void **pcs) {
  if (!uc)
    return 0;
  uint64_t pc = (uint64_t)uc->uc_mcontext.gregs[REG_RIP], code[2], top;
  if (reload__peek(pc, code, sizeof code))
    return 0;
  pcs[0] = (void *)(uintptr_t)pc;
  if (!reload__peek((uint64_t)uc->uc_mcontext.gregs[REG_RSP], &top,
                    sizeof top))
    return 1;
  pcs[1] = (void *)(uintptr_t)top;
  return 2;
}

static const char *signame(int sig);

/*
 * No guard: the program dies of this fault, as it would natively.  If the
 * fault is in loaded code, or in a function that loaded code called (the
 * first loaded frame of the backtrace), each context's crash callback is
 * told first, so that the death is never silent.  In a signal handler:
 * no locks are taken (the registry is read as it is), no memory is had.
 */
static void report_unguarded(int sig, uint64_t addr, const ucontext_t *uc) {
  void *pcs[NPC];
  int n = short_trace(uc, pcs);
  if (!n && uc) {
    pcs[0] = (void *)(uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    void *more[NPC];
    bool gate = reload__unwind_enter();
    int m = backtrace(more, NPC);
    reload__unwind_leave(gate);
    n = 1;
    for (int i = 0; i < m; i++)
      if (more[i] == pcs[0]) {
        for (int k = i + 1; k < m && n < NPC; k++)
          pcs[n++] = more[k];
        break;
      }
  }
  for (int i = 0; i < n; i++) {
    reload_ctx *ctx = NULL;
    const reload__obj *o =
        reload__version_at_unlocked((uint64_t)(uintptr_t)pcs[i], &ctx);
    if (!o)
      continue;
    if (!ctx->opt.crash)
      return;
    uint64_t pc = (uint64_t)(uintptr_t)pcs[i];
    const reload__fn *f = reload__fn_containing(o, pc);
    char line[512];
    snprintf(line, sizeof line,
             "fatal: %s at address %#llx %s %s+%#llx (%s v%u)%s; no "
             "reload_guard() catches it (reloadd: [reload] guard = true, "
             "or run --guard), so the program dies of it",
             signame(sig), (unsigned long long)addr,
             i == 0 ? "in function" : "in code called from",
             f ? reload__sym_name(o, f->sym) : "?",
             (unsigned long long)(f ? pc - f->addr : 0),
             o->unit ? o->unit->key : o->name, o->version,
             o->state == RELOAD__V_CURRENT ? "" : ", an old version");
    ctx->opt.crash(ctx->opt.log_ud, line);
    return;
  }
}

/* Called by retire.c's SIGSEGV handler for faults outside retired code. */
int reload__guard_fault(void *fault, int serious) {
  struct guard *g = current;
  (void)serious;
  if (!g) {
    static int said; /* the fault repeats once the handler is gone */
    if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
      report_unguarded(SIGSEGV, (uint64_t)(uintptr_t)fault,
                       reload__faults_context());
    return 0;
  }
  g->sig = SIGSEGV;
  g->addr = (uint64_t)(uintptr_t)fault;
  /* The unwinder walks through the signal frame to the faulting code;
   * backtrace() was primed at install, so it does not load libgcc_s (or
   * allocate) here. */
  g->npc = short_trace(reload__faults_context(), g->pcs);
  if (!g->npc) {
    bool gate = reload__unwind_enter();
    g->npc = backtrace(g->pcs, NPC);
    reload__unwind_leave(gate);
  }
  current = g->prev;
  reload__faults_leaving();
  return sigsegv_leave_handler(leave, g, NULL, NULL);
}

static void on_signal(int sig, siginfo_t *si, void *uc) {
  struct guard *g = current;
  if (!g || si->si_code <= 0) {
    if (si->si_code > 0)
      report_unguarded(sig, (uint64_t)(uintptr_t)si->si_addr, uc);
    /* Not ours: behave as if we were never here. */
    for (int i = 0; i < 3; i++)
      if (sigs[i] == sig)
        sigaction(sig, &saved[i], NULL);
    /* A fault happens again when the instruction runs again, with the old
     * action; a signal that was sent is sent again. */
    if (si->si_code <= 0)
      raise(sig);
    return;
  }
  g->sig = sig;
  g->addr = (uint64_t)(uintptr_t)si->si_addr;
  /* The faulting pc first, then what the unwinder finds (primed at
   * install, as for SIGSEGV). */
  g->pcs[0] = (void *)(uintptr_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
  int nshort = short_trace(uc, g->pcs);
  if (nshort) {
    g->npc = nshort;
    current = g->prev;
    siglongjmp(g->jb, 1);
  }
  void *more[NPC];
  bool gate = reload__unwind_enter();
  int n = backtrace(more, NPC);
  reload__unwind_leave(gate);
  g->npc = 1;
  for (int i = 0; i < n && g->npc < NPC; i++) {
    if (more[i] == g->pcs[0]) { /* found the signal frame's pc: go on */
      for (int k = i + 1; k < n && g->npc < NPC; k++)
        g->pcs[g->npc++] = more[k];
      break;
    }
  }
  current = g->prev;
  siglongjmp(g->jb, 1);
}

static void install(void) {
  void *prime[2];
  backtrace(prime, 2);
  reload__faults_install();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; i++)
    sigaction(sigs[i], &sa, &saved[i]);
}

static const char *signame(int sig) {
  switch (sig) {
  case SIGSEGV: return "SIGSEGV";
  case SIGBUS: return "SIGBUS";
  case SIGILL: return "SIGILL";
  case SIGFPE: return "SIGFPE";
  }
  return "signal";
}

/* The same crash, again and again (code that faults every frame with
 * nothing to roll back to), is reported once a second, with a count. */
static uint64_t last_pc, last_ns;
static unsigned repeats;

/* The fault handlers, before loaded code first runs, when someone wants
 * to hear of a crash that no guard catches. */
void reload__guard_install(void) { pthread_once(&once, install); }

static int crashed(struct guard *g) {
  reload_ctx *ctx = NULL;
  reload__obj *o = NULL;
  uint64_t pc = 0;
  for (int i = 0; i < g->npc && !o; i++) {
    pc = (uint64_t)(uintptr_t)g->pcs[i];
    o = reload__version_at(pc, &ctx);
  }
  if (!o)
    return RELOAD_ECRASH; /* not in loaded code: not ours to report */
  const reload__fn *f = reload__fn_containing(o, pc);
  const char *fn = f ? reload__sym_name(o, f->sym) : "?";
  const char *key = o->unit ? o->unit->key : o->name;
  unsigned long long off = f ? (unsigned long long)(pc - f->addr) : 0ull;
  pthread_mutex_lock(&ctx->lock);
  bool rolled = false;
  unsigned back = 0;
  if (o == o->unit->cur && o->version > 1 && o->older) {
    reload__rollback(ctx, o);
    rolled = true;
    back = o->unit->cur ? o->unit->cur->version : 0;
  }
  pthread_mutex_unlock(&ctx->lock);
  uint64_t now = reload__now_ns();
  if (!rolled && pc == last_pc && now - last_ns < 1000000000u) {
    repeats++;
    return RELOAD_ECRASH;
  }
  unsigned again = repeats;
  last_pc = pc;
  last_ns = now;
  repeats = 0;
  if (rolled)
    reload__err(ctx, RELOAD_ECRASH, key,
                "crash in function %s+%#llx (%s v%u): %s at address %#llx; "
                "rolled back to v%u",
                fn, off, key, o->version, signame(g->sig),
                (unsigned long long)g->addr, back);
  else
    reload__err(ctx, RELOAD_ECRASH, key,
                "crash in function %s+%#llx (%s v%u): %s at address %#llx; "
                "no earlier version to roll back to%s",
                fn, off, key, o->version, signame(g->sig),
                (unsigned long long)g->addr,
                again ? " (and the same crash again since the last report)"
                      : "");
  reload__report_frames(ctx, RELOAD_LOG_ERROR, g->pcs, g->npc);
  return RELOAD_ECRASH;
}

int reload_guard(int (*fn)(void *), void *arg) {
  if (!fn)
    return RELOAD_EINVAL;
  if (!reload__registry_any())
    return fn(arg);
  pthread_once(&once, install);
  struct guard g;
  memset(&g, 0, sizeof g);
  g.prev = current;
  if (sigsetjmp(g.jb, 1)) {
    current = g.prev;
    return crashed(&g);
  }
  current = &g;
  int r = fn(arg);
  current = g.prev;
  return r;
}
