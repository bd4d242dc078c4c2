/*
 * dlfcn.c - what loaded code's dlopen(), dlsym() and dladdr() are
 * (RELOAD_OPT_EXPORT; link.c resolves the names to these).
 *
 * Natively the executable is the first module of the global scope and
 * the one whose symbols dladdr() knows.  Loaded code is no module of
 * ld.so's, so: a library opened later gets the program's definitions
 * interposed on its references (export.c); dlsym(RTLD_DEFAULT), NULL and
 * the executable's handle find the program's definitions first, and
 * RTLD_NEXT the ones after them; dladdr() names loaded functions and
 * variables and their objects.
 */
#include <dlfcn.h>
#include <string.h>

#include "internal.h"


/* The context whose arena holds `addr`, or the first that exports. */
static reload_ctx *export_ctx;

void reload__export_note(reload_ctx *ctx) {
  if (ctx->opt.flags & RELOAD_OPT_EXPORT)
    __atomic_store_n(&export_ctx, ctx, __ATOMIC_RELEASE);
}

void reload__export_forget(reload_ctx *ctx) {
  reload_ctx *want = ctx;
  __atomic_compare_exchange_n(&export_ctx, &want, NULL, false,
                              __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

void *reload__dlopen(const char *file, int mode) {
  void *h = dlopen(file, mode);
  reload_ctx *ctx = __atomic_load_n(&export_ctx, __ATOMIC_ACQUIRE);
  if (h && ctx) {
    pthread_mutex_lock(&ctx->exlock);
    reload__export_interpose(ctx);
    pthread_mutex_unlock(&ctx->exlock);
  }
  return h;
}

/* Whether `p` is the program's own (its code and data, or the allocator
 * dispatcher that stands for its malloc family). */
static bool programs(const reload_ctx *ctx, void *p) {
  uint64_t a = (uint64_t)(uintptr_t)p;
  uint64_t base = (uint64_t)(uintptr_t)ctx->arena.run;
  return (ctx->mapped && a >= base && a < base + ctx->arena.size) ||
         reload__alloc_is_dispatch(p);
}

/* The definition after the program's, in the order its references are
 * resolved (reload__lib_sym): the global scope, then its libraries in the
 * order they were named (each handle searches its own dependencies);
 * never the program itself. */
static void *next_sym(reload_ctx *ctx, const char *name) {
  void *a = dlsym(RTLD_DEFAULT, name);
  if (a && !programs(ctx, a))
    return a;
  for (size_t i = 0; i < ctx->nlibs; i++) {
    a = dlsym(ctx->libs[i], name);
    if (a && !programs(ctx, a))
      return a;
  }
  return NULL;
}

void *reload__dlsym(void *handle, const char *name) {
  reload_ctx *ctx = __atomic_load_n(&export_ctx, __ATOMIC_ACQUIRE);
  /* Natively "the next module after the executable": the real dlsym
   * would take its caller, this library, for the executable. */
  if (handle == RTLD_NEXT && ctx)
    return next_sym(ctx, name);
  /* RTLD_DEFAULT, and the executable's own handle, search the program
   * first. */
  bool first = handle == RTLD_DEFAULT;
  if (!first && ctx) {
    void *self = dlopen(NULL, RTLD_NOW | RTLD_NOLOAD);
    first = self && handle == self;
    if (self)
      dlclose(self);
  }
  if (first && ctx && name) {
    pthread_mutex_lock(&ctx->exlock);
    reload__gsym *e = reload__sym_find(&ctx->exported, name);
    void *a = e ? (void *)(uintptr_t)e->addr : NULL;
    pthread_mutex_unlock(&ctx->exlock);
    if (a)
      return a;
  }
  return dlsym(handle, name);
}

/* The object's path as long as the context lives: the unit's, not the
 * version's, which goes when the version is dropped. */
static const char *obj_name(const reload__obj *o) {
  return o->unit ? o->unit->key : o->name;
}

int reload__dladdr(const void *addr, void *out) {
  Dl_info *info = out;
  reload_ctx *ctx = __atomic_load_n(&export_ctx, __ATOMIC_ACQUIRE);
  uint64_t a = (uint64_t)(uintptr_t)addr;
  if (!ctx || !ctx->mapped || a < (uint64_t)(uintptr_t)ctx->arena.run ||
      a >= (uint64_t)(uintptr_t)ctx->arena.run + ctx->arena.size)
    return dladdr(addr, info);
  memset(info, 0, sizeof *info);
  /* Never wait: the thread holding the lock may be linking, and waiting
   * in ld.so for a lock that this thread holds (dladdr() in a plugin's
   * constructor).  Then only ld.so's answer can be given. */
  if (pthread_mutex_trylock(&ctx->lock) != 0)
    return dladdr(addr, info);
  int found = 0;
  /* A stable entry: the function's address as the program sees it. */
  for (uint32_t i = 0; i < ctx->ent.n && !found; i++) {
    uint64_t at = reload__entry_addr(ctx, i);
    if (a >= at && a < at + 16 && ctx->ent.v[i].name) {
      reload__gsym *g = reload__sym_find(&ctx->syms, ctx->ent.v[i].name);
      info->dli_sname = ctx->ent.v[i].name;
      info->dli_saddr = (void *)(uintptr_t)at;
      info->dli_fname = g && g->obj ? obj_name(g->obj) : NULL;
      found = 1;
    }
  }
  /* Otherwise the nearest symbol at or below it in a mapped version. */
  uint64_t best = 0;
  for (reload__unit *u = ctx->units; u && !found; u = u->next)
    for (reload__obj *o = u->newest; o; o = o->older)
      for (uint32_t i = 1; i < o->nsym && o->symval; i++) {
        const Elf64_Sym *y = &o->sym[i];
        int t = ELF64_ST_TYPE(y->st_info);
        if ((t != STT_FUNC && t != STT_OBJECT) || y->st_shndx == SHN_UNDEF ||
            !y->st_name)
          continue;
        uint64_t at = o->direct && o->direct[i] ? o->direct[i] : o->symval[i];
        if (at <= a && at >= best &&
            (a < at + (y->st_size ? y->st_size : 1))) {
          best = at;
          info->dli_sname = reload__sym_name(o, i);
          info->dli_saddr = (void *)(uintptr_t)at;
          info->dli_fname = obj_name(o);
        }
      }
  if (info->dli_sname)
    found = 1;
  info->dli_fbase = ctx->arena.run;
  pthread_mutex_unlock(&ctx->lock);
  return found ? 1 : dladdr(addr, info);
}
