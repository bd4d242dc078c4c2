/*
 * reach.c - does anything the program keeps still point into old code or
 * constants?  Asked before an old version is unmapped.
 *
 * The stack scan (stacks.c) sees the threads.  A program also keeps
 * pointers in its heap and its variables that no relocation told us of: a
 * static function's address taken with a `lea` the assembler resolved
 * inside its section (a callback stored in a struct), a pointer to a
 * string literal or to a static const sentinel (an empty table's shared
 * node).  So, as a conservative garbage collector scans its roots, every
 * word of every writable private mapping is compared with the ranges
 * about to go: the brk heap, anonymous mappings (malloc's arenas, the
 * threads' TLS), the writable segments of every shared library, and the
 * arena's live data, read-only data and GOTs, which the caller names.
 *
 * Not scanned: the threads' stacks (the stack scan's, which knows where
 * each one's live part starts), the arena's views (only the caller knows
 * which of its pages are live), the kernel's [vvar] and [vsyscall], and
 * mappings of a terabyte and more (the sanitizers' shadow memory).  Words
 * that do not count: those in the library's own heap blocks (mem.c) and
 * its own writable segments, whose bookkeeping points at every version;
 * pointers into unwind tables, which libgcc's sorted tables hold until
 * the version goes; and libsigsegv's record of a retired version's area
 * (its start followed by its length).  Pages that are not resident hold
 * nothing (unless swap is on, when they are read as well).
 *
 * Memory that no scan can afford (more than RELOAD__SCAN_MAX bytes) is not
 * scanned at all: then the versions stay, as memory is cheaper than a
 * crash.
 */
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "words.h"

#define SCAN_MAX ((uint64_t)2 << 30)
#define HUGE_MAP ((uint64_t)1 << 40)

struct ctxt {
  uint64_t *where; /* per range: where the first word that counts is */
  const uint64_t (*ranges)[2];
  const uint64_t (*ignore)[2];
  size_t nignore;
  uint64_t (*blocks)[2];
  size_t nblocks;
};

static int by_start(const void *a, const void *b) {
  const uint64_t *x = a, *y = b;
  return x[0] < y[0] ? -1 : x[0] > y[0];
}

static bool within(const uint64_t (*v)[2], size_t n, uint64_t x) {
  size_t l = 0, r = n; /* first with start > x */
  while (l < r) {
    size_t m = l + (r - l) / 2;
    if (v[m][0] <= x)
      l = m + 1;
    else
      r = m;
  }
  return l && x < v[l - 1][1];
}

static bool harmless(const void *ud, size_t idx, uint64_t x, uint64_t where) {
  const struct ctxt *c = ud;
  if (within(c->ignore, c->nignore, x) ||
      within((const uint64_t(*)[2])c->blocks, c->nblocks, where))
    return true;
  uint64_t next;
  if (x == c->ranges[idx][0] && reload__peek(where + 8, &next, 8) &&
      next == c->ranges[idx][1] - c->ranges[idx][0])
    return true;
  if (!c->where[idx])
    c->where[idx] = where;
  return false;
}

/* The library's own writable segments (its .data and .bss). */
struct self {
  uint64_t pc;
  uint64_t seg[8][2];
  int n;
};

static int find_self(struct dl_phdr_info *info, size_t size, void *ud) {
  (void)size;
  struct self *s = ud;
  bool mine = false;
  for (int i = 0; i < info->dlpi_phnum && !mine; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    uint64_t lo = info->dlpi_addr + p->p_vaddr;
    mine = p->p_type == PT_LOAD && s->pc >= lo && s->pc < lo + p->p_memsz;
  }
  if (!mine)
    return 0;
  for (int i = 0; i < info->dlpi_phnum && s->n < 8; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD || !(p->p_flags & PF_W))
      continue;
    uint64_t lo = info->dlpi_addr + p->p_vaddr;
    s->seg[s->n][0] = lo & ~(uint64_t)(RELOAD__PAGE - 1);
    s->seg[s->n][1] = RELOAD__ALIGN_UP(lo + p->p_memsz, RELOAD__PAGE);
    s->n++;
  }
  return 1;
}

static bool swap_on(void) {
  FILE *f = fopen("/proc/swaps", "re");
  if (!f)
    return true; /* cannot tell: read everything */
  char line[256];
  int n = 0;
  while (fgets(line, sizeof line, f))
    n++;
  fclose(f);
  return n > 1; /* a header line, then one per swap area */
}

struct budget {
  uint64_t left, scanned;
  bool all_pages;
  unsigned char *vec;
  size_t nvec;
};

/* Scan [lo, hi), only its resident pages unless told otherwise. */
static bool scan_region(uint64_t lo, uint64_t hi, const reload__words *w,
                        bool *hit, struct budget *b) {
  while (lo < hi) {
    uint64_t len = hi - lo;
    if (len > (uint64_t)b->nvec * RELOAD__PAGE)
      len = (uint64_t)b->nvec * RELOAD__PAGE;
    size_t pages = (size_t)(len / RELOAD__PAGE);
    bool known = !b->all_pages &&
                 mincore((void *)(uintptr_t)lo, len, b->vec) == 0;
    for (size_t i = 0; i < pages;) {
      if (known && !(b->vec[i] & 1)) {
        i++;
        continue;
      }
      size_t j = i + 1;
      while (j < pages && (!known || (b->vec[j] & 1)))
        j++;
      uint64_t a = lo + i * RELOAD__PAGE, n = (uint64_t)(j - i) * RELOAD__PAGE;
      if (n > b->left)
        return false;
      b->left -= n;
      b->scanned += n;
      /* A mapping unmapped meanwhile fails the copy: it held nothing. */
      (void)reload__words_scan(a, a + n, w, hit);
      i = j;
    }
    lo += len;
  }
  return true;
}

/*
 * A thread stack, with its guard page below and glibc's thread descriptor
 * at its top (tcbhead_t: the descriptor's own address at offsets 0 and
 * 16).  A live thread's is the stack scan's; one not holding any live
 * thread's stack pointer belongs to a thread that exited, and glibc keeps
 * it for reuse, with the stale words it left: they keep nothing.  (A
 * coroutine's stack has no descriptor, and is scanned.)
 */
static bool thread_stack(const reload__maps *m, size_t i) {
  const struct reload__map *e = &m->v[i];
  if (i == 0 || m->v[i - 1].hi != e->lo || m->v[i - 1].path ||
      strcmp(m->v[i - 1].perm, "---p") != 0 || e->path ||
      e->hi - e->lo < 16384)
    return false;
  uint64_t top[2048]; /* two contexts may scan at once: not static */
  uint64_t at = e->hi - sizeof top;
  if (!reload__peek(at, top, sizeof top))
    return false;
  for (size_t k = 0; k + 2 < 2048; k += 8) /* 64-byte aligned */
    if (top[k] == at + 8 * k && top[k + 2] == at + 8 * k)
      return true;
  return false;
}

static bool skip_map(const reload__maps *m, const struct reload__map *e,
                     const uint64_t *stacks, size_t nstacks,
                     const uint64_t (*arena)[2]) {
  const char *path = m->names + e->path;
  if (e->perm[1] != 'w' || e->perm[3] != 'p' || e->hi - e->lo >= HUGE_MAP)
    return true;
  if (strcmp(path, "[vvar]") == 0 || strcmp(path, "[vsyscall]") == 0 ||
      strcmp(path, "[vdso]") == 0)
    return true;
  for (int i = 0; i < 2; i++)
    if (e->lo < arena[i][1] && arena[i][0] < e->hi)
      return true;
  for (size_t i = 0; i < nstacks; i++)
    if (stacks[i] >= e->lo && stacks[i] < e->hi)
      return true;
  return false;
}

bool reload__reach_scan(reload_ctx *ctx, const uint64_t (*ranges)[2],
                        size_t nr, bool *hit, const uint64_t (*ignore)[2],
                        size_t nignore, const uint64_t (*live)[2],
                        size_t nlive, uint64_t *scanned, uint64_t *where) {
  memset(hit, 0, nr * sizeof *hit);
  memset(where, 0, nr * sizeof *where);
  *scanned = 0;
  struct ctxt c = {where, ranges, NULL, nignore, NULL, 0};
  uint64_t(*ign)[2] = malloc((nignore ? nignore : 1) * sizeof *ign);
  if (!ign)
    return false;
  memcpy(ign, ignore, nignore * sizeof *ign);
  qsort(ign, nignore, sizeof *ign, by_start);
  c.ignore = (const uint64_t(*)[2])ign;
  reload__words w;
  reload__maps m = {0};
  struct budget b = {SCAN_MAX, 0, swap_on(), NULL, 16384};
  uint64_t stacks[1024];
  size_t nstacks = reload__stacks_last(stacks, 1024);
  if (!reload__words_init(&w, ranges, nr)) {
    free(ign);
    return false;
  }
  w.harmless = harmless;
  w.ud = &c;
  /* Everything the scan allocates comes before the list of the
   * library's blocks is taken, so that it is on it. */
  b.vec = malloc(b.nvec);
  bool ok = b.vec && reload__maps_read(&m);
  c.nblocks = ok ? reload__mem_blocks(&c.blocks) : 0;
  ok = ok && c.blocks;
  if (!ok) {
    (free)(c.blocks);
    free(b.vec);
    free(ign);
    reload__maps_free(&m);
    reload__words_free(&w);
    return false;
  }
  struct self me = {(uint64_t)(uintptr_t)reload__reach_scan, {{0}}, 0};
  dl_iterate_phdr(find_self, &me);
  uint64_t base = (uint64_t)(uintptr_t)ctx->arena.run;
  uint64_t wr = (uint64_t)(uintptr_t)ctx->arena.wr;
  const uint64_t arena[2][2] = {{base, base + ctx->arena.size},
                                {wr, wr + ctx->arena.size}};
  for (size_t i = 0; ok && i < m.n; i++) {
    const struct reload__map *e = &m.v[i];
    if (skip_map(&m, e, stacks, nstacks, arena) || thread_stack(&m, i))
      continue;
    /* The mapping less the library's own segments. */
    uint64_t lo = e->lo;
    while (ok && lo < e->hi) {
      for (bool moved = true; moved;) {
        moved = false;
        for (int k = 0; k < me.n; k++)
          if (me.seg[k][0] <= lo && lo < me.seg[k][1]) {
            lo = me.seg[k][1];
            moved = true;
          }
      }
      if (lo >= e->hi)
        break;
      uint64_t hi = e->hi;
      for (int k = 0; k < me.n; k++)
        if (me.seg[k][0] > lo && me.seg[k][0] < hi)
          hi = me.seg[k][0];
      ok = scan_region(lo, hi, &w, hit, &b);
      lo = hi;
    }
  }
  /* The arena's live pages: mapped as long as the caller holds the lock. */
  for (size_t i = 0; ok && i < nlive; i++)
    ok = scan_region(live[i][0], live[i][1], &w, hit, &b);
  *scanned = b.scanned;
  reload__maps_free(&m);
  (free)(c.blocks);
  free(b.vec);
  free(ign);
  reload__words_free(&w);
  return ok;
}
