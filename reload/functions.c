/*
 * functions.c - give each function of a version its stable entry.
 *
 * Every function an object defines, global or static, is keyed: a global
 * by its name, a static by its object and name (so two objects' `static
 * int helper()` never collide).  The key finds the entry that earlier
 * versions used, or makes a new one.  The symbol's value becomes the
 * entry's address, so that everything taking the function's address gets
 * the entry; `direct` keeps the code's own address for branches inside the
 * version (see reloc_x86_64.c).
 */
#include <stdlib.h>
#include <string.h>

#include "linker.h"

static int by_addr(const void *a, const void *b) {
  const reload__fn *x = a, *y = b;
  return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int reload__entries_assign(reload__link *L, reload__obj *o) {
  reload_ctx *ctx = L->ctx;
  uint32_t n = 0;
  for (uint32_t i = 1; i < o->nsym; i++) {
    const Elf64_Sym *y = &o->sym[i];
    uint32_t sec = reload__sym_shndx(o, i);
    if (ELF64_ST_TYPE(y->st_info) == STT_FUNC && y->st_name && sec &&
        sec < o->nsec && o->secs[sec].cls == RELOAD__CLS_TEXT &&
        !o->secs[sec].discard)
      n++;
  }
  if (!n)
    return 0;
  o->fns = calloc(n, sizeof *o->fns);
  o->direct = calloc(o->nsym, sizeof *o->direct);
  if (!o->fns || !o->direct)
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  size_t keycap = 256;
  char *key = malloc(keycap);
  if (!key)
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  size_t olen = strlen(o->name);
  for (uint32_t i = 1; i < o->nsym; i++) {
    const Elf64_Sym *y = &o->sym[i];
    uint32_t sec = reload__sym_shndx(o, i);
    if (ELF64_ST_TYPE(y->st_info) != STT_FUNC || !y->st_name || !sec ||
        sec >= o->nsec || o->secs[sec].cls != RELOAD__CLS_TEXT ||
        o->secs[sec].discard)
      continue;
    const char *name = o->str + y->st_name;
    size_t nlen = strlen(name);
    const char *k = name;
    reload__gsym *g = reload__global(ctx, o, i);
    /* A weak definition that lost keeps its code (and an entry, for the
     * version bookkeeping), but references go to the winner. */
    bool lost = i >= o->firstglobal && (!g || g->obj != o || g->idx != i);
    if (!g || g->obj != o || g->idx != i) {
      /* Static, or a weak definition that lost: private to the object. */
      if (olen + nlen + 2 > keycap) {
        keycap = olen + nlen + 2;
        char *nk = realloc(key, keycap);
        if (!nk) {
          free(key);
          return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
        }
        key = nk;
      }
      memcpy(key, o->name, olen);
      key[olen] = '\001';
      memcpy(key + olen + 1, name, nlen + 1);
      k = key;
    }
    uint32_t idx;
    bool added;
    int r = reload__entry_get(ctx, k, name, &idx, &added);
    if (r) {
      free(key);
      return r;
    }
    reload__fn *f = &o->fns[o->nfns++];
    f->sym = i;
    f->entry = idx;
    f->addr = o->symval[i];
    f->size = y->st_size;
    f->ent = reload__entry_addr(ctx, idx);
    f->slot = reload__entry_slot(ctx, idx);
    f->state = added ? RELOAD__FN_ADDED : RELOAD__FN_CHANGED;
    /* Only a global function keeps the psABI's contract from version to
     * version: callers the compiler cannot see may call it with anything.
     * A static one may be changed in place to suit its version's callers
     * (gcc drops checks no caller needs, clang drops unused parameters),
     * and a compiler's clone (foo.isra.0, foo.part.2, foo.cold) is reached
     * with whatever convention, or frame, those callers agreed on.  A weak
     * definition that lost is not what its entry leads to. */
    f->fwd = !lost && !strchr(name, '.') &&
             ELF64_ST_BIND(y->st_info) != STB_LOCAL;
    if (!lost) {
      o->direct[i] = o->symval[i];
      o->symval[i] = reload__entry_addr(ctx, idx);
    }
  }
  free(key);
  qsort(o->fns, o->nfns, sizeof *o->fns, by_addr);
  return 0;
}

const reload__fn *reload__fn_at(const reload__obj *o, uint64_t addr) {
  uint32_t lo = 0, hi = o->nfns;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (o->fns[mid].addr == addr)
      return &o->fns[mid];
    if (o->fns[mid].addr < addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const reload__fn *reload__fn_containing(const reload__obj *o, uint64_t addr) {
  uint32_t lo = 0, hi = o->nfns;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (o->fns[mid].addr <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0)
    return NULL;
  const reload__fn *f = &o->fns[lo - 1];
  return addr < f->addr + (f->size ? f->size : 1) ? f : NULL;
}
