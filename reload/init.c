/*
 * init.c - run initializers and finalizers in the order ld would lay them
 * out: .preinit_array first; then .init_array.N and .ctors.N by priority
 * (a .ctors.N counts as 65535-N, as GCC numbers them backwards); then plain
 * .init_array and .ctors in link order.  Entries of .ctors and .dtors run
 * backwards, as crtstuff ran them.  Finalizers run in the reverse order.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef void (*initfn)(int, char **, char **);

struct entry {
  uint32_t prio; /* 0..65535 for numbered sections, 65536 for plain */
  uint64_t seq;  /* link order, to keep the sort stable */
  uint64_t fn;
};

static int cmp(const void *a, const void *b) {
  const struct entry *x = a, *y = b;
  if (x->prio != y->prio)
    return x->prio < y->prio ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Which list a section belongs to: 'p'reinit, 'i'nit, 'f'ini, or 0. */
static int kind(const reload__obj *o, uint32_t i, uint32_t *prio, bool *rev) {
  const char *n = o->secs[i].name;
  uint32_t t = o->sh[i].sh_type;
  int k = 0;
  const char *num = NULL;
  *rev = false;
  if (t == SHT_PREINIT_ARRAY)
    return *prio = 65536, 'p';
  if (t == SHT_INIT_ARRAY || strncmp(n, ".init_array", 11) == 0) {
    k = 'i';
    num = n[11] == '.' ? n + 12 : NULL;
  } else if (t == SHT_FINI_ARRAY || strncmp(n, ".fini_array", 11) == 0) {
    k = 'f';
    num = n[11] == '.' ? n + 12 : NULL;
  } else if (strncmp(n, ".ctors", 6) == 0 && (n[6] == 0 || n[6] == '.')) {
    k = 'i';
    *rev = true;
    num = n[6] == '.' ? n + 7 : NULL;
  } else if (strncmp(n, ".dtors", 6) == 0 && (n[6] == 0 || n[6] == '.')) {
    k = 'f';
    *rev = true;
    num = n[6] == '.' ? n + 7 : NULL;
  } else {
    return 0;
  }
  *prio = 65536;
  if (num) {
    char *end;
    unsigned long v = strtoul(num, &end, 10);
    if (*end == 0 && v <= 65535)
      *prio = *rev ? 65535 - (uint32_t)v : (uint32_t)v;
  }
  return k;
}

/* Gather the entries of one list from every object not yet initialised. */
static struct entry *gather(reload_ctx *ctx, int want, size_t *n) {
  size_t cap = 0;
  struct entry *v = NULL;
  uint64_t seq = 0;
  *n = 0;
  /* Batches are kept newest first; walk them oldest first. */
  size_t nb = 0;
  for (reload__batch *b = ctx->batches; b; b = b->next)
    nb++;
  for (size_t bi = nb; bi-- > 0;) {
    reload__batch *b = ctx->batches;
    for (size_t k = 0; k < bi; k++)
      b = b->next;
    for (reload__obj *o = b->objs; o; o = o->next) {
      if (o->inited)
        continue;
      for (uint32_t i = 1; i < o->nsec; i++) {
        uint32_t prio;
        bool rev;
        reload__sec *s = &o->secs[i];
        if (s->cls == RELOAD__CLS_NONE || s->discard ||
            kind(o, i, &prio, &rev) != want)
          continue;
        size_t cnt = o->sh[i].sh_size / 8;
        const uint64_t *e = (const uint64_t *)(uintptr_t)s->addr;
        for (size_t k = 0; k < cnt; k++) {
          uint64_t fn = e[rev ? cnt - 1 - k : k];
          /* 0 and -1 are the old .ctors list terminators. */
          if (fn == 0 || fn == UINT64_MAX)
            continue;
          if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            struct entry *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
              free(v);
              return NULL;
            }
            v = nv;
          }
          v[(*n)++] = (struct entry){prio, seq++, fn};
        }
      }
    }
  }
  if (*n > 1)
    qsort(v, *n, sizeof *v, cmp);
  return v;
}

int reload_run_init(reload_ctx *ctx, int argc, char **argv, char **envp) {
  size_t np, ni, nf;
  struct entry *pre = gather(ctx, 'p', &np);
  struct entry *ini = gather(ctx, 'i', &ni);
  struct entry *fin = gather(ctx, 'f', &nf);
  if ((np && !pre) || (ni && !ini) || (nf && !fin)) {
    free(pre);
    free(ini);
    free(fin);
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  }
  if (nf) {
    void (**v)(void) = realloc(ctx->fini, (ctx->nfini + nf) * sizeof *v);
    if (!v) {
      free(pre);
      free(ini);
      free(fin);
      return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    }
    ctx->fini = v;
    for (size_t i = 0; i < nf; i++)
      ctx->fini[ctx->nfini++] = (void (*)(void))(uintptr_t)fin[i].fn;
  }
  free(fin);
  for (reload__batch *b = ctx->batches; b; b = b->next)
    for (reload__obj *o = b->objs; o; o = o->next)
      o->inited = true;
  for (size_t i = 0; i < np; i++)
    ((initfn)(uintptr_t)pre[i].fn)(argc, argv, envp);
  for (size_t i = 0; i < ni; i++)
    ((initfn)(uintptr_t)ini[i].fn)(argc, argv, envp);
  free(pre);
  free(ini);
  return 0;
}

void reload_run_fini(reload_ctx *ctx) {
  if (!ctx)
    return;
  /* Take the list first: a finalizer that exits must not run it twice. */
  void (**v)(void) = ctx->fini;
  size_t n = ctx->nfini;
  ctx->fini = NULL;
  ctx->nfini = 0;
  while (n-- > 0)
    v[n]();
  free(v);
}
