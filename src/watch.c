/*
 * watch.c - the watcher thread: which directories, which names, debounce,
 * and the hand-offs to build.c and update.c.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirwatch.h"
#include "forked.h"
#include "log.h"
#include "paths.h"
#include "watch.h"

struct wdir {
  struct dirwatch *dw;
  struct watch *w;
  char *path;
};

struct wobj {
  char *path;        /* as given to reload_add_file() */
  char *dir;         /* where that path says it is */
  const char *name;  /* points into path */
  char *rdir, *rname; /* where it really is, when a symlink leads elsewhere */
};

struct watch {
  reload_ctx *ctx;
  uv_loop_t loop;
  uv_thread_t thread;
  bool started;
  uv_async_t stop;
  uv_timer_t obj_timer; /* debounce for objects */
  uv_timer_t src_timer; /* debounce for sources */
  struct update *up;
  struct build *bld;
  struct wdir **dirs;
  size_t ndirs;
  struct wobj *objs;
  size_t nobjs;
  struct strv sources;
  char *tree;
  unsigned debounce_ms;
  bool have_build;
  bool warned_no_build;
};

/* Names that editors and tools make beside the files they save, which must
 * not trigger a build even when a sources glob such as "src/ *" (without
 * the blank) matches. */
static bool scratch_name(const char *n) {
  size_t len = strlen(n);
  if (!len || n[len - 1] == '~')
    return true;                          /* backup: foo.c~ */
  if (strncmp(n, ".#", 2) == 0 || (n[0] == '#' && n[len - 1] == '#'))
    return true;                          /* emacs lock and autosave */
  if (len > 4 && (strcmp(n + len - 4, ".swp") == 0 ||
                  strcmp(n + len - 4, ".swx") == 0 ||
                  strcmp(n + len - 4, ".swo") == 0))
    return true;                          /* vim swap files */
  for (size_t i = 0; i < len; i++)
    if (!isdigit((unsigned char)n[i]))
      return false;
  return true;                            /* vim's write probe, "4913" */
}

static void restart(uv_timer_t *t, unsigned ms, uv_timer_cb cb) {
  uv_timer_start(t, cb, ms, 0);
}

static void on_obj_timer(uv_timer_t *t) {
  struct watch *w = t->data;
  update_kick(w->up);
}

static void on_src_timer(uv_timer_t *t) {
  struct watch *w = t->data;
  if (!w->have_build) {
    if (!w->warned_no_build)
      log_msg(RELOAD_LOG_WARN, "sources changed, but there is no [watch] "
              "build command to run");
    w->warned_no_build = true;
    return;
  }
  /* Objects the build writes are not loaded until it is over. */
  update_hold(w->up);
  build_request(w->bld);
}

static void on_build_done(struct build *b, bool ok, void *ud) {
  struct watch *w = ud;
  (void)b;
  update_release(w->up, ok);
}

static void touched_obj(struct watch *w, struct wobj *o) {
  log_msg(RELOAD_LOG_DEBUG, "%s changed", path_show(w->tree, o->path));
  update_mark(w->up, o->path);
  restart(&w->obj_timer, w->debounce_ms, on_obj_timer);
}

static void touched_src(struct watch *w, const char *full) {
  log_msg(RELOAD_LOG_DEBUG, "source %s changed", path_show(w->tree, full));
  restart(&w->src_timer, w->debounce_ms, on_src_timer);
}

static void on_dir(struct dirwatch *d, const char *name, void *ud) {
  struct wdir *wd = ud;
  struct watch *w = wd->w;
  (void)d;
  for (size_t i = 0; i < w->nobjs; i++) {
    struct wobj *o = &w->objs[i];
    bool here = (strcmp(o->dir, wd->path) == 0 &&
                 (!name || strcmp(o->name, name) == 0)) ||
                (o->rdir && strcmp(o->rdir, wd->path) == 0 &&
                 (!name || strcmp(o->rname, name) == 0));
    if (here)
      touched_obj(w, o);
  }
  if (name && scratch_name(name))
    return;
  size_t n = strlen(wd->path) + (name ? strlen(name) : 0) + 2;
  char *full = malloc(n);
  if (!full)
    return;
  snprintf(full, n, "%s/%s", strcmp(wd->path, "/") ? wd->path : "",
           name ? name : "");
  for (size_t i = 0; i < w->sources.n; i++) {
    const char *pat = w->sources.v[i];
    bool hit;
    if (name) {
      hit = fnmatch(pat, full, FNM_PATHNAME | FNM_PERIOD) == 0;
    } else {
      /* The directory came back: any source in it may be new. */
      char *pd = path_dir(pat);
      hit = pd && fnmatch(pd, wd->path, FNM_PATHNAME | FNM_PERIOD) == 0;
      free(pd);
    }
    if (hit) {
      touched_src(w, name ? full : wd->path);
      break;
    }
  }
  free(full);
}

static struct wdir *get_dir(struct watch *w, const char *path) {
  for (size_t i = 0; i < w->ndirs; i++)
    if (strcmp(w->dirs[i]->path, path) == 0)
      return w->dirs[i];
  struct wdir **v = realloc(w->dirs, (w->ndirs + 1) * sizeof *v);
  struct wdir *d = calloc(1, sizeof *d);
  if (v)
    w->dirs = v;
  if (!v || !d) {
    free(d);
    return NULL;
  }
  d->w = w;
  d->path = strdup(path);
  d->dw = d->path ? dirwatch_new(&w->loop, path, on_dir, d) : NULL;
  if (!d->dw) {
    free(d->path);
    free(d);
    return NULL;
  }
  log_msg(RELOAD_LOG_DEBUG, "watching directory %s%s", path,
          dirwatch_present(d->dw) ? "" : " (missing for now)");
  w->dirs[w->ndirs++] = d;
  return d;
}

static void drop_all(struct watch *w) {
  for (size_t i = 0; i < w->ndirs; i++) {
    dirwatch_free(w->dirs[i]->dw);
    free(w->dirs[i]->path);
    free(w->dirs[i]);
  }
  free(w->dirs);
  w->dirs = NULL;
  w->ndirs = 0;
  for (size_t i = 0; i < w->nobjs; i++) {
    free(w->objs[i].path);
    free(w->objs[i].dir);
    free(w->objs[i].rdir);
    free(w->objs[i].rname);
  }
  free(w->objs);
  w->objs = NULL;
  w->nobjs = 0;
  strv_free(&w->sources);
}

/* Where a symlink really leads; mention it when that is outside the tree. */
static char *follow(struct watch *w, const char *path, const char *what) {
  char *real = realpath(path, NULL);
  if (!real || strcmp(real, path) == 0) {
    free(real);
    return NULL;
  }
  if (w->tree && !path_under(w->tree, real))
    log_msg(RELOAD_LOG_WARN, "%s %s leads through a symlink to %s, outside "
            "%s; watching it there too", what, path_show(w->tree, path), real,
            w->tree);
  return real;
}

static int add_sources(struct watch *w, const struct strv *pats) {
  for (size_t i = 0; i < pats->n; i++) {
    const char *pat = pats->v[i];
    if (strv_push(&w->sources, pat))
      return -1;
    char *dir = path_dir(pat);
    if (!dir)
      return -1;
    if (!path_has_glob(dir)) {
      get_dir(w, dir);
    } else {
      /* A glob in the directory part: watch the directories it matches
       * now (new ones that would match are not picked up). */
      glob_t g;
      if (glob(dir, GLOB_ONLYDIR | GLOB_BRACE, NULL, &g) == 0) {
        for (size_t j = 0; j < g.gl_pathc; j++)
          get_dir(w, g.gl_pathv[j]);
        globfree(&g);
      }
    }
    free(dir);
    /* Sources that are symlinks out of the tree: watch their targets. */
    glob_t g;
    if (glob(pat, GLOB_BRACE, NULL, &g) == 0) {
      for (size_t j = 0; j < g.gl_pathc; j++) {
        char *real = follow(w, g.gl_pathv[j], "source");
        if (!real)
          continue;
        char *rd = path_dir(real);
        if (rd)
          get_dir(w, rd);
        free(rd);
        strv_take(&w->sources, real);
      }
      globfree(&g);
    }
  }
  return 0;
}

static int configure(struct watch *w, const struct watch_opts *o) {
  drop_all(w);
  free(w->tree);
  w->tree = o->tree ? strdup(o->tree) : NULL;
  w->debounce_ms = o->debounce_ms;
  w->objs = calloc(o->objects.n ? o->objects.n : 1, sizeof *w->objs);
  if (!w->objs)
    return -1;
  for (size_t i = 0; i < o->objects.n; i++) {
    struct wobj *ob = &w->objs[w->nobjs++];
    ob->path = strdup(o->objects.v[i]);
    ob->dir = path_dir(o->objects.v[i]);
    if (!ob->path || !ob->dir)
      return -1;
    ob->name = path_base(ob->path);
    get_dir(w, ob->dir);
    char *real = follow(w, ob->path, "object");
    if (real) {
      ob->rdir = path_dir(real);
      ob->rname = strdup(path_base(real));
      free(real);
      if (!ob->rdir || !ob->rname)
        return -1;
      get_dir(w, ob->rdir);
    }
  }
  if (add_sources(w, &o->sources))
    return -1;
  w->have_build = o->build != NULL;
  w->warned_no_build = false;
  if (build_set(w->bld, o->build, o->build_dir, o->build_timeout_s))
    return -1;
  return update_set_objects(w->up, &o->objects, o->allow_shared_dirs,
                            o->remedy);
}

static void close_one(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

static void on_stop(uv_async_t *a) {
  struct watch *w = a->data;
  drop_all(w);
  build_free(w->bld);
  update_free(w->up);
  w->bld = NULL;
  w->up = NULL;
  /* Everything else on the loop (control socket, signal handles) too. */
  uv_walk(&w->loop, close_one, NULL);
}

struct watch *watch_new(reload_ctx *ctx, const struct watch_opts *o, char *err,
                        size_t errlen) {
  struct watch *w = calloc(1, sizeof *w);
  if (!w) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  w->ctx = ctx;
  int r = uv_loop_init(&w->loop);
  if (r < 0) {
    snprintf(err, errlen, "cannot start the event loop: %s", uv_strerror(r));
    free(w);
    return NULL;
  }
  uv_async_init(&w->loop, &w->stop, on_stop);
  w->stop.data = w;
  uv_timer_init(&w->loop, &w->obj_timer);
  uv_timer_init(&w->loop, &w->src_timer);
  w->obj_timer.data = w->src_timer.data = w;
  w->up = update_new(&w->loop, ctx, o->tree);
  w->bld = build_new(&w->loop, on_build_done, w);
  if (!w->up || !w->bld || configure(w, o)) {
    snprintf(err, errlen, "out of memory");
    return NULL; /* the process is about to give up; not worth unwinding */
  }
  return w;
}

uv_loop_t *watch_loop(struct watch *w) { return &w->loop; }

static void run(void *arg) {
  struct watch *w = arg;
  reload_host_thread(1);
  uv_run(&w->loop, UV_RUN_DEFAULT);
}

int watch_start(struct watch *w) {
  forked_init();
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int r = uv_thread_create(&w->thread, run, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (r == 0)
    w->started = true;
  return r;
}

void watch_stop(struct watch *w) {
  /* A forked child has no watcher thread, and the stop handle's eventfd
   * is the parent's: sending on it would stop the parent's watcher. */
  if (!w || !w->started || forked_child())
    return;
  uv_thread_t self = uv_thread_self();
  if (uv_thread_equal(&self, &w->thread)) {
    if (w->bld)
      build_kill(w->bld);
    return;
  }
  uv_async_send(&w->stop);
  uv_thread_join(&w->thread);
  w->started = false;
  uv_loop_close(&w->loop);
  free(w->tree);
  free(w);
}

int watch_apply(struct watch *w, const struct watch_opts *o) {
  return configure(w, o);
}

struct update *watch_update(struct watch *w) { return w->up; }
struct build *watch_build(struct watch *w) { return w->bld; }
