/*
 * tls_static.c - thread-local storage for -fPIE code: the initial-exec and
 * local-exec models.
 *
 * Those models reach a variable at a fixed offset from the thread pointer,
 * the same in every thread, which only static TLS gives, and a running
 * process cannot grow its static TLS.  So we bring our own: a reserve
 * declared here as initial-exec TLS, which glibc places in static TLS when
 * this library is loaded with the program.  Its offset from the thread
 * pointer is the same in every thread; batches that use those models get
 * their TLS block inside it.
 *
 * New threads copy glibc's initial image of our TLS segment, so a batch's
 * initial values are written there too (the image sits in a read-only
 * RELRO page: it is unprotected for the write).  The thread that links also
 * gets them in its own copy; threads that already exist see zeros for
 * variables added after they started.
 */
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define RESERVE (64u * 1024u)

/* Initialised, so that it lives in .tdata and has an image to patch. */
static __thread unsigned char reserve[RESERVE]
    __attribute__((tls_model("initial-exec"), aligned(64))) = {1};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool ready;
static intptr_t base_tpoff;      /* reserve - thread pointer */
static unsigned char *image;     /* the reserve's initial image, or NULL */
static uint8_t used[RESERVE / 64]; /* 64-byte granules in use */

static int find_image(struct dl_phdr_info *info, size_t size, void *ud) {
  (void)size;
  (void)ud;
  if (!info->dlpi_tls_data)
    return 0;
  const unsigned char *blk = info->dlpi_tls_data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_TLS)
      continue;
    if (reserve < blk || reserve >= blk + p->p_memsz)
      return 0;
    size_t off = (size_t)(reserve - blk);
    if (off + RESERVE <= p->p_filesz)
      image = (unsigned char *)(info->dlpi_addr + p->p_vaddr + off);
    return 1;
  }
  return 0;
}

static void setup(void) {
  base_tpoff = (intptr_t)((char *)reserve - (char *)__builtin_thread_pointer());
  dl_iterate_phdr(find_image, NULL);
  ready = true;
}

/* Write `len` bytes at `off` of the reserve's initial image. */
static void patch_image(size_t off, const void *src, size_t len) {
  if (!image || !len)
    return;
  uintptr_t a = (uintptr_t)(image + off) & ~(uintptr_t)(RELOAD__PAGE - 1);
  uintptr_t e = RELOAD__ALIGN_UP((uintptr_t)(image + off + len), RELOAD__PAGE);
  if (mprotect((void *)a, e - a, PROT_READ | PROT_WRITE))
    return;
  memcpy(image + off, src, len);
  mprotect((void *)a, e - a, PROT_READ);
}

int reload__tls_static(reload_ctx *ctx, const char *file, reload__tlsmod *m,
                       const reload__tlsmod *reuse) {
  pthread_mutex_lock(&lock);
  if (!ready)
    setup();
  size_t need = (m->size + 63) / 64, at = SIZE_MAX;
  if (m->align > 64) {
    pthread_mutex_unlock(&lock);
    return reload__err(ctx, RELOAD_EUNSUP, file,
                       "thread-local data aligned to %zu bytes is more than "
                       "the 64 that initial-exec TLS supports here; compile "
                       "with -fPIC",
                       m->align);
  }
  if (reuse && reuse->tpoff && reuse->size == m->size) {
    /* Same layout as the version it replaces: same place, so every
     * thread keeps its values. */
    m->tpoff = reuse->tpoff;
    m->shared = true;
    pthread_mutex_unlock(&lock);
    return 0;
  }
  for (size_t i = 0, run = 0; i < RESERVE / 64; i++) {
    run = used[i] ? 0 : run + 1;
    if (run == need) {
      at = i + 1 - need;
      break;
    }
  }
  if (at == SIZE_MAX || !need) {
    pthread_mutex_unlock(&lock);
    if (!need)
      return 0;
    return reload__err(ctx, RELOAD_EUNSUP, file,
                       "initial-exec thread-local data does not fit in the "
                       "%u KiB reserve (%zu bytes wanted); compile with "
                       "-fPIC to use dynamic TLS",
                       RESERVE / 1024, m->size);
  }
  memset(used + at, 1, need);
  m->tpoff = base_tpoff + (intptr_t)(at * 64);
  pthread_mutex_unlock(&lock);
  return 0;
}

void reload__tls_static_init(reload__tlsmod *m) {
  if (!m->tpoff || m->shared)
    return;
  pthread_mutex_lock(&lock);
  /* The initial values: for threads to come, and for this one. */
  patch_image((size_t)(m->tpoff - base_tpoff), m->image, m->size);
  memcpy((char *)__builtin_thread_pointer() + m->tpoff, m->image, m->size);
  pthread_mutex_unlock(&lock);
}

void reload__tls_static_free(reload__tlsmod *m) {
  if (!m || !m->tpoff || m->shared)
    return;
  pthread_mutex_lock(&lock);
  size_t at = (size_t)(m->tpoff - base_tpoff) / 64;
  size_t n = (m->size + 63) / 64;
  memset(used + at, 0, n);
  pthread_mutex_unlock(&lock);
}
