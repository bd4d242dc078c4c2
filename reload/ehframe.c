/*
 * ehframe.c - is a loaded object's .eh_frame safe to hand to the unwinder?
 *
 * libgcc trusts the tables given to __register_frame: it follows record
 * lengths and CIE pointers without bounds, aborts on an encoding or a CFA
 * opcode it does not know, dereferences NULL on an unbalanced
 * DW_CFA_restore_state, and asserts on a register number past its
 * columns.  It reads every registered table on any unwind in the process
 * (a backtrace in unrelated code will do), so one bad object would take
 * the program down later, far from its cause.  So the table is walked
 * here first, with every length, pointer, encoding, opcode and operand
 * checked against what libgcc can take:
 *
 *  - a broken record structure or CIE refuses the whole table (the object
 *    still loads; backtraces just stop at its frames);
 *  - an FDE that is broken, or covers code outside the object (one for a
 *    function that lost its COMDAT group), has its address range set to
 *    zero through the write view, so that it matches no address.
 *
 * Only what gcc and clang emit for x86-64 needs to pass; anything else
 * is treated as broken.  What no structural check can catch: rules that
 * are well formed but wrong (a register saved at a wild offset, an
 * expression that dereferences garbage) still mislead the unwinder when it
 * walks through such a frame, as they would in a natively linked program.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define OMIT 0xff
#define MAXREG 16   /* x86-64: rax..r15 and the return address column */
#define MAXCIE 64

struct cur {
  const uint8_t *p, *end;
  bool bad;
};

static uint64_t get(struct cur *c, unsigned n) {
  if (c->bad || (size_t)(c->end - c->p) < n) {
    c->bad = true;
    return 0;
  }
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++)
    v |= (uint64_t)c->p[i] << (8 * i);
  c->p += n;
  return v;
}

static uint64_t uleb(struct cur *c) {
  uint64_t v = 0;
  for (unsigned shift = 0; !c->bad; shift += 7) {
    if (c->p >= c->end || shift > 63) {
      c->bad = true;
      break;
    }
    uint8_t b = *c->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return v;
  }
  return 0;
}

static int64_t sleb(struct cur *c) {
  uint64_t v = 0;
  unsigned shift = 0;
  for (;;) {
    if (c->bad || c->p >= c->end || shift > 63) {
      c->bad = true;
      return 0;
    }
    uint8_t b = *c->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) {
      if (shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
      return (int64_t)v;
    }
  }
}

/* The size of a fixed-size pointer encoding, 0 if libgcc cannot size it
 * (size_of_encoded_value aborts on the LEB128 forms). */
static unsigned enc_size(uint8_t e) {
  switch (e & 0x0f) {
  case 0x00: return 8;          /* absptr */
  case 0x02: case 0x0a: return 2;
  case 0x03: case 0x0b: return 4;
  case 0x04: case 0x0c: return 8;
  default: return 0;
  }
}

/* An encoding libgcc applies without aborting: absolute or pc-relative,
 * and not indirect (libgcc would load the pointer from wherever the value
 * points, when sorting or on every unwind). */
static bool enc_ok(uint8_t e) {
  return enc_size(e) && ((e & 0x70) == 0x00 || (e & 0x70) == 0x10) &&
         !(e & 0x80);
}

/* Read an encoded pointer at c; `at` is its run address (for pcrel). */
static uint64_t get_enc(struct cur *c, uint8_t e, uint64_t at) {
  unsigned n = enc_size(e);
  uint64_t v = get(c, n ? n : 1);
  if ((e & 0x08) && n < 8) /* signed forms */
    v = (uint64_t)((int64_t)(v << (64 - 8 * n)) >> (64 - 8 * n));
  return (e & 0x70) == 0x10 ? at + v : v;
}

static bool reg_ok(uint64_t r) { return r <= MAXREG; }

/* A DWARF expression of DW_CFA_*expression: the operations libgcc's
 * execute_stack_op knows, operands in bounds, the stack (one entry to
 * start with, at most 64) never under- or overflowing, no branches. */
static bool expr_ok(struct cur *c) {
  uint64_t len = uleb(c);
  if (c->bad || len > (uint64_t)(c->end - c->p))
    return false;
  struct cur e = {c->p, c->p + len, false};
  c->p += len;
  int depth = 1;
  while (e.p < e.end && !e.bad) {
    uint8_t op = *e.p++;
    int need = 0, delta = 0;
    if (op >= 0x30 && op <= 0x4f) { /* lit0..31 */
      delta = 1;
    } else if (op >= 0x70 && op <= 0x8f) { /* breg0..31 */
      if (!reg_ok(op - 0x70u))
        return false;
      sleb(&e);
      delta = 1;
    } else {
      switch (op) {
      case 0x03: get(&e, 8); delta = 1; break;                 /* addr */
      case 0x08: case 0x09: get(&e, 1); delta = 1; break;      /* const1 */
      case 0x0a: case 0x0b: get(&e, 2); delta = 1; break;      /* const2 */
      case 0x0c: case 0x0d: get(&e, 4); delta = 1; break;      /* const4 */
      case 0x0e: case 0x0f: get(&e, 8); delta = 1; break;      /* const8 */
      case 0x10: uleb(&e); delta = 1; break;                   /* constu */
      case 0x11: sleb(&e); delta = 1; break;                   /* consts */
      case 0x12: need = 1; delta = 1; break;                   /* dup */
      case 0x13: need = 1; delta = -1; break;                  /* drop */
      case 0x14: need = 2; delta = 1; break;                   /* over */
      case 0x15: need = (int)get(&e, 1) + 2; delta = 1; break; /* pick */
      case 0x16: need = 2; break;                              /* swap */
      case 0x17: need = 3; break;                              /* rot */
      case 0x06: case 0x19: case 0x1f: case 0x20:  /* deref abs neg not */
        need = 1;
        break;
      case 0x94: {                                             /* deref_size */
        uint64_t n = get(&e, 1);
        if (n != 1 && n != 2 && n != 4 && n != 8)
          return false;
        need = 1;
        break;
      }
      case 0x23: uleb(&e); need = 1; break;                    /* plus_uconst */
      /* Binary; not div or mod, which libgcc does not guard against a
       * zero divisor (SIGFPE inside the unwinder). */
      case 0x1a: case 0x1c: case 0x1e: case 0x21:
      case 0x22: case 0x24: case 0x25: case 0x26: case 0x27: case 0x29:
      case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e:
        need = 2;
        delta = -1;
        break;
      case 0x92:                                               /* bregx */
        if (!reg_ok(uleb(&e)))
          return false;
        sleb(&e);
        delta = 1;
        break;
      case 0x96: break;                                        /* nop */
      default: return false;
      }
    }
    if (depth < need)
      return false;
    depth += delta;
    if (depth > 60)
      return false;
  }
  return !e.bad && depth >= 1;
}

/* Call frame instructions, as libgcc's execute_cfa_program reads them;
 * `*remembered` carries the remember_state depth from the CIE on. */
static bool cfa_ok(struct cur *c, uint8_t fde_enc, int *remembered,
                   bool *cfa_set) {
  while (c->p < c->end && !c->bad) {
    uint8_t op = *c->p++;
    switch (op >> 6) {
    case 1: continue;                       /* advance_loc */
    case 2:                                 /* offset */
      if (!reg_ok(op & 0x3f))
        return false;
      uleb(c);
      continue;
    case 3:                                 /* restore */
      if (!reg_ok(op & 0x3f))
        return false;
      continue;
    }
    switch (op) {
    case 0x00: break;                                        /* nop */
    case 0x01: get(c, enc_size(fde_enc)); break;             /* set_loc */
    case 0x02: get(c, 1); break;                             /* advance_loc1 */
    case 0x03: get(c, 2); break;
    case 0x04: get(c, 4); break;
    case 0x05: case 0x14: case 0x2f:     /* offset_ext, val_offset, neg_off */
      if (!reg_ok(uleb(c)))
        return false;
      uleb(c);
      break;
    case 0x11: case 0x15:                /* offset_ext_sf, val_offset_sf */
      if (!reg_ok(uleb(c)))
        return false;
      sleb(c);
      break;
    case 0x06: case 0x07: case 0x08:     /* restore_ext, undefined, same */
      if (!reg_ok(uleb(c)))
        return false;
      break;
    case 0x09:                                               /* register */
      if (!reg_ok(uleb(c)) || !reg_ok(uleb(c)))
        return false;
      break;
    case 0x0a:                                               /* remember */
      if (++*remembered > 64)
        return false;
      break;
    case 0x0b:                                               /* restore */
      if (--*remembered < 0)
        return false;
      break;
    case 0x0c:                                               /* def_cfa */
      if (!reg_ok(uleb(c)))
        return false;
      uleb(c);
      *cfa_set = true;
      break;
    case 0x12:                                               /* def_cfa_sf */
      if (!reg_ok(uleb(c)))
        return false;
      sleb(c);
      *cfa_set = true;
      break;
    case 0x0d:                                         /* def_cfa_register */
      if (!reg_ok(uleb(c)))
        return false;
      break;
    case 0x0e: case 0x2e: uleb(c); break;      /* def_cfa_offset, args_size */
    case 0x13: sleb(c); break;                 /* def_cfa_offset_sf */
    case 0x0f:                                 /* def_cfa_expression */
      if (!expr_ok(c))
        return false;
      *cfa_set = true;
      break;
    case 0x10: case 0x16:                      /* expression, val_expression */
      if (!reg_ok(uleb(c)) || !expr_ok(c))
        return false;
      break;
    default:
      return false;
    }
  }
  return !c->bad;
}

struct cie {
  size_t off;
  uint8_t fde_enc, lsda_enc;
  bool z, cfa_set;
  reload__ehframe_mapped_fn mapped; /* for 'P' slots */
  void *ud;
};

static bool in_object(const struct cie *ci, uint64_t v, uint64_t n) {
  return v % n == 0 && ci->mapped(ci->ud, v, n);
}

/* Parse the CIE whose body (after the id) is [c->p, c->end). */
static bool cie_parse(struct cur *c, struct cie *ci) {
  uint8_t version = (uint8_t)get(c, 1);
  if (version != 1 && version != 3 && version != 4)
    return false;
  const char *aug = (const char *)c->p;
  const uint8_t *nul = c->bad ? NULL : memchr(c->p, 0, (size_t)(c->end - c->p));
  if (!nul)
    return false;
  c->p = nul + 1;
  if (version == 4 && (get(c, 1) != 8 || get(c, 1) != 0))
    return false;
  uleb(c); /* code alignment */
  sleb(c); /* data alignment */
  uint64_t ra = version == 1 ? get(c, 1) : uleb(c);
  if (c->bad || !reg_ok(ra))
    return false;
  ci->fde_enc = 0; /* absptr unless 'R' says otherwise */
  ci->lsda_enc = OMIT;
  ci->z = aug[0] == 'z';
  if (aug[0] && !ci->z)
    return false;
  if (ci->z) {
    uint64_t alen = uleb(c);
    if (c->bad || alen > (uint64_t)(c->end - c->p))
      return false;
    struct cur a = {c->p, c->p + alen, false};
    c->p += alen;
    for (const char *s = aug + 1; *s; s++) {
      if (*s == 'R') {
        ci->fde_enc = (uint8_t)get(&a, 1);
        if (!enc_ok(ci->fde_enc))
          return false;
      } else if (*s == 'L') {
        ci->lsda_enc = (uint8_t)get(&a, 1);
        if (ci->lsda_enc != OMIT && !enc_ok(ci->lsda_enc))
          return false;
      } else if (*s == 'P') {
        /* gcc's is indirect (0x9b): libgcc loads the routine's address
         * from the slot on every unwind, so the slot must be ours. */
        uint8_t e = (uint8_t)get(&a, 1);
        if (!enc_ok(e & 0x7f))
          return false;
        uint64_t at = (uint64_t)(uintptr_t)a.p;
        uint64_t v = get_enc(&a, e & 0x7f, at);
        if (a.bad || ((e & 0x80) && !in_object(ci, v, 8)))
          return false;
      } else if (*s == 'S' && !s[1]) {
        /* a signal frame; libgcc's sorting stops reading at 'S', so
         * anything after it would be read two ways */
      } else {
        return false;
      }
    }
    if (a.bad)
      return false;
  }
  int remembered = 0;
  ci->cfa_set = false;
  /* Without a CFA rule libgcc reaches gcc_unreachable() on any unwind
   * through the frame: gcc and clang always set one here. */
  return cfa_ok(c, ci->fde_enc, &remembered, &ci->cfa_set) && ci->cfa_set;
}

bool reload__ehframe_check(const uint8_t *run, uint8_t *wr, size_t len,
                           uint64_t text_lo, uint64_t text_hi,
                           reload__ehframe_mapped_fn mapped, void *ud,
                           unsigned *nbroken, unsigned *noutside, char *why,
                           size_t whylen) {
  struct cie cies[MAXCIE];
  unsigned ncie = 0;
  *nbroken = *noutside = 0;
  size_t off = 0;
  for (; off + 4 <= len;) {
    struct cur h = {run + off, run + len, false};
    uint64_t rlen = get(&h, 4);
    if (rlen == 0)
      return true; /* the terminator: libgcc reads no further */
    if (rlen == 0xffffffffu) {
      snprintf(why, whylen, "record at offset %#zx is 64-bit DWARF", off);
      return false;
    }
    if (rlen < 4 || rlen > len - off - 4) {
      snprintf(why, whylen,
               "record at offset %#zx: length %#llx runs past the section",
               off, (unsigned long long)rlen);
      return false;
    }
    const uint8_t *body = run + off + 8, *end = run + off + 4 + rlen;
    uint32_t id = (uint32_t)get(&h, 4);
    struct cur c = {body, end, false};
    if (id == 0) {
      if (ncie == MAXCIE) {
        snprintf(why, whylen, "more than %d CIEs", MAXCIE);
        return false;
      }
      cies[ncie].off = off;
      cies[ncie].mapped = mapped;
      cies[ncie].ud = ud;
      if (!cie_parse(&c, &cies[ncie])) {
        snprintf(why, whylen,
                 "CIE at offset %#zx has a form the unwinder cannot take", off);
        return false;
      }
      ncie++;
    } else {
      /* The CIE pointer counts back from the pointer itself. */
      size_t at = off + 4;
      const struct cie *ci = NULL;
      for (unsigned k = 0; k < ncie && id <= at; k++)
        if (cies[k].off == at - id)
          ci = &cies[k];
      if (!ci) {
        snprintf(why, whylen,
                 "FDE at offset %#zx points to no CIE before it", off);
        return false;
      }
      uint64_t lo = get_enc(&c, ci->fde_enc, (uint64_t)(uintptr_t)c.p);
      const uint8_t *range_at = c.p;
      uint64_t n = get_enc(&c, ci->fde_enc & 0x0f, 0);
      if (c.bad) {
        snprintf(why, whylen, "FDE at offset %#zx is too short", off);
        return false;
      }
      bool ok = true;
      if (ci->z) {
        uint64_t alen = uleb(&c);
        ok = !c.bad && alen <= (uint64_t)(c.end - c.p) &&
             (ci->lsda_enc == OMIT || alen >= enc_size(ci->lsda_enc));
        if (ok)
          c.p += alen;
      }
      /* libgcc runs the FDE's program with no remembered state. */
      int remembered = 0;
      bool cfa_set = true;
      ok = ok && cfa_ok(&c, ci->fde_enc, &remembered, &cfa_set);
      bool inside = lo >= text_lo && lo <= text_hi && n <= text_hi - lo;
      if ((!ok || !inside) && n) {
        if (!wr) {
          snprintf(why, whylen, "FDE at offset %#zx is broken", off);
          return false;
        }
        /* Zero its address range: it then matches no address. */
        memset(wr + (range_at - run), 0, enc_size(ci->fde_enc));
        ++*(ok ? noutside : nbroken);
      }
    }
    off += 4 + rlen;
  }
  /* libgcc reads a length from the last 1..3 bytes and the terminator
   * after the section: zeros end the table there, anything else would
   * send it past the end. */
  for (; off < len; off++)
    if (run[off]) {
      snprintf(why, whylen, "stray bytes after the last record");
      return false;
    }
  return true;
}
