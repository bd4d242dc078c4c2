/*
 * fork.c - a child of fork() gets private copies of everything loaded.
 *
 * The arena is a memfd mapped twice (see arena.c), so after a plain fork()
 * parent and child would share every loaded page: a global the child sets
 * would change in the parent, and a version the parent later links over
 * freed pages would change code under the child.  A natively linked
 * program's data is private after fork(), so each context's arena is
 * copied into a fresh memfd before fork() (the pages in use that hold
 * data), and the child moves both of its views onto that copy, at the
 * same addresses with the same protections.  The copy costs the arena's
 * data once per fork(); posix_spawn(), and with it system() and popen(),
 * runs no fork handlers and pays nothing.
 *
 * The prepare handler holds the registry and every context's lock across
 * fork(), as glibc holds malloc's: no link is half-done in the child's
 * copy of the bookkeeping, and no lock is held there by a thread that the
 * child does not have.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static void snapshot(void *ud, reload_ctx *ctx, const void *arg) {
  (void)ud;
  (void)arg;
  ctx->fork_fd = ctx->mapped ? reload__arena_snapshot(&ctx->arena) : -1;
}

static void drop_snapshot(void *ud, reload_ctx *ctx, const void *arg) {
  (void)ud;
  (void)arg;
  if (ctx->fork_fd >= 0)
    close(ctx->fork_fd);
  ctx->fork_fd = -1;
}

static void prepare(void) {
  reload__registry_hold();
  reload__registry_each_held(snapshot, NULL, NULL);
  reload__alloc_hold();
  reload__mem_hold();
}

static void parent(void) {
  reload__mem_release();
  reload__alloc_release();
  reload__registry_each_held(drop_snapshot, NULL, NULL);
  reload__registry_release();
}

static void copy_ctx(void *ud, reload_ctx *ctx, const void *arg) {
  (void)ud;
  (void)arg;
  if (!ctx->mapped)
    return;
  int err = ctx->fork_fd >= 0 ? reload__arena_adopt(&ctx->arena, ctx->fork_fd)
                              : ctx->fork_fd;
  if (err && ctx->fork_fd >= 0)
    close(ctx->fork_fd);
  ctx->fork_fd = -1;
  /* Nothing better is left to the child than to say so: its loaded
   * memory is still shared with the parent's. */
  if (err)
    reload__log(ctx, RELOAD_LOG_ERROR, NULL,
                "fork: the child could not get its own copy of the loaded "
                "code and data (%s); its globals are shared with the parent",
                strerror(-err));
}

static void child(void) {
  reload__mem_release();
  reload__alloc_release();
  reload__registry_each_held(copy_ctx, NULL, NULL);
  reload__registry_release();
}

static void install(void) { pthread_atfork(prepare, parent, child); }

void reload__fork_init(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, install);
}
