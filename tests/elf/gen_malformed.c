/*
 * gen_malformed.c - write a corpus of malformed objects and archives.
 *
 *     gen_malformed OUTDIR SEED.o... -- MEMBER.o...
 *
 * Each SEED is a valid relocatable object (compiled by gcc or clang at
 * build time).  For each one this writes many mutated copies into OUTDIR:
 * truncations, corrupted ELF header fields, section headers whose data runs
 * past the file or whose arithmetic overflows, bad sh_link/sh_info, bad
 * symbols, unterminated string tables, wrong sh_entsize, bad relocations,
 * bad alignments and bad COMDAT groups.  The MEMBERs are put into an ar
 * archive (GNU format with a symbol index and a long-name table), written as
 * OUTDIR/valid.a, and mutated the same way.
 *
 * OUTDIR/manifest.txt gets one line per check to run, tab-separated:
 *
 *     FILE  MODE  EXPECT  KEYWORDS  DESCRIPTION
 *
 * MODE is `elf` (reloadd check FILE), `ar-alone` (the archive on its own:
 * nothing is pulled from it) or `ar-linked` (with the driver object that
 * pulls every member).  EXPECT is `fail` (the input is broken in a way any
 * loader must notice: exit 1 required), `should` (malformed by the ELF or ar
 * spec but a lenient loader may get by: exit 1 expected, 0 reported) or
 * `any` (may well be harmless).  KEYWORDS are words one of which a good
 * message would contain (informational).  `control` lines name the valid
 * inputs, which must pass.
 *
 * The output is deterministic: same seeds, same files.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
  uint8_t *d;
  size_t n;
} buf;

static const char *outdir;
static FILE *manifest;
static unsigned nvariants;

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

static PRINTF_LIKE(1, 2) __attribute__((noreturn)) void die(const char *fmt,
                                                            ...);
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("gen_malformed: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(2);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    die("out of memory");
  return p;
}

static buf load(const char *path) {
  FILE *f = fopen(path, "rb");
  buf b;
  long len = 0;
  if (!f)
    die("%s: %s", path, strerror(errno));
  if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) != 0)
    die("%s: cannot size", path);
  b.n = (size_t)len;
  b.d = xmalloc(b.n);
  if (fread(b.d, 1, b.n, f) != b.n)
    die("%s: short read", path);
  fclose(f);
  return b;
}

static buf dup_buf(const buf *b) {
  buf c;
  c.n = b->n;
  c.d = xmalloc(c.n);
  memcpy(c.d, b->d, c.n);
  return c;
}

static buf trunc_buf(const buf *b, size_t n) {
  buf c;
  c.n = n < b->n ? n : b->n;
  c.d = xmalloc(c.n);
  memcpy(c.d, b->d, c.n);
  return c;
}

static void write_file(const char *name, const buf *b) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", outdir, name);
  FILE *f = fopen(path, "wb");
  if (!f)
    die("%s: %s", path, strerror(errno));
  if (b->n && fwrite(b->d, 1, b->n, f) != b->n)
    die("%s: short write", path);
  if (fclose(f) != 0)
    die("%s: %s", path, strerror(errno));
}

/* Write `b` as a new variant and free it.  `slug` becomes part of the file
 * name; `mode_expect` is "elf:fail" or "ar-alone:should,ar-linked:fail". */
static PRINTF_LIKE(6, 7) void emit(const char *tag, const char *ext, buf *b,
                                   const char *mode_expect, const char *kw,
                                   const char *fmt, ...);
static void emit(const char *tag, const char *ext, buf *b,
                 const char *mode_expect, const char *kw, const char *fmt,
                 ...) {
  char desc[512], name[600], me[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(desc, sizeof desc, fmt, ap);
  va_end(ap);
  /* The file name: tag, a serial number, and the description made safe. */
  int k = snprintf(name, sizeof name, "%s.%03u-", tag, nvariants++);
  for (const char *s = desc; *s && k < 120; s++) {
    char c = *s;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '=' ||
          c == '+' || c == '-'))
      c = '_';
    name[k++] = c;
  }
  snprintf(name + k, sizeof name - (size_t)k, "%s", ext);
  write_file(name, b);
  free(b->d);
  b->d = NULL;
  snprintf(me, sizeof me, "%s", mode_expect);
  for (char *tok = strtok(me, ","); tok; tok = strtok(NULL, ",")) {
    char *colon = strchr(tok, ':');
    if (!colon)
      die("bad mode_expect %s", mode_expect);
    *colon = '\0';
    fprintf(manifest, "%s\t%s\t%s\t%s\t%s\n", name, tok, colon + 1, kw, desc);
  }
}

/* ---- little-endian field access (no unaligned pointer casts) ---------- */

static void put(buf *b, size_t off, int w, uint64_t v) {
  if (off + (size_t)w > b->n)
    die("put past end");
  for (int i = 0; i < w; i++, v >>= 8)
    b->d[off + (size_t)i] = (uint8_t)v;
}

#define EH(f) offsetof(Elf64_Ehdr, f), (int)sizeof(((Elf64_Ehdr *)0)->f)
#define SH(f) offsetof(Elf64_Shdr, f), (int)sizeof(((Elf64_Shdr *)0)->f)
#define ST(f) offsetof(Elf64_Sym, f), (int)sizeof(((Elf64_Sym *)0)->f)
#define RE(f) offsetof(Elf64_Rela, f), (int)sizeof(((Elf64_Rela *)0)->f)

/* ---- the seed, parsed once (it is trusted: gcc or clang wrote it) ----- */

typedef struct seed {
  const char *tag;
  buf b;
  uint64_t shoff;
  unsigned nsec, shstrndx;
  Elf64_Shdr *sh;
  int symtab, strtab, text, bss, init_array, group, comment, data_rel;
  int rela_text;  /* a RELA section patching an SHF_ALLOC section */
  uint64_t nsym, strsz;
  int gsym;       /* a defined global symbol */
  int lsym;       /* a named local symbol */
  int rsym;       /* the symbol of the first relocation of rela_text */
  int ssym;       /* a section symbol */
} seed;

static size_t shdr_at(const seed *s, unsigned i) {
  return (size_t)s->shoff + (size_t)i * sizeof(Elf64_Shdr);
}

static size_t sym_at(const seed *s, uint64_t i) {
  return (size_t)(s->sh[s->symtab].sh_offset + i * sizeof(Elf64_Sym));
}

static size_t rela_at(const seed *s, int sec, uint64_t i) {
  return (size_t)(s->sh[sec].sh_offset + i * sizeof(Elf64_Rela));
}

static const char *secname(const seed *s, unsigned i) {
  return (const char *)s->b.d + s->sh[s->shstrndx].sh_offset + s->sh[i].sh_name;
}

static void parse_seed(seed *s, const char *path) {
  Elf64_Ehdr eh;
  s->b = load(path);
  if (s->b.n < sizeof eh || memcmp(s->b.d, ELFMAG, SELFMAG) != 0)
    die("%s: not ELF", path);
  memcpy(&eh, s->b.d, sizeof eh);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_REL ||
      eh.e_machine != EM_X86_64 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
      eh.e_shnum == 0 || eh.e_shstrndx >= eh.e_shnum ||
      eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > s->b.n)
    die("%s: not a plain x86-64 ET_REL seed", path);
  s->shoff = eh.e_shoff;
  s->nsec = eh.e_shnum;
  s->shstrndx = eh.e_shstrndx;
  s->sh = xmalloc(s->nsec * sizeof *s->sh);
  memcpy(s->sh, s->b.d + s->shoff, s->nsec * sizeof *s->sh);
  s->symtab = s->strtab = s->text = s->bss = s->init_array = s->group = -1;
  s->comment = s->data_rel = s->rela_text = -1;
  for (unsigned i = 1; i < s->nsec; i++) {
    const Elf64_Shdr *h = &s->sh[i];
    const char *n = secname(s, i);
    if (h->sh_type == SHT_SYMTAB) {
      s->symtab = (int)i;
      s->strtab = (int)h->sh_link;
    } else if (h->sh_type == SHT_GROUP && s->group < 0)
      s->group = (int)i;
    else if (h->sh_type == SHT_INIT_ARRAY && s->init_array < 0)
      s->init_array = (int)i;
    else if (h->sh_type == SHT_NOBITS && s->bss < 0 && h->sh_size > 0)
      s->bss = (int)i;
    else if (!strcmp(n, ".text") && h->sh_size > 0)
      s->text = (int)i;
    else if (!strcmp(n, ".comment"))
      s->comment = (int)i;
    else if (h->sh_type == SHT_PROGBITS && (h->sh_flags & SHF_WRITE) &&
             h->sh_size >= 8 && s->data_rel < 0)
      s->data_rel = (int)i;
    if (h->sh_type == SHT_RELA && h->sh_size > 0 && s->rela_text < 0 &&
        h->sh_info < s->nsec && (s->sh[h->sh_info].sh_flags & SHF_ALLOC) &&
        (s->sh[h->sh_info].sh_flags & SHF_EXECINSTR))
      s->rela_text = (int)i;
  }
  if (s->symtab < 0 || s->text < 0 || s->rela_text < 0)
    die("%s: seed needs .symtab, .text and relocations for .text", path);
  s->nsym = s->sh[s->symtab].sh_size / sizeof(Elf64_Sym);
  s->strsz = s->sh[s->strtab].sh_size;
  s->gsym = s->lsym = s->ssym = -1;
  bool ggrouped = false;
  for (uint64_t i = 1; i < s->nsym; i++) {
    Elf64_Sym y;
    memcpy(&y, s->b.d + sym_at(s, i), sizeof y);
    int bind = ELF64_ST_BIND(y.st_info), type = ELF64_ST_TYPE(y.st_info);
    /* Prefer a symbol outside COMDAT groups, which some loaders skip. */
    if (bind == STB_GLOBAL && y.st_shndx != SHN_UNDEF &&
        y.st_shndx < s->nsec) {
      bool grouped = (s->sh[y.st_shndx].sh_flags & SHF_GROUP) != 0;
      if (s->gsym < 0 || (ggrouped && !grouped)) {
        s->gsym = (int)i;
        ggrouped = grouped;
      }
    }
    if (bind == STB_LOCAL && type == STT_SECTION && s->ssym < 0)
      s->ssym = (int)i;
    if (bind == STB_LOCAL && type != STT_SECTION && y.st_name != 0 &&
        type != STT_FILE && s->lsym < 0)
      s->lsym = (int)i;
  }
  if (s->gsym < 0)
    die("%s: seed needs a defined global symbol", path);
  Elf64_Rela r;
  memcpy(&r, s->b.d + rela_at(s, s->rela_text, 0), sizeof r);
  s->rsym = (int)ELF64_R_SYM(r.r_info);
  s->tag = path;
}

/* The smallest prefix of the file that still holds everything the section
 * headers point at. */
static uint64_t required_end(const seed *s) {
  uint64_t end = shdr_at(s, s->nsec);
  for (unsigned i = 1; i < s->nsec; i++)
    if (s->sh[i].sh_type != SHT_NOBITS && s->sh[i].sh_size > 0 &&
        s->sh[i].sh_offset + s->sh[i].sh_size > end)
      end = s->sh[i].sh_offset + s->sh[i].sh_size;
  return end;
}

/* ---- ELF mutations ---------------------------------------------------- */

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void truncations(const seed *s, const char *tag) {
  uint64_t cut[1024];
  size_t n = 0;
  uint64_t need = required_end(s);
  for (int k = 0; k < 16; k++)
    cut[n++] = s->b.n * (uint64_t)k / 16;
  static const uint64_t fixed[] = {1, 4, 5, 16, 24, 40, 52, 63, 64, 65};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    cut[n++] = fixed[i];
  /* Around the section header table, and inside it at each entry. */
  cut[n++] = s->shoff - 1;
  cut[n++] = s->shoff;
  cut[n++] = s->shoff + 1;
  for (unsigned i = 1; i <= s->nsec && n < 1000; i++)
    cut[n++] = shdr_at(s, i) - 1;
  /* Just before the end of each section's data, and at its start. */
  for (unsigned i = 1; i < s->nsec && n < 1000; i++) {
    if (s->sh[i].sh_type == SHT_NOBITS || s->sh[i].sh_size == 0)
      continue;
    cut[n++] = s->sh[i].sh_offset;
    cut[n++] = s->sh[i].sh_offset + s->sh[i].sh_size - 1;
  }
  qsort(cut, n, sizeof cut[0], cmp_u64);
  for (size_t i = 0; i < n; i++) {
    if ((i > 0 && cut[i] == cut[i - 1]) || cut[i] >= s->b.n)
      continue;
    buf c = trunc_buf(&s->b, cut[i]);
    emit(tag, ".o", &c, cut[i] < need ? "elf:fail" : "elf:any",
         "truncated,short,end,size,past,offset,header,section",
         "truncated-at-%llu-of-%zu", (unsigned long long)cut[i], s->b.n);
  }
}

static void ehdr_field(const seed *s, const char *tag, size_t off, int w,
                       uint64_t v, const char *expect, const char *what) {
  buf c = dup_buf(&s->b);
  put(&c, off, w, v);
  emit(tag, ".o", &c, expect,
       "ELF,header,class,endian,machine,type,version,magic,section,object",
       "%s=0x%llx", what, (unsigned long long)v);
}

static void header_fields(const seed *s, const char *tag) {
  uint64_t n = s->b.n;
  ehdr_field(s, tag, EI_MAG1, 1, 'X', "elf:fail", "ei_mag1");
  ehdr_field(s, tag, EI_MAG3, 1, 'f', "elf:fail", "ei_mag3");
  ehdr_field(s, tag, EI_CLASS, 1, ELFCLASSNONE, "elf:fail", "ei_class");
  ehdr_field(s, tag, EI_CLASS, 1, ELFCLASS32, "elf:fail", "ei_class");
  ehdr_field(s, tag, EI_CLASS, 1, 3, "elf:fail", "ei_class");
  ehdr_field(s, tag, EI_DATA, 1, ELFDATANONE, "elf:fail", "ei_data");
  ehdr_field(s, tag, EI_DATA, 1, ELFDATA2MSB, "elf:fail", "ei_data");
  ehdr_field(s, tag, EI_DATA, 1, 7, "elf:fail", "ei_data");
  ehdr_field(s, tag, EI_VERSION, 1, 0, "elf:should", "ei_version");
  ehdr_field(s, tag, EI_VERSION, 1, 2, "elf:should", "ei_version");
  ehdr_field(s, tag, EI_OSABI, 1, 97, "elf:any", "ei_osabi");
  ehdr_field(s, tag, EH(e_type), ET_NONE, "elf:fail", "e_type");
  ehdr_field(s, tag, EH(e_type), ET_EXEC, "elf:fail", "e_type");
  ehdr_field(s, tag, EH(e_type), ET_DYN, "elf:fail", "e_type");
  ehdr_field(s, tag, EH(e_type), ET_CORE, "elf:fail", "e_type");
  ehdr_field(s, tag, EH(e_type), 0xff00, "elf:fail", "e_type");
  ehdr_field(s, tag, EH(e_machine), EM_NONE, "elf:fail", "e_machine");
  ehdr_field(s, tag, EH(e_machine), EM_386, "elf:fail", "e_machine");
  ehdr_field(s, tag, EH(e_machine), EM_AARCH64, "elf:fail", "e_machine");
  ehdr_field(s, tag, EH(e_machine), 0xffff, "elf:fail", "e_machine");
  ehdr_field(s, tag, EH(e_version), 0, "elf:should", "e_version");
  ehdr_field(s, tag, EH(e_version), 0xffffffff, "elf:should", "e_version");
  ehdr_field(s, tag, EH(e_flags), 0xdeadbeef, "elf:any", "e_flags");
  ehdr_field(s, tag, EH(e_ehsize), 0, "elf:should", "e_ehsize");
  ehdr_field(s, tag, EH(e_ehsize), 32, "elf:should", "e_ehsize");

  /* Program headers have no business in ET_REL; pointing them past the
   * end must not matter to a loader that ignores them. */
  {
    buf c = dup_buf(&s->b);
    put(&c, EH(e_phoff), n + 4096);
    put(&c, EH(e_phnum), 3);
    put(&c, EH(e_phentsize), sizeof(Elf64_Phdr));
    emit(tag, ".o", &c, "elf:any", "program,header", "e_phoff-past-end");
  }

  /* e_shoff */
  ehdr_field(s, tag, EH(e_shoff), n, "elf:fail", "e_shoff=size");
  ehdr_field(s, tag, EH(e_shoff), n - 1, "elf:fail", "e_shoff=size-1");
  ehdr_field(s, tag, EH(e_shoff), n - 64 * (s->nsec - 1), "elf:fail",
             "e_shoff=table-runs-past-end");
  ehdr_field(s, tag, EH(e_shoff), UINT64_C(0xffffffffffffffc0), "elf:fail",
             "e_shoff-overflows");
  ehdr_field(s, tag, EH(e_shoff), UINT64_C(0x8000000000000000), "elf:fail",
             "e_shoff-huge");
  ehdr_field(s, tag, EH(e_shoff), UINT64_C(0) - 64 * 2, "elf:fail",
             "e_shoff+table-wraps");
  ehdr_field(s, tag, EH(e_shoff), 0, "elf:any", "e_shoff-zero");
  ehdr_field(s, tag, EH(e_shoff), s->shoff + 1, "elf:should",
             "e_shoff-misaligned");
  ehdr_field(s, tag, EH(e_shoff), s->shoff - 64, "elf:should",
             "e_shoff-shifted-one-entry");
  ehdr_field(s, tag, EH(e_shoff), 1, "elf:should", "e_shoff=1");

  /* e_shnum */
  {
    uint64_t past = shdr_at(s, s->nsec + 1) > n;
    ehdr_field(s, tag, EH(e_shnum), s->nsec + 1, past ? "elf:fail" : "elf:should",
               "e_shnum+1");
  }
  ehdr_field(s, tag, EH(e_shnum), 0xffff, "elf:fail", "e_shnum");
  ehdr_field(s, tag, EH(e_shnum), 0xff00, "elf:fail", "e_shnum");
  ehdr_field(s, tag, EH(e_shnum), 1, "elf:fail", "e_shnum");
  {
    /* One section fewer: broken if anything points at the lost one. */
    unsigned m = s->nsec - 1;
    bool broken = s->shstrndx >= m;
    for (unsigned i = 1; i < m; i++) {
      uint32_t t = s->sh[i].sh_type;
      if ((t == SHT_RELA || t == SHT_SYMTAB || t == SHT_GROUP) &&
          s->sh[i].sh_link >= m)
        broken = true;
      if (t == SHT_RELA && s->sh[i].sh_info >= m)
        broken = true;
    }
    ehdr_field(s, tag, EH(e_shnum), m, broken ? "elf:fail" : "elf:should",
               "e_shnum-1");
  }
  {
    /* e_shnum 0 with sh[0].sh_size 0: no sections at all. */
    buf c = dup_buf(&s->b);
    put(&c, EH(e_shnum), 0);
    put(&c, EH(e_shstrndx), 0);
    emit(tag, ".o", &c, "elf:any", "section,symbol,empty",
         "e_shnum=0-no-sections");
  }
  {
    /* Extended numbering done right: must be accepted by a full reader,
     * but a loader may refuse it. */
    buf c = dup_buf(&s->b);
    put(&c, EH(e_shnum), 0);
    put(&c, shdr_at(s, 0) + offsetof(Elf64_Shdr, sh_size), 8, s->nsec);
    emit(tag, ".o", &c, "elf:any", "section", "extended-e_shnum-valid");
  }
  {
    buf c = dup_buf(&s->b);
    put(&c, EH(e_shnum), 0);
    put(&c, shdr_at(s, 0) + offsetof(Elf64_Shdr, sh_size), 8, 0x7fffffff);
    emit(tag, ".o", &c, "elf:fail", "section,header",
         "extended-e_shnum-past-end");
  }
  {
    buf c = dup_buf(&s->b);
    put(&c, EH(e_shnum), 0);
    put(&c, shdr_at(s, 0) + offsetof(Elf64_Shdr, sh_size), 8,
        UINT64_C(0x0400000000000001));
    emit(tag, ".o", &c, "elf:fail", "section,header",
         "extended-e_shnum-overflows");
  }

  /* e_shentsize */
  ehdr_field(s, tag, EH(e_shentsize), 0, "elf:fail", "e_shentsize");
  ehdr_field(s, tag, EH(e_shentsize), 32, "elf:fail", "e_shentsize");
  ehdr_field(s, tag, EH(e_shentsize), 63, "elf:fail", "e_shentsize");
  ehdr_field(s, tag, EH(e_shentsize), 65, "elf:fail", "e_shentsize");
  ehdr_field(s, tag, EH(e_shentsize), 128, "elf:fail", "e_shentsize");

  /* e_shstrndx */
  ehdr_field(s, tag, EH(e_shstrndx), s->nsec, "elf:fail", "e_shstrndx=shnum");
  ehdr_field(s, tag, EH(e_shstrndx), s->nsec + 7, "elf:fail", "e_shstrndx");
  ehdr_field(s, tag, EH(e_shstrndx), 0xfeff, "elf:fail", "e_shstrndx");
  ehdr_field(s, tag, EH(e_shstrndx), 0, "elf:should", "e_shstrndx");
  ehdr_field(s, tag, EH(e_shstrndx), (uint64_t)s->text, "elf:should",
             "e_shstrndx=.text");
  ehdr_field(s, tag, EH(e_shstrndx), (uint64_t)s->symtab, "elf:should",
             "e_shstrndx=.symtab");
  {
    buf c = dup_buf(&s->b);
    put(&c, EH(e_shstrndx), SHN_XINDEX);
    put(&c, shdr_at(s, 0) + offsetof(Elf64_Shdr, sh_link), 4, s->shstrndx);
    emit(tag, ".o", &c, "elf:any", "section", "extended-e_shstrndx-valid");
  }
  {
    buf c = dup_buf(&s->b);
    put(&c, EH(e_shstrndx), SHN_XINDEX);
    put(&c, shdr_at(s, 0) + offsetof(Elf64_Shdr, sh_link), 4, s->nsec + 3);
    emit(tag, ".o", &c, "elf:fail", "section,string,name",
         "extended-e_shstrndx-out-of-range");
  }
}

/* Change one section header field. */
static void shdr_field(const seed *s, const char *tag, int sec, size_t off,
                       int w, uint64_t v, const char *expect, const char *kw,
                       const char *what) {
  if (sec <= 0)
    return;
  buf c = dup_buf(&s->b);
  put(&c, shdr_at(s, (unsigned)sec) + off, w, v);
  emit(tag, ".o", &c, expect, kw, "%s.%s=0x%llx", secname(s, (unsigned)sec),
       what, (unsigned long long)v);
}

static void shdr_pair(const seed *s, const char *tag, int sec, uint64_t off,
                      uint64_t size, const char *expect, const char *what) {
  if (sec <= 0)
    return;
  buf c = dup_buf(&s->b);
  put(&c, shdr_at(s, (unsigned)sec) + offsetof(Elf64_Shdr, sh_offset), 8, off);
  put(&c, shdr_at(s, (unsigned)sec) + offsetof(Elf64_Shdr, sh_size), 8, size);
  emit(tag, ".o", &c, expect, "section,offset,size,past,end,range",
       "%s.%s-off=0x%llx-size=0x%llx", secname(s, (unsigned)sec), what,
       (unsigned long long)off, (unsigned long long)size);
}

#define SKW "section,offset,size,past,end,range,bounds"

static void section_bounds(const seed *s, const char *tag) {
  uint64_t n = s->b.n;
  int secs[8];
  int ns = 0;
  secs[ns++] = s->text;
  secs[ns++] = s->symtab;
  secs[ns++] = s->strtab;
  secs[ns++] = s->rela_text;
  secs[ns++] = (int)s->shstrndx;
  if (s->init_array > 0)
    secs[ns++] = s->init_array;
  if (s->group > 0)
    secs[ns++] = s->group;
  if (s->data_rel > 0)
    secs[ns++] = s->data_rel;
  for (int k = 0; k < ns; k++) {
    int i = secs[k];
    const Elf64_Shdr *h = &s->sh[i];
    shdr_field(s, tag, i, SH(sh_size), n, "elf:fail", SKW, "sh_size");
    shdr_field(s, tag, i, SH(sh_size), n - h->sh_offset + 1, "elf:fail", SKW,
               "sh_size");
    shdr_field(s, tag, i, SH(sh_offset), n, "elf:fail", SKW, "sh_offset");
    shdr_field(s, tag, i, SH(sh_offset), n - h->sh_size / 2, "elf:fail", SKW,
               "sh_offset");
    shdr_field(s, tag, i, SH(sh_size), UINT64_MAX, "elf:fail", SKW, "sh_size");
    shdr_field(s, tag, i, SH(sh_offset), UINT64_MAX - 7, "elf:fail", SKW,
               "sh_offset");
    /* offset + size wraps around to a small, in-file value. */
    shdr_pair(s, tag, i, UINT64_C(0) - 16, h->sh_size + 32, "elf:fail",
              "wrapping");
    shdr_pair(s, tag, i, h->sh_offset, UINT64_C(0) - h->sh_offset + 8,
              "elf:fail", "wrapping-size");
  }
  /* .comment is never loaded; a lenient loader may not look. */
  shdr_field(s, tag, s->comment, SH(sh_offset), n + 100, "elf:should", SKW,
             "sh_offset");
  /* A .bss that cannot exist. */
  shdr_field(s, tag, s->bss, SH(sh_size), UINT64_C(1) << 63, "elf:fail",
             "section,size,arena,memory,large,range", "sh_size");
  shdr_field(s, tag, s->bss, SH(sh_size), UINT64_MAX, "elf:fail",
             "section,size,arena,memory,large,range", "sh_size");
  shdr_field(s, tag, s->bss, SH(sh_size), UINT64_C(1) << 40, "elf:fail",
             "section,size,arena,memory,large,range", "sh_size");
  /* NOBITS sections have no file data: any offset is fine. */
  shdr_field(s, tag, s->bss, SH(sh_offset), UINT64_MAX, "elf:any", SKW,
             "sh_offset");
  /* Overlaps: legal in principle, odd in practice. */
  if (s->data_rel > 0)
    shdr_field(s, tag, s->data_rel, SH(sh_offset), s->sh[s->text].sh_offset,
               "elf:any", SKW, "sh_offset=.text");
  shdr_field(s, tag, s->symtab, SH(sh_offset), 0, "elf:should",
             "symbol,section,string,name", "sh_offset");
  /* Sizes designed to overflow count * entsize or offset + size. */
  shdr_field(s, tag, s->symtab, SH(sh_size), UINT64_C(0) - 16, "elf:fail",
             SKW, "sh_size");
  shdr_field(s, tag, s->rela_text, SH(sh_size), UINT64_C(0) - 16, "elf:fail",
             SKW, "sh_size");
  shdr_field(s, tag, s->strtab, SH(sh_offset), UINT64_C(0) - s->strsz / 2,
             "elf:fail", SKW, "sh_offset");
}

#define LKW "section,link,info,index,range,symbol,string"

static void links(const seed *s, const char *tag) {
  unsigned n = s->nsec;
  shdr_field(s, tag, s->symtab, SH(sh_link), n, "elf:fail", LKW, "sh_link");
  shdr_field(s, tag, s->symtab, SH(sh_link), 0xffffffff, "elf:fail", LKW,
             "sh_link");
  shdr_field(s, tag, s->symtab, SH(sh_link), 0, "elf:fail", LKW, "sh_link");
  shdr_field(s, tag, s->symtab, SH(sh_link), (uint64_t)s->text, "elf:should",
             LKW, "sh_link=.text");
  shdr_field(s, tag, s->symtab, SH(sh_info), s->nsym + 1, "elf:fail", LKW,
             "sh_info");
  shdr_field(s, tag, s->symtab, SH(sh_info), 0xffffffff, "elf:fail", LKW,
             "sh_info");
  shdr_field(s, tag, s->symtab, SH(sh_info), 0, "elf:any", LKW, "sh_info");
  shdr_field(s, tag, s->rela_text, SH(sh_link), n, "elf:fail", LKW, "sh_link");
  shdr_field(s, tag, s->rela_text, SH(sh_link), 0, "elf:fail", LKW, "sh_link");
  shdr_field(s, tag, s->rela_text, SH(sh_link), (uint64_t)s->strtab,
             "elf:should", LKW, "sh_link=.strtab");
  shdr_field(s, tag, s->rela_text, SH(sh_info), n, "elf:fail", LKW, "sh_info");
  shdr_field(s, tag, s->rela_text, SH(sh_info), 0xfff0, "elf:fail", LKW,
             "sh_info");
  shdr_field(s, tag, s->rela_text, SH(sh_info), 0, "elf:should", LKW,
             "sh_info");
  shdr_field(s, tag, s->rela_text, SH(sh_info), (uint64_t)s->rela_text,
             "elf:should", LKW, "sh_info=self");
  if (s->bss > 0)
    shdr_field(s, tag, s->rela_text, SH(sh_info), (uint64_t)s->bss,
               "elf:should", LKW, "sh_info=.bss");
  shdr_field(s, tag, s->group, SH(sh_link), n, "elf:fail", LKW, "sh_link");
  shdr_field(s, tag, s->group, SH(sh_info), s->nsym, "elf:fail", LKW,
             "sh_info");
  shdr_field(s, tag, s->group, SH(sh_info), 0xffffffff, "elf:fail", LKW,
             "sh_info");
}

static void types_and_flags(const seed *s, const char *tag) {
  shdr_field(s, tag, s->rela_text, SH(sh_type), SHT_REL, "elf:fail",
             "REL,relocation,section,unsupported,addend", "sh_type=SHT_REL");
  shdr_field(s, tag, s->text, SH(sh_type), 0x12345, "elf:should",
             "section,type", "sh_type");
  shdr_field(s, tag, s->text, SH(sh_type), SHT_NOBITS, "elf:any",
             "section,type", "sh_type=NOBITS");
  shdr_field(s, tag, s->symtab, SH(sh_type), SHT_DYNSYM, "elf:any",
             "symbol,section", "sh_type=DYNSYM");
  shdr_field(s, tag, s->text, SH(sh_flags),
             s->sh[s->text].sh_flags | SHF_COMPRESSED, "elf:should",
             "compress,section,unsupported", "sh_flags+COMPRESSED");
  shdr_field(s, tag, s->text, SH(sh_flags), s->sh[s->text].sh_flags & ~SHF_ALLOC,
             "elf:any", "section,alloc", "sh_flags-ALLOC");
}

static void entsizes(const seed *s, const char *tag) {
  static const char *kw = "entsize,section,size,symbol,relocation";
  shdr_field(s, tag, s->symtab, SH(sh_entsize), 0, "elf:fail", kw, "sh_entsize");
  shdr_field(s, tag, s->symtab, SH(sh_entsize), 23, "elf:fail", kw, "sh_entsize");
  shdr_field(s, tag, s->symtab, SH(sh_entsize), 48, "elf:fail", kw, "sh_entsize");
  shdr_field(s, tag, s->symtab, SH(sh_size), s->sh[s->symtab].sh_size - 1,
             "elf:fail", kw, "sh_size-not-multiple");
  shdr_field(s, tag, s->rela_text, SH(sh_entsize), 0, "elf:fail", kw,
             "sh_entsize");
  shdr_field(s, tag, s->rela_text, SH(sh_entsize), 16, "elf:fail", kw,
             "sh_entsize");
  shdr_field(s, tag, s->rela_text, SH(sh_entsize), 25, "elf:fail", kw,
             "sh_entsize");
  shdr_field(s, tag, s->rela_text, SH(sh_size),
             s->sh[s->rela_text].sh_size - 8, "elf:fail", kw,
             "sh_size-not-multiple");
  shdr_field(s, tag, s->group, SH(sh_entsize), 8, "elf:should",
             "group,entsize,section", "sh_entsize");
}

static void alignments(const seed *s, const char *tag) {
  static const char *kw = "align,section,power";
  shdr_field(s, tag, s->text, SH(sh_addralign), 3, "elf:fail", kw,
             "sh_addralign");
  shdr_field(s, tag, s->text, SH(sh_addralign), 0x30, "elf:fail", kw,
             "sh_addralign");
  shdr_field(s, tag, s->text, SH(sh_addralign), UINT64_C(1) << 63, "elf:fail",
             kw, "sh_addralign");
  shdr_field(s, tag, s->text, SH(sh_addralign), UINT64_MAX, "elf:fail", kw,
             "sh_addralign");
  shdr_field(s, tag, s->text, SH(sh_addralign), UINT64_C(1) << 40, "elf:any",
             kw, "sh_addralign");
  shdr_field(s, tag, s->bss, SH(sh_addralign), UINT64_C(0x8000000000000001),
             "elf:fail", kw, "sh_addralign");
  shdr_field(s, tag, s->data_rel, SH(sh_addralign), 12, "elf:fail", kw,
             "sh_addralign");
}

static void symfield(const seed *s, const char *tag, int sym, size_t off, int w,
                     uint64_t v, const char *expect, const char *kw,
                     const char *what) {
  if (sym <= 0)
    return;
  buf c = dup_buf(&s->b);
  put(&c, sym_at(s, (uint64_t)sym) + off, w, v);
  emit(tag, ".o", &c, expect, kw, "sym%d.%s=0x%llx", sym, what,
       (unsigned long long)v);
}

static void symbols(const seed *s, const char *tag) {
  static const char *nkw = "symbol,name,string,range,past,offset";
  static const char *xkw = "symbol,section,index,range,shndx";
  symfield(s, tag, s->gsym, ST(st_name), s->strsz, "elf:fail", nkw, "st_name");
  symfield(s, tag, s->gsym, ST(st_name), s->strsz + 100, "elf:fail", nkw,
           "st_name");
  symfield(s, tag, s->gsym, ST(st_name), 0xffffffff, "elf:fail", nkw,
           "st_name");
  symfield(s, tag, s->lsym, ST(st_name), s->strsz + 1000, "elf:should", nkw,
           "local-st_name");
  {
    /* Section symbols take their name from the section: a loader need
     * not read st_name for them. */
    Elf64_Sym y;
    memcpy(&y, s->b.d + sym_at(s, (uint64_t)s->rsym), sizeof y);
    symfield(s, tag, s->rsym, ST(st_name), s->strsz + 1,
             ELF64_ST_TYPE(y.st_info) == STT_SECTION ? "elf:should"
                                                      : "elf:fail",
             nkw, "reloc-sym-st_name");
  }
  symfield(s, tag, s->gsym, ST(st_shndx), s->nsec, "elf:fail", xkw,
           "st_shndx");
  symfield(s, tag, s->gsym, ST(st_shndx), SHN_LORESERVE - 1, "elf:fail", xkw,
           "st_shndx");
  symfield(s, tag, s->gsym, ST(st_shndx), SHN_XINDEX, "elf:fail", xkw,
           "st_shndx=XINDEX-without-SHNDX");
  symfield(s, tag, s->gsym, ST(st_shndx), 0xff10, "elf:should", xkw,
           "st_shndx=reserved");
  symfield(s, tag, s->rsym, ST(st_shndx), s->nsec + 5, "elf:fail", xkw,
           "reloc-sym-st_shndx");
  symfield(s, tag, s->ssym, ST(st_shndx), s->nsec, "elf:fail", xkw,
           "section-sym-st_shndx");
  symfield(s, tag, s->gsym, ST(st_shndx), (uint64_t)s->symtab, "elf:should",
           xkw, "st_shndx=.symtab");
  symfield(s, tag, s->gsym, ST(st_value), UINT64_C(1) << 62, "elf:should",
           "symbol,value,section,range", "st_value");
  symfield(s, tag, s->gsym, ST(st_info),
           ELF64_ST_INFO(STB_GLOBAL, STT_GNU_IFUNC), "elf:should",
           "symbol,ifunc,unsupported", "st_info=IFUNC");
  symfield(s, tag, s->gsym, ST(st_info), ELF64_ST_INFO(14, STT_FUNC),
           "elf:should", "symbol,binding", "st_info-bind=14");
  symfield(s, tag, s->gsym, ST(st_info), ELF64_ST_INFO(STB_GLOBAL, 9),
           "elf:any", "symbol,type", "st_info-type=9");
  /* A global symbol in the local part of the table. */
  shdr_field(s, tag, s->symtab, SH(sh_info), (uint64_t)s->gsym + 1, "elf:any",
             LKW, "sh_info-past-first-global");
}

static void strings(const seed *s, const char *tag) {
  static const char *kw = "string,terminated,NUL,name,section,symbol";
  buf c = dup_buf(&s->b);
  put(&c, s->sh[s->strtab].sh_offset + s->strsz - 1, 1, 'A');
  emit(tag, ".o", &c, "elf:fail", kw, ".strtab-not-NUL-terminated");
  c = dup_buf(&s->b);
  put(&c, s->sh[s->shstrndx].sh_offset + s->sh[s->shstrndx].sh_size - 1, 1,
      'A');
  emit(tag, ".o", &c, "elf:fail", kw, ".shstrtab-not-NUL-terminated");
  c = dup_buf(&s->b);
  put(&c, s->sh[s->strtab].sh_offset, 1, 'A');
  emit(tag, ".o", &c, "elf:should", kw, ".strtab-first-byte-not-NUL");
  shdr_field(s, tag, s->strtab, SH(sh_size), 0, "elf:fail", kw, "sh_size");
  shdr_field(s, tag, (int)s->shstrndx, SH(sh_size), 0, "elf:fail", kw,
             "sh_size");
  /* Every byte of .strtab non-NUL. */
  c = dup_buf(&s->b);
  memset(c.d + s->sh[s->strtab].sh_offset, 'x', (size_t)s->strsz);
  emit(tag, ".o", &c, "elf:fail", kw, ".strtab-all-x");
  /* A section name past .shstrtab. */
  shdr_field(s, tag, s->text, SH(sh_name), s->sh[s->shstrndx].sh_size + 5,
             "elf:fail", kw, "sh_name");
}

static void relafield(const seed *s, const char *tag, uint64_t idx, size_t off,
                      int w, uint64_t v, const char *expect, const char *what) {
  int sec = s->rela_text;
  if (idx >= s->sh[sec].sh_size / sizeof(Elf64_Rela))
    return;
  buf c = dup_buf(&s->b);
  put(&c, rela_at(s, sec, idx) + off, w, v);
  emit(tag, ".o", &c, expect, "relocation,offset,symbol,type,range,index",
       "%s[%llu].%s=0x%llx", secname(s, (unsigned)sec),
       (unsigned long long)idx, what, (unsigned long long)v);
}

static void relocs(const seed *s, const char *tag) {
  int sec = s->rela_text;
  uint64_t tsz = s->sh[s->sh[sec].sh_info].sh_size;
  uint64_t nrel = s->sh[sec].sh_size / sizeof(Elf64_Rela);
  Elf64_Rela r;
  memcpy(&r, s->b.d + rela_at(s, sec, 0), sizeof r);
  uint64_t sym = ELF64_R_SYM(r.r_info), type = ELF64_R_TYPE(r.r_info);
  relafield(s, tag, 0, RE(r_offset), tsz, "elf:fail", "r_offset");
  relafield(s, tag, 0, RE(r_offset), tsz - 1, "elf:fail", "r_offset");
  relafield(s, tag, 0, RE(r_offset), tsz + 4096, "elf:fail", "r_offset");
  relafield(s, tag, 0, RE(r_offset), UINT64_C(0) - 4, "elf:fail", "r_offset");
  relafield(s, tag, nrel - 1, RE(r_offset), UINT64_C(1) << 63, "elf:fail",
            "r_offset");
  relafield(s, tag, 0, RE(r_info), ELF64_R_INFO(s->nsym, type), "elf:fail",
            "r_info-sym=nsym");
  relafield(s, tag, 0, RE(r_info), ELF64_R_INFO(0xffffffff, type), "elf:fail",
            "r_info-sym");
  relafield(s, tag, nrel - 1, RE(r_info), ELF64_R_INFO(s->nsym + 1000, type),
            "elf:fail", "r_info-sym");
  relafield(s, tag, 0, RE(r_info), ELF64_R_INFO(sym, 200), "elf:fail",
            "r_info-type=200");
  relafield(s, tag, 0, RE(r_info), ELF64_R_INFO(sym, 0xffffffff), "elf:fail",
            "r_info-type");
  relafield(s, tag, 0, RE(r_info), ELF64_R_INFO(sym, R_X86_64_COPY),
            "elf:fail", "r_info-type=COPY");
  relafield(s, tag, 0, RE(r_info), ELF64_R_INFO(sym, R_X86_64_NONE), "elf:any",
            "r_info-type=NONE");
  relafield(s, tag, 0, RE(r_info), ELF64_R_INFO(0, type), "elf:any",
            "r_info-sym=0");
  relafield(s, tag, 0, RE(r_addend), UINT64_C(0x8000000000000000), "elf:any",
            "r_addend");
  /* A 64-bit relocation whose field ends one byte past the section. */
  relafield(s, tag, 0, RE(r_info), ELF64_R_INFO(sym, R_X86_64_64), "elf:any",
            "r_info-type=64");
  {
    buf c = dup_buf(&s->b);
    put(&c, rela_at(s, sec, 0) + offsetof(Elf64_Rela, r_info), 8,
        ELF64_R_INFO(sym, R_X86_64_64));
    put(&c, rela_at(s, sec, 0) + offsetof(Elf64_Rela, r_offset), 8, tsz - 7);
    emit(tag, ".o", &c, "elf:fail", "relocation,offset,range,section",
         "R_X86_64_64-straddles-section-end");
  }
  /* Every relocation of the section at the very end of the section. */
  {
    buf c = dup_buf(&s->b);
    for (uint64_t i = 0; i < nrel; i++)
      put(&c, rela_at(s, sec, i) + offsetof(Elf64_Rela, r_offset), 8, tsz - 2);
    emit(tag, ".o", &c, "elf:fail", "relocation,offset,range,section",
         "all-relocations-at-section-end");
  }
  /* .init_array entries pointing outside. */
  if (s->init_array > 0) {
    for (unsigned i = 1; i < s->nsec; i++) {
      if (s->sh[i].sh_type != SHT_RELA ||
          s->sh[i].sh_info != (unsigned)s->init_array)
        continue;
      buf c = dup_buf(&s->b);
      put(&c, s->sh[i].sh_offset + offsetof(Elf64_Rela, r_offset), 8,
          s->sh[s->init_array].sh_size);
      emit(tag, ".o", &c, "elf:fail", "relocation,offset,range,init",
           ".rela.init_array-r_offset=size");
    }
    shdr_field(s, tag, s->init_array, SH(sh_size),
               s->sh[s->init_array].sh_size - 1, "elf:should",
               "init,size,section,entsize", "sh_size-not-multiple-of-8");
  }
}

static void groups(const seed *s, const char *tag) {
  static const char *kw = "group,COMDAT,section,member,index,range";
  if (s->group <= 0)
    return;
  const Elf64_Shdr *g = &s->sh[s->group];
  size_t off = (size_t)g->sh_offset;
  uint64_t nw = g->sh_size / 4;
  buf c;
  if (nw >= 2) {
    c = dup_buf(&s->b);
    put(&c, off + 4, 4, s->nsec);
    emit(tag, ".o", &c, "elf:fail", kw, "group-member=shnum");
    c = dup_buf(&s->b);
    put(&c, off + 4, 4, 0xffffffff);
    emit(tag, ".o", &c, "elf:fail", kw, "group-member=0xffffffff");
    c = dup_buf(&s->b);
    put(&c, off + 4, 4, 0);
    emit(tag, ".o", &c, "elf:should", kw, "group-member=0");
    c = dup_buf(&s->b);
    put(&c, off + 4, 4, (uint64_t)s->group);
    emit(tag, ".o", &c, "elf:should", kw, "group-member=self");
    c = dup_buf(&s->b);
    put(&c, off + 4, 4, (uint64_t)s->symtab);
    emit(tag, ".o", &c, "elf:should", kw, "group-member=.symtab");
  }
  c = dup_buf(&s->b);
  put(&c, off, 4, 0);
  emit(tag, ".o", &c, "elf:any", kw, "group-flags=0");
  c = dup_buf(&s->b);
  put(&c, off, 4, 0xff);
  emit(tag, ".o", &c, "elf:should", kw, "group-flags=0xff");
  shdr_field(s, tag, s->group, SH(sh_size), 2, "elf:fail", kw, "sh_size");
  shdr_field(s, tag, s->group, SH(sh_size), g->sh_size + 2, "elf:fail", kw,
             "sh_size");
  shdr_field(s, tag, s->group, SH(sh_size), 0, "elf:should", kw, "sh_size");
  shdr_field(s, tag, s->group, SH(sh_info), 0, "elf:should", kw,
             "sh_info=0");
}

/* ---- archives --------------------------------------------------------- */

typedef struct member {
  const char *name; /* as stored in the archive */
  buf obj;
  char **syms;
  size_t nsyms;
} member;

typedef struct arlayout {
  size_t symhdr, symdata, symsize;
  size_t lnhdr, lndata, lnsize;
  size_t mhdr[8], mdata[8], msize[8];
  size_t nm;
  uint32_t nsyms;
  size_t firstoff; /* offset of the first index entry's offset word */
  size_t strs;     /* offset of the index's name strings */
} arlayout;

static void defined_globals(member *m) {
  /* Parse by hand: members are valid objects. */
  Elf64_Ehdr eh;
  memcpy(&eh, m->obj.d, sizeof eh);
  Elf64_Shdr *sh = xmalloc(eh.e_shnum * sizeof *sh);
  memcpy(sh, m->obj.d + eh.e_shoff, eh.e_shnum * sizeof *sh);
  m->syms = xmalloc(4096 * sizeof *m->syms);
  m->nsyms = 0;
  for (unsigned i = 0; i < eh.e_shnum; i++) {
    if (sh[i].sh_type != SHT_SYMTAB)
      continue;
    const char *str = (const char *)m->obj.d + sh[sh[i].sh_link].sh_offset;
    for (uint64_t k = sh[i].sh_info; k < sh[i].sh_size / sizeof(Elf64_Sym);
         k++) {
      Elf64_Sym y;
      memcpy(&y, m->obj.d + sh[i].sh_offset + k * sizeof y, sizeof y);
      if (y.st_shndx != SHN_UNDEF && y.st_name != 0 && m->nsyms < 4096)
        m->syms[m->nsyms++] = strdup(str + y.st_name);
    }
  }
  free(sh);
}

static void ar_header(buf *b, size_t *len, const char *name, size_t size) {
  char sz[32];
  uint8_t *h = b->d + *len;
  snprintf(sz, sizeof sz, "%zu", size);
  memset(h, ' ', 60);
  memcpy(h, name, strlen(name) < 16 ? strlen(name) : 16);
  h[16] = '0';      /* date */
  h[28] = '0';      /* uid */
  h[34] = '0';      /* gid */
  memcpy(h + 40, "644", 3);
  memcpy(h + 48, sz, strlen(sz) < 10 ? strlen(sz) : 10);
  h[58] = '`';
  h[59] = '\n';
  *len += 60;
}

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static buf build_archive(member *m, size_t nm, arlayout *L) {
  size_t cap = 1 << 16, len = 0;
  uint32_t nsyms = 0;
  size_t strbytes = 0, lnbytes = 0;
  memset(L, 0, sizeof *L);
  for (size_t i = 0; i < nm; i++) {
    cap += m[i].obj.n + 200;
    nsyms += (uint32_t)m[i].nsyms;
    for (size_t k = 0; k < m[i].nsyms; k++)
      strbytes += strlen(m[i].syms[k]) + 1;
    if (strlen(m[i].name) > 15)
      lnbytes += strlen(m[i].name) + 2;
  }
  size_t symsize = 4 + 4 * (size_t)nsyms + strbytes;
  buf b;
  b.d = xmalloc(cap + symsize + lnbytes);
  memset(b.d, 0, cap + symsize + lnbytes);
  memcpy(b.d, "!<arch>\n", 8);
  len = 8;
  /* Where everything goes, so that the index can hold member offsets. */
  size_t pos = 8 + 60 + symsize + (symsize & 1);
  size_t lnoff[8] = {0}, lnpos = 0;
  if (lnbytes)
    pos += 60 + lnbytes + (lnbytes & 1);
  for (size_t i = 0; i < nm; i++) {
    L->mhdr[i] = pos;
    L->mdata[i] = pos + 60;
    L->msize[i] = m[i].obj.n;
    pos += 60 + m[i].obj.n + (m[i].obj.n & 1);
    if (strlen(m[i].name) > 15) {
      lnoff[i] = lnpos;
      lnpos += strlen(m[i].name) + 2;
    }
  }
  /* The symbol index. */
  L->symhdr = len;
  ar_header(&b, &len, "/", symsize);
  L->symdata = len;
  L->symsize = symsize;
  be32(b.d + len, nsyms);
  L->nsyms = nsyms;
  L->firstoff = len + 4;
  len += 4;
  for (size_t i = 0; i < nm; i++)
    for (size_t k = 0; k < m[i].nsyms; k++, len += 4)
      be32(b.d + len, (uint32_t)L->mhdr[i]);
  L->strs = len;
  for (size_t i = 0; i < nm; i++)
    for (size_t k = 0; k < m[i].nsyms; k++) {
      size_t l = strlen(m[i].syms[k]) + 1;
      memcpy(b.d + len, m[i].syms[k], l);
      len += l;
    }
  if (len & 1)
    b.d[len++] = '\n';
  /* The long-name table. */
  if (lnbytes) {
    L->lnhdr = len;
    ar_header(&b, &len, "//", lnbytes);
    L->lndata = len;
    L->lnsize = lnbytes;
    for (size_t i = 0; i < nm; i++)
      if (strlen(m[i].name) > 15)
        len += (size_t)sprintf((char *)b.d + len, "%s/\n", m[i].name);
    if (len & 1)
      b.d[len++] = '\n';
  }
  for (size_t i = 0; i < nm; i++) {
    char nm16[32];
    if (len != L->mhdr[i])
      die("archive layout mismatch");
    if (strlen(m[i].name) > 15)
      snprintf(nm16, sizeof nm16, "/%zu", lnoff[i]);
    else
      snprintf(nm16, sizeof nm16, "%s/", m[i].name);
    ar_header(&b, &len, nm16, m[i].obj.n);
    memcpy(b.d + len, m[i].obj.d, m[i].obj.n);
    len += m[i].obj.n;
    if (len & 1)
      b.d[len++] = '\n';
  }
  L->nm = nm;
  b.n = len;
  return b;
}

/* Overwrite `len` bytes at `off` with `s`, space-padded. */
static void put_text(buf *b, size_t off, size_t len, const char *s) {
  size_t l = strlen(s);
  for (size_t i = 0; i < len; i++)
    b->d[off + i] = (uint8_t)(i < l ? s[i] : ' ');
}

#define AKW "archive,member,header,size,index,symbol,name,magic,truncated"

static void archives(member *m, size_t nm) {
  arlayout L;
  buf a = build_archive(m, nm, &L);
  const char *tag = "ar";
  buf c;
  write_file("valid.a", &a);
  fprintf(manifest, "valid.a\tar-alone\tcontrol\t-\tthe unmutated archive\n");
  fprintf(manifest, "valid.a\tar-linked\tcontrol\t-\tthe unmutated archive\n");

  /* Magic. */
  c = dup_buf(&a);
  memcpy(c.d, "!<arch>X", 8);
  emit(tag, ".a", &c, "ar-alone:fail,ar-linked:fail", AKW, "bad-global-magic");
  c = dup_buf(&a);
  memcpy(c.d, "!<thin>\n", 8);
  emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW, "thin-magic");

  /* Member headers: the terminator after "!<arch>\n" and the size field. */
  size_t hdrs[10];
  const char *hn[10];
  size_t nh = 0;
  hdrs[nh] = L.symhdr, hn[nh++] = "symindex";
  if (L.lnhdr)
    hdrs[nh] = L.lnhdr, hn[nh++] = "longnames";
  for (size_t i = 0; i < nm; i++)
    hdrs[nh] = L.mhdr[i], hn[nh++] = m[i].name;
  for (size_t i = 0; i < nh; i++) {
    c = dup_buf(&a);
    put_text(&c, hdrs[i] + 58, 2, "XX");
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
         "%s-header-bad-fmag", hn[i]);
    c = dup_buf(&a);
    put_text(&c, hdrs[i] + 48, 10, "12a4");
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
         "%s-size-not-numeric", hn[i]);
    c = dup_buf(&a);
    put_text(&c, hdrs[i] + 48, 10, "-5");
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
         "%s-size-negative", hn[i]);
    c = dup_buf(&a);
    put_text(&c, hdrs[i] + 48, 10, "9999999999");
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
         "%s-size-past-end", hn[i]);
  }
  for (size_t i = 0; i < nm; i++) {
    char sz[32];
    c = dup_buf(&a);
    put_text(&c, L.mhdr[i] + 48, 10, "");
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
         "%s-size-blank", m[i].name);
    c = dup_buf(&a);
    snprintf(sz, sizeof sz, "%zu", L.msize[i] + 2);
    put_text(&c, L.mhdr[i] + 48, 10, sz);
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:should", AKW,
         "%s-size+2-misaligns-next", m[i].name);
    c = dup_buf(&a);
    snprintf(sz, sizeof sz, "%zu", L.msize[i] / 2);
    put_text(&c, L.mhdr[i] + 48, 10, sz);
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
         "%s-size-halved", m[i].name);
  }
  {
    /* The last member claims one byte more than the archive has. */
    char sz[32];
    size_t last = nm - 1;
    c = dup_buf(&a);
    snprintf(sz, sizeof sz, "%zu", a.n - L.mdata[last] + 1);
    put_text(&c, L.mhdr[last] + 48, 10, sz);
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
         "last-member-size-past-end-by-1");
  }

  /* The symbol index. */
  c = dup_buf(&a);
  be32(c.d + L.symdata, 0x7fffffff);
  emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
       "index-count-huge");
  c = dup_buf(&a);
  be32(c.d + L.symdata, 0xffffffff);
  emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
       "index-count-overflows");
  c = dup_buf(&a);
  be32(c.d + L.symdata, (uint32_t)(L.symsize / 4));
  emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
       "index-count-fills-member");
  c = dup_buf(&a);
  be32(c.d + L.symdata, 0);
  emit(tag, ".a", &c, "ar-alone:any,ar-linked:any", AKW, "index-count-zero");
  {
    static const struct {
      uint32_t off;
      const char *what;
    } bad[] = {{0, "0"}, {0xffffffff, "0xffffffff"}, {0, "past-end"},
               {0, "mid-member"}, {0, "symindex-itself"}, {0, "odd"}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
      uint32_t v = bad[k].off;
      if (!strcmp(bad[k].what, "past-end"))
        v = (uint32_t)a.n + 100;
      else if (!strcmp(bad[k].what, "mid-member"))
        v = (uint32_t)(L.mdata[0] + 10);
      else if (!strcmp(bad[k].what, "symindex-itself"))
        v = (uint32_t)L.symhdr;
      else if (!strcmp(bad[k].what, "odd"))
        v = (uint32_t)L.mhdr[0] + 1;
      c = dup_buf(&a);
      /* Every entry, so that whichever symbol is looked up hits it. */
      for (uint32_t i = 0; i < L.nsyms; i++)
        be32(c.d + L.firstoff + 4 * i, v);
      emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
           "index-offsets=%s", bad[k].what);
    }
  }
  c = dup_buf(&a);
  for (size_t i = L.strs; i < L.symdata + L.symsize; i++)
    if (c.d[i] == 0)
      c.d[i] = 'x';
  emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
       "index-names-not-terminated");
  c = dup_buf(&a);
  put_text(&c, L.symhdr + 48, 10, "4");
  emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
       "index-member-size=4");
  c = dup_buf(&a);
  put_text(&c, L.symhdr + 48, 10, "2");
  emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
       "index-member-size=2");
  c = dup_buf(&a);
  put_text(&c, L.symhdr, 16, "/SYM64/");
  emit(tag, ".a", &c, "ar-alone:should,ar-linked:should", AKW,
       "index-renamed-SYM64");

  /* Long names. */
  for (size_t i = 0; i < nm; i++) {
    if (strlen(m[i].name) <= 15)
      continue;
    c = dup_buf(&a);
    put_text(&c, L.mhdr[i], 16, "/9999");
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
         "%s-longname-out-of-range", m[i].name);
    c = dup_buf(&a);
    put_text(&c, L.mhdr[i], 16, "/abc");
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
         "%s-longname-not-numeric", m[i].name);
    c = dup_buf(&a);
    put_text(&c, L.mhdr[i], 16, "/4294967299");
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
         "%s-longname-offset-overflows", m[i].name);
  }
  if (L.lnhdr) {
    c = dup_buf(&a);
    put_text(&c, L.lnhdr + 48, 10, "0");
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:should", AKW,
         "longname-table-size-0");
    c = dup_buf(&a);
    for (size_t i = L.lndata; i < L.lndata + L.lnsize; i++)
      if (c.d[i] == '/' || c.d[i] == '\n')
        c.d[i] = 'x';
    emit(tag, ".a", &c, "ar-alone:any,ar-linked:any", AKW,
         "longname-table-unterminated");
    c = dup_buf(&a);
    put_text(&c, L.lnhdr, 16, "xx/");
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:should", AKW,
         "longname-table-missing");
  }

  /* Members that are not ELF, or are broken ELF inside a sound archive. */
  c = dup_buf(&a);
  for (size_t i = 0; i < L.msize[0]; i++)
    c.d[L.mdata[0] + i] = (uint8_t)"This is not an object file.\n"[i % 28];
  emit(tag, ".a", &c, "ar-alone:any,ar-linked:fail", AKW, "member-not-ELF");
  c = dup_buf(&a);
  memcpy(c.d + L.mdata[1], "!<arch>\n", 8);
  emit(tag, ".a", &c, "ar-alone:any,ar-linked:fail", AKW,
       "member-is-nested-archive-magic");
  {
    /* The member's section headers run past the member into the next
     * one: a reader that checks against the archive's size, not the
     * member's, would read the next member's bytes as headers. */
    Elf64_Ehdr eh;
    memcpy(&eh, a.d + L.mdata[0], sizeof eh);
    c = dup_buf(&a);
    put(&c, L.mdata[0] + offsetof(Elf64_Ehdr, e_shoff), 8,
        L.msize[0] - 32);
    emit(tag, ".a", &c, "ar-alone:any,ar-linked:fail", AKW,
         "member-e_shoff-straddles-member-end");
    c = dup_buf(&a);
    put(&c, L.mdata[0] + offsetof(Elf64_Ehdr, e_shoff), 8,
        (L.msize[0] + 60 + 7) & ~(size_t)7);
    emit(tag, ".a", &c, "ar-alone:any,ar-linked:fail", AKW,
         "member-e_shoff-in-next-member");
    c = dup_buf(&a);
    put(&c, L.mdata[0] + EI_CLASS, 1, ELFCLASS32);
    emit(tag, ".a", &c, "ar-alone:any,ar-linked:fail", AKW,
         "member-elfclass32");
    /* The member's size cut to end just before its section headers. */
    char sz[32];
    c = dup_buf(&a);
    snprintf(sz, sizeof sz, "%llu", (unsigned long long)eh.e_shoff);
    put_text(&c, L.mhdr[0] + 48, 10, sz);
    emit(tag, ".a", &c, "ar-alone:should,ar-linked:fail", AKW,
         "member-size-excludes-section-headers");
  }

  /* Truncations. */
  {
    uint64_t cut[256];
    size_t n = 0;
    static const uint64_t fixed[] = {0, 1, 4, 7, 8, 9, 30, 59, 60, 61, 64};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
      cut[n++] = fixed[i];
    for (int k = 1; k < 16; k++)
      cut[n++] = a.n * (uint64_t)k / 16;
    cut[n++] = L.symdata + 3;
    cut[n++] = L.strs + 5;
    if (L.lnhdr) {
      cut[n++] = L.lnhdr + 30;
      cut[n++] = L.lndata + L.lnsize / 2;
    }
    for (size_t i = 0; i < nm; i++) {
      cut[n++] = L.mhdr[i] + 30;
      cut[n++] = L.mdata[i];
      cut[n++] = L.mdata[i] + 20;
      cut[n++] = L.mdata[i] + L.msize[i] / 2;
      cut[n++] = L.mdata[i] + L.msize[i] - 1;
    }
    cut[n++] = a.n - 1;
    qsort(cut, n, sizeof cut[0], cmp_u64);
    for (size_t i = 0; i < n; i++) {
      if ((i > 0 && cut[i] == cut[i - 1]) || cut[i] >= a.n)
        continue;
      const char *ex = cut[i] < 8    ? "ar-alone:fail,ar-linked:fail"
                       : cut[i] == 8 ? "ar-alone:any,ar-linked:any"
                                     : "ar-alone:should,ar-linked:fail";
      c = trunc_buf(&a, cut[i]);
      emit(tag, ".a", &c, ex, AKW, "truncated-at-%llu-of-%zu",
           (unsigned long long)cut[i], a.n);
    }
  }
  free(a.d);
}

/* ---- main ------------------------------------------------------------- */

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

int main(int argc, char **argv) {
  char path[4096];
  int i;
  if (argc < 3) {
    fprintf(stderr, "usage: %s OUTDIR SEED.o... [-- MEMBER.o...]\n", argv[0]);
    return 2;
  }
  outdir = argv[1];
  snprintf(path, sizeof path, "%s/manifest.txt", outdir);
  manifest = fopen(path, "w");
  if (!manifest)
    die("%s: %s", path, strerror(errno));
  for (i = 2; i < argc && strcmp(argv[i], "--"); i++) {
    seed s;
    char tag[256];
    memset(&s, 0, sizeof s);
    parse_seed(&s, argv[i]);
    snprintf(tag, sizeof tag, "%s", base_name(argv[i]));
    char *dot = strrchr(tag, '.');
    if (dot)
      *dot = '\0';
    /* The seed itself, as a control: it must be accepted. */
    snprintf(path, sizeof path, "%s.o", tag);
    write_file(path, &s.b);
    fprintf(manifest, "%s\telf\tcontrol\t-\tthe unmutated seed\n", path);
    truncations(&s, tag);
    header_fields(&s, tag);
    section_bounds(&s, tag);
    links(&s, tag);
    types_and_flags(&s, tag);
    entsizes(&s, tag);
    alignments(&s, tag);
    symbols(&s, tag);
    strings(&s, tag);
    relocs(&s, tag);
    groups(&s, tag);
    free(s.sh);
    free(s.b.d);
  }
  if (i < argc) {
    member m[8];
    size_t nm = 0;
    for (i++; i < argc && nm < 8; i++) {
      m[nm].obj = load(argv[i]);
      m[nm].name = base_name(argv[i]);
      defined_globals(&m[nm]);
      nm++;
    }
    if (nm > 0)
      archives(m, nm);
    for (size_t k = 0; k < nm; k++) {
      for (size_t j = 0; j < m[k].nsyms; j++)
        free(m[k].syms[j]);
      free(m[k].syms);
      free(m[k].obj.d);
    }
  }
  if (fclose(manifest) != 0)
    die("manifest: %s", strerror(errno));
  printf("gen_malformed: %u variants in %s\n", nvariants, outdir);
  return 0;
}
