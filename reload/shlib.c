/*
 * shlib.c - shared libraries that loaded objects may call into.
 *
 * libc, libm and libpthread are always there (the first is ours already;
 * the others are opened explicitly, since a host linked with --as-needed may
 * not have them).  `-l NAME` opens libNAME.so from the -L paths, then from
 * the system's, then from gcc's own library directory (newest gcc first),
 * where Debian keeps libstdc++.so, libgcc_s.so and the like: gcc hands
 * that directory to ld, so `-lstdc++` must find it here too.  On Debian
 * several of those files are linker scripts (libc.so, libm.so): we follow
 * them to the first real library they name.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const sysdirs[] = {
    "/usr/local/lib/x86_64-linux-gnu", "/usr/local/lib",
    "/lib/x86_64-linux-gnu",           "/usr/lib/x86_64-linux-gnu",
    "/lib64",                          "/usr/lib64",
    "/lib",                            "/usr/lib",
};

static int keep(reload_ctx *ctx, void *h) {
  void **v = realloc(ctx->libs, (ctx->nlibs + 1) * sizeof *v);
  if (!v) {
    dlclose(h);
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  }
  ctx->libs = v;
  ctx->libs[ctx->nlibs++] = h;
  return 0;
}

/* If `path` is a GNU ld script, find the first absolute .so path in it. */
static bool script_target(const char *path, char *out, size_t outsz) {
  FILE *f = fopen(path, "re");
  if (!f)
    return false;
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  if (n >= 4 && memcmp(buf, "\177ELF", 4) == 0)
    return false;
  for (char *p = buf; (p = strchr(p, '/')); p++) {
    if (p > buf && p[-1] != ' ' && p[-1] != '(' && p[-1] != '\t')
      continue;
    size_t len = strcspn(p, " \t\n)(");
    if (len < outsz && memmem(p, len, ".so", 3)) {
      memcpy(out, p, len);
      out[len] = '\0';
      return true;
    }
  }
  return false;
}

/*
 * How a library is opened.  Without RELOAD_OPT_EXPORT it joins the global
 * scope at once.  With it, it stays local until the program's own symbols
 * have joined (export.c promotes it then): natively the executable comes
 * before its libraries, and a plugin opened later must find the program's
 * definition of a name that a library also defines.
 */
static int open_mode(const reload_ctx *ctx) {
  return RTLD_NOW |
         (ctx->opt.flags & RELOAD_OPT_EXPORT ? RTLD_LOCAL : RTLD_GLOBAL);
}

static void *open_path(const reload_ctx *ctx, const char *path, char *why,
                       size_t whysz) {
  void *h = dlopen(path, open_mode(ctx));
  if (h)
    return h;
  snprintf(why, whysz, "%s", dlerror());
  char real[1024];
  if (script_target(path, real, sizeof real)) {
    h = dlopen(real, open_mode(ctx));
    if (!h)
      snprintf(why, whysz, "%s", dlerror());
  }
  return h;
}

#define GCCDIR "/usr/lib/gcc/x86_64-linux-gnu"

/* Version strings like "12" or "12.2.0", compared part by part. */
static int by_version_desc(const void *x, const void *y) {
  const char *a = *(const char *const *)x, *b = *(const char *const *)y;
  while (*a || *b) {
    unsigned long va = strtoul(a, (char **)&a, 10);
    unsigned long vb = strtoul(b, (char **)&b, 10);
    if (va != vb)
      return va < vb ? 1 : -1;
    a += *a == '.';
    b += *b == '.';
    if ((*a && (*a < '0' || *a > '9')) || (*b && (*b < '0' || *b > '9')))
      return strcmp(b, a);
  }
  return 0;
}

/* libNAME.so in gcc's library directories, newest gcc first. */
static void *open_gcc(const reload_ctx *ctx, const char *name, char *why,
                      size_t whysz) {
  DIR *d = opendir(GCCDIR);
  if (!d)
    return NULL;
  char *v[64];
  size_t n = 0;
  for (struct dirent *e; n < 64 && (e = readdir(d));)
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
        (v[n] = strdup(e->d_name)))
      n++;
  closedir(d);
  qsort(v, n, sizeof *v, by_version_desc);
  void *h = NULL;
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, GCCDIR "/%s/lib%s.so", v[i], name);
    FILE *f = h ? NULL : fopen(path, "re");
    if (f) {
      fclose(f);
      h = open_path(ctx, path, why, whysz);
    }
    free(v[i]);
  }
  return h;
}

int reload__lib_open(reload_ctx *ctx, const char *name) {
  char path[4096], why[512] = "not found";
  /* These live in libc on glibc 2.34 and later, or are already loaded. */
  static const char *const builtin[] = {"c", "m", "pthread", "dl", "rt",
                                        "util"};
  for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++)
    if (strcmp(name, builtin[i]) == 0)
      return 0;
  for (size_t i = 0; i < ctx->nlibpaths; i++) {
    snprintf(path, sizeof path, "%s/lib%s.so", ctx->libpaths[i], name);
    FILE *f = fopen(path, "re");
    if (!f)
      continue;
    fclose(f);
    void *h = open_path(ctx, path, why, sizeof why);
    if (h)
      return keep(ctx, h);
  }
  snprintf(path, sizeof path, "lib%s.so", name);
  void *h = dlopen(path, open_mode(ctx));
  if (h)
    return keep(ctx, h);
  for (size_t i = 0; i < sizeof sysdirs / sizeof *sysdirs; i++) {
    snprintf(path, sizeof path, "%s/lib%s.so", sysdirs[i], name);
    FILE *f = fopen(path, "re");
    if (!f)
      continue;
    fclose(f);
    h = open_path(ctx, path, why, sizeof why);
    if (h)
      return keep(ctx, h);
  }
  h = open_gcc(ctx, name, why, sizeof why);
  if (h)
    return keep(ctx, h);
  return reload__err(ctx, RELOAD_ELIB, NULL,
                     "cannot load library -l%s: %s; install its -dev package "
                     "or pass -L DIR",
                     name, why);
}

void *reload__lib_sym(reload_ctx *ctx, const char *name) {
  /* The default scope first: libc, every library opened RTLD_GLOBAL, and
   * the host executable, whose definitions must win (a sanitizer's
   * malloc and free there are everybody's).  Then the libraries still
   * local (see open_mode), in the order they were named. */
  void *a = dlsym(RTLD_DEFAULT, name);
  for (size_t i = 0; !a && (ctx->opt.flags & RELOAD_OPT_EXPORT) &&
                     i < ctx->nlibs; i++)
    a = dlsym(ctx->libs[i], name);
  return a;
}

int reload__lib_type(void *addr, int fallback) {
  Dl_info info;
  const ElfW(Sym) *sym = NULL;
  if (!dladdr1(addr, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym)
    return fallback;
  int t = ELF64_ST_TYPE(sym->st_info);
  return t == STT_GNU_IFUNC ? STT_FUNC : t;
}

bool reload__shlib_func(reload__gsym *g) {
  if (g->kind != RELOAD__SYM_SHLIB)
    return false;
  /* dladdr1 scans the library's symbols: ask once, only when it matters
   * (a lea of a library symbol that is out of reach), and remember. */
  if (!g->typed) {
    g->type = (uint8_t)reload__lib_type((void *)(uintptr_t)g->addr, g->type);
    g->typed = 1;
  }
  return g->type == STT_FUNC;
}

void reload__libs_close(reload_ctx *ctx) {
  for (size_t i = 0; i < ctx->nlibs; i++)
    dlclose(ctx->libs[i]);
  free(ctx->libs);
  ctx->libs = NULL;
  ctx->nlibs = 0;
  for (size_t i = 0; i < ctx->nlibpaths; i++)
    free(ctx->libpaths[i]);
  free(ctx->libpaths);
  ctx->libpaths = NULL;
  ctx->nlibpaths = 0;
}
