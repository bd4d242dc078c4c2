/*
 * update.h - take changed objects into the running program, one reload at
 * a time, and never from a half-written file.
 *
 * Objects are marked dirty by the watcher; update_kick() then checks them:
 * the file must exist and keep the same size and time across two looks a
 * few milliseconds apart, and differ from what was last loaded.  Then
 * reload_update() is tried.  It refuses a bad file without changing
 * anything, so a refusal that looks like a truncated file (a malformed
 * object, a read error) is retried a few times, quietly, before it is
 * reported; other refusals are reported at once.  Objects that depend on
 * one another are retried within the same round, so the order in which a
 * build rewrote them does not matter.
 *
 * Everything runs on the loop's thread, which is what serialises reloads.
 */
#ifndef RELOADD_UPDATE_H
#define RELOADD_UPDATE_H

#include <stdbool.h>
#include <time.h>
#include <uv.h>

#include "buf.h"
#include "reload.h"
#include "text.h"

struct update;

struct update_status {
  unsigned reloads, refused;
  char last_reload[600]; /* its log line, "" before any */
  time_t last_reload_at;
  char last_error[1100]; /* "" when none */
  time_t last_error_at;
};

/* `tree`: paths under it are shown relative to it in messages. */
struct update *update_new(uv_loop_t *loop, reload_ctx *ctx, const char *tree);
void update_free(struct update *u);

/*
 * The objects to keep up to date: strings given to reload_add_file().
 * Objects already known keep their state; new ones are taken to be loaded
 * as they are on disk now.  `allow_shared`: skip the private-directory
 * check; `remedy` is how the user would allow it, for the message.
 */
int update_set_objects(struct update *u, const struct strv *paths,
                       bool allow_shared, const char *remedy);

/* `path` changed (NULL: any of them may have). */
void update_mark(struct update *u, const char *path);
/* Check the marked objects now (the caller has debounced). */
void update_kick(struct update *u);
/* While held (a build runs), nothing is loaded; release with the build's
 * result: success checks every object, failure forgets what was marked,
 * so that nothing from a failed build is swapped in. */
void update_hold(struct update *u);
void update_release(struct update *u, bool build_ok);

/*
 * Reload now, without the checks for a settled file: `which` names an
 * object (its path, its shown name, or a unique base name), or NULL for
 * all of them.  One line per object is appended to `reply`.  Returns 0
 * when every reload worked.
 */
int update_force(struct update *u, const char *which, struct buf *reply);

const struct update_status *update_status(const struct update *u);

/* The objects, for status displays: path and version as of now. */
size_t update_count(const struct update *u);
const char *update_path(const struct update *u, size_t i);
const char *update_shown(const struct update *u, size_t i);

#endif
