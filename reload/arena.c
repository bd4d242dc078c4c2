/*
 * arena.c - one contiguous region of address space for all loaded code and
 * data, backed by a memfd and mapped twice.
 *
 * The "run" view is where code executes and data lives; each page has the
 * protection of its class (r-x, r--, rw-) and is PROT_NONE until handed out.
 * The "write" view maps the same memory read-write and never executable, so
 * the linker can patch code without any page ever being writable and
 * executable at once.
 *
 * Keeping everything inside one region (1 GiB by default) keeps every 32-bit
 * PC-relative reference between loaded objects in range.  The region is
 * placed close to libc, because gcc's -fPIE code reaches data such as
 * `stderr` and `environ` with a plain PC32, which must reach libc's data.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define GIB (1ull << 30)

/* The span of libc's mappings, found through the program headers. */
struct span {
  uint64_t lo, hi;
  uint64_t want; /* an address inside libc */
};

static int libc_span(struct dl_phdr_info *info, size_t size, void *ud) {
  struct span *s = ud;
  (void)size;
  bool has = false;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD)
      continue;
    uint64_t a = info->dlpi_addr + p->p_vaddr;
    if (a <= s->want && s->want < a + p->p_memsz)
      has = true;
    if (a < lo)
      lo = a;
    if (a + p->p_memsz > hi)
      hi = a + p->p_memsz;
  }
  if (!has)
    return 0;
  s->lo = lo;
  s->hi = hi;
  return 1;
}

/* Free gaps of the address space, read from /proc/self/maps. */
static size_t gaps(uint64_t (*out)[2], size_t max) {
  FILE *f = fopen("/proc/self/maps", "re");
  if (!f)
    return 0;
  size_t n = 0;
  uint64_t prev = 0x10000, a, b;
  char line[512];
  while (n < max && fgets(line, sizeof line, f)) {
    if (sscanf(line, "%lx-%lx", &a, &b) != 2)
      continue;
    if (a > prev) {
      out[n][0] = prev;
      out[n][1] = a;
      n++;
    }
    if (b > prev)
      prev = b;
  }
  fclose(f);
  if (n < max && prev < 0x7ffffffff000ull) {
    out[n][0] = prev;
    out[n][1] = 0x7ffffffff000ull;
    n++;
  }
  return n;
}

static void *try_at(uint64_t at, size_t size, int fd) {
  void *p = mmap((void *)at, size, PROT_NONE, MAP_SHARED | MAP_FIXED_NOREPLACE,
                 fd, 0);
  if (p == MAP_FAILED)
    return NULL;
  if ((uint64_t)p != at) { /* old kernels ignore the flag */
    munmap(p, size);
    return NULL;
  }
  return p;
}

/*
 * Pick the place for the run view: the gap position nearest the data that
 * loaded code reaches PC-relatively (by default libc's) such that all of
 * it and the whole arena lie within 2 GiB of each other.
 * With low32, the arena must lie below 2 GiB instead (for -fno-pic code).
 */
static void *place(size_t size, int fd, bool low32, uint64_t near_lo,
                   uint64_t near_hi) {
  uint64_t g[512][2];
  size_t n = gaps(g, 512);
  if (low32) {
    for (size_t i = 0; i < n; i++) {
      uint64_t a = RELOAD__ALIGN_UP(g[i][0] < 0x400000 ? 0x400000 : g[i][0],
                                    1u << 21);
      if (a + size <= g[i][1] && a + size <= 0x80000000ull) {
        void *p = try_at(a, size, fd);
        if (p)
          return p;
      }
    }
    return NULL;
  }
  struct span s = {0, 0, (uint64_t)(uintptr_t)&fprintf};
  void *sym = dlsym(RTLD_DEFAULT, "stderr");
  if (sym)
    s.want = (uint64_t)(uintptr_t)sym;
  if (near_hi > near_lo) {
    s.lo = near_lo;
    s.hi = near_hi;
  } else if (!dl_iterate_phdr(libc_span, &s)) {
    return NULL;
  }
  const uint64_t reach = 2 * GIB - 64 * 1024 * 1024; /* keep a margin */
  uint64_t best = 0, bestd = UINT64_MAX;
  for (size_t i = 0; i < n; i++) {
    uint64_t g0 = RELOAD__ALIGN_UP(g[i][0], 1u << 21), g1 = g[i][1] & ~((1ull << 21) - 1);
    if (g1 <= g0 || g1 - g0 < size)
      continue;
    /* Candidates: as high as possible below libc, as low as possible above. */
    uint64_t cand[2] = {g1 - size, g0};
    for (int k = 0; k < 2; k++) {
      uint64_t a = cand[k];
      uint64_t lo = a < s.lo ? a : s.lo;
      uint64_t hi = a + size > s.hi ? a + size : s.hi;
      if (hi - lo > reach)
        continue;
      uint64_t d = a < s.lo ? s.lo - a : a - s.lo;
      if (d < bestd) {
        bestd = d;
        best = a;
      }
    }
  }
  if (best) {
    void *p = try_at(best, size, fd);
    if (p)
      return p;
  }
  return NULL;
}

int reload__arena_map(reload_ctx *ctx, reload__arena *a, size_t size,
                      bool low32, uint64_t near_lo, uint64_t near_hi) {
  memset(a, 0, sizeof *a);
  a->fd = -1;
  size = RELOAD__ALIGN_UP(size, RELOAD__PAGE);
  int fd = memfd_create("reload-arena", MFD_CLOEXEC);
  if (fd < 0)
    return reload__err(ctx, RELOAD_EARENA, NULL,
                       "cannot create the arena: memfd_create: %s",
                       strerror(errno));
  if (ftruncate(fd, (off_t)size) < 0) {
    int e = errno;
    close(fd);
    return reload__err(ctx, RELOAD_EARENA, NULL,
                       "cannot size the arena to %zu bytes: %s", size,
                       strerror(e));
  }
  void *run = place(size, fd, low32, near_lo, near_hi);
  if (!run && near_hi > near_lo && !low32)
    run = place(size, fd, false, 0, 0); /* at least near libc */
  if (!run) {
    if (low32) {
      close(fd);
      return reload__err(ctx, RELOAD_EARENA, NULL,
                         "cannot place a %zu MiB arena below 2 GiB for "
                         "-fno-pic objects; rebuild them with -fPIC or "
                         "-fPIE",
                         size >> 20);
    }
    /* Anywhere will do; references to libc data by PC32 may then fail
     * with a clear message at link time. */
    run = mmap(NULL, size, PROT_NONE, MAP_SHARED, fd, 0);
  }
  if (run == MAP_FAILED) {
    int e = errno;
    close(fd);
    return reload__err(ctx, RELOAD_EARENA, NULL,
                       "cannot reserve %zu MiB for the arena: %s", size >> 20,
                       strerror(e));
  }
  void *wr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                  fd, 0);
  if (wr == MAP_FAILED) {
    int e = errno;
    munmap(run, size);
    close(fd);
    return reload__err(ctx, RELOAD_EARENA, NULL,
                       "cannot map the arena's write view: %s", strerror(e));
  }
  a->fd = fd;
  a->run = run;
  a->wr = wr;
  a->size = size;
  a->free = malloc(sizeof *a->free);
  if (!a->free) {
    reload__arena_unmap(a);
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  }
  a->free->off = 0;
  a->free->len = size;
  a->free->next = NULL;
  return 0;
}

void reload__arena_unmap(reload__arena *a) {
  if (a->run)
    munmap(a->run, a->size);
  if (a->wr)
    munmap(a->wr, a->size);
  if (a->fd >= 0)
    close(a->fd);
  for (reload__run *r = a->free, *nx; r; r = nx) {
    nx = r->next;
    free(r);
  }
  memset(a, 0, sizeof *a);
  a->fd = -1;
}

/* Next fit: carry on from the last allocation and wrap around.  Freed
 * pages are then reused as late as possible, which matters for code: a
 * thread that was descheduled just as it jumped into an old version's
 * function must not find another version's code there when it wakes. */
static int64_t cut(reload__arena *a, reload__run **pp, size_t len) {
  reload__run *r = *pp;
  size_t off = r->off;
  r->off += len;
  r->len -= len;
  if (r->len == 0) {
    *pp = r->next;
    free(r);
  }
  a->committed += len;
  a->rover = off + len;
  return (int64_t)off;
}

int64_t reload__arena_take(reload__arena *a, size_t len) {
  len = RELOAD__ALIGN_UP(len ? len : 1, RELOAD__PAGE);
  for (reload__run **pp = &a->free, *r; (r = *pp); pp = &r->next)
    if (r->off >= a->rover && r->len >= len)
      return cut(a, pp, len);
  for (reload__run **pp = &a->free, *r; (r = *pp); pp = &r->next)
    if (r->len >= len)
      return cut(a, pp, len);
  return -1;
}

/*
 * Code pages of the run view are mapped privately from the memfd: they
 * still show what the write view writes (no private copy exists until the
 * run view itself is written), but a debugger may write to them through
 * ptrace, which the kernel refuses for a shared mapping it cannot write.
 * That is how gdb plants software breakpoints.
 */
int reload__arena_private(reload__arena *a, size_t off, size_t len) {
  len = RELOAD__ALIGN_UP(len, RELOAD__PAGE);
  void *p = mmap(a->run + off, len, PROT_NONE, MAP_PRIVATE | MAP_FIXED, a->fd,
                 (off_t)off);
  return p == MAP_FAILED ? -errno : 0;
}

void reload__arena_give(reload__arena *a, size_t off, size_t len) {
  len = RELOAD__ALIGN_UP(len ? len : 1, RELOAD__PAGE);
  /* Back to a shared, inaccessible mapping: this also drops any private
   * copy a debugger made, so the next user sees the memfd again. */
  if (mmap(a->run + off, len, PROT_NONE, MAP_SHARED | MAP_FIXED, a->fd,
           (off_t)off) == MAP_FAILED)
    mprotect(a->run + off, len, PROT_NONE);
  /* Release the memory itself; the pages read as zero when reused. */
  fallocate(a->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
            (off_t)len);
  a->committed -= len;
  reload__run **pp = &a->free;
  while (*pp && (*pp)->off < off)
    pp = &(*pp)->next;
  reload__run *nx = *pp;
  /* Merge with the run before, the run after, or both. */
  reload__run *prev = NULL;
  for (reload__run *r = a->free; r && r != nx; r = r->next)
    prev = r;
  if (prev && prev->off + prev->len == off) {
    prev->len += len;
    if (nx && prev->off + prev->len == nx->off) {
      prev->len += nx->len;
      prev->next = nx->next;
      free(nx);
    }
    return;
  }
  if (nx && off + len == nx->off) {
    nx->off = off;
    nx->len += len;
    return;
  }
  reload__run *r = malloc(sizeof *r);
  if (!r)
    return; /* the pages are lost to reuse, nothing worse */
  r->off = off;
  r->len = len;
  r->next = nx;
  *pp = r;
}

int reload__arena_protect(reload__arena *a, size_t off, size_t len, int prot) {
  len = RELOAD__ALIGN_UP(len, RELOAD__PAGE);
  if (len == 0)
    return 0;
  return mprotect(a->run + off, len, prot) ? -errno : 0;
}

/* One line of /proc/self/maps: "lo-hi perms offset ...". */
static bool maps_line(const char *s, uint64_t *lo, uint64_t *hi, int *prot,
                      bool *shared, uint64_t *off) {
  char *e;
  *lo = strtoull(s, &e, 16);
  if (*e != '-')
    return false;
  *hi = strtoull(e + 1, &e, 16);
  if (*e != ' ' || !e[1] || !e[2] || !e[3] || !e[4])
    return false;
  *prot = (e[1] == 'r' ? PROT_READ : 0) | (e[2] == 'w' ? PROT_WRITE : 0) |
          (e[3] == 'x' ? PROT_EXEC : 0);
  *shared = e[4] == 's';
  *off = strtoull(e + 5, &e, 16);
  return *e == ' ';
}

/* Map [lo, hi) of the run view from `fd` as /proc/self/maps says it is
 * mapped now: same protection, same sharing, same file offset. */
static int remap_run(reload__arena *a, int fd) {
  int mf = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (mf < 0)
    return -errno;
  uint64_t base = (uint64_t)(uintptr_t)a->run, end = base + a->size;
  char buf[16384];
  size_t have = 0;
  int err = 0;
  bool eof = false;
  while (!err) {
    char *nl = memchr(buf, '\n', have);
    if (!nl) {
      if (eof || have == sizeof buf)
        break;
      ssize_t n = read(mf, buf + have, sizeof buf - have);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        eof = true;
      else
        have += (size_t)n;
      continue;
    }
    *nl = '\0';
    uint64_t lo, hi, off;
    int prot;
    bool shared;
    if (maps_line(buf, &lo, &hi, &prot, &shared, &off) && lo >= base &&
        hi <= end && off == lo - base &&
        mmap((void *)(uintptr_t)lo, hi - lo, prot,
             (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED, fd,
             (off_t)off) == MAP_FAILED)
      err = -errno;
    size_t used = (size_t)(nl + 1 - buf);
    memmove(buf, nl + 1, have - used);
    have -= used;
  }
  close(mf);
  return err;
}

/*
 * Copy [at, to) of the arena into `wr`, but only what holds data: holes
 * of the memfd (pages never written) and pages of zeros (a large .bss) are
 * left to read as zero in the new one, which costs no memory.
 */
static void copy_data(const reload__arena *a, uint8_t *wr, size_t at,
                      size_t to) {
  static const uint8_t zero[RELOAD__PAGE];
  while (at < to) {
    off_t d = lseek(a->fd, (off_t)at, SEEK_DATA);
    if (d < 0 || (size_t)d >= to) {
      if (d < 0 && errno != ENXIO) /* no SEEK_DATA: copy it all */
        memcpy(wr + at, a->wr + at, to - at);
      return;
    }
    off_t h = lseek(a->fd, d, SEEK_HOLE);
    size_t end = h < 0 || (size_t)h > to ? to : (size_t)h;
    for (size_t p = (size_t)d & ~(size_t)(RELOAD__PAGE - 1); p < end;
         p += RELOAD__PAGE) {
      size_t n = end - p < RELOAD__PAGE ? end - p : RELOAD__PAGE;
      if (memcmp(a->wr + p, zero, n) != 0)
        memcpy(wr + p, a->wr + p, n);
    }
    at = end;
  }
}

/*
 * Before a fork(), in the parent, with every lock of the context held: a
 * fresh memfd holding a copy of every page in use.  It must be made here,
 * not in the child: the moment fork() returns, the parent's threads go on
 * linking and swapping in the memory both still share, and a copy made
 * then could hold slots that lead to code the child's mappings lack.
 * Returns the descriptor, or -errno.
 */
int reload__arena_snapshot(const reload__arena *a) {
  int fd = memfd_create("reload-arena", MFD_CLOEXEC);
  if (fd < 0)
    return -errno;
  if (ftruncate(fd, (off_t)a->size) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  uint8_t *wr = mmap(NULL, a->size, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (wr == MAP_FAILED) {
    int e = errno;
    close(fd);
    return -e;
  }
  /* Pages in use are those between the free runs. */
  size_t at = 0;
  for (const reload__run *r = a->free;; r = r->next) {
    size_t to = r ? r->off : a->size;
    if (to > at)
      copy_data(a, wr, at, to);
    if (!r)
      break;
    at = r->off + r->len;
  }
  munmap(wr, a->size);
  return fd;
}

/*
 * In the child of a fork(): move both views onto the snapshot, so that
 * the child's loaded memory is its own (see fork.c).  Only one thread
 * runs here, and the mappings are the child's, as they were at fork().
 */
int reload__arena_adopt(reload__arena *a, int fd) {
  int err = remap_run(a, fd);
  /* Pointers into the write view are kept all over the core: the new one
   * takes the old one's place. */
  if (!err && mmap(a->wr, a->size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_NORESERVE | MAP_FIXED, fd,
                   0) == MAP_FAILED)
    err = -errno;
  if (err)
    return err;
  close(a->fd);
  a->fd = fd;
  return 0;
}
