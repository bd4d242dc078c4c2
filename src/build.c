/*
 * build.c - the build command: spawn, time out, queue.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "log.h"

/* After SIGTERM at the timeout, how long a build gets before SIGKILL. */
#define KILL_GRACE_MS 2000

struct build {
  uv_loop_t *loop;
  build_done_fn done;
  void *ud;
  char *cmd, *dir;
  unsigned timeout_s;
  uv_process_t *proc; /* of the running build; each build has its own, as
                        a handle cannot be reused before it has closed */
  uv_timer_t timer;  /* the timeout, then the grace before SIGKILL */
  bool running;
  bool queued;
  bool timed_out;
  bool closing;
  int open_handles;
  uint64_t started;
  struct build_info info;
};

static void start(struct build *b);
static void on_closed(uv_handle_t *h);

static void on_proc_closed(uv_handle_t *h) {
  struct build *b = h->data;
  free(h);
  on_closed((uv_handle_t *)&b->timer);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig) {
  struct build *b = p->data;
  double s = (double)(uv_hrtime() - b->started) / 1e9;
  uv_timer_stop(&b->timer);
  /* The shell may be gone while what it started ignores SIGTERM: after a
   * timeout, nothing of the build's process group may outlive it. */
  if (b->timed_out)
    kill(-p->pid, SIGKILL);
  uv_close((uv_handle_t *)p, on_proc_closed);
  b->proc = NULL;
  b->running = false;
  bool ok = !b->timed_out && sig == 0 && status == 0;
  char what[160];
  if (b->timed_out)
    snprintf(what, sizeof what, "timed out after %u s and was stopped",
             b->timeout_s);
  else if (sig)
    snprintf(what, sizeof what, "was killed by signal %d (%s)", sig,
             strsignal(sig));
  else if (status)
    snprintf(what, sizeof what, "failed with exit status %d", (int)status);
  else
    snprintf(what, sizeof what, "succeeded");
  b->info.runs++;
  b->info.failures += !ok;
  b->info.last_ok = ok;
  b->info.last_s = s;
  snprintf(b->info.last, sizeof b->info.last, "build %s in %.2f s", what, s);
  if (ok)
    log_msg(RELOAD_LOG_INFO, "build succeeded in %.2f s", s);
  else
    log_msg(RELOAD_LOG_ERROR, "build %s (%.2f s); nothing was reloaded", what,
            s);
  if (b->closing)
    return;
  /* The sources changed while it ran: its output is already stale, so
   * build again and let that build's result decide what gets loaded. */
  if (b->queued) {
    b->queued = false;
    start(b);
    return;
  }
  b->done(b, ok, b->ud);
}

static void on_timer(uv_timer_t *t) {
  struct build *b = t->data;
  if (!b->running)
    return;
  if (!b->timed_out) {
    b->timed_out = true;
    log_msg(RELOAD_LOG_WARN, "build is still running after %u s "
            "([watch] build_timeout_s); stopping it", b->timeout_s);
    /* The build leads its own process group: signal all of it. */
    kill(-b->proc->pid, SIGTERM);
    uv_timer_start(&b->timer, on_timer, KILL_GRACE_MS, 0);
  } else {
    kill(-b->proc->pid, SIGKILL);
  }
}

static void start(struct build *b) {
  char *args[] = {"sh", "-c", b->cmd, NULL};
  uv_stdio_container_t io[3];
  io[0].flags = UV_IGNORE;
  /* Both of its streams go to our stderr: the program owns stdout. */
  io[1].flags = UV_INHERIT_FD;
  io[1].data.fd = 2;
  io[2].flags = UV_INHERIT_FD;
  io[2].data.fd = 2;
  uv_process_options_t o;
  memset(&o, 0, sizeof o);
  o.exit_cb = on_exit_cb;
  o.file = "/bin/sh";
  o.args = args;
  o.cwd = b->dir;
  o.stdio = io;
  o.stdio_count = 3;
  /* A session of its own, so that a timeout can stop the whole group. */
  o.flags = UV_PROCESS_DETACHED;
  b->timed_out = false;
  b->started = uv_hrtime();
  log_msg(RELOAD_LOG_INFO, "sources changed; building: %s", b->cmd);
  /* The process handle holds the build open until libuv closes it, even
   * when spawning fails (the handle is initialised all the same). */
  uv_process_t *proc = calloc(1, sizeof *proc);
  int r = proc ? uv_spawn(b->loop, proc, &o) : UV_ENOMEM;
  if (proc) {
    b->open_handles++;
    proc->data = b;
  }
  if (r < 0) {
    log_msg(RELOAD_LOG_ERROR, "cannot run the build command: %s",
            uv_strerror(r));
    if (proc)
      uv_close((uv_handle_t *)proc, on_proc_closed);
    b->info.runs++;
    b->info.failures++;
    b->info.last_ok = false;
    snprintf(b->info.last, sizeof b->info.last, "build could not start: %s",
             uv_strerror(r));
    b->done(b, false, b->ud);
    return;
  }
  b->proc = proc;
  b->running = true;
  uv_timer_start(&b->timer, on_timer, (uint64_t)b->timeout_s * 1000, 0);
}

static void on_closed(uv_handle_t *h) {
  struct build *b = h->data;
  if (--b->open_handles == 0) {
    free(b->cmd);
    free(b->dir);
    free(b);
  }
}

struct build *build_new(uv_loop_t *loop, build_done_fn done, void *ud) {
  struct build *b = calloc(1, sizeof *b);
  if (!b)
    return NULL;
  b->loop = loop;
  b->done = done;
  b->ud = ud;
  b->timeout_s = 300;
  uv_timer_init(loop, &b->timer);
  b->timer.data = b;
  b->open_handles = 1;
  return b;
}

int build_set(struct build *b, const char *cmd, const char *dir,
              unsigned timeout_s) {
  char *c = cmd ? strdup(cmd) : NULL, *d = dir ? strdup(dir) : NULL;
  if ((cmd && !c) || (dir && !d)) {
    free(c);
    free(d);
    return -1;
  }
  /* A running build keeps its own copy: uv_spawn copied the strings. */
  free(b->cmd);
  free(b->dir);
  b->cmd = c;
  b->dir = d;
  b->timeout_s = timeout_s ? timeout_s : 300;
  return 0;
}

void build_request(struct build *b) {
  if (!b->cmd || b->closing)
    return;
  if (b->running) {
    if (!b->queued)
      log_msg(RELOAD_LOG_DEBUG, "sources changed during the build; another "
              "build will follow it");
    b->queued = true;
    return;
  }
  start(b);
}

bool build_running(const struct build *b) { return b->running; }

void build_kill(struct build *b) {
  if (b && b->running && b->proc)
    kill(-b->proc->pid, SIGKILL);
}

void build_free(struct build *b) {
  if (!b || b->closing)
    return;
  b->closing = true;
  build_kill(b);
  uv_close((uv_handle_t *)&b->timer, on_closed);
}

void build_info(const struct build *b, struct build_info *out) {
  *out = b->info;
  out->running = b->running;
}
