/*
 * rebind.c - other objects' references to data that a new version moved.
 *
 * A new version's read-only data is its own (a const table, a vtable, a
 * string), and a variable whose size or section layout changed gets new
 * storage.  Objects linked earlier that reach such a symbol through their
 * GOT (-fPIC code, and -fPIE code for data it does not define) follow the
 * new version: each such slot is logged as a write into shared memory
 * (state.c), made when the new version starts to run and undone by a
 * rollback, as ld.so would bind the slot to the newest definition.
 *
 * An object that reaches the symbol directly (a PC-relative load, gcc's
 * -fPIE or -fno-pic) keeps the copy it was linked against, which it holds
 * (link.c, hold_targets()).  When that copy's contents differ from the new
 * one's, the reload says so: otherwise an edit to a table would be
 * reported as done and have no effect.
 */
#include <string.h>

#include "linker.h"

static bool is_data(const reload__gsym *g) {
  return g->type != STT_FUNC && g->type != STT_GNU_IFUNC &&
         g->type != STT_TLS && g->type != STT_SECTION;
}

/* What a slot will hold once the versions still waiting for a safepoint
 * have run: the last logged write to it, else what it holds now. */
static uint64_t expected(const reload__obj *older, const uint64_t *slot) {
  for (const reload__obj *p = older; p && p->state == RELOAD__V_PENDING;
       p = p->older)
    for (uint32_t i = p->nwlog; i-- > 0;)
      if (p->wlog[i].wr == (const uint8_t *)slot)
        return p->wlog[i].after;
  return __atomic_load_n(slot, __ATOMIC_RELAXED);
}

/* The section class of the new definition: only read-only data is worth
 * a warning (a moved variable is reported by state.c). */
static bool read_only(const reload__gsym *g) {
  const reload__obj *d = g->obj;
  uint32_t s = reload__sym_shndx(d, g->idx);
  return s < d->nsec && d->secs[s].cls == RELOAD__CLS_RODATA;
}

/* The size of the replaced version's definition of `name`, or ~0. */
static uint64_t old_size(const reload__obj *older, const char *name) {
  for (uint32_t k = older ? older->firstglobal : 0; older && k < older->nsym;
       k++)
    if (older->sym[k].st_name && reload__sym_shndx(older, k) != SHN_UNDEF &&
        strcmp(older->str + older->sym[k].st_name, name) == 0)
      return older->sym[k].st_size;
  return ~(uint64_t)0;
}

int reload__rebind(reload_ctx *ctx, reload__obj *objs,
                   const reload__obj *older) {
  for (reload__batch *b = ctx->batches; b; b = b->next)
    for (reload__obj *x = b->objs; x; x = x->next) {
      if (x->batch == objs->batch ||
          (x->unit && older && x->unit == older->unit) ||
          !x->symval)
        continue;
      for (uint32_t i = x->firstglobal; i < x->nsym; i++) {
        if (reload__sym_shndx(x, i) != SHN_UNDEF)
          continue;
        reload__gsym *g = reload__global(ctx, x, i);
        if (!g || !g->obj || g->obj->batch != objs->batch || !is_data(g) ||
            x->symval[i] == g->addr)
          continue;
        if (x->got && x->got[i]) {
          uint64_t *slot = (uint64_t *)(void *)x->gotwr + (x->got[i] - 1);
          uint64_t before = expected(older, slot);
          if (before != g->addr) {
            int r = reload__state_defer(ctx, objs, (uint8_t *)slot, 8,
                                        before, g->addr);
            if (r)
              return r;
          }
          continue;
        }
        /* Direct: both copies are mapped (x holds its own). */
        const void *was = (const void *)(uintptr_t)x->symval[i];
        const void *now = (const void *)(uintptr_t)g->addr;
        if (read_only(g) && (old_size(older, g->name) != g->size ||
                             memcmp(was, now, g->size) != 0))
          reload__log(ctx, RELOAD_LOG_WARN, x->name,
                      "'%s' changed in %s, but %s reaches it directly, not "
                      "through a GOT, and keeps using the copy it was "
                      "linked with until it is reloaded; build %s with "
                      "-fPIC so that the change reaches it",
                      g->name, objs->name, x->name, x->name);
      }
    }
  return 0;
}
