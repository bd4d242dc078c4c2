/*
 * elf.c - read and validate an ELF64 x86-64 relocatable object.
 *
 * Like the kernel's elf_validity_* checks, everything the linker will later
 * trust is checked here, once, before anything is changed: after
 * reload__obj_parse() succeeds, every section range lies in the buffer,
 * every string is NUL-terminated inside its table, every symbol's section
 * index is valid and every relocation that will be applied names a valid
 * symbol and writes inside its section.  The rest of the core relies on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define BAD(...) reload__err(ctx, RELOAD_EBADELF, o->name, __VA_ARGS__)

/* True when [off, off+len) lies inside a buffer of `size` bytes. */
static bool inside(uint64_t off, uint64_t len, uint64_t size) {
  return off <= size && len <= size - off;
}

static const char *secname(const reload__obj *o, uint32_t i) {
  static const char unnamed[] = "?";
  if (!o->shstr || i >= o->nsec || o->sh[i].sh_name >= o->shstrsz)
    return unnamed;
  return o->shstr + o->sh[i].sh_name;
}

const char *reload__sym_name(const reload__obj *o, uint32_t i) {
  const Elf64_Sym *s = &o->sym[i];
  if (ELF64_ST_TYPE(s->st_info) == STT_SECTION && s->st_name == 0) {
    uint32_t sec = reload__sym_shndx(o, i);
    return sec < o->nsec ? o->secs[sec].name : "?";
  }
  return o->str + s->st_name;
}

bool reload__is_ehframe(const reload__obj *o, uint32_t i) {
  return o->sh[i].sh_type == SHT_X86_64_UNWIND ||
         strcmp(o->secs[i].name, ".eh_frame") == 0;
}

uint32_t reload__sym_shndx(const reload__obj *o, uint32_t i) {
  uint32_t x = o->sym[i].st_shndx;
  if (x == SHN_XINDEX && o->shndx)
    return o->shndx[i];
  return x;
}

/* Bytes a relocation writes; 0 for none, -1 for types we do not know. */
int reload__rel_width(uint32_t type) {
  switch (type) {
  case R_X86_64_NONE:
    return 0;
  case R_X86_64_64:
  case R_X86_64_PC64:
  case R_X86_64_GOTOFF64:
  case R_X86_64_GOTPC64:
  case R_X86_64_GOT64:
  case R_X86_64_GOTPCREL64:
  case R_X86_64_PLTOFF64:
  case R_X86_64_SIZE64:
  case R_X86_64_DTPOFF64:
  case R_X86_64_TPOFF64:
  case R_X86_64_DTPMOD64:
    return 8;
  case R_X86_64_PC32:
  case R_X86_64_PLT32:
  case R_X86_64_32:
  case R_X86_64_32S:
  case R_X86_64_GOT32:
  case R_X86_64_GOTPCREL:
  case R_X86_64_GOTPCRELX:
  case R_X86_64_REX_GOTPCRELX:
  case R_X86_64_GOTPC32:
  case R_X86_64_SIZE32:
  case R_X86_64_TLSGD:
  case R_X86_64_TLSLD:
  case R_X86_64_DTPOFF32:
  case R_X86_64_GOTTPOFF:
  case R_X86_64_TPOFF32:
  case R_X86_64_GOTPC32_TLSDESC:
    return 4;
  case R_X86_64_16:
  case R_X86_64_PC16:
    return 2;
  case R_X86_64_8:
  case R_X86_64_PC8:
    return 1;
  case R_X86_64_TLSDESC_CALL:
    return 0;
  }
  return -1;
}

static int check_strtab(reload_ctx *ctx, reload__obj *o, uint32_t i,
                        const char *what) {
  const Elf64_Shdr *s = &o->sh[i];
  if (s->sh_type != SHT_STRTAB)
    return BAD("%s section %u (%s) is not a string table", what, i,
               secname(o, i));
  if (s->sh_size == 0 || o->data[s->sh_offset + s->sh_size - 1] != '\0')
    return BAD("%s section %u (%s) is empty or not NUL-terminated", what, i,
               secname(o, i));
  return 0;
}

/* The header and the section table: sizes, counts and ranges. */
static int check_header(reload_ctx *ctx, reload__obj *o) {
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)o->data;
  if (o->size < sizeof *eh)
    return BAD("file too short for an ELF header (%zu bytes)", o->size);
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
    return BAD("not an ELF file (bad magic)");
  if (eh->e_ident[EI_CLASS] != ELFCLASS64)
    return BAD("not a 64-bit ELF object (class %u); build for x86-64",
               eh->e_ident[EI_CLASS]);
  if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
    return BAD("not a little-endian ELF object");
  if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
    return BAD("unknown ELF version %u/%u", eh->e_ident[EI_VERSION],
               eh->e_version);
  if (eh->e_ehsize != sizeof *eh)
    return BAD("bad ELF header size %u (want %zu)", eh->e_ehsize, sizeof *eh);
  if (eh->e_type != ET_REL)
    return BAD("not a relocatable object (e_type %u); pass .o files built "
               "with -c, not executables or shared libraries",
               eh->e_type);
  if (eh->e_machine != EM_X86_64)
    return BAD("not an x86-64 object (e_machine %u)", eh->e_machine);
  if (eh->e_shentsize != sizeof(Elf64_Shdr))
    return BAD("bad section header size %u (want %zu)", eh->e_shentsize,
               sizeof(Elf64_Shdr));
  if (eh->e_shoff == 0)
    return BAD("no section header table");
  if (eh->e_shoff % 8)
    return BAD("section header table offset %#llx is misaligned",
               (unsigned long long)eh->e_shoff);
  if (!inside(eh->e_shoff, sizeof(Elf64_Shdr), o->size))
    return BAD("section header table at %#llx lies outside the file (%zu "
               "bytes); the file is truncated or corrupt",
               (unsigned long long)eh->e_shoff, o->size);
  o->eh = eh;
  o->sh = (const Elf64_Shdr *)(const void *)(o->data + eh->e_shoff);
  uint64_t n = eh->e_shnum;
  if (n == 0) /* extended numbering: the count is in section 0 */
    n = o->sh[0].sh_size;
  if (n == 0 || n > (o->size - eh->e_shoff) / sizeof(Elf64_Shdr))
    return BAD("section header table (%llu entries at %#llx) runs past the "
               "end of the file (%zu bytes); the file is truncated",
               (unsigned long long)n, (unsigned long long)eh->e_shoff,
               o->size);
  o->nsec = (uint32_t)n;
  uint32_t shstrndx = eh->e_shstrndx;
  if (shstrndx == SHN_XINDEX)
    shstrndx = o->sh[0].sh_link;
  if (shstrndx == 0 || shstrndx >= o->nsec)
    return BAD("section name table index %u out of range (%u sections)",
               shstrndx, o->nsec);

  for (uint32_t i = 1; i < o->nsec; i++) {
    const Elf64_Shdr *s = &o->sh[i];
    if (s->sh_type != SHT_NOBITS &&
        !inside(s->sh_offset, s->sh_size, o->size))
      return BAD("section %u: contents [%#llx, +%#llx) lie outside the file "
                 "(%zu bytes); the file is truncated or corrupt",
                 i, (unsigned long long)s->sh_offset,
                 (unsigned long long)s->sh_size, o->size);
    if (s->sh_addralign & (s->sh_addralign - 1))
      return BAD("section %u: alignment %llu is not a power of two", i,
                 (unsigned long long)s->sh_addralign);
    if ((s->sh_flags & SHF_ALLOC) && s->sh_addralign > (1u << 20))
      return BAD("section %u: alignment %llu is larger than 1 MiB, which "
                 "reload does not support",
                 i, (unsigned long long)s->sh_addralign);
    if ((s->sh_flags & SHF_ALLOC) && (s->sh_flags & SHF_COMPRESSED))
      return BAD("section %u: compressed, but loaded sections cannot be; "
                 "rebuild without --compress-debug-sections on it",
                 i);
    if ((s->sh_flags & SHF_ALLOC) && s->sh_size > (1ull << 40))
      return BAD("section %u: size %llu is implausible", i,
                 (unsigned long long)s->sh_size);
    if (s->sh_link >= o->nsec &&
        (s->sh_type == SHT_SYMTAB || s->sh_type == SHT_RELA ||
         s->sh_type == SHT_REL || s->sh_type == SHT_GROUP ||
         s->sh_type == SHT_SYMTAB_SHNDX))
      return BAD("section %u: sh_link %u out of range (%u sections)", i,
                 s->sh_link, o->nsec);
  }
  int r = 0;
  o->shstr = (const char *)o->data + o->sh[shstrndx].sh_offset;
  o->shstrsz = o->sh[shstrndx].sh_size;
  if (o->sh[shstrndx].sh_type != SHT_STRTAB || o->shstrsz == 0 ||
      o->shstr[o->shstrsz - 1] != '\0') {
    o->shstr = NULL;
    return BAD("section name table (section %u) is not a NUL-terminated "
               "string table",
               shstrndx);
  }
  for (uint32_t i = 0; i < o->nsec; i++)
    if (o->sh[i].sh_name >= o->shstrsz)
      return BAD("section %u: name offset %u outside the section name "
                 "table",
                 i, o->sh[i].sh_name);
  return r;
}

static int check_symtab(reload_ctx *ctx, reload__obj *o) {
  uint32_t symsec = 0, xsec = 0;
  for (uint32_t i = 1; i < o->nsec; i++) {
    if (o->sh[i].sh_type == SHT_SYMTAB) {
      if (symsec)
        return BAD("more than one symbol table (sections %u and %u)",
                   symsec, i);
      symsec = i;
    } else if (o->sh[i].sh_type == SHT_SYMTAB_SHNDX) {
      xsec = i;
    }
  }
  if (!symsec)
    return 0; /* an object with no symbols is odd but legal */
  const Elf64_Shdr *s = &o->sh[symsec];
  if (s->sh_entsize != sizeof(Elf64_Sym) || s->sh_size % sizeof(Elf64_Sym))
    return BAD("symbol table (section %u): entry size %llu or size %llu is "
               "not a multiple of %zu",
               symsec, (unsigned long long)s->sh_entsize,
               (unsigned long long)s->sh_size, sizeof(Elf64_Sym));
  if (s->sh_offset % 8)
    return BAD("symbol table (section %u) is misaligned", symsec);
  uint64_t n = s->sh_size / sizeof(Elf64_Sym);
  if (n == 0 || n > UINT32_MAX / 8)
    return BAD("symbol table (section %u) has %llu entries", symsec,
               (unsigned long long)n);
  if (s->sh_info > n)
    return BAD("symbol table (section %u): first global %u beyond its %llu "
               "entries",
               symsec, s->sh_info, (unsigned long long)n);
  int r = check_strtab(ctx, o, s->sh_link, "symbol string table");
  if (r)
    return r;
  if (o->data[o->sh[s->sh_link].sh_offset] != '\0')
    return BAD("symbol string table (section %u) does not start with a NUL",
               s->sh_link);
  o->symsec = symsec;
  o->sym = (const Elf64_Sym *)(const void *)(o->data + s->sh_offset);
  o->nsym = (uint32_t)n;
  o->firstglobal = s->sh_info;
  o->str = (const char *)o->data + o->sh[s->sh_link].sh_offset;
  o->strsz = o->sh[s->sh_link].sh_size;
  if (xsec) {
    const Elf64_Shdr *x = &o->sh[xsec];
    if (x->sh_link != symsec || x->sh_size != n * 4 || x->sh_offset % 4)
      return BAD("extended section index table (section %u) does not match "
                 "the symbol table",
                 xsec);
    o->shndx = (const uint32_t *)(const void *)(o->data + x->sh_offset);
  }
  for (uint32_t i = 0; i < o->nsym; i++) {
    const Elf64_Sym *y = &o->sym[i];
    if (y->st_name >= o->strsz)
      return BAD("symbol %u: name offset %u outside the string table", i,
                 y->st_name);
    uint32_t sec = y->st_shndx;
    if (sec == SHN_XINDEX) {
      if (!o->shndx)
        return BAD("symbol %u (%s): extended section index without a "
                   "SHT_SYMTAB_SHNDX section",
                   i, o->str + y->st_name);
      sec = o->shndx[i];
    } else if (sec >= SHN_LORESERVE) {
      if (sec != SHN_ABS && sec != SHN_COMMON)
        return BAD("symbol %u (%s): unsupported special section index %#x",
                   i, o->str + y->st_name, sec);
      if (sec == SHN_COMMON && (y->st_value & (y->st_value - 1)))
        return BAD("symbol %u (%s): common alignment %llu is not a power of "
                   "two",
                   i, o->str + y->st_name, (unsigned long long)y->st_value);
      if (sec == SHN_COMMON && y->st_value > (1u << 20))
        return BAD("symbol %u (%s): common alignment %llu is larger than 1 "
                   "MiB",
                   i, o->str + y->st_name, (unsigned long long)y->st_value);
      if (sec == SHN_COMMON && y->st_size > (1ull << 40))
        return BAD("symbol %u (%s): common size %llu is implausible", i,
                   o->str + y->st_name, (unsigned long long)y->st_size);
      continue;
    }
    if (sec >= o->nsec)
      return BAD("symbol %u (%s): section index %u out of range (%u "
                 "sections)",
                 i, o->str + y->st_name, sec, o->nsec);
    if (sec != SHN_UNDEF && (o->sh[sec].sh_flags & SHF_ALLOC) &&
        y->st_value > o->sh[sec].sh_size)
      return BAD("symbol %u (%s): value %#llx lies beyond its section %u "
                 "(%s, %llu bytes)",
                 i, o->str + y->st_name, (unsigned long long)y->st_value, sec,
                 secname(o, sec), (unsigned long long)o->sh[sec].sh_size);
    unsigned bind = ELF64_ST_BIND(y->st_info);
    if (bind != STB_LOCAL && bind != STB_GLOBAL && bind != STB_WEAK &&
        bind != STB_GNU_UNIQUE)
      return BAD("symbol %u (%s): unknown binding %u", i,
                 o->str + y->st_name, bind);
    if (i >= o->firstglobal && bind == STB_LOCAL)
      return BAD("symbol %u (%s): local symbol after the first global (%u)",
                 i, o->str + y->st_name, o->firstglobal);
    if (i < o->firstglobal && i > 0 && bind != STB_LOCAL)
      return BAD("symbol %u (%s): global symbol among the locals (the first "
                 "global is %u)",
                 i, o->str + y->st_name, o->firstglobal);
  }
  return 0;
}

static int check_rela(reload_ctx *ctx, reload__obj *o, uint32_t i) {
  const Elf64_Shdr *s = &o->sh[i];
  uint32_t t = s->sh_info;
  if (t == 0 || t >= o->nsec)
    return BAD("relocation section %u (%s): target section %u out of range",
               i, secname(o, i), t);
  const Elf64_Shdr *ts = &o->sh[t];
  /* Relocations for sections we do not load (debug info) are not applied,
   * so they need not be checked either. */
  if (!(ts->sh_flags & SHF_ALLOC))
    return 0;
  if (s->sh_type == SHT_REL)
    return BAD("relocation section %u (%s): SHT_REL is not used on x86-64; "
               "rebuild the object with a standard x86-64 toolchain",
               i, secname(o, i));
  if (s->sh_entsize != sizeof(Elf64_Rela) || s->sh_size % sizeof(Elf64_Rela))
    return BAD("relocation section %u (%s): entry size %llu or size %llu is "
               "not a multiple of %zu",
               i, secname(o, i), (unsigned long long)s->sh_entsize,
               (unsigned long long)s->sh_size, sizeof(Elf64_Rela));
  if (s->sh_offset % 8)
    return BAD("relocation section %u (%s) is misaligned", i, secname(o, i));
  if (!o->sym || s->sh_link != o->symsec)
    return BAD("relocation section %u (%s): linked to section %u, which is "
               "not the symbol table",
               i, secname(o, i), s->sh_link);
  if (o->secs[t].rela)
    return BAD("section %u (%s) has two relocation sections (%u and %u)", t,
               secname(o, t), o->secs[t].rela, i);
  o->secs[t].rela = i;
  const Elf64_Rela *r = (const Elf64_Rela *)(const void *)(o->data + s->sh_offset);
  uint64_t n = s->sh_size / sizeof *r;
  uint64_t tsize = ts->sh_size;
  for (uint64_t k = 0; k < n; k++) {
    uint32_t sym = ELF64_R_SYM(r[k].r_info);
    uint32_t type = ELF64_R_TYPE(r[k].r_info);
    if (sym >= o->nsym)
      return BAD("relocation %llu in %s: symbol index %u out of range (%u "
                 "symbols)",
                 (unsigned long long)k, secname(o, i), sym, o->nsym);
    int w = reload__rel_width(type);
    if (w < 0)
      return reload__err(ctx, RELOAD_EUNSUP, o->name,
                         "relocation %llu in %s: unknown relocation type %u "
                         "against '%s'; reload supports what gcc and clang "
                         "emit for C",
                         (unsigned long long)k, secname(o, i), type,
                         reload__sym_name(o, sym));
    /* -fno-pic code: the arena must then be placed below 2 GiB. */
    if (type == R_X86_64_32 || type == R_X86_64_32S)
      o->abs32 = true;
    if (type == R_X86_64_GOTTPOFF || type == R_X86_64_TPOFF32 ||
        type == R_X86_64_TPOFF64)
      o->tls_ie = true;
    if (ts->sh_type == SHT_NOBITS && type != R_X86_64_NONE)
      return BAD("relocation %llu in %s: patches section %s, which has no "
                 "contents",
                 (unsigned long long)k, secname(o, i), secname(o, t));
    if (!inside(r[k].r_offset, (uint64_t)w, tsize))
      return BAD("relocation %llu in %s: offset %#llx (+%d bytes) lies "
                 "outside section %s (%llu bytes)",
                 (unsigned long long)k, secname(o, i),
                 (unsigned long long)r[k].r_offset, w, secname(o, t),
                 (unsigned long long)tsize);
  }
  o->nrela += n;
  bool sorted = true;
  for (uint64_t k = 1; k < n && sorted; k++)
    sorted = r[k - 1].r_offset <= r[k].r_offset;
  o->secs[t].rsorted = sorted;
  return 0;
}

static int check_group(reload_ctx *ctx, reload__obj *o, uint32_t i) {
  const Elf64_Shdr *s = &o->sh[i];
  if (s->sh_entsize != 4 || s->sh_size < 4 || s->sh_size % 4 ||
      s->sh_offset % 4)
    return BAD("group section %u (%s): bad size %llu or entry size %llu", i,
               secname(o, i), (unsigned long long)s->sh_size,
               (unsigned long long)s->sh_entsize);
  if (!o->sym || s->sh_link != o->symsec || s->sh_info >= o->nsym)
    return BAD("group section %u (%s): signature symbol %u invalid", i,
               secname(o, i), s->sh_info);
  const uint32_t *w = (const uint32_t *)(const void *)(o->data + s->sh_offset);
  if (w[0] & ~(uint32_t)GRP_COMDAT)
    return BAD("group section %u (%s): unknown flags %#x", i, secname(o, i),
               w[0]);
  if (s->sh_info == 0)
    return BAD("group section %u (%s): no signature symbol", i,
               secname(o, i));
  for (uint64_t k = 1; k < s->sh_size / 4; k++)
    if (w[k] == 0 || w[k] >= o->nsec || w[k] == i || w[k] == o->symsec)
      return BAD("group section %u (%s): member %u out of range", i,
                 secname(o, i), w[k]);
  return 0;
}

/* Sections that are written only by relocation, which ld puts in RELRO
 * and ld.so makes read-only once relocated: const tables of pointers,
 * vtables, computed-goto label tables.  They belong to their version, as
 * .rodata does; they are never the program's state. */
static bool relro(const char *name) {
  return strncmp(name, ".data.rel.ro", 12) == 0 &&
         (name[12] == 0 || name[12] == '.');
}

static uint8_t classify(const Elf64_Shdr *s, const char *name) {
  if (!(s->sh_flags & SHF_ALLOC))
    return RELOAD__CLS_NONE;
  switch (s->sh_type) {
  case SHT_PROGBITS:
  case SHT_NOBITS:
  case SHT_INIT_ARRAY:
  case SHT_FINI_ARRAY:
  case SHT_PREINIT_ARRAY:
  case SHT_X86_64_UNWIND:
    break;
  default:
    /* Notes (.note.gnu.property) and the like describe the object for a
     * static linker; nothing at run time reads them. */
    return RELOAD__CLS_NONE;
  }
  if (s->sh_flags & SHF_TLS)
    return RELOAD__CLS_TLS;
  if (s->sh_flags & SHF_EXECINSTR)
    return RELOAD__CLS_TEXT;
  if ((s->sh_flags & SHF_WRITE) && !relro(name))
    return RELOAD__CLS_DATA;
  return RELOAD__CLS_RODATA;
}

int reload__obj_parse(reload_ctx *ctx, reload__obj *o) {
  int r = check_header(ctx, o);
  if (r)
    return r;
  o->secs = calloc(o->nsec, sizeof *o->secs);
  if (!o->secs)
    return reload__err(ctx, RELOAD_ENOMEM, o->name, "out of memory");
  for (uint32_t i = 0; i < o->nsec; i++) {
    o->secs[i].name = o->shstr + o->sh[i].sh_name;
    o->secs[i].cls =
        i ? classify(&o->sh[i], o->secs[i].name) : RELOAD__CLS_NONE;
    /* The assembler marks the note executable when the code needs its
     * stack to run (gcc's trampolines for nested functions whose address
     * is taken); ld would make the whole stack writable and executable,
     * which reload never does to any page. */
    if (i && (o->sh[i].sh_flags & SHF_EXECINSTR) &&
        strcmp(o->secs[i].name, ".note.GNU-stack") == 0)
      return reload__err(ctx, RELOAD_EUNSUP, o->name,
                         "this object needs an executable stack (its "
                         ".note.GNU-stack section is marked executable, as "
                         "for gcc's nested functions whose address is "
                         "taken); reload never makes memory writable and "
                         "executable: rewrite such nested functions as "
                         "ordinary ones");
  }
  if ((r = check_symtab(ctx, o)))
    return r;
  for (uint32_t i = 1; i < o->nsec; i++) {
    uint32_t t = o->sh[i].sh_type;
    if (t == SHT_RELA || t == SHT_REL)
      r = check_rela(ctx, o, i);
    else if (t == SHT_GROUP)
      r = check_group(ctx, o, i);
    if (r)
      return r;
  }
  return 0;
}

void reload__obj_free(reload__obj *o) {
  if (!o)
    return;
  free(o->gidx);
  free(o->pairs);
  free(o->fns);
  free(o->gone);
  free(o->direct);
  free(o->drel);
  free(o->wlog);
  free(o->chunks);
  free(o->secs);
  free(o->symval);
  free(o->got);
  free(o->plt);
  free(o->tlsgd);
  if (o->ownlen)
    munmap(o->own, o->ownlen);
  else
    free(o->own);
  free(o->name);
  free(o);
}
