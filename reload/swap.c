/*
 * swap.c - units (one per object path), versions, and switching stable
 * entries between versions: at once, at a safepoint, or back (rollback).
 *
 * A swap is one aligned 8-byte store with release ordering per function:
 * a thread calling through the entry sees either the old code or the new,
 * each complete, since code is written and protected before its address
 * is published.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>

#include "internal.h"
#include "linker.h"

struct reload__pend {
  reload__obj *o;
};

/* Contexts of the process, for reload_safepoint() and reload_guard(),
 * which the program calls without one. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static reload_ctx **reg;
static size_t nreg;
static int any_pending;

int reload__registry_add(reload_ctx *ctx) {
  pthread_mutex_lock(&reg_lock);
  reload_ctx **v = realloc(reg, (nreg + 1) * sizeof *v);
  if (v) {
    reg = v;
    reg[nreg++] = ctx;
  }
  pthread_mutex_unlock(&reg_lock);
  return v ? 0 : -1;
}

void reload__registry_remove(reload_ctx *ctx) {
  pthread_mutex_lock(&reg_lock);
  for (size_t i = 0; i < nreg; i++)
    if (reg[i] == ctx) {
      reg[i] = reg[--nreg];
      break;
    }
  pthread_mutex_unlock(&reg_lock);
}

/* Call fn for every context of the process, with the registry locked. */
void reload__registry_each(void (*fn)(void *, reload_ctx *, const void *),
                           void *ud, const void *arg) {
  pthread_mutex_lock(&reg_lock);
  for (size_t i = 0; i < nreg; i++)
    fn(ud, reg[i], arg);
  pthread_mutex_unlock(&reg_lock);
}

/* fork.c: every context's lock, and the registry's, held across fork().
 * Elsewhere a context's lock is taken before the registry's (retirement
 * rewrites the perf map from every context): so here the contexts' are
 * only tried, and on any miss everything is let go and tried again. */
void reload__registry_hold(void) {
  for (;;) {
    pthread_mutex_lock(&reg_lock);
    size_t got = 0;
    while (got < nreg && pthread_mutex_trylock(&reg[got]->lock) == 0) {
      if (pthread_mutex_trylock(&reg[got]->exlock) != 0) {
        pthread_mutex_unlock(&reg[got]->lock);
        break;
      }
      got++;
    }
    if (got == nreg)
      return;
    while (got-- > 0) {
      pthread_mutex_unlock(&reg[got]->exlock);
      pthread_mutex_unlock(&reg[got]->lock);
    }
    pthread_mutex_unlock(&reg_lock);
    sched_yield();
  }
}

void reload__registry_release(void) {
  for (size_t i = nreg; i-- > 0;) {
    pthread_mutex_unlock(&reg[i]->exlock);
    pthread_mutex_unlock(&reg[i]->lock);
  }
  pthread_mutex_unlock(&reg_lock);
}

/* As reload__registry_each, between hold and release. */
void reload__registry_each_held(void (*fn)(void *, reload_ctx *, const void *),
                                void *ud, const void *arg) {
  for (size_t i = 0; i < nreg; i++)
    fn(ud, reg[i], arg);
}

bool reload__registry_any(void) {
  return __atomic_load_n(&nreg, __ATOMIC_RELAXED) != 0;
}

/* Find the version whose code holds `pc`, in any context.  Not for signal
 * handlers: it takes locks. */
reload__obj *reload__version_at(uint64_t pc, reload_ctx **ctxp) {
  reload__obj *hit = NULL;
  pthread_mutex_lock(&reg_lock);
  for (size_t i = 0; i < nreg && !hit; i++) {
    reload_ctx *ctx = reg[i];
    if (!ctx->mapped)
      continue;
    uint64_t base = (uint64_t)(uintptr_t)ctx->arena.run;
    if (pc < base || pc >= base + ctx->arena.size)
      continue;
    for (reload__unit *u = ctx->units; u && !hit; u = u->next)
      for (reload__obj *o = u->newest; o; o = o->older) {
        const reload__span *s = &o->span[RELOAD__CLS_TEXT];
        if (s->len && pc >= base + s->off && pc < base + s->off + s->len) {
          hit = o;
          *ctxp = ctx;
          break;
        }
      }
  }
  pthread_mutex_unlock(&reg_lock);
  return hit;
}

/* The same without the registry's lock, for a fault handler of a dying
 * process (guard.c): the lock may be held by the faulting thread. */
reload__obj *reload__version_at_unlocked(uint64_t pc, reload_ctx **ctxp) {
  size_t n = __atomic_load_n(&nreg, __ATOMIC_ACQUIRE);
  for (size_t i = 0; i < n && reg; i++) {
    reload_ctx *ctx = reg[i];
    if (!ctx || !ctx->mapped)
      continue;
    uint64_t base = (uint64_t)(uintptr_t)ctx->arena.run;
    if (pc < base || pc >= base + ctx->arena.size)
      continue;
    for (reload__unit *u = ctx->units; u; u = u->next)
      for (reload__obj *o = u->newest; o; o = o->older) {
        const reload__span *s = &o->span[RELOAD__CLS_TEXT];
        if (s->len && pc >= base + s->off && pc < base + s->off + s->len) {
          *ctxp = ctx;
          return o;
        }
      }
  }
  return NULL;
}

/* ---- units ------------------------------------------------------------ */

/* Undo what a failed reload__units_add() did. */
static void units_undo(reload_ctx *ctx, reload__unit *head, uint32_t nkeys,
                       reload__obj *objs) {
  while (ctx->units != head) {
    reload__unit *u = ctx->units;
    ctx->units = u->next;
    free(u->key);
    free(u);
  }
  reload__symtab_truncate(&ctx->unitkeys, nkeys);
  for (reload__obj *o = objs; o; o = o->next)
    o->unit = NULL;
}

int reload__units_add(reload_ctx *ctx, reload__obj *objs) {
  reload__unit *head = ctx->units;
  uint32_t nkeys = ctx->unitkeys.n;
  for (reload__obj *o = objs; o; o = o->next) {
    /* Archives may hold two members of the same name; they cannot be
     * reloaded one by one anyway, so they get numbered keys. */
    char *key = strdup(o->name);
    bool added = false;
    reload__gsym *g = key ? reload__sym_get(&ctx->unitkeys, key, &added) : NULL;
    for (unsigned n = 2; g && !added && o->member && n < 1000000; n++) {
      size_t len = strlen(o->name) + 16;
      char *k2 = malloc(len);
      if (!k2) {
        g = NULL;
        break;
      }
      snprintf(k2, len, "%s#%u", o->name, n);
      free(key);
      key = k2;
      g = reload__sym_get(&ctx->unitkeys, key, &added);
    }
    if (!g || !added) {
      free(key);
      units_undo(ctx, head, nkeys, objs);
      if (!g)
        return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
      return reload__err(ctx, RELOAD_EINVAL, o->name,
                         "this object is already loaded; to load a new "
                         "version, reload it");
    }
    reload__unit *u = calloc(1, sizeof *u);
    if (!u) {
      reload__symtab_truncate(&ctx->unitkeys, ctx->unitkeys.n - 1);
      free(key);
      units_undo(ctx, head, nkeys, objs);
      return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    }
    u->key = key; /* the table points at it: owned by the unit */
    g->ud = u;
    u->cur = u->newest = o;
    u->versions = 1;
    u->next = ctx->units;
    ctx->units = u;
    o->unit = u;
    o->version = 1;
    o->ctx = ctx;
  }
  return 0;
}

reload__unit *reload__unit_find(reload_ctx *ctx, const char *key) {
  reload__gsym *g = reload__sym_find(&ctx->unitkeys, key);
  return g ? g->ud : NULL;
}

/* ---- swapping ----------------------------------------------------------- */

static void store(uint64_t *slot, uint64_t v) {
  __atomic_store_n(slot, v, __ATOMIC_RELEASE);
}

void reload__install(reload_ctx *ctx, reload__obj *objs) {
  for (reload__obj *o = objs; o; o = o->next)
    for (uint32_t i = 0; i < o->nfns; i++) {
      reload__fn *f = &o->fns[i];
      reload__entry *e = &ctx->ent.v[f->entry];
      e->unitkey = o->unit ? o->unit->key : NULL;
      e->removed_in = 0;
      __atomic_store_n(&e->last, 0, __ATOMIC_RELEASE);
      uint64_t *slot = reload__entry_slot(ctx, f->entry);
      f->prev = __atomic_load_n(slot, __ATOMIC_RELAXED);
      store(slot, f->addr);
    }
}

/* Make version `o` the one that runs.  Called with ctx->lock held. */
static void activate(reload_ctx *ctx, reload__obj *o) {
  reload__unit *u = o->unit;
  reload__state_apply(ctx, o);
  reload__install(ctx, o);
  for (uint32_t i = 0; i < o->ngone; i++) {
    reload__fn *f = &o->gone[i];
    uint64_t *slot = reload__entry_slot(ctx, f->entry);
    f->prev = __atomic_load_n(slot, __ATOMIC_RELAXED);
    reload__entry *e = &ctx->ent.v[f->entry];
    e->removed_in = o->version;
    /* A caller the program kept runs the last version that ran (entry.c);
     * one that was replaced at the safepoint it came in at never did. */
    e->last_version = o->gone_from;
    bool ran = !(u->cur && u->cur->version == o->gone_from &&
                 u->cur->superseded);
    __atomic_store_n(&e->last, ran ? f->addr : 0, __ATOMIC_RELEASE);
    store(slot, reload__entry_removed(ctx, f->entry));
  }
  reload__obj *prev = u->cur;
  u->cur = o;
  o->state = RELOAD__V_CURRENT;
  if (prev && prev != o) {
    prev->state = RELOAD__V_OLD;
    unsigned ms = ctx->opt.retire_ms ? ctx->opt.retire_ms : 250;
    prev->retire_at = reload__now_ns() + (uint64_t)ms * 1000000u;
  }
}

/* Undo version `o`'s swap: its entries go back to what they held before.
 * Called with ctx->lock held. */
void reload__rollback(reload_ctx *ctx, reload__obj *o) {
  reload__unit *u = o->unit;
  /* The previous good version runs again: its code must be executable
   * before the first entry leads there. */
  reload__obj *back = o->older;
  while (back && back->rolledback)
    back = back->older;
  if (back && back->state == RELOAD__V_RETIRED)
    reload__unretire(ctx, back);
  for (uint32_t i = 0; i < o->nfns; i++) {
    reload__fn *f = &o->fns[i];
    uint64_t *slot = reload__entry_slot(ctx, f->entry);
    if (__atomic_load_n(slot, __ATOMIC_RELAXED) == f->addr)
      store(slot, f->prev);
  }
  /* The pointers it moved in memory the old version shares go back. */
  reload__state_undo(o);
  for (uint32_t i = 0; i < o->ngone; i++) {
    reload__fn *f = &o->gone[i];
    store(reload__entry_slot(ctx, f->entry), f->prev);
    ctx->ent.v[f->entry].removed_in = 0;
    __atomic_store_n(&ctx->ent.v[f->entry].last, 0, __ATOMIC_RELEASE);
  }
  o->state = RELOAD__V_ROLLEDBACK;
  o->rolledback = true;
  o->retire_at = reload__now_ns();
  if (back) {
    back->state = RELOAD__V_CURRENT;
    u->cur = back;
  }
  ctx->stats.rollbacks++;
}

/* A reference to "section + offset" of read-only data (a string literal,
 * a constant table) names the same thing in both versions only if what is
 * there is the same: the string at that offset for string sections, the
 * whole section otherwise. */
static bool same_target(const reload__obj *a, const Elf64_Rela *x,
                        const reload__obj *b, const Elf64_Rela *y) {
  uint32_t sx = ELF64_R_SYM(x->r_info), sy = ELF64_R_SYM(y->r_info);
  if (ELF64_ST_TYPE(a->sym[sx].st_info) != STT_SECTION)
    return true;
  uint32_t ka = reload__sym_shndx(a, sx), kb = reload__sym_shndx(b, sy);
  if (ka >= a->nsec || kb >= b->nsec ||
      a->secs[ka].cls != RELOAD__CLS_RODATA ||
      b->secs[kb].cls != RELOAD__CLS_RODATA)
    return true;
  const Elf64_Shdr *ha = &a->sh[ka], *hb = &b->sh[kb];
  if (ha->sh_type == SHT_NOBITS || hb->sh_type == SHT_NOBITS)
    return true;
  const char *da = (const char *)a->data + ha->sh_offset;
  const char *db = (const char *)b->data + hb->sh_offset;
  if ((ha->sh_flags & SHF_STRINGS) && (hb->sh_flags & SHF_STRINGS)) {
    uint32_t t = ELF64_R_TYPE(x->r_info);
    int64_t off = x->r_addend +
                  (t == R_X86_64_PC32 || t == R_X86_64_PLT32 ? 4 : 0);
    if (off < 0 || (uint64_t)off >= ha->sh_size || (uint64_t)off >= hb->sh_size)
      return ha->sh_size == hb->sh_size && !memcmp(da, db, ha->sh_size);
    size_t la = strnlen(da + off, ha->sh_size - (uint64_t)off);
    size_t lb = strnlen(db + off, hb->sh_size - (uint64_t)off);
    return la == lb && !memcmp(da + off, db + off, la);
  }
  return ha->sh_size == hb->sh_size && !memcmp(da, db, ha->sh_size);
}

static uint64_t first_at(const Elf64_Rela *r, uint64_t n, uint64_t off) {
  uint64_t lo = 0, hi = n;
  while (lo < hi) {
    uint64_t mid = (lo + hi) / 2;
    if (r[mid].r_offset < off)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Which functions of the new version differ from the old: the same bytes
 * in the object file and the same relocations (by type, target and addend)
 * mean the same function, whatever addresses linking gave it. */
static bool same_fn(const reload__obj *a, const reload__fn *fa,
                    const reload__obj *b, const reload__fn *fb) {
  if (fa->size != fb->size)
    return false;
  uint32_t sa = reload__sym_shndx(a, fa->sym), sb = reload__sym_shndx(b, fb->sym);
  uint64_t va = a->sym[fa->sym].st_value, vb = b->sym[fb->sym].st_value;
  if (a->sh[sa].sh_type == SHT_NOBITS || b->sh[sb].sh_type == SHT_NOBITS)
    return false;
  if (memcmp(a->data + a->sh[sa].sh_offset + va,
             b->data + b->sh[sb].sh_offset + vb, fa->size) != 0)
    return false;
  /* Relocations inside each function, in order. */
  const Elf64_Rela *ra = NULL, *rb = NULL;
  uint64_t na = 0, nb = 0;
  if (a->secs[sa].rela) {
    ra = (const Elf64_Rela *)(const void *)(a->data + a->sh[a->secs[sa].rela].sh_offset);
    na = a->sh[a->secs[sa].rela].sh_size / sizeof *ra;
  }
  if (b->secs[sb].rela) {
    rb = (const Elf64_Rela *)(const void *)(b->data + b->sh[b->secs[sb].rela].sh_offset);
    nb = b->sh[b->secs[sb].rela].sh_size / sizeof *rb;
  }
  /* Start at each function's first relocation (binary search, as
   * assemblers emit them in order); scanning from 0 for every function
   * would be quadratic in a large object. */
  uint64_t i = a->secs[sa].rsorted ? first_at(ra, na, va) : 0;
  uint64_t j = b->secs[sb].rsorted ? first_at(rb, nb, vb) : 0;
  for (;;) {
    while (i < na && (ra[i].r_offset < va || ra[i].r_offset >= va + fa->size))
      i = a->secs[sa].rsorted && ra[i].r_offset >= va ? na : i + 1;
    while (j < nb && (rb[j].r_offset < vb || rb[j].r_offset >= vb + fb->size))
      j = b->secs[sb].rsorted && rb[j].r_offset >= vb ? nb : j + 1;
    if (i >= na || j >= nb)
      return i >= na && j >= nb;
    if (ra[i].r_offset - va != rb[j].r_offset - vb ||
        ELF64_R_TYPE(ra[i].r_info) != ELF64_R_TYPE(rb[j].r_info) ||
        ra[i].r_addend != rb[j].r_addend ||
        strcmp(reload__sym_name(a, ELF64_R_SYM(ra[i].r_info)),
               reload__sym_name(b, ELF64_R_SYM(rb[j].r_info))) != 0 ||
        !same_target(a, &ra[i], b, &rb[j]))
      return false;
    i++;
    j++;
  }
}

static int by_entry(const void *x, const void *y) {
  const reload__fn *a = x, *b = y;
  return a->entry < b->entry ? -1 : a->entry > b->entry;
}

/* Classify the new version's functions and list the removed ones. */
static int compare(reload_ctx *ctx, reload__obj *o, const reload__obj *old,
                   reload_report *rep) {
  reload__fn *oldf = NULL;
  if (old->nfns) {
    oldf = malloc(old->nfns * sizeof *oldf);
    if (!oldf)
      return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    memcpy(oldf, old->fns, old->nfns * sizeof *oldf);
    qsort(oldf, old->nfns, sizeof *oldf, by_entry);
  }
  uint8_t *seen = calloc(old->nfns ? old->nfns : 1, 1);
  if (!seen) {
    free(oldf);
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  }
  for (uint32_t i = 0; i < o->nfns; i++) {
    reload__fn *f = &o->fns[i];
    reload__fn key = {.entry = f->entry};
    reload__fn *of =
        oldf ? bsearch(&key, oldf, old->nfns, sizeof *oldf, by_entry) : NULL;
    if (!of) {
      f->state = RELOAD__FN_ADDED;
      rep->added++;
      continue;
    }
    seen[of - oldf] = 1;
    if (same_fn(o, f, old, of)) {
      f->state = RELOAD__FN_SAME;
      rep->unchanged++;
    } else {
      f->state = RELOAD__FN_CHANGED;
      rep->changed++;
    }
  }
  uint32_t ngone = 0;
  for (uint32_t i = 0; i < old->nfns; i++)
    ngone += !seen[i];
  if (ngone) {
    o->gone = calloc(ngone, sizeof *o->gone);
    if (!o->gone) {
      free(oldf);
      free(seen);
      return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    }
    for (uint32_t i = 0; i < old->nfns; i++)
      if (!seen[i])
        o->gone[o->ngone++] = oldf[i];
    o->gone_from = old->version;
  }
  rep->removed = ngone;
  free(oldf);
  free(seen);
  return 0;
}

static int queue(reload_ctx *ctx, reload__obj *o) {
  if (ctx->npend == ctx->cappend) {
    size_t nc = ctx->cappend ? ctx->cappend * 2 : 8;
    struct reload__pend *v = realloc(ctx->pend, nc * sizeof *v);
    if (!v)
      return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    ctx->pend = v;
    ctx->cappend = nc;
  }
  ctx->pend[ctx->npend++].o = o;
  o->queued_ns = reload__now_ns();
  __atomic_store_n(&any_pending, 1, __ATOMIC_RELEASE);
  return 0;
}

/* Runs on the program's thread, at its safepoint: the reload was logged
 * when it was linked, so say when it took effect. */
static void apply_pending(reload_ctx *ctx) {
  uint64_t now = reload__now_ns();
  for (size_t i = 0; i < ctx->npend; i++) {
    reload__obj *o = ctx->pend[i].o;
    bool superseded = false; /* a newer one of the same object follows */
    for (size_t j = i + 1; j < ctx->npend && !superseded; j++)
      superseded = ctx->pend[j].o->unit == o->unit;
    o->superseded = superseded;
    activate(ctx, o);
    if (superseded)
      continue;
    const char *key = o->unit ? o->unit->key : o->name;
    reload__log(ctx, RELOAD_LOG_INFO, key,
                "%s v%u is live: swapped in at the program's safepoint, "
                "%.1f ms after it was linked",
                key, o->version, (double)(now - o->queued_ns) / 1e6);
  }
  ctx->npend = 0;
  ctx->report.pending = 0;
}

/* ---- reload_update ------------------------------------------------------ */

static int update(reload_ctx *ctx, const char *key, void *buf, size_t len,
                  uint64_t t0, uint64_t self_sp) {
  reload__unit *u = reload__unit_find(ctx, key);
  if (!u) {
    free(buf);
    return reload__err(ctx, RELOAD_ENOENT, key,
                       "cannot reload: this object was never loaded; load it "
                       "first (reload_add_file and reload_link)");
  }
  reload__obj *o = calloc(1, sizeof *o);
  if (!o || !(o->name = strdup(u->key))) {
    free(o);
    free(buf);
    return reload__err(ctx, RELOAD_ENOMEM, key, "out of memory");
  }
  o->data = buf;
  o->size = len;
  o->own = buf;
  int r = reload__obj_parse(ctx, o);
  if (r) {
    reload__obj_free(o);
    ctx->stats.refused++;
    return r;
  }
  pthread_mutex_lock(&ctx->lock);
  /* The newest version, even one still waiting for a safepoint: its
   * functions and data are what the new one follows. */
  reload__obj *old =
      u->newest->rolledback ? u->cur : u->newest;
  reload__link L;
  r = reload__link_begin(ctx, &L, o, old);
  if (r) {
    pthread_mutex_unlock(&ctx->lock);
    ctx->stats.refused++;
    return r;
  }
  reload_report rep;
  memset(&rep, 0, sizeof rep);
  r = compare(ctx, o, old, &rep);
  if (!r) {
    o->older = old; /* for rebind's view of pending versions */
    r = reload__rebind(ctx, o, old);
    o->older = NULL;
  }
  if (r) {
    reload__link_undo(&L);
    pthread_mutex_unlock(&ctx->lock);
    ctx->stats.refused++;
    return r;
  }
  reload__link_commit(&L);
  o->unit = u;
  o->ctx = ctx;
  o->version = ++u->versions;
  o->older = u->newest;
  o->inited = true; /* constructors ran with the first version */
  /* Members pulled in by the new version are units of their own. */
  if (o->next && reload__units_add(ctx, o->next) == 0)
    reload__install(ctx, o->next);
  u->newest = o;
  for (reload__obj *x = o; x; x = x->next)
    reload__debug_add(ctx, x);
  rep.object = u->key;
  rep.version = o->version;
  rep.kept = L.kept;
  rep.reset = L.reset;
  o->changed = rep.changed + rep.added;
  if (ctx->opt.mode == RELOAD_MODE_SAFEPOINT) {
    o->state = RELOAD__V_PENDING;
    r = queue(ctx, o);
    rep.pending = 1;
    if (r)
      activate(ctx, o); /* no memory to wait: swap now rather than never */
  } else {
    activate(ctx, o);
  }
  rep.link_ms = (double)(reload__now_ns() - t0) / 1e6;
  ctx->report = rep;
  ctx->stats.reloads++;
  pthread_mutex_unlock(&ctx->lock);
  if (reload__export(ctx))
    reload__forget_err(ctx);
  reload__retire_from(ctx, self_sp);
  return (int)o->version;
}

int reload_update(reload_ctx *ctx, const char *path) {
  if (!ctx || !path)
    return RELOAD_EINVAL;
  reload__clear_err(ctx);
  uint64_t t0 = reload__now_ns();
  void *buf;
  size_t len;
  int r = reload__slurp(ctx, path, &buf, &len);
  if (r) {
    ctx->stats.refused++;
    return r;
  }
  /* The stack scan starts at this frame: see reload__stacks_scan. */
  return update(ctx, path, buf, len, t0,
                (uint64_t)(uintptr_t)__builtin_frame_address(0));
}

int reload_update_memory(reload_ctx *ctx, const char *path, const void *data,
                         size_t len) {
  if (!ctx || !path || (!data && len))
    return RELOAD_EINVAL;
  reload__clear_err(ctx);
  void *buf = malloc(len ? len : 1);
  if (!buf)
    return reload__err(ctx, RELOAD_ENOMEM, path, "out of memory");
  memcpy(buf, data, len);
  return update(ctx, path, buf, len, reload__now_ns(),
                (uint64_t)(uintptr_t)__builtin_frame_address(0));
}

void reload_last_report(const reload_ctx *ctx, reload_report *out) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  if (ctx) {
    /* A safepoint on another thread may be clearing `pending`. */
    pthread_mutex_lock((pthread_mutex_t *)&ctx->lock);
    *out = ctx->report;
    pthread_mutex_unlock((pthread_mutex_t *)&ctx->lock);
  }
}

void *reload_entry(reload_ctx *ctx, const char *name) {
  if (!ctx || !name)
    return NULL;
  reload__gsym *g = reload__sym_find(&ctx->ent.keys, name);
  if (!g)
    return NULL;
  return (void *)(uintptr_t)reload__entry_addr(ctx, (uint32_t)g->size);
}

void reload_safepoint(void) {
  if (!__atomic_load_n(&any_pending, __ATOMIC_ACQUIRE) &&
      !reload__registry_any())
    return;
  pthread_mutex_lock(&reg_lock);
  __atomic_store_n(&any_pending, 0, __ATOMIC_RELAXED);
  for (size_t i = 0; i < nreg; i++) {
    reload_ctx *ctx = reg[i];
    /* Never wait for a reload in progress: the frame must go on. */
    if (pthread_mutex_trylock(&ctx->lock) != 0) {
      __atomic_store_n(&any_pending, 1, __ATOMIC_RELAXED);
      continue;
    }
    apply_pending(ctx);
    pthread_mutex_unlock(&ctx->lock);
  }
  pthread_mutex_unlock(&reg_lock);
}

void reload_list_versions(reload_ctx *ctx, reload_version_fn fn, void *ud) {
  if (!ctx || !fn)
    return;
  pthread_mutex_lock(&ctx->lock);
  for (reload__unit *u = ctx->units; u; u = u->next)
    for (reload__obj *o = u->newest; o; o = o->older) {
      reload_version_info v;
      v.object = u->key;
      v.version = o->version;
      v.state = o == u->cur ? 0
                : o->state == RELOAD__V_RETIRED    ? 2
                : o->rolledback                     ? 3
                : o->state == RELOAD__V_PENDING    ? 4
                                                    : 1;
      v.functions = o->nfns;
      v.changed = o->version == 1 ? o->nfns : o->changed;
      v.stale_hits = __atomic_load_n(&o->stale_hits, __ATOMIC_RELAXED);
      fn(ud, &v);
    }
  pthread_mutex_unlock(&ctx->lock);
}

int reload_list_functions(reload_ctx *ctx, const char *object,
                          unsigned version, reload_function_fn fn, void *ud) {
  if (!ctx || !object || !fn)
    return RELOAD_EINVAL;
  int r = RELOAD_ENOENT;
  pthread_mutex_lock(&ctx->lock);
  reload__unit *u = reload__unit_find(ctx, object);
  for (reload__obj *o = u ? u->newest : NULL; o; o = o->older) {
    if (o->version != version)
      continue;
    for (uint32_t i = 0; i < o->nfns; i++) {
      const reload__fn *f = &o->fns[i];
      int change = o->version == 1                 ? 2
                   : f->state == RELOAD__FN_SAME    ? 0
                   : f->state == RELOAD__FN_ADDED   ? 2
                                                    : 1;
      fn(ud, reload__sym_name(o, f->sym), change,
         (const void *)(uintptr_t)f->addr, (size_t)f->size);
    }
    for (uint32_t i = 0; i < o->ngone; i++)
      fn(ud, ctx->ent.v[o->gone[i].entry].name, 3, NULL, 0);
    r = 0;
    break;
  }
  pthread_mutex_unlock(&ctx->lock);
  return r;
}
