/*
 * archive.c - read a GNU ar archive: its members, the long-name table and
 * the symbol index ("/" or "/SYM64/") that tells which member defines what.
 *
 * Members are not parsed here; link.c pulls them in on demand, as ld does,
 * when a symbol that the index names is still undefined.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define BAD(...) reload__err(ctx, RELOAD_EBADAR, ar->path, __VA_ARGS__)

struct hdr {
  char name[16], date[12], uid[6], gid[6], mode[8], size[10], fmag[2];
};

/* A decimal field: digits, then spaces.  -1 when malformed. */
static int64_t field(const char *p, size_t n) {
  int64_t v = 0;
  size_t i = 0;
  if (n == 0 || p[0] < '0' || p[0] > '9')
    return -1;
  for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
    if (v > (INT64_MAX - 9) / 10)
      return -1;
    v = v * 10 + (p[i] - '0');
  }
  for (; i < n; i++)
    if (p[i] != ' ')
      return -1;
  return v;
}

static uint64_t be(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

static int member_at(const reload__archive *ar, uint64_t hdroff) {
  /* Members are in file order, so their header offsets are sorted. */
  uint32_t lo = 0, hi = ar->nmembers;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    uint64_t h = ar->members[mid].off - sizeof(struct hdr);
    if (h == hdroff)
      return (int)mid;
    if (h < hdroff)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static int read_index(reload_ctx *ctx, reload__archive *ar, const uint8_t *p,
                      uint64_t size, int w) {
  if (size < (uint64_t)w)
    return BAD("symbol index too short (%llu bytes)",
               (unsigned long long)size);
  uint64_t n = be(p, w);
  if (n > (size - w) / w)
    return BAD("symbol index claims %llu symbols, more than its %llu bytes "
               "hold",
               (unsigned long long)n, (unsigned long long)size);
  const uint8_t *offs = p + w;
  const char *s = (const char *)offs + n * w, *end = (const char *)p + size;
  ar->syms = calloc(n ? n : 1, sizeof *ar->syms);
  if (!ar->syms)
    return reload__err(ctx, RELOAD_ENOMEM, ar->path, "out of memory");
  for (uint64_t i = 0; i < n; i++) {
    const char *e = memchr(s, '\0', (size_t)(end - s));
    if (!e)
      return BAD("symbol index: name %llu runs past the index",
                 (unsigned long long)i);
    int m = member_at(ar, be(offs + i * w, w));
    if (m < 0)
      return BAD("symbol index: '%s' points at offset %#llx, where no member "
                 "starts; rebuild the archive with ar rcs",
                 s, (unsigned long long)be(offs + i * w, w));
    ar->syms[ar->nsyms].name = s;
    ar->syms[ar->nsyms].member = (uint32_t)m;
    ar->nsyms++;
    s = e + 1;
  }
  return 0;
}

int reload__ar_parse(reload_ctx *ctx, reload__archive *ar) {
  const uint8_t *d = ar->data;
  uint64_t size = ar->size, off = 8;
  const uint8_t *index = NULL, *longnames = NULL;
  uint64_t indexsz = 0, longsz = 0;
  int indexw = 4;
  if (size < 8 || memcmp(d, "!<arch>\n", 8) != 0) {
    if (size >= 8 && memcmp(d, "!<thin>\n", 8) == 0)
      return BAD("thin archives are not supported; make a normal one with "
                 "ar rcs");
    return BAD("neither an ELF object nor an ar archive (bad magic)");
  }
  /* Names are copied out with their terminators fixed; the buffer of all
   * of them is at most the archive's size. */
  size_t cap = 16, namesz = 0;
  ar->names = malloc(size + 1);
  ar->members = malloc(cap * sizeof *ar->members);
  if (!ar->names || !ar->members)
    return reload__err(ctx, RELOAD_ENOMEM, ar->path, "out of memory");
  /* Name offsets first, pointers later: the buffer does not move, but
   * keeping offsets makes the bound obvious. */
  size_t *nameoff = malloc(cap * sizeof *nameoff);
  if (!nameoff)
    return reload__err(ctx, RELOAD_ENOMEM, ar->path, "out of memory");
  int r = 0;
  while (off < size) {
    if (size - off < sizeof(struct hdr)) {
      r = BAD("member header at offset %#llx is cut short; the archive is "
              "truncated",
              (unsigned long long)off);
      goto out;
    }
    const struct hdr *h = (const struct hdr *)(d + off);
    if (h->fmag[0] != '`' || h->fmag[1] != '\n') {
      r = BAD("member header at offset %#llx is corrupt (bad terminator)",
              (unsigned long long)off);
      goto out;
    }
    int64_t msz = field(h->size, sizeof h->size);
    uint64_t body = off + sizeof *h;
    if (msz < 0 || (uint64_t)msz > size - body) {
      r = BAD("member at offset %#llx: size field '%.10s' is bad or runs "
              "past the end of the archive; the archive is truncated or "
              "corrupt",
              (unsigned long long)off, h->size);
      goto out;
    }
    if (memcmp(h->name, "/ ", 2) == 0) {
      index = d + body;
      indexsz = (uint64_t)msz;
      indexw = 4;
    } else if (memcmp(h->name, "/SYM64/ ", 8) == 0) {
      index = d + body;
      indexsz = (uint64_t)msz;
      indexw = 8;
    } else if (memcmp(h->name, "// ", 3) == 0) {
      longnames = d + body;
      longsz = (uint64_t)msz;
    } else if (memcmp(h->name, "#1/", 3) == 0) {
      r = BAD("BSD-style member names are not supported; make the archive "
              "with GNU ar rcs");
      goto out;
    } else {
      const char *nm;
      size_t len;
      if (h->name[0] == '/') {
        int64_t lo = field(h->name + 1, 15);
        if (lo < 0 || !longnames || (uint64_t)lo >= longsz) {
          r = BAD("member at offset %#llx: long name reference '%.16s' is "
                  "out of range",
                  (unsigned long long)off, h->name);
          goto out;
        }
        nm = (const char *)longnames + lo;
        const char *e = memchr(nm, '\n', longsz - (uint64_t)lo);
        len = e ? (size_t)(e - nm) : longsz - (uint64_t)lo;
      } else {
        nm = h->name;
        len = 16;
      }
      const char *slash = memchr(nm, '/', len);
      if (slash)
        len = (size_t)(slash - nm);
      while (len && nm[len - 1] == ' ')
        len--;
      if (ar->nmembers == cap) {
        cap *= 2;
        void *m1 = realloc(ar->members, cap * sizeof *ar->members);
        void *m2 = m1 ? realloc(nameoff, cap * sizeof *nameoff) : NULL;
        if (m1)
          ar->members = m1;
        if (m2)
          nameoff = m2;
        if (!m1 || !m2) {
          r = reload__err(ctx, RELOAD_ENOMEM, ar->path, "out of memory");
          goto out;
        }
      }
      if (namesz + len + 1 > size + 1) {
        r = BAD("member names larger than the archive");
        goto out;
      }
      memcpy(ar->names + namesz, nm, len);
      ar->names[namesz + len] = '\0';
      nameoff[ar->nmembers] = namesz;
      namesz += len + 1;
      reload__armember *m = &ar->members[ar->nmembers++];
      m->off = body;
      m->size = (size_t)msz;
      m->loaded = false;
    }
    off = body + (uint64_t)msz + ((uint64_t)msz & 1);
  }
  for (uint32_t i = 0; i < ar->nmembers; i++)
    ar->members[i].name = ar->names + nameoff[i];
  if (!index) {
    r = BAD("archive has no symbol index, so members cannot be pulled in by "
            "symbol; run 'ranlib %s'",
            ar->path);
    goto out;
  }
  r = read_index(ctx, ar, index, indexsz, indexw);
out:
  free(nameoff);
  return r;
}

void reload__ar_free(reload__archive *ar) {
  if (!ar)
    return;
  free(ar->names);
  free(ar->members);
  free(ar->syms);
  if (ar->ownlen)
    munmap(ar->own, ar->ownlen);
  else
    free(ar->own);
  free(ar->path);
  free(ar);
}
