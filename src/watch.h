/*
 * watch.h - the watcher: a thread running a libuv loop that watches the
 * directories of the program's objects and of its sources, rebuilds when
 * sources change and reloads objects when they change.
 *
 * Directories are watched rather than files, so every way of saving a file
 * is seen: a compiler rewriting it in place, an atomic rename over it, an
 * editor's temp-and-rename save.  Names that are not watched (backup files,
 * vim's "4913" probe, swap files) are ignored.  Bursts of events are
 * coalesced for [watch] debounce_ms before anything happens.
 *
 * Create it with watch_new() on the main thread, attach other handles
 * (control socket, signals) to watch_loop(), then watch_start() runs the
 * loop on its own thread.  From then on only the loop's thread touches it,
 * except watch_stop().
 */
#ifndef RELOADD_WATCH_H
#define RELOADD_WATCH_H

#include <stdbool.h>
#include <uv.h>

#include "build.h"
#include "reload.h"
#include "text.h"
#include "update.h"

struct watch_opts {
  struct strv objects;    /* strings given to reload_add_file(), absolute */
  struct strv sources;    /* absolute glob patterns */
  const char *build;      /* shell command, or NULL */
  const char *build_dir;  /* where it runs */
  unsigned build_timeout_s;
  unsigned debounce_ms;
  bool allow_shared_dirs;
  const char *remedy;     /* how to allow shared directories, for messages */
  const char *tree;       /* the watched tree; leaving it is mentioned */
};

struct watch;

/* NULL with a message in `err` when the loop cannot be set up. */
struct watch *watch_new(reload_ctx *ctx, const struct watch_opts *o, char *err,
                        size_t errlen);
uv_loop_t *watch_loop(struct watch *w);
/* Run the loop on a new thread, with every signal blocked there so that
 * they reach the program's main thread as they would without us. */
int watch_start(struct watch *w);
/*
 * Stop: kill a running build, close the loop, join the thread, free.
 * From the loop's own thread (an exit() there) only the build is killed,
 * as the thread cannot wait for itself.  Accepts NULL.
 */
void watch_stop(struct watch *w);
/* Replace the settings (on the loop's thread; SIGHUP). */
int watch_apply(struct watch *w, const struct watch_opts *o);

struct update *watch_update(struct watch *w);
struct build *watch_build(struct watch *w);

#endif
