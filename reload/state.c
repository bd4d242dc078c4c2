/*
 * state.c - what a new version of an object keeps of the old one's data.
 *
 * The rule (issue "hot swap"): a global or static variable that exists in
 * both versions with the same size keeps its value, and its address where
 * we can; a new variable starts from the new object; one whose size changed
 * starts afresh, with a warning.
 *
 * Assemblers refer to static variables as "section + offset", so the unit
 * we can redirect safely is the section.  A writable section whose name,
 * size, alignment and variables (name, offset, size) are the same in both
 * versions keeps the old memory outright: addresses and values stay, and
 * only pointers the program never changed are updated (reloc_x86_64.c).
 * With -fdata-sections every variable has its own section, so every
 * variable keeps its address.  Otherwise, when a section's layout changed,
 * it is placed afresh and each variable that exists in both versions with
 * the same size has its value copied over; its address changes.
 */
#include <stdlib.h>
#include <string.h>

#include "linker.h"

/* A variable: a named OBJECT or NOTYPE symbol in a section of its own. */
struct var {
  const char *name;
  uint32_t sec, sym;
  uint64_t value, size;
  bool global;
};

static bool is_var(const reload__obj *o, uint32_t i, uint32_t *sec) {
  const Elf64_Sym *y = &o->sym[i];
  unsigned t = ELF64_ST_TYPE(y->st_info);
  if (!y->st_name || (t != STT_OBJECT && t != STT_NOTYPE))
    return false;
  uint32_t s = reload__sym_shndx(o, i);
  if (s == SHN_UNDEF || s >= o->nsec || o->secs[s].cls != RELOAD__CLS_DATA ||
      o->secs[s].discard)
    return false;
  const char *n = o->str + y->st_name;
  if (n[0] == '.' && n[1] == 'L') /* assembler-local labels */
    return false;
  *sec = s;
  return true;
}

static int by_sec(const void *a, const void *b) {
  const struct var *x = a, *y = b;
  if (x->sec != y->sec)
    return x->sec < y->sec ? -1 : 1;
  if (x->value != y->value)
    return x->value < y->value ? -1 : 1;
  return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b) {
  const struct var *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c)
    return c;
  return (int)x->global - (int)y->global;
}

static struct var *vars(const reload__obj *o, uint32_t *n) {
  uint32_t cnt = 0;
  struct var *v = malloc((o->nsym ? o->nsym : 1) * sizeof *v);
  if (!v)
    return NULL;
  for (uint32_t i = 1; i < o->nsym; i++) {
    uint32_t sec;
    if (!is_var(o, i, &sec))
      continue;
    v[cnt].name = o->str + o->sym[i].st_name;
    v[cnt].sec = sec;
    v[cnt].sym = i;
    v[cnt].value = o->sym[i].st_value;
    v[cnt].size = o->sym[i].st_size;
    v[cnt].global = i >= o->firstglobal;
    cnt++;
  }
  *n = cnt;
  return v;
}

/* The variables of section `sec`, from a list sorted by section. */
static struct var *of_sec(struct var *v, uint32_t n, uint32_t sec,
                          uint32_t *cnt) {
  uint32_t i = 0;
  while (i < n && v[i].sec < sec)
    i++;
  uint32_t j = i;
  while (j < n && v[j].sec == sec)
    j++;
  *cnt = j - i;
  return v + i;
}

static bool same_layout(const struct var *a, uint32_t na, const struct var *b,
                        uint32_t nb) {
  if (na != nb)
    return false;
  for (uint32_t i = 0; i < na; i++)
    if (a[i].value != b[i].value || a[i].size != b[i].size ||
        a[i].global != b[i].global || strcmp(a[i].name, b[i].name) != 0)
      return false;
  return true;
}

/* The chunk of `o` that holds run-view address `addr`. */
static reload__chunk *chunk_of(reload_ctx *ctx, const reload__obj *o,
                               uint64_t addr) {
  uint64_t off = addr - (uint64_t)(uintptr_t)ctx->arena.run;
  for (uint32_t i = 0; i < o->nchunks; i++)
    if (o->chunks[i]->off <= off && off < o->chunks[i]->off + o->chunks[i]->len)
      return o->chunks[i];
  return NULL;
}

/* Whether data section `sec` holds the address of a place inside a
 * function (a computed-goto label, `&&label`), not of its first byte.
 * Such an address is valid only with the code of its own version: the
 * section must not be shared with another version, whose code would jump
 * to labels compiled for other registers. */
static bool has_label(const reload__obj *o, uint32_t sec) {
  uint32_t rs = o->secs[sec].rela;
  if (!rs)
    return false;
  const Elf64_Rela *r = (const Elf64_Rela *)(const void *)(o->data + o->sh[rs].sh_offset);
  uint64_t n = o->sh[rs].sh_size / sizeof *r;
  for (uint64_t k = 0; k < n; k++) {
    uint32_t sym = ELF64_R_SYM(r[k].r_info);
    uint32_t t = reload__sym_shndx(o, sym);
    if (t == SHN_UNDEF || t >= o->nsec || o->secs[t].cls != RELOAD__CLS_TEXT)
      continue;
    uint64_t at = o->sym[sym].st_value + (uint64_t)r[k].r_addend;
    bool start = false;
    for (uint32_t i = 1; i < o->nsym && !start; i++)
      start = ELF64_ST_TYPE(o->sym[i].st_info) == STT_FUNC &&
              reload__sym_shndx(o, i) == t && o->sym[i].st_value == at;
    if (!start)
      return true;
  }
  return false;
}

int reload__state_match(reload__link *L) {
  reload_ctx *ctx = L->ctx;
  reload__obj *o = L->objs, *old = L->old;
  if (ctx->opt.reset_state)
    return 0;
  uint32_t nn, no;
  struct var *nv = vars(o, &nn), *ov = vars(old, &no);
  uint8_t *used = calloc(old->nsec, 1);
  int r = 0;
  if (!nv || !ov || !used) {
    r = reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    goto out;
  }
  qsort(nv, nn, sizeof *nv, by_sec);
  qsort(ov, no, sizeof *ov, by_sec);
  for (uint32_t i = 1; i < o->nsec; i++) {
    reload__sec *s = &o->secs[i];
    const Elf64_Shdr *sh = &o->sh[i];
    if (s->cls != RELOAD__CLS_DATA || s->discard)
      continue;
    uint32_t cn;
    struct var *a = of_sec(nv, nn, i, &cn);
    for (uint32_t j = 1; j < old->nsec; j++) {
      const reload__sec *os = &old->secs[j];
      const Elf64_Shdr *osh = &old->sh[j];
      if (used[j] || os->cls != RELOAD__CLS_DATA || os->discard ||
          !os->addr || strcmp(os->name, s->name) != 0 ||
          osh->sh_type != sh->sh_type || osh->sh_size != sh->sh_size ||
          osh->sh_addralign != sh->sh_addralign)
        continue;
      uint32_t co;
      struct var *b = of_sec(ov, no, j, &co);
      /* A section without named variables (string literals' pointers,
       * compiler tables) is only kept when it is not written by code:
       * we cannot tell, so such sections start afresh. */
      if (cn == 0 || !same_layout(a, cn, b, co) || has_label(o, i))
        continue;
      reload__chunk *c = chunk_of(ctx, old, os->addr);
      if (!c)
        continue;
      if ((r = reload__chunk_ref(ctx, o, c)))
        goto out;
      used[j] = 1;
      s->kept = 1;
      s->oldsec = j;
      s->addr = os->addr;
      s->wr = os->wr;
      L->kept += cn;
      break;
    }
  }
out:
  free(nv);
  free(ov);
  free(used);
  return r;
}

uint64_t reload__state_common(reload__link *L, reload__obj *o, uint32_t i,
                              const reload__gsym *g) {
  const reload__obj *old = L->old;
  if (L->ctx->opt.reset_state)
    return 0;
  const char *name = o->str + o->sym[i].st_name;
  for (uint32_t k = old->firstglobal; k < old->nsym; k++) {
    if (!old->sym[k].st_name || strcmp(old->str + old->sym[k].st_name, name))
      continue;
    uint32_t sec = reload__sym_shndx(old, k);
    if (sec == SHN_UNDEF || old->sym[k].st_size != g->size)
      return 0;
    /* The storage is the old version's: this one holds it from now on,
     * or the old version's unmapping would free it under the program. */
    reload__chunk *c = chunk_of(L->ctx, old, old->symval[k]);
    if (!c || reload__chunk_ref(L->ctx, o, c))
      return 0;
    L->kept++;
    return old->symval[k];
  }
  return 0;
}

/* The variables of both versions, the old ones sorted by name for
 * lookup().  Both lists are freed by the caller, also on error. */
static int both(reload_ctx *ctx, const reload__obj *o, const reload__obj *old,
                struct var **nv, uint32_t *nn, struct var **ov, uint32_t *no) {
  *nv = vars(o, nn);
  *ov = vars(old, no);
  if (!*nv || !*ov)
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  qsort(*ov, *no, sizeof **ov, by_name);
  return 0;
}

static const struct var *lookup(const struct var *v, uint32_t n,
                                const char *name, bool global) {
  uint32_t lo = 0, hi = n;
  struct var key = {name, 0, 0, 0, 0, global};
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    int c = by_name(&key, &v[mid]);
    if (c == 0)
      return &v[mid];
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

static bool redirected(const reload__obj *o, uint32_t sym) {
  for (uint32_t i = 0; i < o->npairs; i++)
    if (o->pairs[i].sym == sym && o->pairs[i].kind == RELOAD__PAIR_REPOINT)
      return true;
  return false;
}

static int pair(reload_ctx *ctx, reload__obj *o, uint32_t sym, uint32_t oldsym,
                int kind) {
  if (o->npairs == o->cappairs) {
    uint32_t cap = o->cappairs ? o->cappairs * 2 : 16;
    struct reload__pair *v = realloc(o->pairs, cap * sizeof *v);
    if (!v)
      return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    o->pairs = v;
    o->cappairs = cap;
  }
  o->pairs[o->npairs].sym = sym;
  o->pairs[o->npairs].oldsym = oldsym;
  o->pairs[o->npairs].kind = (uint8_t)kind;
  o->npairs++;
  return 0;
}

/* Copy an old variable's value into the new one, keeping the new value of
 * each pointer the program never changed. */
static void carry(const reload__obj *o, uint32_t sym, const reload__obj *old,
                  uint32_t oldsym) {
  uint32_t sec = reload__sym_shndx(o, sym), osec = reload__sym_shndx(old, oldsym);
  uint64_t nv = o->sym[sym].st_value, ov = old->sym[oldsym].st_value;
  uint64_t size = o->sym[sym].st_size;
  uint8_t *dst = o->secs[sec].wr + nv;
  const uint8_t *src = old->secs[osec].wr + ov;
  uint8_t fresh[8];
  /* Pointers first: decide from the old value before it is copied over. */
  for (uint32_t k = 0; k < o->ndrel; k++) {
    const reload__drel *d = &o->drel[k];
    if (d->sec != sec || d->off < nv || d->off + d->width > nv + size)
      continue;
    uint64_t rel = d->off - nv;
    const reload__drel *od = reload__drel_find(old, osec, ov + rel);
    if (!(od && od->width == d->width &&
          memcmp(src + rel, &od->val, d->width) == 0)) {
      /* The program changed it (or it is new): its value wins. */
      memcpy(dst + rel, src + rel, d->width);
    }
    (void)fresh;
  }
  /* Then every byte that no relocation covers. */
  uint64_t at = 0;
  while (at < size) {
    uint64_t end = size;
    for (uint32_t k = 0; k < o->ndrel; k++) {
      const reload__drel *d = &o->drel[k];
      if (d->sec == sec && d->off >= nv + at && d->off < nv + end)
        end = d->off - nv;
    }
    memcpy(dst + at, src + at, end - at);
    at = end;
    /* Skip the relocation found at `end`, already decided above. */
    for (uint32_t k = 0; k < o->ndrel && at < size; k++) {
      const reload__drel *d = &o->drel[k];
      if (d->sec == sec && d->off == nv + at) {
        at += d->width;
        break;
      }
    }
  }
}

/*
 * Globals are always referred to by name (assemblers keep global symbols
 * in relocations), so a global that exists in both versions with the same
 * size can keep its address even when its section's layout changed: the
 * new version's symbol is pointed at the old storage before relocation.
 */
int reload__state_redirect(reload__link *L, reload__obj *o) {
  reload_ctx *ctx = L->ctx;
  const reload__obj *old = L->old;
  if (ctx->opt.reset_state)
    return 0;
  uint32_t nn, no;
  struct var *nv, *ov;
  int r = both(ctx, o, old, &nv, &nn, &ov, &no);
  if (r)
    goto out;
  for (uint32_t i = 0; i < nn; i++) {
    const struct var *v = &nv[i];
    if (!v->global || o->secs[v->sec].kept)
      continue;
    const struct var *w = lookup(ov, no, v->name, true);
    if (!w || w->size != v->size)
      continue;
    uint64_t addr = old->symval[w->sym];
    reload__chunk *c = chunk_of(ctx, old, addr);
    if (!c)
      continue;
    if ((r = reload__chunk_ref(ctx, o, c)))
      goto out;
    if ((r = pair(ctx, o, v->sym, w->sym, RELOAD__PAIR_REPOINT)))
      goto out;
    o->symval[v->sym] = addr;
    L->kept++;
  }
out:
  free(nv);
  free(ov);
  return r;
}

int reload__state_defer(reload_ctx *ctx, reload__obj *o, uint8_t *wr,
                        int width, uint64_t before, uint64_t after) {
  if (o->nwlog == o->capwlog) {
    uint32_t cap = o->capwlog ? o->capwlog * 2 : 16;
    struct reload__wlog *v = realloc(o->wlog, cap * sizeof *v);
    if (!v)
      return reload__err(ctx, RELOAD_ENOMEM, o->name, "out of memory");
    o->wlog = v;
    o->capwlog = cap;
  }
  o->wlog[o->nwlog++] = (struct reload__wlog){wr, before, after,
                                              (uint8_t)width, 0};
  return 0;
}

/* Make the logged writes: each where the memory still holds what the old
 * version linked there (else the program changed it, and its value wins). */
static void wlog_apply(reload__obj *o) {
  for (uint32_t i = 0; i < o->nwlog; i++) {
    struct reload__wlog *w = &o->wlog[i];
    if (memcmp(w->wr, &w->before, w->width) == 0) {
      memcpy(w->wr, &w->after, w->width);
      w->applied = 1;
    }
  }
}

/* A rollback: the old version runs again on this memory, so what the new
 * one wrote there goes back, where the program has not changed it since. */
void reload__state_undo(reload__obj *o) {
  for (uint32_t i = o->nwlog; i-- > 0;) {
    struct reload__wlog *w = &o->wlog[i];
    if (w->applied && memcmp(w->wr, &w->after, w->width) == 0)
      memcpy(w->wr, &w->before, w->width);
    w->applied = 0;
  }
}

/* The new version's pointers into a redirected global: logged, to be
 * written into the old storage where it still holds what the old version
 * linked there. */
static void repoint(reload_ctx *ctx, reload__obj *o, uint32_t sym,
                    const reload__obj *old, uint32_t oldsym) {
  uint32_t sec = reload__sym_shndx(o, sym);
  uint64_t nv = o->sym[sym].st_value, size = o->sym[sym].st_size;
  uint32_t osec = reload__sym_shndx(old, oldsym);
  uint64_t ovv = old->sym[oldsym].st_value;
  uint8_t *store =
      ctx->arena.wr + (o->symval[sym] - (uint64_t)(uintptr_t)ctx->arena.run);
  for (uint32_t k = 0; k < o->ndrel; k++) {
    const reload__drel *e = &o->drel[k];
    if (e->sec != sec || e->off < nv || e->off + e->width > nv + size)
      continue;
    uint64_t rel = e->off - nv;
    const reload__drel *od = reload__drel_find(old, osec, ovv + rel);
    if (od && od->width == e->width && od->val != e->val)
      (void)reload__state_defer(ctx, o, store + rel, (int)e->width, od->val,
                                e->val); /* out of memory: the old value */
  }
}

/* Carry the old version's values over.  Run when the version becomes the
 * one that runs (at once, or at the safepoint), not when it is linked, so
 * that what the old code did in between is not lost. */
void reload__state_apply(reload_ctx *ctx, reload__obj *o) {
  const reload__obj *old = o->base;
  if (!old) {
    wlog_apply(o);
    return;
  }
  for (uint32_t i = 0; i < o->npairs; i++) {
    const struct reload__pair *p = &o->pairs[i];
    if (p->kind == RELOAD__PAIR_COPY)
      carry(o, p->sym, old, p->oldsym);
    else
      repoint(ctx, o, p->sym, old, p->oldsym);
  }
  wlog_apply(o);
  free(o->pairs);
  o->pairs = NULL;
  o->npairs = 0;
  o->base = NULL; /* it may be unmapped from now on */
}

int reload__state_carry(reload__link *L) {
  reload_ctx *ctx = L->ctx;
  reload__obj *o = L->objs, *old = L->old;
  uint32_t nn, no;
  struct var *nv, *ov;
  int r = both(ctx, o, old, &nv, &nn, &ov, &no);
  if (r)
    goto out;
  o->base = old;
  for (uint32_t i = 0; i < nn; i++) {
    const struct var *v = &nv[i];
    if (o->secs[v->sec].kept || redirected(o, v->sym))
      continue;
    const struct var *w = lookup(ov, no, v->name, v->global);
    if (!w)
      continue; /* new: starts from the new object */
    if (w->size != v->size || ctx->opt.reset_state) {
      if (!ctx->opt.reset_state)
        reload__log(ctx, RELOAD_LOG_WARN, o->name,
                    "variable '%s' changed size (%llu to %llu bytes): "
                    "re-initialised",
                    v->name, (unsigned long long)w->size,
                    (unsigned long long)v->size);
      L->reset++;
      continue;
    }
    if ((r = pair(ctx, o, v->sym, w->sym, RELOAD__PAIR_COPY)))
      goto out;
    L->kept++;
    if (v->global)
      reload__log(ctx, RELOAD_LOG_DEBUG, o->name,
                  "'%s' moved with its section; objects linked earlier "
                  "still use the old copy (build with -fdata-sections to "
                  "keep addresses)",
                  v->name);
  }
out:
  free(nv);
  free(ov);
  return r;
}
