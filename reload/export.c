/*
 * export.c - the loaded program seen by the dynamic linker, as an
 * executable linked with -rdynamic is (RELOAD_OPT_EXPORT).
 *
 * An executable's global symbols are in the dynamic linker's global scope:
 * dlsym(RTLD_DEFAULT, ...) finds them, and a plugin opened with dlopen()
 * resolves its undefined symbols against them.  And since the executable
 * comes first in that scope, its definitions interpose on the shared
 * libraries' own references (a program's operator new is the one
 * libstdc++ calls).  Loaded objects are no module of ld.so's, so:
 *
 *  - After each link that defines new global symbols, a small shared
 *    object is made in memory (a memfd) with a dynamic symbol table of
 *    absolute symbols: functions at their stable entries, variables at
 *    their addresses.  It is opened RTLD_GLOBAL.  glibc (2.28 and later)
 *    takes SHN_ABS values as they are.  Entries never move, so the table
 *    stays right across reloads; a symbol is exported once.
 *
 *  - The GOT entries (GLOB_DAT, JUMP_SLOT, and 64-bit data words) of the
 *    shared libraries that name an exported symbol are pointed at it.
 *    The host's own modules are left alone (reloadd's libuv must not call
 *    a hosted libuv), but for the runtime the program shares with it:
 *    libc, libm, libgcc_s and libstdc++.  A program that replaces malloc
 *    and free gets them through alloc.c's dispatcher, everywhere, the
 *    host's frees included: the host's memory predates the program's.
 *
 *  - dlopen(), dlsym() and dladdr() called from loaded code go through
 *    dlfcn.c, which applies the same to libraries opened later.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/* Modules of the host that the program shares natively, by file name. */
static const char *const shared_runtime[] = {
    "libc.so", "libm.so", "libgcc_s.so", "libstdc++.so", NULL,
};

/* The modules that were there before the first context exported. */
static struct {
  uint64_t base;
  char *name;
} *host;
static size_t nhost;
static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static bool host_known;

static int note_host(struct dl_phdr_info *info, size_t size, void *ud) {
  (void)size;
  (void)ud;
  void *v = realloc(host, (nhost + 1) * sizeof *host);
  if (!v)
    return 1;
  host = v;
  host[nhost].base = info->dlpi_addr;
  host[nhost].name = strdup(info->dlpi_name ? info->dlpi_name : "");
  nhost++;
  return 0;
}

void reload__export_init(void) {
  pthread_mutex_lock(&host_lock);
  if (!host_known) {
    dl_iterate_phdr(note_host, NULL);
    host_known = true;
  }
  pthread_mutex_unlock(&host_lock);
}

static bool runtime(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  for (const char *const *r = shared_runtime; *r; r++)
    if (strncmp(b, *r, strlen(*r)) == 0)
      return true;
  return false;
}

/* Whose references a module's are: the program's to interpose on (it
 * is one of the program's libraries, or the runtime both share), the
 * host's own (only its frees are looked at, see alloc.c), or neither. */
enum { M_SKIP, M_HOST, M_PROGRAM };

static int module_class(const struct dl_phdr_info *info, const reload_ctx *ctx) {
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  if (!name[0])
    return M_HOST; /* the host executable */
  if (strstr(name, "/ld-linux") || strstr(name, "linux-vdso") ||
      strstr(name, "/libasan") || strstr(name, "/libtsan") ||
      strstr(name, "/libubsan") || strstr(name, "/liblsan"))
    return M_SKIP; /* the loader, and sanitizers' runtimes */
  for (size_t i = 0; i < ctx->nexports; i++)
    if (ctx->exports[i].base == info->dlpi_addr)
      return M_SKIP; /* ours */
  if (runtime(name))
    return M_PROGRAM;
  for (size_t i = 0; i < nhost; i++)
    if (host[i].base == info->dlpi_addr && strcmp(host[i].name, name) == 0)
      return M_HOST;
  return M_PROGRAM;
}

/* The address a loaded global symbol is exported with, or 0. */
static uint64_t export_addr(reload_ctx *ctx, const reload__gsym *g) {
  if (g->kind != RELOAD__SYM_DEF && g->kind != RELOAD__SYM_WEAK &&
      g->kind != RELOAD__SYM_COMMON)
    return 0;
  if (!g->obj || g->type == STT_TLS || !g->name[0] || g->name[0] == '.')
    return 0;
  if (g->idx < g->obj->nsym) {
    unsigned vis = ELF64_ST_VISIBILITY(g->obj->sym[g->idx].st_other);
    if (vis == STV_HIDDEN || vis == STV_INTERNAL)
      return 0;
  }
  if (g->type == STT_FUNC) {
    reload__gsym *e = reload__sym_find(&ctx->ent.keys, g->name);
    if (e)
      return reload__entry_addr(ctx, (uint32_t)e->size);
  }
  return g->addr;
}

/* ---- the synthetic module -------------------------------------------- */

struct image {
  uint8_t *p;
  size_t len;
};

static uint32_t elf_hash(const char *s) {
  uint32_t h = 0;
  for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
    h = (h << 4) + *u;
    uint32_t g = h & 0xf0000000u;
    if (g)
      h ^= g >> 24;
    h &= ~g;
  }
  return h;
}

struct newsym {
  const char *name;
  uint64_t addr, size;
  uint8_t bind, type;
};

/*
 * An ET_DYN image with one read-write PT_LOAD holding the dynamic
 * section, a SysV hash table, the symbols and their names.  Nothing in it
 * runs: no code, no relocations, no initializers.
 */
static int make_image(const struct newsym *s, uint32_t n, unsigned serial,
                      struct image *out) {
  char soname[64];
  snprintf(soname, sizeof soname, "reload-exports-%u.so", serial);
  size_t strsz = 1 + strlen(soname) + 1;
  for (uint32_t i = 0; i < n; i++)
    strsz += strlen(s[i].name) + 1;
  uint32_t nsym = n + 1, nbucket = n / 2 + 1;
  size_t off_dyn = RELOAD__ALIGN_UP(sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr), 8);
  size_t ndyn = 7;
  size_t off_hash = off_dyn + ndyn * sizeof(Elf64_Dyn);
  size_t off_sym = RELOAD__ALIGN_UP(off_hash + 4 * (2 + (size_t)nbucket + nsym), 8);
  size_t off_str = off_sym + (size_t)nsym * sizeof(Elf64_Sym);
  size_t len = off_str + strsz;
  uint8_t *p = calloc(1, len);
  if (!p)
    return RELOAD_ENOMEM;
  Elf64_Ehdr *eh = (Elf64_Ehdr *)(void *)p;
  memcpy(eh->e_ident, ELFMAG, SELFMAG);
  eh->e_ident[EI_CLASS] = ELFCLASS64;
  eh->e_ident[EI_DATA] = ELFDATA2LSB;
  eh->e_ident[EI_VERSION] = EV_CURRENT;
  eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
  eh->e_type = ET_DYN;
  eh->e_machine = EM_X86_64;
  eh->e_version = EV_CURRENT;
  eh->e_phoff = sizeof *eh;
  eh->e_ehsize = sizeof *eh;
  eh->e_phentsize = sizeof(Elf64_Phdr);
  eh->e_phnum = 3;
  Elf64_Phdr *ph = (Elf64_Phdr *)(void *)(p + sizeof *eh);
  ph[0].p_type = PT_LOAD;
  ph[0].p_flags = PF_R | PF_W;
  ph[0].p_filesz = ph[0].p_memsz = len;
  ph[0].p_align = RELOAD__PAGE;
  ph[1].p_type = PT_DYNAMIC;
  ph[1].p_flags = PF_R | PF_W;
  ph[1].p_offset = ph[1].p_vaddr = ph[1].p_paddr = off_dyn;
  ph[1].p_filesz = ph[1].p_memsz = ndyn * sizeof(Elf64_Dyn);
  ph[1].p_align = 8;
  /* Without it glibc would make every thread's stack executable. */
  ph[2].p_type = PT_GNU_STACK;
  ph[2].p_flags = PF_R | PF_W;
  ph[2].p_align = 16;
  char *str = (char *)p + off_str;
  size_t at = 1;
  size_t soname_at = at;
  memcpy(str + at, soname, strlen(soname) + 1);
  at += strlen(soname) + 1;
  Elf64_Dyn *d = (Elf64_Dyn *)(void *)(p + off_dyn);
  d[0] = (Elf64_Dyn){DT_HASH, {off_hash}};
  d[1] = (Elf64_Dyn){DT_STRTAB, {off_str}};
  d[2] = (Elf64_Dyn){DT_SYMTAB, {off_sym}};
  d[3] = (Elf64_Dyn){DT_STRSZ, {strsz}};
  d[4] = (Elf64_Dyn){DT_SYMENT, {sizeof(Elf64_Sym)}};
  d[5] = (Elf64_Dyn){DT_SONAME, {soname_at}};
  d[6] = (Elf64_Dyn){DT_NULL, {0}};
  Elf64_Sym *sym = (Elf64_Sym *)(void *)(p + off_sym);
  uint32_t *hash = (uint32_t *)(void *)(p + off_hash);
  uint32_t *bucket = hash + 2, *chain = bucket + nbucket;
  hash[0] = nbucket;
  hash[1] = nsym;
  for (uint32_t i = 0; i < n; i++) {
    Elf64_Sym *y = &sym[i + 1];
    size_t l = strlen(s[i].name) + 1;
    memcpy(str + at, s[i].name, l);
    y->st_name = (uint32_t)at;
    at += l;
    y->st_info = ELF64_ST_INFO(s[i].bind, s[i].type);
    y->st_other = STV_DEFAULT;
    y->st_shndx = SHN_ABS;
    y->st_value = s[i].addr;
    y->st_size = s[i].size;
    uint32_t b = elf_hash(s[i].name) % nbucket;
    chain[i + 1] = bucket[b];
    bucket[b] = i + 1;
  }
  out->p = p;
  out->len = len;
  return 0;
}

static int open_image(reload_ctx *ctx, const struct image *im, void **handle,
                      int *fdp) {
  int fd = memfd_create("reload-exports", MFD_CLOEXEC);
  if (fd < 0)
    return reload__err(ctx, RELOAD_ELIB, NULL,
                       "cannot export the program's symbols: memfd_create: %s",
                       strerror(errno));
  size_t done = 0;
  while (done < im->len) {
    ssize_t w = write(fd, im->p + done, im->len - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      int e = errno;
      close(fd);
      return reload__err(ctx, RELOAD_ELIB, NULL,
                         "cannot export the program's symbols: %s",
                         strerror(e));
    }
    done += (size_t)w;
  }
  /* ld.so knows a loaded object by its path: the descriptor stays open
   * for the context's life, so that no later module gets the same one. */
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  void *h = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
  /* The program may have closed an earlier module's descriptor (daemons
   * close them all), and ours got its number: ld.so then hands back that
   * module.  Another number, never used for one, is a new name. */
  for (int tries = 0; h && tries < 16; tries++) {
    size_t i = 0;
    while (i < ctx->nexports && ctx->exports[i].handle != h)
      i++;
    if (i == ctx->nexports)
      break; /* a new module */
    dlclose(h);
    h = NULL;
    int hi = fcntl(fd, F_DUPFD_CLOEXEC,
                   512 + (int)ctx->nexports + 64 * (tries + 1));
    if (hi < 0)
      break;
    close(fd);
    fd = hi;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    h = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
  }
  for (size_t i = 0; h && i < ctx->nexports; i++)
    if (ctx->exports[i].handle == h) {
      dlclose(h);
      h = NULL;
    }
  if (!h) {
    const char *why = dlerror();
    close(fd);
    return reload__err(ctx, RELOAD_ELIB, NULL,
                       "cannot export the program's symbols: %s",
                       why ? why : "dlopen failed");
  }
  *handle = h;
  *fdp = fd;
  return 0;
}

/* ---- interposition ---------------------------------------------------- */

struct patch {
  reload_ctx *ctx;
  unsigned patched;
};

/* The dynamic section's value for `tag`, or 0. */
static uint64_t dyn(const ElfW(Dyn) *d, int64_t tag) {
  for (; d->d_tag != DT_NULL; d++)
    if (d->d_tag == tag)
      return d->d_un.d_val;
  return 0;
}

static void put(uint64_t base, uint64_t lo, uint64_t hi, uint64_t addr,
                uint64_t val, unsigned *n) {
  uint64_t *w = (uint64_t *)(uintptr_t)addr;
  if (__atomic_load_n(w, __ATOMIC_RELAXED) == val)
    return;
  bool relro = addr >= lo && addr + 8 <= hi;
  uint64_t page = addr & ~(uint64_t)(RELOAD__PAGE - 1);
  (void)base;
  if (relro && mprotect((void *)(uintptr_t)page, RELOAD__PAGE,
                        PROT_READ | PROT_WRITE) < 0)
    return;
  __atomic_store_n(w, val, __ATOMIC_RELEASE);
  if (relro)
    mprotect((void *)(uintptr_t)page, RELOAD__PAGE, PROT_READ);
  (*n)++;
}

static void patch_relas(reload_ctx *ctx, const struct dl_phdr_info *info,
                        int cls, const ElfW(Rela) *r, size_t n,
                        const ElfW(Sym) *sym, const char *str, size_t strsz,
                        uint64_t lo, uint64_t hi, unsigned *count) {
  for (size_t i = 0; i < n; i++) {
    uint32_t type = ELF64_R_TYPE(r[i].r_info), si = ELF64_R_SYM(r[i].r_info);
    if (si == 0 || (type != R_X86_64_GLOB_DAT && type != R_X86_64_JUMP_SLOT &&
                    type != R_X86_64_64))
      continue;
    const ElfW(Sym) *y = &sym[si];
    if (y->st_name >= strsz || ELF64_ST_TYPE(y->st_info) == STT_TLS)
      continue;
    /* A protected definition binds the library's references to itself. */
    if (y->st_shndx != SHN_UNDEF &&
        ELF64_ST_VISIBILITY(y->st_other) == STV_PROTECTED)
      continue;
    const char *name = str + y->st_name;
    uint64_t to;
    if (reload__alloc_name(name)) {
      /* With the program's own free(), through the dispatcher; without,
       * the program's wrappers are the libraries' as any definition. */
      void *t = reload__alloc_target(name, cls == M_HOST);
      reload__gsym *e = reload__sym_find(&ctx->exported, name);
      if (t)
        to = (uint64_t)(uintptr_t)t;
      else if (e && cls == M_PROGRAM && !reload__alloc_active())
        to = e->addr;
      else
        continue;
    } else {
      reload__gsym *e = reload__sym_find(&ctx->exported, name);
      if (!e || cls != M_PROGRAM)
        continue;
      to = e->addr;
    }
    uint64_t val = to + (type == R_X86_64_64 ? (uint64_t)r[i].r_addend : 0);
    put(info->dlpi_addr, lo, hi, info->dlpi_addr + r[i].r_offset, val, count);
  }
}

static int patch_module(struct dl_phdr_info *info, size_t size, void *ud) {
  (void)size;
  struct patch *P = ud;
  int cls = module_class(info, P->ctx);
  if (cls == M_SKIP || (cls == M_HOST && !reload__alloc_active()))
    return 0;
  const ElfW(Dyn) *d = NULL;
  uint64_t lo = 0, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_DYNAMIC)
      d = (const ElfW(Dyn) *)(uintptr_t)(info->dlpi_addr + ph->p_vaddr);
    else if (ph->p_type == PT_GNU_RELRO) {
      lo = info->dlpi_addr + ph->p_vaddr;
      hi = lo + ph->p_memsz;
    }
  }
  if (!d)
    return 0;
  /* ld.so has relocated these pointers in place already. */
  const ElfW(Sym) *sym = (const ElfW(Sym) *)(uintptr_t)dyn(d, DT_SYMTAB);
  const char *str = (const char *)(uintptr_t)dyn(d, DT_STRTAB);
  size_t strsz = dyn(d, DT_STRSZ);
  if (!sym || !str)
    return 0;
  const ElfW(Rela) *rela = (const ElfW(Rela) *)(uintptr_t)dyn(d, DT_RELA);
  size_t relasz = dyn(d, DT_RELASZ);
  const ElfW(Rela) *jmp = (const ElfW(Rela) *)(uintptr_t)dyn(d, DT_JMPREL);
  size_t jmpsz = dyn(d, DT_PLTRELSZ);
  if (rela)
    patch_relas(P->ctx, info, cls, rela, relasz / sizeof *rela, sym, str,
                strsz, lo, hi, &P->patched);
  if (jmp && dyn(d, DT_PLTREL) == DT_RELA)
    patch_relas(P->ctx, info, cls, jmp, jmpsz / sizeof *jmp, sym, str,
                strsz, lo, hi, &P->patched);
  return 0;
}

void reload__export_interpose(reload_ctx *ctx) {
  struct patch P = {ctx, 0};
  dl_iterate_phdr(patch_module, &P);
  if (P.patched)
    reload__log(ctx, RELOAD_LOG_DEBUG, NULL,
                "%u references of shared libraries now reach the program's "
                "definitions",
                P.patched);
}

/* ---- after a link ------------------------------------------------------ */

/* The program's libraries join the global scope after its symbols, as an
 * executable's libraries follow it (shlib.c opened them local). */
static void promote(reload_ctx *ctx) {
  for (size_t i = ctx->npromoted; i < ctx->nlibs; i++) {
    struct link_map *lm = NULL;
    if (dlinfo(ctx->libs[i], RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name &&
        lm->l_name[0]) {
      void *h = dlopen(lm->l_name, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
      if (h)
        dlclose(h);
    }
  }
  ctx->npromoted = ctx->nlibs;
}

static int export_new(reload_ctx *ctx) {
  reload__export_init();
  /* The program's allocator, if it has one, is known to the dispatcher
   * before anything else can reach it. */
  for (uint32_t i = 0; i < ctx->syms.n; i++) {
    const reload__gsym *g = &ctx->syms.v[i];
    uint64_t a;
    if (reload__alloc_name(g->name) && (a = export_addr(ctx, g)))
      reload__alloc_define(g->name, (void *)(uintptr_t)a);
  }
  struct newsym *v = NULL;
  uint32_t n = 0, cap = 0;
  int r = 0;
  for (uint32_t i = 0; i < ctx->syms.n; i++) {
    const reload__gsym *g = &ctx->syms.v[i];
    /* Every reload comes here: what was exported once is passed over
     * with one look-up, before the entry's. */
    if (!g->obj || reload__sym_find(&ctx->exported, g->name))
      continue;
    uint64_t a = export_addr(ctx, g);
    if (!a)
      continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      struct newsym *nv = realloc(v, cap * sizeof *v);
      if (!nv) {
        free(v);
        return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
      }
      v = nv;
    }
    if (reload__alloc_name(g->name) && reload__alloc_active())
      a = (uint64_t)(uintptr_t)reload__alloc_dispatch(g->name);
    uint8_t bind = g->kind == RELOAD__SYM_WEAK ? STB_WEAK : STB_GLOBAL;
    uint8_t type = g->type == STT_FUNC ? STT_FUNC : STT_OBJECT;
    v[n++] = (struct newsym){g->name, a, g->size, bind, type};
  }
  if (n == 0) {
    free(v);
    return 0;
  }
  struct image im;
  r = make_image(v, n, (unsigned)ctx->nexports, &im);
  if (r) {
    free(v);
    return reload__err(ctx, r, NULL, "out of memory");
  }
  void *h = NULL;
  int fd = -1;
  void *grown = realloc(ctx->exports, (ctx->nexports + 1) * sizeof *ctx->exports);
  if (!grown)
    r = reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  else
    ctx->exports = grown;
  if (!r)
    r = open_image(ctx, &im, &h, &fd);
  free(im.p);
  if (r) {
    free(v);
    return r;
  }
  struct link_map *lm = NULL;
  dlinfo(h, RTLD_DI_LINKMAP, &lm);
  /* Loaded code may be in dlsym() or dlopen() on another thread. */
  pthread_mutex_lock(&ctx->exlock);
  ctx->exports[ctx->nexports++] =
      (reload__export_mod){h, fd, lm ? (uint64_t)lm->l_addr : 0};
  for (uint32_t i = 0; i < n; i++) {
    bool added;
    char *name = strdup(v[i].name);
    reload__gsym *e = name ? reload__sym_get(&ctx->exported, name, &added) : NULL;
    if (!e) {
      free(name);
      r = reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
      break;
    }
    if (!added) {
      free(name);
      continue;
    }
    e->owned = 1;
    e->addr = v[i].addr;
    e->type = v[i].type;
    e->size = v[i].size;
    e->kind = RELOAD__SYM_DEF;
  }
  free(v);
  reload__export_interpose(ctx);
  pthread_mutex_unlock(&ctx->exlock);
  return r;
}

int reload__export(reload_ctx *ctx) {
  if (!(ctx->opt.flags & RELOAD_OPT_EXPORT) ||
      (ctx->opt.flags & RELOAD_OPT_NORUN))
    return 0;
  int r = export_new(ctx);
  /* Whether or not the program could be shown, its libraries must be
   * seen: after it when it could. */
  promote(ctx);
  return r;
}

void reload__export_close(reload_ctx *ctx) {
  /* The modules stay loaded, and their descriptors open (see
   * open_image): libraries may have resolved against them. */
  reload__export_forget(ctx);
  free(ctx->exports);
  ctx->exports = NULL;
  ctx->nexports = 0;
  reload__symtab_free(&ctx->exported);
}

