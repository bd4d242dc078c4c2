/*
 * ctx.c - the context: opening and closing, queueing inputs, host symbols,
 * look-ups and counters.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static void slabs_free(reload_ctx *ctx);

reload_ctx *reload_open(const reload_options *opt) {
  reload_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx)
    return NULL;
  if (opt)
    ctx->opt = *opt;
  ctx->arena.fd = -1;
  ctx->fork_fd = -1;
  ctx->pending_tail = &ctx->pending;
  pthread_mutex_init(&ctx->lock, NULL);
  pthread_mutex_init(&ctx->exlock, NULL);
  reload__fork_init();
  if (ctx->opt.flags & RELOAD_OPT_EXPORT) {
    /* Before this context loads anything: what is there is the host's. */
    reload__export_init();
    reload__export_note(ctx);
  }
  if (reload__registry_add(ctx)) {
    free(ctx);
    return NULL;
  }
  /* libm and libpthread are part of every link, as with cc's defaults; a
   * host built with --as-needed may not have loaded libm. */
  void *m = dlopen("libm.so.6", RTLD_NOW | RTLD_GLOBAL);
  if (m) {
    ctx->libs = malloc(sizeof *ctx->libs);
    if (ctx->libs)
      ctx->libs[ctx->nlibs++] = m;
    else
      dlclose(m);
  }
  return ctx;
}

void reload_close(reload_ctx *ctx) {
  if (!ctx)
    return;
  reload__registry_remove(ctx);
  reload__export_close(ctx);
  reload__tls_foreign_free(ctx);
  reload__retire_close(ctx);
  for (reload__obj *o = ctx->pending, *nx; o; o = nx) {
    nx = o->next;
    reload__obj_free(o);
  }
  for (reload__batch *b = ctx->batches, *nb; b; b = nb) {
    nb = b->next;
    for (reload__obj *o = b->objs, *nx; o; o = nx) {
      nx = o->next;
      /* The arena goes as a whole below; only the counts matter here. */
      for (uint32_t i = 0; i < o->nchunks; i++)
        if (--o->chunks[i]->refs == 0)
          free(o->chunks[i]);
      reload__obj_free(o);
    }
    reload__tls_free(b->tls);
    free(b);
  }
  for (reload__archive *a = ctx->archives, *nx; a; a = nx) {
    nx = a->next;
    reload__ar_free(a);
  }
  for (reload__unit *u = ctx->units, *nx; u; u = nx) {
    nx = u->next;
    /* Versions no batch lists any more were dropped already; the others
     * are freed with their batch above, so only the unit goes here. */
    free(u->key);
    free(u);
  }
  reload__symtab_free(&ctx->unitkeys);
  reload__entries_free(ctx);
  free(ctx->pend);
  if (ctx->mapped)
    reload__arena_unmap(&ctx->arena);
  pthread_mutex_destroy(&ctx->lock);
  reload__symtab_free(&ctx->syms);
  reload__libs_close(ctx);
  slabs_free(ctx);
  free(ctx->fini);
  reload__forget_err(ctx); /* after the teardown, which may log */
  free(ctx);
}

/* Read a whole file into memory.  We copy rather than map: a compiler
 * rewriting the file in place would otherwise pull pages from under us. */
/*
 * Inputs added before a link live as long as the context, so they are read
 * into large prefaulted chunks instead of one heap block each: a link of a
 * thousand small objects otherwise spends much of its time in page faults.
 */
#define SLAB (4u << 20)

struct reload__slab {
  uint8_t *base;
  size_t used, size;
  struct reload__slab *next;
};

static void *slab_alloc(reload_ctx *ctx, size_t n) {
  n = RELOAD__ALIGN_UP(n ? n : 1, 16);
  struct reload__slab *s = ctx->slabs;
  if (!s || s->size - s->used < n) {
    /* Chunks double from 256 KiB to 4 MiB: prefaulting is paid for the
     * whole chunk, so a link of a few objects must not pay for 4 MiB. */
    size_t want = s ? s->size * 2 : SLAB / 16;
    if (want > SLAB)
      want = SLAB;
    size_t size = n > want ? RELOAD__ALIGN_UP(n, RELOAD__PAGE) : want;
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (m == MAP_FAILED)
      return NULL;
    s = malloc(sizeof *s);
    if (!s) {
      munmap(m, size);
      return NULL;
    }
    s->base = m;
    s->used = 0;
    s->size = size;
    s->next = ctx->slabs;
    ctx->slabs = s;
  }
  void *p = s->base + s->used;
  s->used += n;
  return p;
}

static void slabs_free(reload_ctx *ctx) {
  for (struct reload__slab *s = ctx->slabs, *nx; s; s = nx) {
    nx = s->next;
    munmap(s->base, s->size);
    free(s);
  }
  ctx->slabs = NULL;
}

static int slurp(reload_ctx *ctx, const char *path, void **out, size_t *len,
                 bool slab) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return reload__err(ctx, RELOAD_EIO, path, "cannot open: %s",
                       strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return reload__err(ctx, RELOAD_EIO, path, "not a regular file");
  }
  size_t n = (size_t)st.st_size;
  uint8_t *buf = slab ? slab_alloc(ctx, n) : malloc(n ? n : 1);
  if (!buf) {
    close(fd);
    return reload__err(ctx, RELOAD_ENOMEM, path, "out of memory (%zu bytes)",
                       n);
  }
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      int e = errno;
      if (!slab)
        free(buf);
      close(fd);
      return reload__err(ctx, RELOAD_EIO, path,
                         "read failed: %s", r < 0 ? strerror(e)
                                                  : "file shrank while read");
    }
    got += (size_t)r;
  }
  close(fd);
  *out = buf;
  *len = n;
  return 0;
}

int reload__slurp(reload_ctx *ctx, const char *path, void **out, size_t *len) {
  return slurp(ctx, path, out, len, false);
}

/* Queue an input.  `own`: buf is the heap's, to free with the input;
 * otherwise it lives in a slab until the context closes. */
static int add(reload_ctx *ctx, const char *name, void *buf, size_t len,
               bool own) {
  void *heap = own ? buf : NULL;
  if (len >= 8 && (memcmp(buf, "!<arch>\n", 8) == 0 ||
                   memcmp(buf, "!<thin>\n", 8) == 0)) {
    reload__archive *ar = calloc(1, sizeof *ar);
    if (!ar || !(ar->path = strdup(name))) {
      free(ar);
      free(heap);
      return reload__err(ctx, RELOAD_ENOMEM, name, "out of memory");
    }
    ar->data = buf;
    ar->size = len;
    ar->own = heap;
    int r = reload__ar_parse(ctx, ar);
    if (r) {
      reload__ar_free(ar);
      return r;
    }
    ar->next = NULL;
    reload__archive **pp = &ctx->archives;
    while (*pp)
      pp = &(*pp)->next;
    *pp = ar;
    return 0;
  }
  reload__obj *o = calloc(1, sizeof *o);
  if (!o || !(o->name = strdup(name))) {
    free(o);
    free(heap);
    return reload__err(ctx, RELOAD_ENOMEM, name, "out of memory");
  }
  o->data = buf;
  o->size = len;
  o->own = heap;
  int r = reload__obj_parse(ctx, o);
  if (r) {
    reload__obj_free(o);
    return r;
  }
  *ctx->pending_tail = o;
  ctx->pending_tail = &o->next;
  ctx->stats.objects++;
  return 0;
}

int reload_add_file(reload_ctx *ctx, const char *path) {
  if (!ctx || !path)
    return RELOAD_EINVAL;
  reload__clear_err(ctx);
  void *buf = NULL;
  size_t len = 0;
  int r = slurp(ctx, path, &buf, &len, true);
  if (r)
    return r;
  return add(ctx, path, buf, len, false);
}

int reload_add_memory(reload_ctx *ctx, const char *name, const void *data,
                      size_t len) {
  if (!ctx || !name || (!data && len))
    return RELOAD_EINVAL;
  reload__clear_err(ctx);
  void *buf = malloc(len ? len : 1);
  if (!buf)
    return reload__err(ctx, RELOAD_ENOMEM, name, "out of memory");
  if (len)
    memcpy(buf, data, len);
  return add(ctx, name, buf, len, true);
}

int reload_add_library_path(reload_ctx *ctx, const char *dir) {
  if (!ctx || !dir)
    return RELOAD_EINVAL;
  char **v = realloc(ctx->libpaths, (ctx->nlibpaths + 1) * sizeof *v);
  if (!v)
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  ctx->libpaths = v;
  if (!(v[ctx->nlibpaths] = strdup(dir)))
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  ctx->nlibpaths++;
  return 0;
}

int reload_add_library(reload_ctx *ctx, const char *name) {
  if (!ctx || !name || !*name)
    return RELOAD_EINVAL;
  reload__clear_err(ctx);
  return reload__lib_open(ctx, name);
}

int reload_define(reload_ctx *ctx, const char *name, void *addr) {
  if (!ctx || !name || !*name)
    return RELOAD_EINVAL;
  reload__clear_err(ctx);
  reload__gsym *g = reload__sym_find(&ctx->syms, name);
  if (g && g->kind != RELOAD__SYM_HOST && g->kind != RELOAD__SYM_UNDEF &&
      g->kind != RELOAD__SYM_WEAKUNDEF && g->kind != RELOAD__SYM_SHLIB)
    return reload__err(ctx, RELOAD_EDUPSYM, NULL,
                       "cannot define host symbol '%s': %s already defines "
                       "it",
                       name, g->obj ? g->obj->name : "the linker");
  if (!g) {
    char *copy = strdup(name);
    bool added;
    if (!copy || !(g = reload__sym_get(&ctx->syms, copy, &added))) {
      free(copy);
      return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    }
    g->owned = 1;
  }
  g->kind = RELOAD__SYM_HOST;
  g->addr = (uint64_t)(uintptr_t)addr;
  g->obj = NULL;
  return 0;
}

int reload_link(reload_ctx *ctx) {
  if (!ctx)
    return RELOAD_EINVAL;
  reload__clear_err(ctx);
  int r = reload__link_all(ctx);
  if (!r && ctx->opt.crash && !(ctx->opt.flags & RELOAD_OPT_NORUN))
    reload__guard_install();
  /* The program links whether or not ld.so can be shown it; failing that
   * is logged. */
  if (!r && reload__export(ctx))
    reload__forget_err(ctx);
  return r;
}

void *reload_sym(reload_ctx *ctx, const char *name) {
  if (!ctx || !name)
    return NULL;
  reload__gsym *g = reload__sym_find(&ctx->syms, name);
  if (g && (g->kind == RELOAD__SYM_DEF || g->kind == RELOAD__SYM_WEAK ||
            g->kind == RELOAD__SYM_COMMON || g->kind == RELOAD__SYM_HOST ||
            g->kind == RELOAD__SYM_SHLIB) && g->type != STT_TLS)
    return (void *)(uintptr_t)g->addr;
  void *a = reload__lib_sym(ctx, name);
  if (!a)
    reload__err(ctx, RELOAD_ENOENT, NULL, "no symbol '%s'", name);
  return a;
}

void reload_get_stats(const reload_ctx *ctx, reload_stats *out) {
  if (ctx && out) {
    /* Another thread may be reloading (reloadd's watcher). */
    pthread_mutex_lock((pthread_mutex_t *)&ctx->lock);
    *out = ctx->stats;
    out->arena_used = ctx->arena.committed;
    pthread_mutex_unlock((pthread_mutex_t *)&ctx->lock);
    /* Counted by the fault handler, on any thread. */
    out->stale_hits = __atomic_load_n(&ctx->stale_hits, __ATOMIC_RELAXED);
  }
}
