/*
 * reloc_x86_64.c - apply x86-64 relocations (psABI, "Relocation Types").
 *
 * The notation follows the psABI: S the symbol's value, A the addend, P the
 * place patched, G the offset of the symbol's GOT slot from GOT (the base of
 * the batch's GOT, also _GLOBAL_OFFSET_TABLE_), L the symbol's far-call stub
 * (our PLT), Z the symbol's size.  Every narrow field is range-checked: we
 * never truncate silently.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *reload__rel_name(uint32_t type) {
  static const char *const names[] = {
      [R_X86_64_NONE] = "R_X86_64_NONE",
      [R_X86_64_64] = "R_X86_64_64",
      [R_X86_64_PC32] = "R_X86_64_PC32",
      [R_X86_64_GOT32] = "R_X86_64_GOT32",
      [R_X86_64_PLT32] = "R_X86_64_PLT32",
      [R_X86_64_COPY] = "R_X86_64_COPY",
      [R_X86_64_GLOB_DAT] = "R_X86_64_GLOB_DAT",
      [R_X86_64_JUMP_SLOT] = "R_X86_64_JUMP_SLOT",
      [R_X86_64_RELATIVE] = "R_X86_64_RELATIVE",
      [R_X86_64_GOTPCREL] = "R_X86_64_GOTPCREL",
      [R_X86_64_32] = "R_X86_64_32",
      [R_X86_64_32S] = "R_X86_64_32S",
      [R_X86_64_16] = "R_X86_64_16",
      [R_X86_64_PC16] = "R_X86_64_PC16",
      [R_X86_64_8] = "R_X86_64_8",
      [R_X86_64_PC8] = "R_X86_64_PC8",
      [R_X86_64_DTPMOD64] = "R_X86_64_DTPMOD64",
      [R_X86_64_DTPOFF64] = "R_X86_64_DTPOFF64",
      [R_X86_64_TPOFF64] = "R_X86_64_TPOFF64",
      [R_X86_64_TLSGD] = "R_X86_64_TLSGD",
      [R_X86_64_TLSLD] = "R_X86_64_TLSLD",
      [R_X86_64_DTPOFF32] = "R_X86_64_DTPOFF32",
      [R_X86_64_GOTTPOFF] = "R_X86_64_GOTTPOFF",
      [R_X86_64_TPOFF32] = "R_X86_64_TPOFF32",
      [R_X86_64_PC64] = "R_X86_64_PC64",
      [R_X86_64_GOTOFF64] = "R_X86_64_GOTOFF64",
      [R_X86_64_GOTPC32] = "R_X86_64_GOTPC32",
      [R_X86_64_GOT64] = "R_X86_64_GOT64",
      [R_X86_64_GOTPCREL64] = "R_X86_64_GOTPCREL64",
      [R_X86_64_GOTPC64] = "R_X86_64_GOTPC64",
      [R_X86_64_GOTPLT64] = "R_X86_64_GOTPLT64",
      [R_X86_64_PLTOFF64] = "R_X86_64_PLTOFF64",
      [R_X86_64_SIZE32] = "R_X86_64_SIZE32",
      [R_X86_64_SIZE64] = "R_X86_64_SIZE64",
      [R_X86_64_GOTPC32_TLSDESC] = "R_X86_64_GOTPC32_TLSDESC",
      [R_X86_64_TLSDESC_CALL] = "R_X86_64_TLSDESC_CALL",
      [R_X86_64_TLSDESC] = "R_X86_64_TLSDESC",
      [R_X86_64_IRELATIVE] = "R_X86_64_IRELATIVE",
      [R_X86_64_RELATIVE64] = "R_X86_64_RELATIVE64",
      [R_X86_64_GOTPCRELX] = "R_X86_64_GOTPCRELX",
      [R_X86_64_REX_GOTPCRELX] = "R_X86_64_REX_GOTPCRELX",
  };
  if (type < sizeof names / sizeof *names && names[type])
    return names[type];
  return "R_X86_64_(unknown)";
}

unsigned reload__rel_needs(uint32_t type) {
  switch (type) {
  case R_X86_64_GOTPCREL:
  case R_X86_64_GOTPCRELX:
  case R_X86_64_REX_GOTPCRELX:
  case R_X86_64_GOTPCREL64:
  case R_X86_64_GOT32:
  case R_X86_64_GOT64:
    return RELOAD__NEED_GOT;
  case R_X86_64_PLT32:
  case R_X86_64_PC32:
  case R_X86_64_PLTOFF64:
    /* A stub, and the GOT slot it jumps through, if the target is outside
     * the arena; PC32 uses it only when the direct value does not fit. */
    return RELOAD__NEED_PLT;
  case R_X86_64_TLSGD:
    return RELOAD__NEED_TLSGD;
  case R_X86_64_TLSLD:
    return RELOAD__NEED_TLSLD;
  case R_X86_64_32:
  case R_X86_64_32S:
    return RELOAD__ABS32;
  case R_X86_64_GOTTPOFF:
    return RELOAD__NEED_TPOFF;
  case R_X86_64_GOTPC32_TLSDESC:
  case R_X86_64_TLSDESC_CALL:
  case R_X86_64_DTPMOD64:
  case R_X86_64_GOTPLT64:
  case R_X86_64_COPY:
  case R_X86_64_GLOB_DAT:
  case R_X86_64_JUMP_SLOT:
  case R_X86_64_RELATIVE:
  case R_X86_64_TLSDESC:
  case R_X86_64_IRELATIVE:
  case R_X86_64_RELATIVE64:
    return RELOAD__UNSUPPORTED;
  }
  return 0;
}

/* Why a type is refused, and what to do about it. */
const char *reload__rel_why(uint32_t type) {
  switch (type) {
  case R_X86_64_GOTPC32_TLSDESC:
  case R_X86_64_TLSDESC_CALL:
    return "TLS descriptors are not supported; compile without "
           "-mtls-dialect=gnu2";
  default:
    return "this dynamic relocation type does not belong in a relocatable "
           "object; pass the .o files produced by -c";
  }
}

/* What one relocation is being applied with, for messages. */
struct place {
  reload_ctx *ctx;
  reload__obj *o;
  uint32_t relsec, sym, type;
  uint64_t index, off;
  uint32_t target;
};

static int fail(const struct place *p, int code, const char *what) {
  return reload__err(p->ctx, code, p->o->name,
                     "relocation %" PRIu64 " (%s) at %s+%#" PRIx64
                     " against '%s': %s",
                     p->index, reload__rel_name(p->type),
                     p->o->secs[p->target].name, p->off,
                     reload__sym_name(p->o, p->sym), what);
}

static int range(const struct place *p, int64_t v, int bits, bool sign) {
  const char *fix = p->type == R_X86_64_32 || p->type == R_X86_64_32S
                        ? "; compile with -fPIC or -fPIE"
                        : "; compile with -fPIC, or keep the target in the "
                          "arena";
  char what[256];
  snprintf(what, sizeof what, "value %#llx does not fit in %d %s bits%s",
           (unsigned long long)v, bits, sign ? "signed" : "unsigned", fix);
  return fail(p, RELOAD_ERANGE, what);
}

/* The fields a relocation writes, and what fits in each: signed, unsigned,
 * or either ("bitfield", as ld checks R_X86_64_8 and _16). */
enum field { F_64, F_S32, F_U32, F_B16, F_S16, F_B8, F_S8 };

static bool fits(int64_t v, enum field f) {
  switch (f) {
  case F_64: return true;
  case F_S32: return v >= INT32_MIN && v <= INT32_MAX;
  case F_U32: return v >= 0 && v <= (int64_t)UINT32_MAX;
  case F_B16: return v >= INT16_MIN && v <= UINT16_MAX;
  case F_S16: return v >= INT16_MIN && v <= INT16_MAX;
  case F_B8: return v >= INT8_MIN && v <= UINT8_MAX;
  case F_S8: return v >= INT8_MIN && v <= INT8_MAX;
  }
  return false;
}

static int put(const struct place *p, uint8_t *at, int64_t v, enum field f) {
  static const uint8_t width[] = {8, 4, 4, 2, 2, 1, 1};
  if (!fits(v, f))
    return range(p, v, width[f] * 8, f == F_S32 || f == F_S16 || f == F_S8);
  memcpy(at, &v, width[f]); /* little-endian: the low bytes */
  return 0;
}

/* The size of a symbol for R_X86_64_SIZE*: its own, or its definer's. */
static uint64_t sym_size(reload_ctx *ctx, const reload__obj *o, uint32_t i) {
  const Elf64_Sym *s = &o->sym[i];
  if (s->st_shndx != SHN_UNDEF)
    return s->st_size;
  reload__gsym *g = reload__sym_find(&ctx->syms, reload__sym_name(o, i));
  return g ? g->size : 0;
}

/* True when the relocation at `code` is the operand of a call or jump:
 * E8 call, E9 jmp, 0F 8x jcc.  (A RIP-relative memory operand is preceded
 * by a ModRM byte, which is never one of those.) */
bool reload__rel_is_branch(uint32_t type, uint64_t off, const uint8_t *code) {
  if (type == R_X86_64_PLT32)
    return true;
  if (type != R_X86_64_PC32 || off < 1)
    return false;
  if (code[-1] == 0xe8 || code[-1] == 0xe9)
    return true;
  return off >= 2 && code[-2] == 0x0f && (code[-1] & 0xf0) == 0x80;
}

/*
 * The S to use for a reference to a function of this version.  A call or
 * jump inside the version goes straight to the code; anything that takes
 * the address (lea, GOT, pointers in data, init arrays) gets the stable
 * entry, so it reaches the newest version after a reload.  Assemblers
 * often turn references to static functions into "section + offset"; for
 * those the offset says which function: A for absolute types, A+4 for a
 * RIP-relative lea.
 */
static uint64_t target(reload_ctx *ctx, const reload__obj *o,
                       const reload__sec *site, uint32_t sym, uint32_t type,
                       int64_t A, const uint8_t *code, uint64_t off,
                       uint64_t S) {
  if (o->direct[sym]) {
    if (!reload__rel_is_branch(type, off, code))
      return S;
    if (!reload__call_follows(o, sym, type))
      return o->direct[sym];
    /* Its own stable entry, not S: that may be another's definition (the
     * allocator's dispatcher, an interposing one). */
    const reload__fn *f = reload__fn_at(o, o->direct[sym]);
    return f ? f->ent : o->direct[sym];
  }
  if (ELF64_ST_TYPE(o->sym[sym].st_info) != STT_SECTION)
    return S;
  uint32_t sec = reload__sym_shndx(o, sym);
  if (sec >= o->nsec || o->secs[sec].cls != RELOAD__CLS_TEXT)
    return S;
  uint64_t foff;
  if (type == R_X86_64_PC32 || type == R_X86_64_PLT32) {
    if (site->cls != RELOAD__CLS_TEXT || reload__rel_is_branch(type, off, code))
      return S;
    foff = (uint64_t)A + 4;
  } else if (type == R_X86_64_64 || type == R_X86_64_32 ||
             type == R_X86_64_32S) {
    foff = (uint64_t)A;
  } else {
    return S;
  }
  const reload__fn *f = reload__fn_at(o, S + foff);
  return f ? reload__entry_addr(ctx, f->entry) - foff : S;
}

/*
 * Whether a call inside the version to its own function `sym` goes
 * through the stable entry, so that it reaches the newest version: a call
 * the compiler left interposable, as -fPIC code's calls through the PLT
 * to default-visibility globals are.  It assumed nothing of the callee
 * there (no inlining, no registers kept, -fipa-ra), so any version of it
 * will do; a main loop that never returns then runs each edit of the
 * functions it calls.  Anything else stays direct: a static function, a
 * hidden one, a compiler's clone, -fPIE code (its globals bind locally,
 * and the compiler may have shaped the call to that very callee).
 */
bool reload__call_follows(const reload__obj *o, uint32_t sym, uint32_t type) {
  if (type != R_X86_64_PLT32 || !o->pic || sym < o->firstglobal)
    return false;
  const Elf64_Sym *y = &o->sym[sym];
  return ELF64_ST_BIND(y->st_info) != STB_LOCAL &&
         ELF64_ST_VISIBILITY(y->st_other) == STV_DEFAULT &&
         ELF64_ST_TYPE(y->st_info) == STT_FUNC;
}

/* The TLS module that defines thread-local symbol `sym` of `o`. */
const reload__tlsmod *reload__tls_module(reload_ctx *ctx, const reload__obj *o,
                                         uint32_t sym) {
  if (sym >= o->firstglobal && o->sym[sym].st_name) {
    reload__gsym *g =
        reload__sym_find(&ctx->syms, o->str + o->sym[sym].st_name);
    if (g && g->obj)
      return g->obj->batch->tls;
    if (g && g->kind == RELOAD__SYM_SHLIB && g->type == STT_TLS)
      return g->ud; /* a shared library's (tls.c) */
    if (g)
      return NULL;
  }
  return o->batch->tls;
}

#define tls_module reload__tls_module

/* A library function (not data), by what the library's symbol says. */
static bool is_func(reload_ctx *ctx, const reload__obj *o, uint32_t sym) {
  if (sym < o->firstglobal || !o->sym[sym].st_name)
    return false;
  reload__gsym *g = reload__sym_find(&ctx->syms, o->str + o->sym[sym].st_name);
  return g && reload__shlib_func(g);
}

static int by_place(const void *a, const void *b) {
  const reload__drel *x = a, *y = b;
  if (x->sec != y->sec)
    return x->sec < y->sec ? -1 : 1;
  return x->off < y->off ? -1 : x->off > y->off;
}

static const reload__drel *find_drel(const reload__obj *o, uint32_t sec,
                                     uint64_t off) {
  uint32_t lo = 0, hi = o->ndrel;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    const reload__drel *d = &o->drel[mid];
    if (d->sec == sec && d->off == off)
      return d;
    if (d->sec < sec || (d->sec == sec && d->off < off))
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const reload__drel *reload__drel_find(const reload__obj *o, uint32_t sec,
                                      uint64_t off) {
  return find_drel(o, sec, off);
}

/* Write a data relocation's value, and remember it.  In a section that
 * kept the previous version's memory, the value is written only where the
 * memory still holds what the previous version linked there: otherwise the
 * program changed it, and its value wins (the kernel's module loader
 * likewise refuses to patch what is not in its expected prior state). */
static int commit(reload_ctx *ctx, reload__obj *o, const reload__obj *old,
                  uint32_t t, uint64_t off, uint32_t type,
                  const uint8_t *val) {
  int w = reload__rel_width(type);
  if (w <= 0)
    return 0;
  reload__sec *sec = &o->secs[t];
  uint8_t *real = sec->wr + off;
  if (!sec->kept) {
    memcpy(real, val, (size_t)w);
  } else if (old) {
    /* The old version's code still runs on this memory: the new value
     * goes in when the new version starts to run (state.c), where the
     * memory then still holds what the old version linked there. */
    const reload__drel *d = find_drel(old, sec->oldsec, off);
    uint64_t nv = 0;
    memcpy(&nv, val, (size_t)w);
    if (d && d->width == (uint32_t)w && d->val != nv) {
      int r = reload__state_defer(ctx, o, real, w, d->val, nv);
      if (r)
        return r;
    }
  }
  if (o->ndrel == o->capdrel) {
    uint32_t nc = o->capdrel ? o->capdrel * 2 : 64;
    reload__drel *nv = realloc(o->drel, nc * sizeof *nv);
    if (!nv)
      return reload__err(ctx, RELOAD_ENOMEM, o->name, "out of memory");
    o->drel = nv;
    o->capdrel = nc;
  }
  reload__drel *d = &o->drel[o->ndrel++];
  d->sec = t;
  d->width = (uint32_t)w;
  d->off = off;
  d->val = 0;
  memcpy(&d->val, val, (size_t)w);
  return 0;
}

static bool discarded(const reload__obj *o, uint32_t sym) {
  uint32_t s = reload__sym_shndx(o, sym);
  return s != SHN_UNDEF && s < o->nsec && o->secs[s].discard;
}

int reload__relocate(reload_ctx *ctx, reload__obj *o, const reload__obj *old) {
  const uint64_t got = o->gotaddr;
  int err = 0;
  for (uint32_t t = 1; t < o->nsec; t++) {
    reload__sec *sec = &o->secs[t];
    if (!sec->rela || sec->cls == RELOAD__CLS_NONE || sec->discard)
      continue;
    const Elf64_Shdr *rs = &o->sh[sec->rela];
    const Elf64_Rela *r = (const Elf64_Rela *)(const void *)(o->data + rs->sh_offset);
    uint64_t n = rs->sh_size / sizeof *r;
    struct place p = {ctx, o, sec->rela, 0, 0, 0, 0, t};
    /* Data is patched through a scratch word, so that a section that
     * keeps the previous version's memory takes a new value only where
     * the program left the old one (see commit()). */
    const bool data = sec->cls == RELOAD__CLS_DATA;
    const bool unwind = o->sh[t].sh_type == SHT_X86_64_UNWIND ||
                        strcmp(sec->name, ".eh_frame") == 0 ||
                        strcmp(sec->name, ".gcc_except_table") == 0;
    for (uint64_t k = 0; k < n; k++) {
      uint32_t sym = ELF64_R_SYM(r[k].r_info);
      uint32_t type = ELF64_R_TYPE(r[k].r_info);
      /* Unwind data of a COMDAT copy that was discarded: ld drops its
       * FDE.  The field keeps the object's bytes, and the unwind-table
       * check (ehframe.c) makes an FDE for code that is not here match
       * nothing. */
      if (unwind && sym < o->firstglobal && discarded(o, sym))
        continue;
      uint64_t S = o->symval[sym];
      int64_t A = r[k].r_addend;
      uint64_t P = sec->addr + r[k].r_offset;
      uint8_t tmp[8] = {0};
      uint8_t *at = data ? tmp : sec->wr + r[k].r_offset;
      int64_t v = 0;
      int rc = 0;
      if (o->direct && !unwind)
        S = target(ctx, o, sec, sym, type, A, sec->wr + r[k].r_offset,
                   r[k].r_offset, S);
      p.index = k;
      p.sym = sym;
      p.type = type;
      p.off = r[k].r_offset;
      /* Each type computes a value and names the field it goes in; one
       * writer below checks the range and stores it. */
      enum field f = F_S32;
      uint64_t G = o->got && o->got[sym] ? got + (uint64_t)(o->got[sym] - 1) * 8
                                         : 0;
      switch (type) {
      case R_X86_64_NONE:
        continue;
      case R_X86_64_64:
        v = (int64_t)(S + (uint64_t)A), f = F_64;
        break;
      case R_X86_64_PC64:
        v = (int64_t)(S + (uint64_t)A - P), f = F_64;
        break;
      case R_X86_64_PLT32:
        if (o->plt && o->plt[sym])
          S = o->pltaddr + (uint64_t)(o->plt[sym] - 1) * 8;
        v = (int64_t)(S + (uint64_t)A - P);
        break;
      case R_X86_64_PC32:
        v = (int64_t)(S + (uint64_t)A - P);
        if (!fits(v, F_S32) && o->plt && o->plt[sym] &&
            (reload__rel_is_branch(type, r[k].r_offset,
                                   sec->wr + r[k].r_offset) ||
             (r[k].r_offset >= 2 && sec->wr[r[k].r_offset - 2] == 0x8d &&
              is_func(ctx, o, sym)))) {
          /* A far function called, or its address taken with lea, through
           * a plain PC32: go through its stub, as a PLT would.  A load
           * (mov) of far data cannot be helped. */
          S = o->pltaddr + (uint64_t)(o->plt[sym] - 1) * 8;
          v = (int64_t)(S + (uint64_t)A - P);
        }
        break;
      case R_X86_64_32:
        v = (int64_t)(S + (uint64_t)A), f = F_U32;
        break;
      case R_X86_64_32S:
        v = (int64_t)(S + (uint64_t)A);
        break;
      case R_X86_64_16:
        v = (int64_t)(S + (uint64_t)A), f = F_B16;
        break;
      case R_X86_64_PC16:
        v = (int64_t)(S + (uint64_t)A - P), f = F_S16;
        break;
      case R_X86_64_8:
        v = (int64_t)(S + (uint64_t)A), f = F_B8;
        break;
      case R_X86_64_PC8:
        v = (int64_t)(S + (uint64_t)A - P), f = F_S8;
        break;
      case R_X86_64_GOTPCREL:
      case R_X86_64_GOTPCRELX:
      case R_X86_64_REX_GOTPCRELX:
      case R_X86_64_GOTTPOFF: /* the slot holds a thread-pointer offset */
        v = (int64_t)(G + (uint64_t)A - P);
        break;
      case R_X86_64_GOTPCREL64:
        v = (int64_t)(G + (uint64_t)A - P), f = F_64;
        break;
      case R_X86_64_GOT32:
        v = (int64_t)(G - got + (uint64_t)A);
        break;
      case R_X86_64_GOT64:
        v = (int64_t)(G - got + (uint64_t)A), f = F_64;
        break;
      case R_X86_64_GOTOFF64:
        v = (int64_t)(S + (uint64_t)A - got), f = F_64;
        break;
      case R_X86_64_GOTPC32:
        v = (int64_t)(got + (uint64_t)A - P);
        break;
      case R_X86_64_GOTPC64:
        v = (int64_t)(got + (uint64_t)A - P), f = F_64;
        break;
      case R_X86_64_PLTOFF64:
        if (o->plt && o->plt[sym])
          S = o->pltaddr + (uint64_t)(o->plt[sym] - 1) * 8;
        v = (int64_t)(S + (uint64_t)A - got), f = F_64;
        break;
      case R_X86_64_SIZE32:
        v = (int64_t)(sym_size(ctx, o, sym) + (uint64_t)A), f = F_U32;
        break;
      case R_X86_64_SIZE64:
        v = (int64_t)(sym_size(ctx, o, sym) + (uint64_t)A), f = F_64;
        break;
      case R_X86_64_TLSGD:
        v = (int64_t)(got + (uint64_t)(o->tlsgd[sym] - 1) * 8 + (uint64_t)A -
                      P);
        break;
      case R_X86_64_TLSLD:
        v = (int64_t)(got + (uint64_t)(o->tlsld - 1) * 8 + (uint64_t)A - P);
        break;
      case R_X86_64_DTPOFF32:
        v = (int64_t)(S + (uint64_t)A);
        break;
      case R_X86_64_DTPOFF64:
        v = (int64_t)(S + (uint64_t)A), f = F_64;
        break;
      case R_X86_64_TPOFF32:
      case R_X86_64_TPOFF64: {
        const reload__tlsmod *m = tls_module(ctx, o, sym);
        if (!m || !m->tpoff) {
          rc = fail(&p, RELOAD_EUNSUP,
                    "local-exec access to a variable in dynamic TLS (its "
                    "object was linked with -fPIC code only); compile both "
                    "the same way");
          break;
        }
        v = (int64_t)((uint64_t)m->tpoff + S + (uint64_t)A);
        f = type == R_X86_64_TPOFF64 ? F_64 : F_S32;
        break;
      }
      default:
        rc = fail(&p, RELOAD_EUNSUP, reload__rel_why(type));
        break;
      }
      if (!rc)
        rc = put(&p, at, v, f);
      if (rc) {
        err = rc;
        continue;
      }
      if (data && type != R_X86_64_NONE) {
        rc = commit(ctx, o, old, t, r[k].r_offset, type, tmp);
        if (rc)
          return rc;
      }
    }
    ctx->stats.relocations += n;
  }
  if (o->ndrel > 1)
    qsort(o->drel, o->ndrel, sizeof *o->drel, by_place);
  return err;
}
