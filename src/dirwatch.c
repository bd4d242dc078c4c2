/*
 * dirwatch.c - a directory watch that survives the directory's deletion.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dirwatch.h"
#include "log.h"
#include "paths.h"

/* How often a missing directory is looked for, should the ancestor's
 * events not tell us (an ancestor we cannot watch, for one). */
#define POLL_MS 500

struct dirwatch {
  uv_loop_t *loop;
  char *path;
  dirwatch_cb cb;
  void *ud;
  uv_fs_event_t ev;  /* on the directory, while present */
  uv_fs_event_t anc; /* on the nearest existing ancestor, while missing */
  uv_timer_t poll;   /* while missing */
  char *anc_path;
  dev_t dev;
  ino_t ino;
  bool present;
  bool closing;
  bool armed; /* construction done: report appearances */
  int open_handles;
};

static void seek(struct dirwatch *d);

/* Whether the directory at `path` is still the one we watch. */
static bool same_dir(struct dirwatch *d) {
  struct stat st;
  return stat(d->path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == d->dev &&
         st.st_ino == d->ino;
}

static void on_event(uv_fs_event_t *h, const char *name, int events,
                     int status) {
  struct dirwatch *d = h->data;
  (void)events;
  if (d->closing)
    return;
  if (status < 0) {
    log_msg(RELOAD_LOG_DEBUG, "watching %s: %s", d->path, uv_strerror(status));
  } else if (same_dir(d)) {
    if (name)
      d->cb(d, name, d->ud);
    return;
  }
  /* Removed, renamed away or replaced: the inotify watch is dead. */
  log_msg(RELOAD_LOG_DEBUG, "%s went away; waiting for it to come back",
          d->path);
  uv_fs_event_stop(&d->ev);
  d->present = false;
  seek(d);
}

static void on_ancestor(uv_fs_event_t *h, const char *name, int events,
                        int status) {
  struct dirwatch *d = h->data;
  (void)name;
  (void)events;
  (void)status;
  if (!d->closing && !d->present)
    seek(d);
}

static void on_poll(uv_timer_t *t) {
  struct dirwatch *d = t->data;
  if (!d->closing && !d->present)
    seek(d);
}

/* Watch the directory if it exists, else its nearest existing ancestor.
 * Loops because the path may grow while we set the ancestor watch up. */
static void seek(struct dirwatch *d) {
  for (int round = 0; round < 64; round++) {
    struct stat st;
    if (stat(d->path, &st) == 0 && S_ISDIR(st.st_mode)) {
      int r = uv_fs_event_start(&d->ev, on_event, d->path, 0);
      if (r < 0) {
        if (r == UV_ENOENT || r == UV_ENOTDIR)
          continue; /* gone again already */
        log_msg(RELOAD_LOG_ERROR, "cannot watch %s: %s", d->path,
                uv_strerror(r));
        break;
      }
      /* Take the identity after the watch exists: a replacement between
       * the two is then noticed by the next event's check. */
      if (stat(d->path, &st) < 0) {
        uv_fs_event_stop(&d->ev);
        continue;
      }
      d->dev = st.st_dev;
      d->ino = st.st_ino;
      bool was_missing = uv_is_active((uv_handle_t *)&d->poll);
      uv_fs_event_stop(&d->anc);
      uv_timer_stop(&d->poll);
      free(d->anc_path);
      d->anc_path = NULL;
      d->present = true;
      if (was_missing)
        log_msg(RELOAD_LOG_DEBUG, "%s is back; watching it again", d->path);
      /* Anything may have been written while we were not looking. */
      if (d->armed)
        d->cb(d, NULL, d->ud);
      return;
    }
    /* Find the nearest existing ancestor and watch it for the next step. */
    char *a = path_dir(d->path);
    while (a && strcmp(a, "/") != 0 && (stat(a, &st) < 0 || !S_ISDIR(st.st_mode))) {
      char *up = path_dir(a);
      free(a);
      a = up;
    }
    if (!a)
      break;
    if (!d->anc_path || strcmp(a, d->anc_path) != 0) {
      uv_fs_event_stop(&d->anc);
      free(d->anc_path);
      d->anc_path = a;
      if (uv_fs_event_start(&d->anc, on_ancestor, a, 0) < 0)
        log_msg(RELOAD_LOG_DEBUG, "cannot watch %s; polling for %s", a,
                d->path);
    } else {
      free(a);
    }
    if (!uv_is_active((uv_handle_t *)&d->poll))
      uv_timer_start(&d->poll, on_poll, POLL_MS, POLL_MS);
    /* The next component may have appeared before the ancestor watch
     * started; if it did, go round again, otherwise wait for events. */
    size_t n = strlen(d->anc_path);
    const char *rest = d->path + n + (n > 1);
    const char *slash = strchr(rest, '/');
    char *next = strndup(d->path, slash ? (size_t)(slash - d->path) : strlen(d->path));
    bool grew = next && stat(next, &st) == 0 && S_ISDIR(st.st_mode);
    free(next);
    if (!grew)
      return;
  }
}

static void on_closed(uv_handle_t *h) {
  struct dirwatch *d = h->data;
  if (--d->open_handles == 0) {
    free(d->anc_path);
    free(d->path);
    free(d);
  }
}

struct dirwatch *dirwatch_new(uv_loop_t *loop, const char *path,
                              dirwatch_cb cb, void *ud) {
  struct dirwatch *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  d->path = strdup(path);
  if (!d->path) {
    free(d);
    return NULL;
  }
  d->loop = loop;
  d->cb = cb;
  d->ud = ud;
  uv_fs_event_init(loop, &d->ev);
  uv_fs_event_init(loop, &d->anc);
  uv_timer_init(loop, &d->poll);
  d->ev.data = d->anc.data = d->poll.data = d;
  d->open_handles = 3;
  seek(d);
  d->armed = true;
  return d;
}

const char *dirwatch_path(const struct dirwatch *d) { return d->path; }

bool dirwatch_present(const struct dirwatch *d) { return d->present; }

void dirwatch_free(struct dirwatch *d) {
  if (!d || d->closing)
    return;
  d->closing = true;
  uv_close((uv_handle_t *)&d->ev, on_closed);
  uv_close((uv_handle_t *)&d->anc, on_closed);
  uv_close((uv_handle_t *)&d->poll, on_closed);
}
