/*
 * debug.c - let debuggers, profilers and unwinders see loaded code.
 *
 *  - gdb: each version is registered through gdb's JIT interface
 *    (__jit_debug_descriptor / __jit_debug_register_code) as a copy of its
 *    object file whose allocated sections carry their load addresses in
 *    sh_addr.  gdb applies the object's own relocations to its DWARF, so
 *    it gets symbols, lines and locals, as LLVM's JITLink debug plugin
 *    arranges too.  Unlike LLVM's JITLoaderGDB we unregister a version
 *    when it is unmapped.
 *  - the unwinder: each version's .eh_frame is registered with libgcc's
 *    __register_frame, so backtrace(), exceptions and the crash guard walk
 *    through loaded frames; it is deregistered on unmap.
 *  - perf: /tmp/perf-<pid>.map lists every function of every mapped
 *    version as "START SIZE function (object vN)", perf's JIT map format.
 *    It is appended to as versions load, rewritten when one is unmapped,
 *    and left in place at exit: the library cannot tell the process's
 *    last moment, nor whether the file is wanted for `perf report`
 *    afterwards, so the host decides (reloadd removes it at exit unless
 *    asked to keep it).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* ---- gdb's JIT interface (gdb/jit.h) ---------------------------------- */

typedef enum { JIT_NOACTION = 0, JIT_REGISTER_FN, JIT_UNREGISTER_FN } jit_action;

struct jit_code_entry {
  struct jit_code_entry *next_entry, *prev_entry;
  const char *symfile_addr;
  uint64_t symfile_size;
};

struct jit_descriptor {
  uint32_t version;
  uint32_t action_flag;
  struct jit_code_entry *relevant_entry, *first_entry;
};

/* gdb puts a breakpoint here and reads the descriptor when it is hit. */
RELOAD_API void __jit_debug_register_code(void);
RELOAD_API void __attribute__((noinline)) __jit_debug_register_code(void) {
  __asm__ volatile("" ::: "memory");
}
RELOAD_API struct jit_descriptor __jit_debug_descriptor = {1, 0, NULL, NULL};

static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;

extern void __register_frame_info(const void *, void *);
extern void *__deregister_frame_info(const void *);
struct reload__eh_bases {
  void *tbase, *dbase, *func;
};
extern const void *_Unwind_Find_FDE(void *pc, struct reload__eh_bases *b);

struct reload__dbg {
  struct jit_code_entry jit;
  char *image;
  void *ehframe; /* registered with the unwinder, or NULL */
  /* libgcc's record of the table (its `struct object`, 7 words in gcc 12;
   * room for more).  Ours rather than one libgcc allocates: it holds the
   * code's address, and the library's own memory is what the scan for
   * pointers into old versions skips (reach.c). */
  void *object[16] __attribute__((aligned(16)));
};

static void gdb_register(reload__obj *o, struct reload__dbg *d) {
  d->image = malloc(o->size ? o->size : 1);
  if (!d->image)
    return;
  memcpy(d->image, o->data, o->size);
  /* Parse already validated the section table; patch sh_addr in place. */
  Elf64_Shdr *sh = (Elf64_Shdr *)(void *)(d->image + o->eh->e_shoff);
  for (uint32_t i = 1; i < o->nsec; i++)
    if (o->secs[i].cls != RELOAD__CLS_NONE && !o->secs[i].discard &&
        o->secs[i].cls != RELOAD__CLS_TLS)
      sh[i].sh_addr = o->secs[i].addr;
  d->jit.symfile_addr = d->image;
  d->jit.symfile_size = o->size;
  pthread_mutex_lock(&jit_lock);
  d->jit.prev_entry = NULL;
  d->jit.next_entry = __jit_debug_descriptor.first_entry;
  if (d->jit.next_entry)
    d->jit.next_entry->prev_entry = &d->jit;
  __jit_debug_descriptor.first_entry = &d->jit;
  __jit_debug_descriptor.relevant_entry = &d->jit;
  __jit_debug_descriptor.action_flag = JIT_REGISTER_FN;
  __jit_debug_register_code();
  pthread_mutex_unlock(&jit_lock);
}

static void gdb_unregister(struct reload__dbg *d) {
  if (!d->image)
    return;
  pthread_mutex_lock(&jit_lock);
  if (d->jit.prev_entry)
    d->jit.prev_entry->next_entry = d->jit.next_entry;
  else
    __jit_debug_descriptor.first_entry = d->jit.next_entry;
  if (d->jit.next_entry)
    d->jit.next_entry->prev_entry = d->jit.prev_entry;
  __jit_debug_descriptor.relevant_entry = &d->jit;
  __jit_debug_descriptor.action_flag = JIT_UNREGISTER_FN;
  __jit_debug_register_code();
  pthread_mutex_unlock(&jit_lock);
  free(d->image);
  d->image = NULL;
}

/* libgcc sorts a registered table, with malloc, the first time a lookup
 * reaches it, and a fault handler's backtrace must not be that lookup.
 * So registering a table and sorting it at once, and backtraces in fault
 * handlers, exclude each other: the gate holds REG while a table goes
 * in, else the number of backtraces under way.  Both sides are short. */
#define REG 0x80000000u
static unsigned unwind_gate;

bool reload__unwind_enter(void) {
  for (long i = 0; i < 50000000; i++) {
    unsigned g = __atomic_load_n(&unwind_gate, __ATOMIC_ACQUIRE);
    if (!(g & REG) && __atomic_compare_exchange_n(&unwind_gate, &g, g + 1,
                                                  false, __ATOMIC_ACQUIRE,
                                                  __ATOMIC_RELAXED))
      return true;
    __builtin_ia32_pause();
  }
  return false; /* take the risk rather than hang in a handler */
}

void reload__unwind_leave(bool entered) {
  if (entered)
    __atomic_sub_fetch(&unwind_gate, 1, __ATOMIC_RELEASE);
}

/* Bounded too: a handler that faulted inside backtrace() and was carried
 * off by the crash guard never leaves; registering must not hang on it. */
static bool gate_close(void) {
  for (long i = 0; i < 50000000; i++) {
    unsigned idle = 0;
    if (__atomic_compare_exchange_n(&unwind_gate, &idle, REG, false,
                                    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
      return true;
    __builtin_ia32_pause();
  }
  return false;
}

/* Is [addr, addr+len) inside the memory of an object loaded in ctx? (The
 * personality slot of a CIE can be another object's: COMDAT keeps one.) */
static bool loaded_memory(void *ud, uint64_t addr, uint64_t len) {
  const reload_ctx *ctx = ud;
  uint64_t base = (uint64_t)(uintptr_t)ctx->arena.run;
  for (const reload__batch *b = ctx->batches; b; b = b->next)
    for (const reload__obj *o = b->objs; o; o = o->next)
      for (int c = 0; c < RELOAD__NCLS; c++) {
        uint64_t lo = base + o->span[c].off, hi = lo + o->span[c].len;
        if (o->span[c].len && addr >= lo && addr <= hi && len <= hi - addr)
          return true;
      }
  return false;
}

static void unwind_register(reload_ctx *ctx, reload__obj *o,
                            struct reload__dbg *d) {
  for (uint32_t i = 1; i < o->nsec; i++) {
    const reload__sec *s = &o->secs[i];
    if (s->cls == RELOAD__CLS_NONE || s->discard || !reload__is_ehframe(o, i) ||
        o->sh[i].sh_size < 4)
      continue;
    const reload__span *t = &o->span[RELOAD__CLS_TEXT];
    uint64_t lo = (uint64_t)(uintptr_t)ctx->arena.run + t->off;
    unsigned broken, outside;
    char why[160];
    if (!reload__ehframe_check((const uint8_t *)(uintptr_t)s->addr, s->wr,
                               o->sh[i].sh_size, lo, lo + t->len,
                               loaded_memory, ctx, &broken, &outside, why,
                               sizeof why)) {
      reload__log(ctx, RELOAD_LOG_WARN, o->name,
                  "section %u (.eh_frame): %s; not given to the unwinder, so "
                  "backtraces stop at this object's functions",
                  i, why);
      return;
    }
    if (broken)
      reload__log(ctx, RELOAD_LOG_WARN, o->name,
                  "section %u (.eh_frame): %u FDE%s the unwinder cannot take "
                  "left out; backtraces stop at those functions",
                  i, broken, broken == 1 ? "" : "s");
    if (outside)
      reload__log(ctx, RELOAD_LOG_DEBUG, o->name,
                  "section %u (.eh_frame): %u FDE%s for code outside the "
                  "object (a discarded COMDAT copy) left out",
                  i, outside, outside == 1 ? "" : "s");
    if (ctx->opt.flags & RELOAD_OPT_NORUN)
      return;
    /* layout() left four zero bytes after it: the list's terminator. */
    d->ehframe = (void *)(uintptr_t)s->addr;
    bool closed = gate_close();
    __register_frame_info(d->ehframe, d->object);
    /* Sort it now (see the gate above): a lookup of an address in no
     * table at all makes libgcc sort every table it has not sorted yet. */
    struct reload__eh_bases b;
    _Unwind_Find_FDE((void *)(uintptr_t)1, &b);
    if (closed)
      __atomic_fetch_and(&unwind_gate, ~REG, __ATOMIC_RELEASE);
    return;
  }
}

/* ---- perf map ----------------------------------------------------------- */

static void perf_write(int fd, const reload__obj *o) {
  char line[512];
  const char *key = o->unit ? o->unit->key : o->name;
  for (uint32_t i = 0; i < o->nfns; i++) {
    const reload__fn *f = &o->fns[i];
    int n = snprintf(line, sizeof line, "%llx %llx %s (%s v%u)\n",
                     (unsigned long long)f->addr,
                     (unsigned long long)(f->size ? f->size : 1),
                     reload__sym_name(o, f->sym), key, o->version);
    if (n > 0)
      (void)!write(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  }
}

static int perf_open(int flags) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
  return open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
}

/* A map left by an earlier process with the same pid is not ours: the
 * first write of this process starts the file afresh. */
static pthread_mutex_t perf_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t perf_pid;

static void perf_add(reload_ctx *ctx, const reload__obj *o) {
  if (!(ctx->opt.flags & RELOAD_OPT_PERFMAP))
    return;
  pthread_mutex_lock(&perf_lock);
  bool fresh = perf_pid != getpid();
  perf_pid = getpid();
  int fd = perf_open(fresh ? O_TRUNC : O_APPEND);
  pthread_mutex_unlock(&perf_lock);
  if (fd < 0)
    return;
  perf_write(fd, o);
  close(fd);
}

static void perf_write_ctx(void *fdp, reload_ctx *ctx, const void *gone) {
  int fd = *(int *)fdp;
  if (!(ctx->opt.flags & RELOAD_OPT_PERFMAP))
    return;
  for (reload__unit *u = ctx->units; u; u = u->next)
    for (reload__obj *o = u->newest; o; o = o->older)
      if (o != gone)
        perf_write(fd, o);
}

/* Rewrite the map from the versions still mapped in every context of the
 * process, leaving out `gone`. */
static void perf_rewrite(reload_ctx *ctx, const reload__obj *gone) {
  if (!(ctx->opt.flags & RELOAD_OPT_PERFMAP))
    return;
  pthread_mutex_lock(&perf_lock);
  perf_pid = getpid();
  int fd = perf_open(O_TRUNC);
  if (fd >= 0) {
    reload__registry_each(perf_write_ctx, &fd, gone);
    close(fd);
  }
  pthread_mutex_unlock(&perf_lock);
}

/* ---- hooks ----------------------------------------------------------- */

void reload__debug_add(reload_ctx *ctx, reload__obj *o) {
  if (o->dbg)
    return;
  struct reload__dbg *d = calloc(1, sizeof *d);
  if (!d)
    return; /* debugging aids are best effort; the program runs anyway */
  o->dbg = d;
  if (!(ctx->opt.flags & (RELOAD_OPT_NODEBUG | RELOAD_OPT_NORUN)))
    gdb_register(o, d);
  unwind_register(ctx, o, d);
  perf_add(ctx, o);
}

void reload__debug_remove(reload_ctx *ctx, reload__obj *o, bool rewrite) {
  struct reload__dbg *d = o->dbg;
  if (!d)
    return;
  if (d->ehframe)
    __deregister_frame_info(d->ehframe);
  gdb_unregister(d);
  free(d);
  o->dbg = NULL;
  if (rewrite)
    perf_rewrite(ctx, o);
}
