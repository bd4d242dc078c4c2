/*
 * link.c - link objects into the arena as one batch: either everything
 * queued by reload_add_*() (reload_link), or a new version of one object
 * (reload_update, see update.c).
 *
 * The order is that of a static linker, and nothing outside the batch is
 * touched until every check has passed:
 *   1. drop duplicate COMDAT groups, enter each object's globals;
 *   2. pull archive members that define what is still undefined;
 *   3. resolve the rest against host symbols and shared libraries;
 *   4. decide which data keeps the previous version's memory (updates);
 *      count GOT slots and far-call stubs, lay sections out by class;
 *   5. give functions stable entries, copy contents, fill the GOT and
 *      stubs, apply relocations;
 *   6. set page protections.
 * A failure at any step undoes the batch: its pages are given back, the
 * symbol table is restored, and the context is as it was.  Installing the
 * functions in their entries (the swap) is left to the caller.
 *
 * Each object gets pages of its own for each class, so that one version's
 * code can be retired without touching its neighbours'.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "linker.h"

static int save(reload__link *L, reload__gsym *g) {
  uint32_t idx = (uint32_t)(g - L->ctx->syms.v);
  if (idx >= L->nsyms0 || g->saved == L->gen)
    return 0;
  if (L->nundo == L->capundo) {
    size_t nc = L->capundo ? L->capundo * 2 : 64;
    struct reload__undo *u = realloc(L->undo, nc * sizeof *u);
    if (!u)
      return reload__err(L->ctx, RELOAD_ENOMEM, NULL, "out of memory");
    L->undo = u;
    L->capundo = nc;
  }
  L->undo[L->nundo].idx = idx;
  L->undo[L->nundo].old = *g;
  L->nundo++;
  g->saved = L->gen; /* once per link is enough */
  return 0;
}

/* ---- 1. COMDAT groups and symbols ------------------------------------ */

static int comdat(reload__link *L, reload__obj *o) {
  for (uint32_t i = 1; i < o->nsec; i++) {
    const Elf64_Shdr *s = &o->sh[i];
    if (s->sh_type != SHT_GROUP)
      continue;
    const uint32_t *w = (const uint32_t *)(const void *)(o->data + s->sh_offset);
    if (!(w[0] & GRP_COMDAT))
      continue;
    /* The group's signature lives in the symbol table's namespace; a
     * reserved prefix keeps it apart from real symbols. */
    const char *sig = reload__sym_name(o, s->sh_info);
    size_t len = strlen(sig);
    char *key = malloc(len + 9);
    if (!key)
      return reload__err(L->ctx, RELOAD_ENOMEM, NULL, "out of memory");
    memcpy(key, "\001comdat:", 8);
    memcpy(key + 8, sig, len + 1);
    bool added;
    reload__gsym *g = reload__sym_get(&L->ctx->syms, key, &added);
    if (!g) {
      free(key);
      return reload__err(L->ctx, RELOAD_ENOMEM, NULL, "out of memory");
    }
    if (added) {
      g->owned = 1;
      g->kind = RELOAD__SYM_ABS;
      g->obj = o;
      continue;
    }
    free(key);
    /* A new version of the object that owns the group keeps it. */
    if (L->unit && g->obj && g->obj->unit == L->unit) {
      if (save(L, g))
        return RELOAD_ENOMEM;
      g->obj = o;
      continue;
    }
    for (uint64_t k = 1; k < s->sh_size / 4; k++)
      o->secs[w[k]].discard = 1;
  }
  return 0;
}

static const char *kindname(const reload__gsym *g) {
  return g->obj ? g->obj->name : g->kind == RELOAD__SYM_HOST ? "the host"
                                                             : "a library";
}

static int define(reload__link *L, reload__obj *o, uint32_t i) {
  const Elf64_Sym *s = &o->sym[i];
  uint8_t bind = ELF64_ST_BIND(s->st_info);
  const char *name = o->str + s->st_name;
  if (!*name)
    return 0;
  uint32_t sec = reload__sym_shndx(o, i);
  bool undef = sec == SHN_UNDEF ||
               (sec < o->nsec && sec != SHN_ABS && o->secs[sec].discard);
  if (!undef && ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC)
    return reload__err(L->ctx, RELOAD_EUNSUP, o->name,
                       "symbol '%s' is an IFUNC, which reload does not "
                       "support; select the implementation at run time "
                       "with a function pointer instead",
                       name);
  bool added;
  reload__gsym *g = reload__sym_get(&L->ctx->syms, name, &added);
  if (!g)
    return reload__err(L->ctx, RELOAD_ENOMEM, NULL, "out of memory");
  o->gidx[i - o->firstglobal] = (uint32_t)(g - L->ctx->syms.v) + 1;
  if (undef) {
    if (added) {
      g->kind = bind == STB_WEAK ? RELOAD__SYM_WEAKUNDEF : RELOAD__SYM_UNDEF;
      g->ref = o;
      g->type = ELF64_ST_TYPE(s->st_info);
    } else if (g->kind == RELOAD__SYM_WEAKUNDEF && bind != STB_WEAK) {
      int r = save(L, g);
      if (r)
        return r;
      g->kind = RELOAD__SYM_UNDEF;
      g->ref = o;
    }
    return 0;
  }
  uint8_t kind = sec == SHN_COMMON ? RELOAD__SYM_COMMON
                 : bind == STB_WEAK ? RELOAD__SYM_WEAK
                                    : RELOAD__SYM_DEF;
  bool take = added;
  if (!added && L->unit && g->obj && g->obj->unit == L->unit) {
    take = true; /* the new version replaces the old one's definition */
  } else if (!added) {
    switch (g->kind) {
    case RELOAD__SYM_UNDEF:
    case RELOAD__SYM_WEAKUNDEF:
    case RELOAD__SYM_SHLIB:
    case RELOAD__SYM_GONE:
      take = true;
      break;
    case RELOAD__SYM_DEF:
    case RELOAD__SYM_HOST:
      if (kind == RELOAD__SYM_DEF)
        return reload__err(L->ctx, RELOAD_EDUPSYM, o->name,
                           "duplicate symbol '%s': also defined in %s; make "
                           "one of them static, or remove one",
                           name, kindname(g));
      break;
    case RELOAD__SYM_WEAK:
      take = kind != RELOAD__SYM_WEAK;
      break;
    case RELOAD__SYM_COMMON:
      if (kind == RELOAD__SYM_DEF) {
        take = true;
      } else if (kind == RELOAD__SYM_COMMON) {
        /* Tentative definitions merge: the largest size and alignment. */
        int r = save(L, g);
        if (r)
          return r;
        if (s->st_size > g->size)
          g->size = s->st_size;
        if (s->st_value > g->align)
          g->align = s->st_value;
      }
      break;
    case RELOAD__SYM_ABS:
      return reload__err(L->ctx, RELOAD_EDUPSYM, o->name,
                         "symbol '%s' is reserved for the linker", name);
    }
  }
  if (!take)
    return 0;
  int r = save(L, g);
  if (r)
    return r;
  uint64_t oldaddr = g->addr;
  uint8_t oldtype = g->type;
  /* A new definition: everything about the old one goes, but not the
   * entry's own bookkeeping (name ownership, undo stamp, first referrer). */
  g->addr = 0;
  g->typed = 0;
  g->ud = NULL;
  g->kind = kind;
  g->obj = o;
  g->idx = i;
  g->type = ELF64_ST_TYPE(s->st_info);
  g->size = s->st_size;
  g->align = kind == RELOAD__SYM_COMMON ? s->st_value : 0;
  /* A function keeps its entry's address across versions. */
  if (L->old && oldtype == STT_FUNC)
    g->addr = oldaddr;
  return 0;
}

static int enter(reload__link *L, reload__obj *o) {
  int r = comdat(L, o);
  if (r)
    return r;
  free(o->gidx);
  o->gidx = calloc(o->nsym - o->firstglobal + 1, sizeof *o->gidx);
  if (!o->gidx)
    return reload__err(L->ctx, RELOAD_ENOMEM, NULL, "out of memory");
  for (uint32_t i = o->firstglobal; i < o->nsym; i++)
    if ((r = define(L, o, i)))
      return r;
  o->batch = L->b;
  *L->tail = o;
  L->tail = &o->next;
  o->next = NULL;
  L->ctx->stats.symbols += o->nsym;
  return 0;
}

/* What earlier versions defined and the new one does not: its functions'
 * entries will lead to the "removed" stub; its variables stay where they
 * are for whoever still points at them. */
static int orphan(reload__link *L) {
  reload__symtab *t = &L->ctx->syms;
  for (uint32_t i = 0; i < t->n; i++) {
    reload__gsym *g = &t->v[i];
    if (!g->obj || g->obj->unit != L->unit || g->kind == RELOAD__SYM_ABS)
      continue;
    int r = save(L, g);
    if (r)
      return r;
    g->kind = RELOAD__SYM_GONE;
    g->obj = NULL;
  }
  return 0;
}

/* ---- 2. archives ----------------------------------------------------- */

static int pull(reload__link *L, reload__archive *ar, uint32_t m) {
  reload_ctx *ctx = L->ctx;
  reload__armember *mem = &ar->members[m];
  reload__obj *o = calloc(1, sizeof *o);
  if (!o)
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  size_t n = strlen(ar->path) + strlen(mem->name) + 3;
  o->name = malloc(n);
  if (!o->name) {
    free(o);
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  }
  snprintf(o->name, n, "%s(%s)", ar->path, mem->name);
  o->data = ar->data + mem->off;
  o->size = mem->size;
  /* Members start on 2-byte boundaries; ELF tables want 8. */
  if ((uintptr_t)o->data % 8) {
    o->own = malloc(mem->size ? mem->size : 1);
    if (!o->own) {
      reload__obj_free(o);
      return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    }
    memcpy(o->own, o->data, mem->size);
    o->data = o->own;
  }
  int r = reload__obj_parse(ctx, o);
  if (!r)
    r = enter(L, o);
  if (r) {
    reload__obj_free(o);
    return r;
  }
  mem->loaded = true;
  o->member = mem;
  ctx->stats.objects++;
  return 0;
}

static int pull_archives(reload__link *L) {
  reload_ctx *ctx = L->ctx;
  /* Treat all archives as one group, as ld does with --start-group:
   * repeat until no member is pulled. */
  for (bool more = true; more;) {
    more = false;
    for (reload__archive *ar = ctx->archives; ar; ar = ar->next) {
      for (uint32_t i = 0; i < ar->nsyms; i++) {
        uint32_t m = ar->syms[i].member;
        if (ar->members[m].loaded)
          continue;
        reload__gsym *g = reload__sym_find(&ctx->syms, ar->syms[i].name);
        if (!g || g->kind != RELOAD__SYM_UNDEF)
          continue;
        int r = pull(L, ar, m);
        if (r)
          return r;
        more = true;
      }
    }
  }
  return 0;
}

/* ---- 3. resolution --------------------------------------------------- */

/* glibc keeps these in libc_nonshared.a, which every native link pulls in
 * and which no shared object exports: we supply our own. */
extern int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);
extern int __cxa_at_quick_exit(void (*fn)(void *), void *dso);
extern int __register_atfork(void (*prepare)(void), void (*parent)(void),
                             void (*child)(void), void *dso);
static char dso_handle;

static int my_atexit(void (*fn)(void)) {
  return __cxa_atexit((void (*)(void *))(uintptr_t)fn, NULL, &dso_handle);
}

static int my_at_quick_exit(void (*fn)(void)) {
  return __cxa_at_quick_exit((void (*)(void *))(uintptr_t)fn, &dso_handle);
}

static int my_pthread_atfork(void (*prepare)(void), void (*parent)(void),
                             void (*child)(void)) {
  return __register_atfork(prepare, parent, child, &dso_handle);
}

static void *builtin(const reload_ctx *ctx, const char *name) {
  if (ctx->opt.flags & RELOAD_OPT_EXPORT) {
    if (strcmp(name, "dlopen") == 0)
      return (void *)(uintptr_t)reload__dlopen;
    if (strcmp(name, "dlsym") == 0)
      return (void *)(uintptr_t)reload__dlsym;
    if (strcmp(name, "dladdr") == 0)
      return (void *)(uintptr_t)reload__dladdr;
  }
  if (name[0] == '_') {
    if (strcmp(name, "__tls_get_addr") == 0)
      return (void *)(uintptr_t)reload__tls_get_addr;
    if (strcmp(name, "__dso_handle") == 0)
      return &dso_handle;
  } else if (strcmp(name, "atexit") == 0) {
    return (void *)(uintptr_t)my_atexit;
  } else if (strcmp(name, "at_quick_exit") == 0) {
    return (void *)(uintptr_t)my_at_quick_exit;
  } else if (strcmp(name, "pthread_atfork") == 0) {
    return (void *)(uintptr_t)my_pthread_atfork;
  }
  return NULL;
}

static int resolve(reload__link *L) {
  reload_ctx *ctx = L->ctx;
  reload__symtab *t = &ctx->syms;
  int err = 0;
  for (uint32_t i = 0; i < t->n; i++) {
    reload__gsym *g = &t->v[i];
    if (g->kind != RELOAD__SYM_UNDEF && g->kind != RELOAD__SYM_WEAKUNDEF)
      continue;
    if (strcmp(g->name, "_GLOBAL_OFFSET_TABLE_") == 0) {
      if (save(L, g))
        return RELOAD_ENOMEM;
      g->kind = RELOAD__SYM_ABS; /* its value is each object's GOT */
      continue;
    }
    void *a = builtin(ctx, g->name);
    if (!a)
      a = reload__lib_sym(ctx, g->name);
    if (a) {
      if (save(L, g))
        return RELOAD_ENOMEM;
      if (g->type == STT_TLS) {
        /* dlsym() gave this thread's copy: keep the library's module and
         * the variable's offset in its block, as for our own. */
        uint64_t off = 0;
        reload__tlsmod *m = reload__tls_foreign(ctx, a, &off);
        if (!m) {
          err = reload__err(ctx, RELOAD_EUNSUP, g->ref ? g->ref->name : NULL,
                            "thread-local '%s' of a shared library is in no "
                            "thread-local block ld.so knows",
                            g->name);
          continue;
        }
        g->kind = RELOAD__SYM_SHLIB;
        g->addr = off;
        g->ud = m;
        continue;
      }
      g->kind = RELOAD__SYM_SHLIB;
      g->addr = (uint64_t)(uintptr_t)a;
      continue;
    }
    if (g->kind == RELOAD__SYM_WEAKUNDEF)
      continue; /* resolves to 0 */
    err = reload__err(ctx, RELOAD_EUNDEF, g->ref ? g->ref->name : NULL,
                      "undefined symbol '%s'; add the object or archive "
                      "that defines it, or -l its library",
                      g->name);
  }
  return err;
}

/* ---- 4. layout ------------------------------------------------------- */

/* The program brings its own free(), and with it its own heap: every
 * reference to the malloc family goes through alloc.c's dispatcher, which
 * knows which heap a block came from. */
static bool replaces_free(reload_ctx *ctx) {
  if (!(ctx->opt.flags & RELOAD_OPT_EXPORT))
    return false;
  reload__gsym *g = reload__sym_find(&ctx->syms, "free");
  return g && g->obj && g->type == STT_FUNC &&
         (g->kind == RELOAD__SYM_DEF || g->kind == RELOAD__SYM_WEAK);
}

static uint64_t place(uint64_t *cursor, uint64_t size, uint64_t align) {
  if (align == 0)
    align = 1;
  uint64_t at = RELOAD__ALIGN_UP(*cursor, align);
  *cursor = at + size;
  return at;
}

/* Outside the arena: calls go through a stub.  An absent weak symbol is
 * 0, which no PC-relative call can reach; its stub jumps through a 0 slot,
 * as a PLT entry would. */
static bool external(const reload__gsym *g) {
  return g->kind == RELOAD__SYM_SHLIB || g->kind == RELOAD__SYM_HOST ||
         g->kind == RELOAD__SYM_WEAKUNDEF;
}

reload__gsym *reload__global(reload_ctx *ctx, const reload__obj *o,
                             uint32_t i) {
  if (i < o->firstglobal || !o->sym[i].st_name)
    return NULL;
  if (o->gidx && o->gidx[i - o->firstglobal])
    return &ctx->syms.v[o->gidx[i - o->firstglobal] - 1];
  return reload__sym_find(&ctx->syms, o->str + o->sym[i].st_name);
}

static int32_t *slots(reload_ctx *ctx, int32_t **v, uint32_t n) {
  if (!*v && !(*v = calloc(n, sizeof **v)))
    reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  return *v;
}

/* Count GOT slots and stubs, refuse unsupported relocations early. */
static int scan(reload__link *L, reload__obj *o) {
  reload_ctx *ctx = L->ctx;
  int err = 0;
  uint64_t reported = 0;
  uint32_t ngot = 0, nplt = 0;
  bool got_own = false, pcrel_own = false;
  for (uint32_t t = 1; t < o->nsec; t++) {
    reload__sec *sec = &o->secs[t];
    if (!sec->rela || sec->cls == RELOAD__CLS_NONE || sec->discard)
      continue;
    const Elf64_Shdr *rs = &o->sh[sec->rela];
    const Elf64_Rela *r = (const Elf64_Rela *)(const void *)(o->data + rs->sh_offset);
    uint64_t n = rs->sh_size / sizeof *r;
    for (uint64_t k = 0; k < n; k++) {
      uint32_t sym = ELF64_R_SYM(r[k].r_info);
      uint32_t type = ELF64_R_TYPE(r[k].r_info);
      /* How the compiler reached this object's own default-visibility
       * globals: through the GOT (-fPIC), or PC-relatively (-fPIE). */
      if (sym >= o->firstglobal && sym < o->nsym &&
          reload__sym_shndx(o, sym) != SHN_UNDEF &&
          ELF64_ST_VISIBILITY(o->sym[sym].st_other) == STV_DEFAULT &&
          ELF64_ST_TYPE(o->sym[sym].st_info) != STT_TLS) {
        if (type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
            type == R_X86_64_REX_GOTPCRELX)
          got_own = true;
        else if (type == R_X86_64_PC32 &&
                 !reload__rel_is_branch(
                     type, r[k].r_offset,
                     o->data + o->sh[t].sh_offset + r[k].r_offset))
          pcrel_own = true;
      }
      unsigned need = reload__rel_needs(type);
      if (!need)
        continue;
      if (need & RELOAD__UNSUPPORTED) {
        /* One message per type and object: the remedy is the same. */
        uint64_t bit = 1ull << (type & 63);
        err = RELOAD_EUNSUP;
        if (reported & bit)
          continue;
        reported |= bit;
        reload__err(ctx, RELOAD_EUNSUP, o->name,
                    "relocation %llu (%s) at %s+%#llx against '%s': %s",
                    (unsigned long long)k, reload__rel_name(type), sec->name,
                    (unsigned long long)r[k].r_offset,
                    reload__sym_name(o, sym), reload__rel_why(type));
        continue;
      }
      if (need & RELOAD__ABS32)
        o->abs32 = true;
      if (need & (RELOAD__NEED_GOT | RELOAD__NEED_TPOFF)) {
        if (!slots(ctx, &o->got, o->nsym))
          return RELOAD_ENOMEM;
        if (!o->got[sym])
          o->got[sym] = (int32_t)++ngot;
      }
      if (need & RELOAD__NEED_PLT) {
        reload__gsym *g = reload__global(ctx, o, sym);
        if (type == R_X86_64_PC32 && g && g->addr &&
            (g->kind == RELOAD__SYM_SHLIB || g->kind == RELOAD__SYM_HOST)) {
          /* Data outside the arena loaded with a plain PC32 (gcc -fPIE
           * reaching stdin or environ): the arena must be placed near it.
           * A call or lea could use a stub instead. */
          const uint8_t *code =
              o->data + o->sh[t].sh_offset + r[k].r_offset;
          if (!reload__rel_is_branch(type, r[k].r_offset, code) &&
              !(r[k].r_offset >= 2 && code[-2] == 0x8d &&
                reload__shlib_func(g))) {
            if (!L->farlo || g->addr < L->farlo)
              L->farlo = g->addr;
            if (g->addr + 8 > L->farhi)
              L->farhi = g->addr + 8;
          }
        }
        if (g && external(g)) {
          if (!slots(ctx, &o->plt, o->nsym) || !slots(ctx, &o->got, o->nsym))
            return RELOAD_ENOMEM;
          if (!o->plt[sym]) {
            o->plt[sym] = (int32_t)++nplt;
            if (!o->got[sym])
              o->got[sym] = (int32_t)++ngot;
          }
        }
      }
      if (need & RELOAD__NEED_TLSGD) {
        if (!slots(ctx, &o->tlsgd, o->nsym))
          return RELOAD_ENOMEM;
        if (!o->tlsgd[sym]) {
          o->tlsgd[sym] = (int32_t)ngot + 1;
          ngot += 2;
        }
      }
      if ((need & RELOAD__NEED_TLSLD) && !o->tlsld) {
        o->tlsld = (int32_t)ngot + 1;
        ngot += 2;
      }
    }
  }
  o->ngot = ngot;
  o->nplt = nplt;
  o->pic = got_own && !pcrel_own;
  return err;
}

/* COMMON symbols this object won: placed in its data, or, for a new
 * version, at the old address when the old version had one the same size. */
static void commons(reload__link *L, reload__obj *o, uint64_t *cursor) {
  for (uint32_t i = o->firstglobal; i < o->nsym; i++) {
    if (reload__sym_shndx(o, i) != SHN_COMMON)
      continue;
    reload__gsym *g = reload__global(L->ctx, o, i);
    if (!g || g->obj != o || g->idx != i)
      continue;
    uint64_t keep = L->old ? reload__state_common(L, o, i, g) : 0;
    if (keep) {
      g->addr = keep;
      g->align = 0; /* marks it placed, not an offset */
      continue;
    }
    g->addr = place(cursor, g->size, g->align);
    g->align = 1; /* an offset in the object's data, fixed up in assign() */
  }
}

static int layout(reload__link *L) {
  int err = 0;
  for (reload__obj *o = L->objs; o; o = o->next) {
    uint64_t size[RELOAD__NCLS] = {0};
    for (uint32_t i = 1; i < o->nsec; i++) {
      reload__sec *s = &o->secs[i];
      if (s->cls == RELOAD__CLS_NONE || s->discard || s->kept)
        continue;
      const Elf64_Shdr *sh = &o->sh[i];
      if (s->cls == RELOAD__CLS_TLS) {
        s->tlsoff = place(&L->tlssize, sh->sh_size, sh->sh_addralign);
        if (sh->sh_addralign > L->tlsalign)
          L->tlsalign = sh->sh_addralign;
      } else {
        /* .eh_frame gets four zero bytes after it: the terminator that
         * __register_frame looks for (ld's crtend supplies it natively). */
        uint64_t extra = reload__is_ehframe(o, i) ? 4 : 0;
        s->addr = place(&size[s->cls], sh->sh_size + extra, sh->sh_addralign);
        if (sh->sh_addralign > o->salign[s->cls])
          o->salign[s->cls] = sh->sh_addralign;
      }
    }
    int r = scan(L, o);
    if (r == RELOAD_ENOMEM)
      return r;
    if (r)
      err = r;
    commons(L, o, &size[RELOAD__CLS_DATA]);
    o->gotaddr = place(&size[RELOAD__CLS_RODATA], (uint64_t)o->ngot * 8, 8);
    o->pltaddr = place(&size[RELOAD__CLS_TEXT], (uint64_t)o->nplt * 8, 16);
    for (int c = RELOAD__CLS_TEXT; c <= RELOAD__CLS_DATA; c++)
      o->span[c].len = size[c];
  }
  return err;
}

static int map_arena(reload__link *L) {
  reload_ctx *ctx = L->ctx;
  if (ctx->mapped)
    return 0;
  bool low = ctx->opt.flags & RELOAD_OPT_LOW32;
  for (reload__obj *o = L->objs; o && !low; o = o->next)
    low = o->abs32;
  size_t size = ctx->opt.arena_size ? ctx->opt.arena_size : (size_t)1 << 30;
  int r = reload__arena_map(ctx, &ctx->arena, size, low, L->farlo, L->farhi);
  if (r)
    return r;
  ctx->mapped = true;
  return 0;
}

static int full(reload_ctx *ctx, const char *file, uint64_t want) {
  return reload__err(ctx, RELOAD_EARENA, file,
                     "the arena is full (%zu MiB reserved, %zu MiB in use, "
                     "%llu bytes more wanted); give a larger arena size",
                     ctx->arena.size >> 20, ctx->arena.committed >> 20,
                     (unsigned long long)want);
}

int reload__chunk_ref(reload_ctx *ctx, reload__obj *o, reload__chunk *c) {
  for (uint32_t i = 0; i < o->nchunks; i++)
    if (o->chunks[i] == c)
      return 0;
  reload__chunk **v = realloc(o->chunks, (o->nchunks + 1) * sizeof *v);
  if (!v)
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  o->chunks = v;
  v[o->nchunks++] = c;
  c->refs++;
  return 0;
}

/* Drop an object's pages: its own, and its references to shared ones. */
void reload__obj_unmap(reload_ctx *ctx, reload__obj *o) {
  /* Before take() the spans are only sizes from layout(): nothing to give. */
  if (o->placed && o->span[RELOAD__CLS_TEXT].len)
    reload__arena_give(&ctx->arena, o->span[RELOAD__CLS_TEXT].off,
                       o->span[RELOAD__CLS_TEXT].len);
  memset(o->span, 0, sizeof o->span);
  for (uint32_t i = 0; i < o->nchunks; i++) {
    reload__chunk *c = o->chunks[i];
    if (--c->refs == 0) {
      reload__arena_give(&ctx->arena, c->off, c->len);
      free(c);
    }
  }
  free(o->chunks);
  o->chunks = NULL;
  o->nchunks = 0;
}

/*
 * One run of pages per class for the whole batch: neighbours with the same
 * protection merge into one mapping, so a link of a thousand objects makes
 * three mappings, not thousands.  Code is cut into page-aligned pieces per
 * object, so that one version's code can be retired and freed alone.
 * Read-only data and data are packed, in two chunks the batch's objects
 * share and count: a newer version may keep an older one's data, and old
 * code may still read its own constants.
 */
static int take(reload__link *L) {
  reload_ctx *ctx = L->ctx;
  uint64_t tot[RELOAD__NCLS] = {0};
  for (reload__obj *o = L->objs; o; o = o->next) {
    tot[RELOAD__CLS_TEXT] += RELOAD__ALIGN_UP(o->span[RELOAD__CLS_TEXT].len,
                                              RELOAD__PAGE);
    for (int c = RELOAD__CLS_RODATA; c <= RELOAD__CLS_DATA; c++) {
      uint64_t al = o->salign[c] > 16 ? o->salign[c] : 16;
      tot[c] = RELOAD__ALIGN_UP(tot[c], al);
      o->span[c].off = tot[c]; /* relative, for now */
      tot[c] += o->span[c].len;
    }
  }
  if (L->tlssize) {
    /* The TLS image rides at the end of the read-only chunk. */
    uint64_t al = L->tlsalign > 16 ? L->tlsalign : 16;
    tot[RELOAD__CLS_RODATA] = RELOAD__ALIGN_UP(tot[RELOAD__CLS_RODATA], al);
    L->tlsoff = tot[RELOAD__CLS_RODATA];
    tot[RELOAD__CLS_RODATA] += L->tlssize;
  }
  for (int c = RELOAD__CLS_TEXT; c <= RELOAD__CLS_DATA; c++) {
    L->span[c].len = 0;
    if (!tot[c])
      continue;
    int64_t off = reload__arena_take(&ctx->arena, tot[c]);
    if (off < 0) {
      for (int k = RELOAD__CLS_TEXT; k < c; k++)
        if (L->span[k].len)
          reload__arena_give(&ctx->arena, L->span[k].off, L->span[k].len);
      memset(L->span, 0, sizeof L->span);
      for (reload__obj *o = L->objs; o; o = o->next)
        memset(o->span, 0, sizeof o->span);
      return full(ctx, L->objs ? L->objs->name : NULL, tot[c]);
    }
    L->span[c].off = (size_t)off;
    L->span[c].len = RELOAD__ALIGN_UP(tot[c], RELOAD__PAGE);
    reload__dead_evict(ctx, (size_t)off, L->span[c].len);
    if (c == RELOAD__CLS_TEXT)
      reload__arena_private(&ctx->arena, (size_t)off, L->span[c].len);
    /* Fault the pages in with one call rather than one fault each. */
    madvise(ctx->arena.wr + off, tot[c], MADV_POPULATE_WRITE);
  }
  reload__chunk *chunk[RELOAD__NCLS] = {NULL};
  for (int c = RELOAD__CLS_RODATA; c <= RELOAD__CLS_DATA; c++) {
    if (!L->span[c].len)
      continue;
    chunk[c] = calloc(1, sizeof *chunk[c]);
    if (!chunk[c]) {
      for (int k = RELOAD__CLS_TEXT; k <= RELOAD__CLS_DATA; k++)
        if (L->span[k].len)
          reload__arena_give(&ctx->arena, L->span[k].off, L->span[k].len);
      free(chunk[RELOAD__CLS_RODATA]);
      memset(L->span, 0, sizeof L->span);
      for (reload__obj *o = L->objs; o; o = o->next)
        memset(o->span, 0, sizeof o->span);
      return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    }
    chunk[c]->off = L->span[c].off;
    chunk[c]->len = L->span[c].len;
    chunk[c]->cls = (uint8_t)c;
  }
  size_t cur = 0;
  int err = 0;
  for (reload__obj *o = L->objs; o; o = o->next) {
    uint64_t len = RELOAD__ALIGN_UP(o->span[RELOAD__CLS_TEXT].len, RELOAD__PAGE);
    o->span[RELOAD__CLS_TEXT].off = L->span[RELOAD__CLS_TEXT].off + cur;
    o->span[RELOAD__CLS_TEXT].len = len;
    o->placed = true;
    cur += len;
    for (int c = RELOAD__CLS_RODATA; c <= RELOAD__CLS_DATA; c++) {
      o->span[c].off += L->span[c].off;
      if (chunk[c] && !err)
        err = reload__chunk_ref(ctx, o, chunk[c]);
    }
  }
  /* Chunks nobody holds (out of memory above) must not leak their pages. */
  for (int c = RELOAD__CLS_RODATA; c <= RELOAD__CLS_DATA; c++)
    if (chunk[c] && !chunk[c]->refs) {
      reload__arena_give(&ctx->arena, chunk[c]->off, chunk[c]->len);
      free(chunk[c]);
    }
  if (err)
    return err;
  L->tlsoff += L->span[RELOAD__CLS_RODATA].off;
  return 0;
}

static uint64_t run_at(reload_ctx *ctx, size_t off) {
  return (uint64_t)(uintptr_t)ctx->arena.run + off;
}

/* An object that refers to another object's data or read-only data
 * holds the pages that data is in: a version that was replaced may be
 * unmapped, but a table or variable that objects linked earlier still
 * reach (directly, or through their GOT) must stay.  (Functions are
 * reached through their stable entries, which never go.) */
static int hold_targets(reload_ctx *ctx, reload__obj *o) {
  for (uint32_t i = o->firstglobal; i < o->nsym; i++) {
    reload__gsym *g = reload__global(ctx, o, i);
    if (!g || !g->obj || g->obj == o || g->type == STT_FUNC ||
        g->type == STT_TLS)
      continue;
    const reload__obj *d = g->obj;
    uint64_t off = g->addr - (uint64_t)(uintptr_t)ctx->arena.run;
    for (uint32_t k = 0; k < d->nchunks; k++) {
      reload__chunk *c = d->chunks[k];
      if (c->off <= off && off < c->off + c->len) {
        int r = reload__chunk_ref(ctx, o, c);
        if (r)
          return r;
        break;
      }
    }
  }
  return 0;
}

/* Give every section and symbol its final address. */
static int assign(reload__link *L) {
  reload_ctx *ctx = L->ctx;
  reload__batch *b = L->b;
  uint64_t tlsimg = 0;
  uint8_t *tlswr = NULL;
  int r;
  if (L->tlssize) {
    r = reload__tls_new(ctx, &b->tls);
    if (r)
      return r;
    tlsimg = run_at(ctx, L->tlsoff);
    tlswr = ctx->arena.wr + L->tlsoff;
    b->tls->image = (const uint8_t *)(uintptr_t)tlsimg;
    b->tls->size = L->tlssize;
    b->tls->align = L->tlsalign;
    bool ie = false;
    for (reload__obj *o = L->objs; o; o = o->next)
      ie |= o->tls_ie;
    if (ie) {
      r = reload__tls_static(ctx, L->objs->name, b->tls,
                             L->old ? L->old->batch->tls : NULL);
      if (r)
        return r;
    }
  }
  for (reload__obj *o = L->objs; o; o = o->next) {
    size_t *off = &o->span[0].off;
    (void)off;
    for (uint32_t i = 1; i < o->nsec; i++) {
      reload__sec *s = &o->secs[i];
      if (s->cls == RELOAD__CLS_NONE || s->discard)
        continue;
      ctx->stats.sections++;
      if (s->kept)
        continue; /* addr and wr were set by the state match */
      if (s->cls == RELOAD__CLS_TLS) {
        /* Relocations patch the image; symbols are offsets in the block. */
        s->wr = tlswr ? tlswr + s->tlsoff : NULL; /* NULL: empty TLS */
        s->addr = tlsimg + s->tlsoff;
      } else {
        size_t at = o->span[s->cls].off + (size_t)s->addr;
        s->wr = ctx->arena.wr + at;
        s->addr = run_at(ctx, at);
      }
    }
    o->gotwr = ctx->arena.wr + o->span[RELOAD__CLS_RODATA].off + o->gotaddr;
    o->gotaddr = run_at(ctx, o->span[RELOAD__CLS_RODATA].off + o->gotaddr);
    o->pltwr = ctx->arena.wr + o->span[RELOAD__CLS_TEXT].off + o->pltaddr;
    o->pltaddr = run_at(ctx, o->span[RELOAD__CLS_TEXT].off + o->pltaddr);
    /* COMMON symbols placed in this object's data. */
    for (uint32_t i = o->firstglobal; i < o->nsym; i++) {
      if (reload__sym_shndx(o, i) != SHN_COMMON)
        continue;
      reload__gsym *g = reload__global(ctx, o, i);
      if (g && g->obj == o && g->idx == i && g->align == 1) {
        g->addr = run_at(ctx, o->span[RELOAD__CLS_DATA].off + g->addr);
        g->align = 0;
      }
    }
  }
  /* Definitions first, so that references can read them. */
  for (reload__obj *o = L->objs; o; o = o->next) {
    o->symval = calloc(o->nsym ? o->nsym : 1, sizeof *o->symval);
    if (!o->symval)
      return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    for (uint32_t i = 1; i < o->nsym; i++) {
      const Elf64_Sym *y = &o->sym[i];
      uint32_t sec = reload__sym_shndx(o, i);
      uint64_t v = 0;
      if (sec == SHN_ABS)
        v = y->st_value;
      else if (sec == SHN_UNDEF || sec == SHN_COMMON)
        continue;
      else if (o->secs[sec].discard || o->secs[sec].cls == RELOAD__CLS_NONE)
        v = 0;
      else if (o->secs[sec].cls == RELOAD__CLS_TLS)
        v = o->secs[sec].tlsoff + y->st_value;
      else
        v = o->secs[sec].addr + y->st_value;
      o->symval[i] = v;
    }
    if (L->old && o == L->objs && (r = reload__state_redirect(L, o)))
      return r;
    r = reload__entries_assign(L, o);
    if (r)
      return r;
    for (uint32_t i = o->firstglobal; i < o->nsym; i++) {
      reload__gsym *g = reload__global(ctx, o, i);
      if (g && g->obj == o && g->idx == i &&
          reload__sym_shndx(o, i) != SHN_COMMON)
        g->addr = o->symval[i];
    }
  }
  bool allocator = replaces_free(ctx);
  for (reload__obj *o = L->objs; o; o = o->next) {
    for (uint32_t i = o->firstglobal; i < o->nsym; i++) {
      reload__gsym *g = reload__global(ctx, o, i);
      if (!g)
        continue;
      if (g->kind == RELOAD__SYM_ABS &&
          strcmp(g->name, "_GLOBAL_OFFSET_TABLE_") == 0)
        o->symval[i] = o->gotaddr;
      else if (allocator && reload__alloc_name(g->name))
        o->symval[i] = (uint64_t)(uintptr_t)reload__alloc_dispatch(g->name);
      else
        o->symval[i] = g->addr;
    }
    if ((r = hold_targets(ctx, o)))
      return r;
  }
  return 0;
}

/* ---- 5. contents, GOT, stubs, relocations ---------------------------- */

static int fill(reload__link *L) {
  reload_ctx *ctx = L->ctx;
  for (reload__obj *o = L->objs; o; o = o->next) {
    uint64_t *gotw = (uint64_t *)(void *)o->gotwr;
    for (uint32_t i = 1; i < o->nsec; i++) {
      reload__sec *s = &o->secs[i];
      if (s->cls == RELOAD__CLS_NONE || s->discard || s->kept ||
          o->sh[i].sh_type == SHT_NOBITS)
        continue;
      if (o->sh[i].sh_size)
        memcpy(s->wr, o->data + o->sh[i].sh_offset, o->sh[i].sh_size);
    }
    for (uint32_t i = 0; i < o->nsym; i++) {
      if (o->got && o->got[i]) {
        uint64_t v = o->symval[i];
        if (ELF64_ST_TYPE(o->sym[i].st_info) == STT_TLS) {
          /* Initial-exec: the slot holds the variable's offset from the
           * thread pointer. */
          const reload__tlsmod *m = reload__tls_module(ctx, o, i);
          if (m && m->foreign && !m->tpoff)
            return reload__err(ctx, RELOAD_EUNSUP, o->name,
                               "initial-exec access to thread-local '%s' of "
                               "a shared library that was opened after the "
                               "program started, so its TLS is dynamic; "
                               "build this object with -fPIC",
                               reload__sym_name(o, i));
          if (!m || !m->tpoff)
            return reload__err(ctx, RELOAD_EUNSUP, o->name,
                               "initial-exec access to thread-local '%s', "
                               "which lives in dynamic TLS (its object was "
                               "built with -fPIC); build both alike",
                               reload__sym_name(o, i));
          v = (uint64_t)(m->tpoff + (intptr_t)v);
        }
        gotw[o->got[i] - 1] = v;
        ctx->stats.got_slots++;
      }
      if (o->plt && o->plt[i]) {
        /* jmp *slot(%rip); int3; int3 */
        uint8_t *st = o->pltwr + (uint64_t)(o->plt[i] - 1) * 8;
        uint64_t at = o->pltaddr + (uint64_t)(o->plt[i] - 1) * 8;
        int32_t rel =
            (int32_t)(o->gotaddr + (uint64_t)(o->got[i] - 1) * 8 - (at + 6));
        st[0] = 0xff;
        st[1] = 0x25;
        memcpy(st + 2, &rel, 4);
        st[6] = st[7] = 0xcc;
        ctx->stats.plt_stubs++;
      }
      if (o->tlsgd && o->tlsgd[i]) {
        reload__gsym *g = reload__global(ctx, o, i);
        const reload__tlsmod *m = g ? reload__tls_module(ctx, o, i)
                                    : L->b->tls;
        if (!m)
          return reload__err(ctx, RELOAD_EBADELF, o->name,
                             "'%s' is used as thread-local but no "
                             "thread-local section defines it",
                             reload__sym_name(o, i));
        gotw[o->tlsgd[i] - 1] = (uint64_t)(uintptr_t)m;
        gotw[o->tlsgd[i]] = o->symval[i];
      }
    }
    if (o->tlsld) {
      if (!L->b->tls)
        return reload__err(ctx, RELOAD_EBADELF, o->name,
                           "local-dynamic TLS access without thread-local "
                           "sections");
      gotw[o->tlsld - 1] = (uint64_t)(uintptr_t)L->b->tls;
      gotw[o->tlsld] = 0;
    }
  }
  return 0;
}

static int protect(reload__link *L) {
  static const int prot[RELOAD__NCLS] = {
      [RELOAD__CLS_TEXT] = PROT_READ | PROT_EXEC,
      [RELOAD__CLS_RODATA] = PROT_READ,
      [RELOAD__CLS_DATA] = PROT_READ | PROT_WRITE,
  };
  reload_ctx *ctx = L->ctx;
  for (int c = RELOAD__CLS_TEXT; c <= RELOAD__CLS_DATA; c++) {
    reload__span *s = &L->span[c];
    if (s->len && reload__arena_protect(&ctx->arena, s->off, s->len, prot[c]))
      return reload__err(ctx, RELOAD_EARENA, NULL,
                         "cannot set the protection of arena pages");
  }
  return 0;
}

/* ---- the whole ------------------------------------------------------- */

void reload__link_undo(reload__link *L) {
  reload_ctx *ctx = L->ctx;
  for (size_t i = L->nundo; i-- > 0;)
    ctx->syms.v[L->undo[i].idx] = L->undo[i].old;
  reload__symtab_truncate(&ctx->syms, L->nsyms0);
  for (reload__obj *o = L->objs; o; o = o->next) {
    if (o->member)
      o->member->loaded = false;
    reload__obj_unmap(ctx, o);
  }
  for (reload__obj *o = L->objs, *nx; o; o = nx) {
    nx = o->next;
    reload__obj_free(o);
  }
  reload__tls_free(L->b->tls);
  free(L->b);
  free(L->undo);
  L->b = NULL;
  L->objs = NULL;
  L->undo = NULL;
}

int reload__link_begin(reload_ctx *ctx, reload__link *L, reload__obj *objs,
                       reload__obj *old) {
  memset(L, 0, sizeof *L);
  L->ctx = ctx;
  L->tail = &L->objs;
  L->nsyms0 = ctx->syms.n;
  L->old = old;
  L->unit = old ? old->unit : NULL;
  L->gen = ++ctx->link_gen;
  L->b = calloc(1, sizeof *L->b);
  if (!L->b) {
    for (reload__obj *o = objs, *nx; o; o = nx) {
      nx = o->next;
      reload__obj_free(o);
    }
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  }
  /* Phase times, for `reloadd check -vv`. */
  uint64_t t[12];
  int nt = 0;
  t[nt++] = reload__now_ns();
  int r = 0;
  for (reload__obj *o = objs, *nx; o; o = nx) {
    nx = o->next;
    if (!r) {
      r = enter(L, o);
      if (r)
        reload__obj_free(o);
    } else {
      reload__obj_free(o);
    }
  }
  if (!r && old)
    r = orphan(L);
  t[nt++] = reload__now_ns();
  if (!r)
    r = pull_archives(L);
  if (!r)
    r = resolve(L);
  t[nt++] = reload__now_ns();
  if (!r && old)
    r = reload__state_match(L);
  if (!r)
    r = layout(L);
  t[nt++] = reload__now_ns();
  if (!r)
    r = map_arena(L);
  t[nt++] = reload__now_ns();
  if (!r)
    r = take(L);
  t[nt++] = reload__now_ns();
  if (!r)
    r = assign(L);
  t[nt++] = reload__now_ns();
  if (!r)
    r = fill(L);
  t[nt++] = reload__now_ns();
  if (!r) {
    for (reload__obj *o = L->objs; o; o = o->next) {
      int e = reload__relocate(ctx, o, old);
      if (e && !r)
        r = e;
    }
    ctx->stats.reloc_ns += reload__now_ns() - t[nt - 1];
  }
  t[nt++] = reload__now_ns();
  if (!r && old)
    r = reload__state_carry(L);
  if (!r)
    r = protect(L);
  /* After protect(): the image is read through the run view. */
  if (!r && L->b->tls)
    reload__tls_static_init(L->b->tls);
  t[nt++] = reload__now_ns();
  if (!r) {
    static const char *const names[] = {"symbols", "resolve", "layout",
                                        "map", "pages", "assign", "copy",
                                        "relocate", "protect"};
    char buf[512];
    size_t n = 0;
    for (int i = 1; i < nt && n < sizeof buf; i++)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s %.3f ms%s",
                            names[i - 1], (double)(t[i] - t[i - 1]) / 1e6,
                            i + 1 < nt ? ", " : "");
    reload__log(ctx, RELOAD_LOG_DEBUG, NULL, "link phases: %s", buf);
  }
  if (r)
    reload__link_undo(L);
  return r;
}

/* Make the batch part of the context. */
void reload__link_commit(reload__link *L) {
  reload_ctx *ctx = L->ctx;
  L->b->objs = L->objs;
  L->b->next = ctx->batches;
  ctx->batches = L->b;
  for (reload__obj *o = L->objs; o; o = o->next)
    for (int c = RELOAD__CLS_TEXT; c <= RELOAD__CLS_DATA; c++)
      ctx->stats.arena_bytes += o->span[c].len;
  free(L->undo);
  L->undo = NULL;
}

int reload__link_all(reload_ctx *ctx) {
  uint64_t t0 = reload__now_ns();
  reload__link L;
  reload__obj *pend = ctx->pending;
  ctx->pending = NULL;
  ctx->pending_tail = &ctx->pending;
  int r = reload__link_begin(ctx, &L, pend, NULL);
  if (!r) {
    r = reload__units_add(ctx, L.objs);
    if (r)
      reload__link_undo(&L);
  }
  if (!r) {
    reload__link_commit(&L);
    reload__install(ctx, L.objs);
    for (reload__obj *o = L.objs; o; o = o->next)
      reload__debug_add(ctx, o);
  }
  ctx->stats.link_ns += reload__now_ns() - t0;
  return r;
}
