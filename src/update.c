/*
 * update.c - settled-file checks and reload_update() calls.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "paths.h"
#include "update.h"

/* Between the two looks at a file that must agree.  Compilers write an
 * object in one go; this only has to outlast one write(2) burst. */
#define SETTLE_MS 10
/* Between attempts at a file that looked truncated, and how many. */
#define RETRY_MS 50
#define MAX_TRIES 10

struct obj {
  char *path;
  char *shown;
  struct stat done; /* the file as last loaded or refused */
  bool known;       /* `done` is valid */
  bool dirty;       /* may have changed since */
  bool looked;      /* `seen` holds the first of the two looks */
  struct stat skip; /* the file a failed build left: not to be loaded */
  bool have_skip;
  struct stat seen;
  unsigned tries;
  int err;          /* of the last attempt */
  char why[700];    /* its message */
  struct buf held;  /* the core's messages from the last attempt */
};

struct update {
  uv_loop_t *loop;
  reload_ctx *ctx;
  char *tree;
  char *remedy;
  bool allow_shared;
  struct obj *objs;
  size_t n;
  uv_timer_t timer;
  bool held;
  bool closing;
  struct update_status st;
};

static bool same_file(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
         a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
         a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
         a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void on_timer(uv_timer_t *t);

struct update *update_new(uv_loop_t *loop, reload_ctx *ctx, const char *tree) {
  struct update *u = calloc(1, sizeof *u);
  if (!u)
    return NULL;
  u->loop = loop;
  u->ctx = ctx;
  u->tree = tree ? strdup(tree) : NULL;
  uv_timer_init(loop, &u->timer);
  u->timer.data = u;
  return u;
}

static void free_objs(struct obj *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(v[i].path);
    free(v[i].shown);
    buf_free(&v[i].held);
  }
  free(v);
}

static void on_closed(uv_handle_t *h) {
  struct update *u = h->data;
  free_objs(u->objs, u->n);
  free(u->tree);
  free(u->remedy);
  free(u);
}

void update_free(struct update *u) {
  if (!u || u->closing)
    return;
  u->closing = true;
  uv_close((uv_handle_t *)&u->timer, on_closed);
}

int update_set_objects(struct update *u, const struct strv *paths,
                       bool allow_shared, const char *remedy) {
  struct obj *v = calloc(paths->n ? paths->n : 1, sizeof *v);
  char *rem = strdup(remedy ? remedy : "");
  if (!v || !rem) {
    free(v);
    free(rem);
    return -1;
  }
  for (size_t i = 0; i < paths->n; i++) {
    struct obj *o = &v[i];
    for (size_t j = 0; j < u->n; j++)
      if (u->objs[j].path && strcmp(u->objs[j].path, paths->v[i]) == 0) {
        *o = u->objs[j];
        memset(&u->objs[j], 0, sizeof u->objs[j]);
        break;
      }
    if (o->path)
      continue;
    o->path = strdup(paths->v[i]);
    o->shown = strdup(path_show(u->tree, paths->v[i]));
    if (!o->path || !o->shown) {
      free_objs(v, paths->n);
      free(rem);
      return -1;
    }
    o->known = stat(o->path, &o->done) == 0;
  }
  free_objs(u->objs, u->n);
  u->objs = v;
  u->n = paths->n;
  free(u->remedy);
  u->remedy = rem;
  u->allow_shared = allow_shared;
  return 0;
}

void update_mark(struct update *u, const char *path) {
  for (size_t i = 0; i < u->n; i++)
    if (!path || strcmp(u->objs[i].path, path) == 0) {
      u->objs[i].dirty = true;
      /* A new write is a new chance: a file that looked truncated gets a
       * fresh round of attempts. */
      u->objs[i].tries = 0;
      u->objs[i].looked = false;
    }
}

static bool incomplete(int err) {
  return err == RELOAD_EBADELF || err == RELOAD_EBADAR || err == RELOAD_EIO;
}

static void note_error(struct update *u, struct obj *o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void note_error(struct update *u, struct obj *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(u->st.last_error, sizeof u->st.last_error, fmt, ap);
  va_end(ap);
  u->st.last_error_at = time(NULL);
  u->st.refused++;
  log_msg(RELOAD_LOG_ERROR, "%s", u->st.last_error);
  (void)o;
}

/* Loading an object runs it: check who could have put it there. */
static bool dir_allowed(struct update *u, struct obj *o) {
  if (u->allow_shared)
    return true;
  char *dir = path_dir(o->path);
  char why[600];
  int r = dir ? path_check_private(dir, why, sizeof why) : 0;
  free(dir);
  if (r == 0)
    return true;
  note_error(u, o, "%s: not reloaded: %s%s%s", o->shown, why,
             r > 0 && *u->remedy ? "; " : "", r > 0 ? u->remedy : "");
  return false;
}

/* One attempt; the core's messages are held until we know they matter. */
static int attempt(struct update *u, struct obj *o) {
  buf_reset(&o->held);
  log_capture(&o->held);
  int r = reload_update(u->ctx, o->path);
  log_capture_end();
  o->err = r < 0 ? r : 0;
  if (r < 0)
    snprintf(o->why, sizeof o->why, "%s", reload_errmsg(u->ctx));
  return r;
}

static void succeeded(struct update *u, struct obj *o, int version,
                      struct buf *reply) {
  reload_report rep;
  memset(&rep, 0, sizeof rep);
  reload_last_report(u->ctx, &rep);
  /* Warnings the core gave along the way (a variable re-initialised
   * because its size changed, say) are worth seeing. */
  log_replay(&o->held);
  snprintf(u->st.last_reload, sizeof u->st.last_reload,
           "%s: v%d: functions %u changed, %u added, %u removed; variables "
           "%u kept, %u reset; %.2f ms%s",
           o->shown, version, rep.changed, rep.added, rep.removed, rep.kept,
           rep.reset, rep.link_ms,
           rep.pending ? "; waiting for the program's next reload_safepoint()"
                       : "");
  u->st.last_reload_at = time(NULL);
  u->st.reloads++;
  log_msg(RELOAD_LOG_INFO, "%s", u->st.last_reload);
  if (reply)
    buf_printf(reply, "%s\n", u->st.last_reload);
}

static void refused(struct update *u, struct obj *o, struct buf *reply) {
  log_replay(&o->held);
  note_error(u, o, "%s: reload refused, the running version stays: %s",
             o->shown, o->why);
  if (reply)
    buf_printf(reply, "%s\n", u->st.last_error);
}

/*
 * Try every candidate; when one succeeds, try the failed ones again, since
 * they may have needed what it defines.  Returns with each candidate's
 * `err` set (0: loaded).
 */
static void passes(struct update *u, struct obj **c, size_t n,
                   struct buf *reply) {
  bool *done = calloc(n ? n : 1, sizeof *done);
  if (!done)
    return;
  bool progress = true;
  while (progress) {
    progress = false;
    for (size_t i = 0; i < n; i++) {
      if (done[i])
        continue;
      int r = attempt(u, c[i]);
      if (r >= 0) {
        done[i] = progress = true;
        succeeded(u, c[i], r, reply);
      }
    }
  }
  free(done);
}

static void check(struct update *u) {
  if (u->held || u->closing)
    return;
  bool again = false, first_look = false;
  struct obj **cand = calloc(u->n ? u->n : 1, sizeof *cand);
  size_t nc = 0;
  if (!cand)
    return;
  for (size_t i = 0; i < u->n; i++) {
    struct obj *o = &u->objs[i];
    if (!o->dirty)
      continue;
    struct stat st;
    if (stat(o->path, &st) < 0 || !S_ISREG(st.st_mode)) {
      /* Deleted, or mid-rename: its return will be another event. */
      log_msg(RELOAD_LOG_DEBUG, "%s: not there now; waiting for it",
              o->shown);
      o->dirty = o->looked = false;
      continue;
    }
    if (!o->looked || !same_file(&o->seen, &st)) {
      /* First look, or still changing: look again shortly. */
      o->seen = st;
      o->looked = true;
      first_look = true;
      continue;
    }
    o->looked = false;
    if ((o->known && same_file(&o->done, &st)) ||
        (o->have_skip && same_file(&o->skip, &st))) {
      o->dirty = false;
      continue;
    }
    o->seen = st;
    cand[nc++] = o;
  }

  size_t keep = 0;
  for (size_t i = 0; i < nc; i++) {
    if (dir_allowed(u, cand[i]))
      cand[keep++] = cand[i];
    else {
      cand[i]->done = cand[i]->seen;
      cand[i]->known = true;
      cand[i]->dirty = false;
    }
  }
  nc = keep;
  passes(u, cand, nc, NULL);
  for (size_t i = 0; i < nc; i++) {
    struct obj *o = cand[i];
    if (!o->err || !incomplete(o->err) || ++o->tries >= MAX_TRIES) {
      if (o->err)
        refused(u, o, NULL);
      o->done = o->seen;
      o->known = true;
      o->dirty = false;
      o->tries = 0;
      continue;
    }
    log_msg(RELOAD_LOG_DEBUG, "%s: not loadable yet (%s); trying again",
            o->shown, o->why);
    /* Keep it dirty; the next round looks at it twice again. */
    again = true;
  }
  free(cand);
  if (first_look)
    uv_timer_start(&u->timer, on_timer, SETTLE_MS, 0);
  else if (again)
    uv_timer_start(&u->timer, on_timer, RETRY_MS, 0);
}

static void on_timer(uv_timer_t *t) { check(t->data); }

void update_kick(struct update *u) { check(u); }

void update_hold(struct update *u) {
  u->held = true;
  uv_timer_stop(&u->timer);
}

void update_release(struct update *u, bool build_ok) {
  u->held = false;
  for (size_t i = 0; i < u->n; i++) {
    struct obj *o = &u->objs[i];
    o->dirty = build_ok;
    o->looked = false;
    o->tries = 0;
    /* The failed build's objects may still have events on their way; they
     * must find nothing to load.  A good build compares with what was last
     * loaded instead, so an object the failed build did finish, which the
     * next build will not touch again, still gets loaded then. */
    o->have_skip = !build_ok && stat(o->path, &o->skip) == 0;
  }
  if (build_ok)
    check(u);
}

static bool matches(const struct update *u, const struct obj *o,
                    const char *which) {
  (void)u;
  return strcmp(o->path, which) == 0 || strcmp(o->shown, which) == 0;
}

int update_force(struct update *u, const char *which, struct buf *reply) {
  struct obj **cand = calloc(u->n ? u->n : 1, sizeof *cand);
  size_t nc = 0;
  if (!cand)
    return -1;
  for (size_t i = 0; i < u->n; i++)
    if (!which || matches(u, &u->objs[i], which))
      cand[nc++] = &u->objs[i];
  if (which && !nc) {
    /* A base name will do when only one object has it. */
    for (size_t i = 0; i < u->n; i++)
      if (strcmp(path_base(u->objs[i].path), which) == 0)
        cand[nc++] = &u->objs[i];
    if (nc > 1) {
      buf_printf(reply, "%s names %zu objects; give its path\n", which, nc);
      free(cand);
      return -1;
    }
  }
  if (!nc) {
    buf_printf(reply, "%s is not a watched object; see reloadd status\n",
               which ? which : "(none)");
    free(cand);
    return -1;
  }
  int bad = 0;
  size_t keep = 0;
  for (size_t i = 0; i < nc; i++) {
    struct obj *o = cand[i];
    if (stat(o->path, &o->seen) < 0) {
      note_error(u, o, "%s: cannot reload: %s", o->shown, strerror(errno));
      buf_printf(reply, "%s\n", u->st.last_error);
      bad = 1;
    } else if (!dir_allowed(u, o)) {
      buf_printf(reply, "%s\n", u->st.last_error);
      bad = 1;
    } else {
      cand[keep++] = o;
    }
  }
  passes(u, cand, keep, reply);
  for (size_t i = 0; i < keep; i++) {
    struct obj *o = cand[i];
    if (o->err) {
      refused(u, o, reply);
      bad = 1;
    }
    o->done = o->seen;
    o->known = true;
    o->dirty = false;
  }
  free(cand);
  return bad ? -1 : 0;
}

const struct update_status *update_status(const struct update *u) {
  return &u->st;
}

size_t update_count(const struct update *u) { return u->n; }
const char *update_path(const struct update *u, size_t i) {
  return u->objs[i].path;
}
const char *update_shown(const struct update *u, size_t i) {
  return u->objs[i].shown;
}
