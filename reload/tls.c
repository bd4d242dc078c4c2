/*
 * tls.c - thread-local storage for loaded objects, general- and
 * local-dynamic models.
 *
 * Each object with TLS sections gets a module: an id and an initial image.
 * Its code asks for a variable through __tls_get_addr(&{module, offset}),
 * which we link to reload__tls_get_addr instead of glibc's: the "module"
 * word of the GOT pair holds a pointer to our module, and each thread keeps
 * a vector of blocks indexed by module id, made on first use from the
 * image.  A thread's blocks are freed when it exits.
 *
 * A shared library's thread-local variables (libstdc++'s __once_callable,
 * used from <mutex>) are ld.so's: their GOT pair names a module of ours
 * marked `foreign` with ld.so's module id, and the call goes on to
 * glibc's own __tls_get_addr.  When ld.so placed the library in static
 * TLS, initial-exec code (-fPIE) reaches it too, at a fixed offset from
 * the thread pointer as for our own static modules.
 */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
  uint64_t module, offset;
} tls_index;

static atomic_size_t next_id = 1;
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static __thread void **blocks;
static __thread size_t nblocks;

struct vec {
  void **v;
  size_t n;
};

static void at_thread_exit(void *p) {
  struct vec *vec = p;
  for (size_t i = 0; i < vec->n; i++)
    (free)(vec->v[i]); /* the program's data: not the library's (mem.c) */
  free(vec->v);
  free(vec);
}

static void make_key(void) { pthread_key_create(&key, at_thread_exit); }

int reload__tls_new(reload_ctx *ctx, reload__tlsmod **out) {
  reload__tlsmod *m = calloc(1, sizeof *m);
  if (!m)
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  m->id = atomic_fetch_add(&next_id, 1);
  *out = m;
  return 0;
}

void reload__tls_free(reload__tlsmod *m) {
  reload__tls_static_free(m);
  /* Blocks of live threads stay until those threads exit: another thread's
   * TLS cannot be freed from here.  The module id is never reused, so a
   * stale block is never handed to a new module. */
  free(m);
}

static void *slow(reload__tlsmod *m, uint64_t offset) {
  pthread_once(&once, make_key);
  struct vec *vec = pthread_getspecific(key);
  if (!vec) {
    vec = calloc(1, sizeof *vec);
    if (!vec || pthread_setspecific(key, vec))
      return NULL;
  }
  if (m->id >= vec->n) {
    size_t n = vec->n ? vec->n : 8;
    while (n <= m->id)
      n *= 2;
    void **v = realloc(vec->v, n * sizeof *v);
    if (!v)
      return NULL;
    memset(v + vec->n, 0, (n - vec->n) * sizeof *v);
    vec->v = v;
    vec->n = n;
  }
  if (!vec->v[m->id]) {
    size_t align = m->align < sizeof(void *) ? sizeof(void *) : m->align;
    void *b = aligned_alloc(align, RELOAD__ALIGN_UP(m->size ? m->size : 1, align));
    if (!b)
      return NULL;
    memcpy(b, m->image, m->size);
    vec->v[m->id] = b;
  }
  blocks = vec->v;
  nblocks = vec->n;
  return (char *)vec->v[m->id] + offset;
}

/* glibc's, in ld.so. */
extern void *__tls_get_addr(tls_index *ti);

void *reload__tls_get_addr(void *arg) {
  tls_index *ti = arg;
  reload__tlsmod *m = (reload__tlsmod *)(uintptr_t)ti->module;
  if (m->tpoff) /* in static TLS: general-dynamic code meets -fPIE code */
    return (char *)__builtin_thread_pointer() + m->tpoff + ti->offset;
  if (m->foreign) {
    tls_index real = {m->foreign, ti->offset};
    return __tls_get_addr(&real);
  }
  if (m->id < nblocks && blocks[m->id])
    return (char *)blocks[m->id] + ti->offset;
  return slow(m, ti->offset);
}

struct find {
  uint64_t addr;
  size_t modid;
  uint64_t block;
};

/* The loaded module whose block, in this thread, holds the address. */
static int find_block(struct dl_phdr_info *info, size_t size, void *ud) {
  (void)size;
  struct find *f = ud;
  if (!info->dlpi_tls_modid || !info->dlpi_tls_data)
    return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    uint64_t b = (uint64_t)(uintptr_t)info->dlpi_tls_data;
    if (p->p_type == PT_TLS && f->addr >= b && f->addr < b + p->p_memsz) {
      f->modid = info->dlpi_tls_modid;
      f->block = b;
      return 1;
    }
  }
  return 0;
}

/* Whether a block lies in this thread's static TLS, which is the same
 * distance from the thread pointer in every thread (x86-64 puts it just
 * below).  ld.so says how large that is; where it does not, assume not. */
static bool in_static_tls(uint64_t block) {
  void (*info)(size_t *, size_t *);
  void *p = dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
  if (!p)
    return false;
  memcpy(&info, &p, sizeof info);
  size_t size = 0, align = 0;
  info(&size, &align);
  uint64_t tp = (uint64_t)(uintptr_t)__builtin_thread_pointer();
  return block < tp && tp - block <= size;
}

reload__tlsmod *reload__tls_foreign(reload_ctx *ctx, void *addr,
                                    uint64_t *offset) {
  struct find f = {(uint64_t)(uintptr_t)addr, 0, 0};
  if (!dl_iterate_phdr(find_block, &f))
    return NULL;
  *offset = f.addr - f.block;
  for (reload__tlsmod *m = ctx->ftls; m; m = m->next)
    if (m->foreign == f.modid)
      return m;
  reload__tlsmod *m = calloc(1, sizeof *m);
  if (!m)
    return NULL;
  m->foreign = f.modid;
  if (in_static_tls(f.block))
    m->tpoff = (intptr_t)(f.block -
                          (uint64_t)(uintptr_t)__builtin_thread_pointer());
  m->next = ctx->ftls;
  ctx->ftls = m;
  return m;
}

void reload__tls_foreign_free(reload_ctx *ctx) {
  for (reload__tlsmod *m = ctx->ftls, *nx; m; m = nx) {
    nx = m->next;
    free(m);
  }
  ctx->ftls = NULL;
}
