/*
 * describe.c - `reloadd inspect`: an object's sections, symbols and
 * relocation types as tables, with what the loader will do with each.
 * It validates exactly as a link does, so what it shows is what a link
 * would see.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct out {
  reload_write_fn write;
  void *ud;
};

static void say(struct out *w, const char *fmt, ...) RELOAD__PRINTF(2, 3);
static void say(struct out *w, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0)
    w->write(w->ud, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static const char *sectype(uint32_t t) {
  switch (t) {
  case SHT_NULL: return "NULL";
  case SHT_PROGBITS: return "PROGBITS";
  case SHT_SYMTAB: return "SYMTAB";
  case SHT_STRTAB: return "STRTAB";
  case SHT_RELA: return "RELA";
  case SHT_NOBITS: return "NOBITS";
  case SHT_NOTE: return "NOTE";
  case SHT_GROUP: return "GROUP";
  case SHT_INIT_ARRAY: return "INIT_ARRAY";
  case SHT_FINI_ARRAY: return "FINI_ARRAY";
  case SHT_PREINIT_ARRAY: return "PREINIT_ARRAY";
  case SHT_SYMTAB_SHNDX: return "SYMTAB_SHNDX";
  case SHT_X86_64_UNWIND: return "X86_64_UNWIND";
  case SHT_GNU_versym: return "GNU_versym";
  case 0x6fff4c00: return "LLVM_ADDRSIG";
  }
  return "OTHER";
}

static const char *action(const reload__obj *o, uint32_t i) {
  const reload__sec *s = &o->secs[i];
  const Elf64_Shdr *sh = &o->sh[i];
  switch (s->cls) {
  case RELOAD__CLS_TEXT: return "load: code (r-x)";
  case RELOAD__CLS_RODATA:
    if (strcmp(s->name, ".eh_frame") == 0)
      return "load: read-only (unwind info)";
    return "load: read-only (r--)";
  case RELOAD__CLS_DATA:
    if (sh->sh_type == SHT_NOBITS) return "load: zeroed data (rw-)";
    if (sh->sh_type == SHT_INIT_ARRAY) return "load: data, run at start";
    if (sh->sh_type == SHT_FINI_ARRAY) return "load: data, run at exit";
    return "load: data (rw-)";
  case RELOAD__CLS_TLS: return "load: thread-local image";
  }
  switch (sh->sh_type) {
  case SHT_NULL: return "";
  case SHT_SYMTAB: return "read: symbols";
  case SHT_STRTAB: return "read: names";
  case SHT_RELA:
    return o->sh[sh->sh_info < o->nsec ? sh->sh_info : 0].sh_flags & SHF_ALLOC
               ? "apply: relocations"
               : "skip: relocations of unloaded section";
  case SHT_GROUP: return "read: COMDAT group (first one wins)";
  case SHT_SYMTAB_SHNDX: return "read: extended section indices";
  case SHT_NOTE: return "skip: note";
  }
  if (strncmp(s->name, ".debug", 6) == 0)
    return "skip: debug info (kept for debuggers)";
  return "skip: not loaded";
}

static const char *bindname(unsigned b) {
  return b == STB_LOCAL ? "LOCAL" : b == STB_GLOBAL ? "GLOBAL"
         : b == STB_WEAK ? "WEAK" : b == STB_GNU_UNIQUE ? "UNIQUE" : "?";
}

static const char *typename(unsigned t) {
  static const char *const n[] = {"NOTYPE", "OBJECT", "FUNC",   "SECTION",
                                  "FILE",   "COMMON", "TLS"};
  return t < 7 ? n[t] : t == STT_GNU_IFUNC ? "IFUNC" : "?";
}

static const char *visname(unsigned v) {
  static const char *const n[] = {"DEFAULT", "INTERNAL", "HIDDEN",
                                  "PROTECTED"};
  return n[v & 3];
}

static const char *symaction(const reload__obj *o, uint32_t i) {
  const Elf64_Sym *y = &o->sym[i];
  uint32_t sec = reload__sym_shndx(o, i);
  unsigned b = ELF64_ST_BIND(y->st_info), t = ELF64_ST_TYPE(y->st_info);
  if (t == STT_FILE)
    return "-";
  if (sec == SHN_UNDEF)
    return b == STB_WEAK ? "resolve, NULL if absent" : "resolve";
  if (sec == SHN_COMMON)
    return "allocate (common)";
  if (b == STB_LOCAL)
    return t == STT_SECTION ? "section address" : "local";
  if (t == STT_TLS)
    return "define (thread-local)";
  return b == STB_WEAK ? "define (weak)" : "define";
}

static void describe_obj(struct out *w, reload__obj *o) {
  say(w, "%s: ELF64 x86-64 relocatable, %u sections, %u symbols, %" PRIu64
         " relocations\n\n",
      o->name, o->nsec, o->nsym, o->nrela);
  say(w, "Sections\n  %-4s %-24s %-13s %-5s %10s %6s  %s\n", "idx", "name",
      "type", "flags", "size", "align", "loader");
  for (uint32_t i = 1; i < o->nsec; i++) {
    const Elf64_Shdr *sh = &o->sh[i];
    char fl[8], *f = fl;
    if (sh->sh_flags & SHF_ALLOC) *f++ = 'A';
    if (sh->sh_flags & SHF_WRITE) *f++ = 'W';
    if (sh->sh_flags & SHF_EXECINSTR) *f++ = 'X';
    if (sh->sh_flags & SHF_MERGE) *f++ = 'M';
    if (sh->sh_flags & SHF_TLS) *f++ = 'T';
    if (sh->sh_flags & SHF_GROUP) *f++ = 'G';
    *f = 0;
    say(w, "  %-4u %-24.24s %-13s %-5s %10" PRIu64 " %6" PRIu64 "  %s\n", i,
        o->secs[i].name, sectype(sh->sh_type), fl, (uint64_t)sh->sh_size,
        (uint64_t)sh->sh_addralign, action(o, i));
  }
  say(w, "\nSymbols\n  %-6s %-32s %-7s %-7s %-9s %-8s %10s  %s\n", "idx",
      "name", "bind", "type", "vis", "section", "size", "loader");
  for (uint32_t i = 1; i < o->nsym; i++) {
    const Elf64_Sym *y = &o->sym[i];
    uint32_t sec = reload__sym_shndx(o, i);
    char secs[16];
    if (sec == SHN_UNDEF) snprintf(secs, sizeof secs, "UNDEF");
    else if (sec == SHN_ABS) snprintf(secs, sizeof secs, "ABS");
    else if (sec == SHN_COMMON) snprintf(secs, sizeof secs, "COMMON");
    else snprintf(secs, sizeof secs, "%u", sec);
    say(w, "  %-6u %-32.32s %-7s %-7s %-9s %-8s %10" PRIu64 "  %s\n", i,
        reload__sym_name(o, i), bindname(ELF64_ST_BIND(y->st_info)),
        typename(ELF64_ST_TYPE(y->st_info)), visname(y->st_other), secs,
        (uint64_t)y->st_size, symaction(o, i));
  }
  /* Relocation types, counted over the sections that will be loaded. */
  uint64_t count[64] = {0}, other = 0;
  for (uint32_t t = 1; t < o->nsec; t++) {
    if (!o->secs[t].rela)
      continue;
    const Elf64_Shdr *rs = &o->sh[o->secs[t].rela];
    const Elf64_Rela *r = (const Elf64_Rela *)(const void *)(o->data + rs->sh_offset);
    for (uint64_t k = 0; k < rs->sh_size / sizeof *r; k++) {
      uint32_t ty = ELF64_R_TYPE(r[k].r_info);
      if (ty < 64)
        count[ty]++;
      else
        other++;
    }
  }
  say(w, "\nRelocations\n  %-26s %8s  %s\n", "type", "count", "loader");
  for (uint32_t ty = 0; ty < 64; ty++) {
    if (!count[ty])
      continue;
    unsigned need = reload__rel_needs(ty);
    const char *what = need & RELOAD__UNSUPPORTED ? reload__rel_why(ty)
                       : need & RELOAD__NEED_GOT  ? "GOT slot in the arena"
                       : need & RELOAD__NEED_PLT
                           ? "direct; stub + GOT slot if the target is a library"
                       : need & RELOAD__NEED_TLSGD ? "GOT pair, our __tls_get_addr"
                       : need & RELOAD__NEED_TLSLD ? "GOT pair, our __tls_get_addr"
                       : need & RELOAD__ABS32
                           ? "absolute 32-bit: arena placed below 2 GiB"
                           : "direct";
    say(w, "  %-26s %8" PRIu64 "  %s%s\n", reload__rel_name(ty), count[ty],
        need & RELOAD__UNSUPPORTED ? "refused: " : "", what);
  }
  if (other)
    say(w, "  %-26s %8" PRIu64 "  refused\n", "(unknown types)", other);
}

struct errbuf {
  char *buf;
  size_t len;
};

static void catch_err(void *ud, int level, const char *file, const char *msg) {
  struct errbuf *e = ud;
  if (level == RELOAD_LOG_ERROR && e->buf && e->len && !e->buf[0])
    snprintf(e->buf, e->len, "%s%s%s", file ? file : "", file ? ": " : "",
             msg);
}

int reload_describe(const char *path, reload_write_fn write, void *ud,
                    char *err, size_t errlen) {
  if (err && errlen)
    err[0] = 0;
  if (!path || !write)
    return RELOAD_EINVAL;
  struct errbuf eb = {err, errlen};
  reload_options opt = {.log = catch_err, .log_ud = &eb};
  reload_ctx *ctx = reload_open(&opt);
  if (!ctx)
    return RELOAD_ENOMEM;
  struct out w = {write, ud};
  int r = reload_add_file(ctx, path);
  if (!r) {
    for (reload__obj *o = ctx->pending; o; o = o->next)
      describe_obj(&w, o);
    for (reload__archive *ar = ctx->archives; ar; ar = ar->next) {
      say(&w, "%s: ar archive, %u members, %u indexed symbols\n\n", ar->path,
          ar->nmembers, ar->nsyms);
      for (uint32_t m = 0; m < ar->nmembers; m++) {
        reload__armember *mem = &ar->members[m];
        reload__obj *o = calloc(1, sizeof *o);
        size_t n = strlen(path) + strlen(mem->name) + 3;
        if (!o || !(o->name = malloc(n)) ||
            !(o->own = malloc(mem->size ? mem->size : 1))) {
          reload__obj_free(o);
          r = RELOAD_ENOMEM;
          break;
        }
        snprintf(o->name, n, "%s(%s)", path, mem->name);
        memcpy(o->own, ar->data + mem->off, mem->size);
        o->data = o->own;
        o->size = mem->size;
        int e = reload__obj_parse(ctx, o);
        if (e) {
          say(&w, "%s\n\n", reload_errmsg(ctx));
          if (!r)
            r = e;
          reload__clear_err(ctx);
        } else {
          describe_obj(&w, o);
          say(&w, "\n");
        }
        reload__obj_free(o);
      }
    }
  }
  reload_close(ctx);
  return r;
}
