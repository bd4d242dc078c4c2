/*
 * daemon.c - `reloadd [OPTIONS] CONFIG.ini [-- ARG...]`: run the program a
 * config describes, with the watcher on its own thread, the control socket,
 * and signals: SIGINT and SIGTERM stop cleanly, SIGHUP re-reads the config.
 *
 * The program's main runs on the main thread, as it would natively.  The
 * watcher's loop thread handles the signals (libuv's handler only writes
 * to a pipe, whichever thread takes the signal) and every reload.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "control.h"
#include "forked.h"
#include "host.h"
#include "launcher.h"
#include "log.h"
#include "paths.h"
#include "status.h"
#include "watch.h"

#define REMEDY "set [watch] allow_shared_dirs = true"

/* One daemon per process: signal and atexit handlers reach it here. */
static struct {
  struct config run; /* as started; never freed: the program holds argv */
  struct config cur; /* as last (re)loaded, for SIGHUP comparisons */
  bool have_cur;
  char *config_abs;
  int cli_level;     /* -1: take the config's */
  int cli_color;     /* -1: take the config's */
  unsigned cli_keep; /* --keep-versions; 0: take the config's */
  reload_ctx *ctx;
  struct watch *w;
  struct control *ctl;
  uv_signal_t sigint, sigterm, sighup;
  volatile sig_atomic_t stop_sig;
} D;

static void print_lines(const struct buf *b) { fputs(buf_str(b), stderr); }

/* Each line of `b` as a log message (after SIGHUP, stderr may be a log). */
static void log_lines(int level, const struct buf *b) {
  const char *p = buf_str(b);
  while (*p) {
    const char *nl = strchr(p, '\n');
    int n = nl ? (int)(nl - p) : (int)strlen(p);
    log_msg(level, "%.*s", n, p);
    p += n + (nl != NULL);
  }
}

static int setup_log(const struct config *c, char *err, size_t len) {
  struct log_opts lo = {
      .level = D.cli_level >= 0 ? D.cli_level : c->log_level,
      .color = D.cli_color >= 0 ? D.cli_color : c->log_color,
      .file = c->log_file,
      .timestamps = true,
  };
  return log_setup(&lo, err, len);
}

/* The watch settings of `c`, limited to the objects the program linked:
 * only those can be reloaded. */
static void watch_opts(const struct config *c, struct watch_opts *o) {
  memset(o, 0, sizeof *o);
  for (size_t i = 0; i < c->watch_objects.n; i++) {
    if (strv_has(&D.run.objects, c->watch_objects.v[i]))
      strv_push(&o->objects, c->watch_objects.v[i]);
    else
      log_msg(RELOAD_LOG_WARN, "%s is not linked into the running program; "
              "restart reloadd to add it",
              path_show(c->dir, c->watch_objects.v[i]));
  }
  o->sources = c->sources; /* copied by the watcher */
  o->build = c->build;
  o->build_dir = c->dir;
  o->build_timeout_s = c->build_timeout_s;
  o->debounce_ms = c->debounce_ms;
  o->allow_shared_dirs = c->allow_shared_dirs;
  o->remedy = REMEDY;
  o->tree = c->dir;
}

static int on_request(void *ud, const char *req, struct buf *reply) {
  (void)ud;
  if (strcmp(req, "status") == 0 || strcmp(req, "status json") == 0) {
    struct status_src s = {D.config_abs, D.ctx, watch_update(D.w),
                           watch_build(D.w), D.run.dir};
    status_render(&s, req[6] != '\0', reply);
    return 0;
  }
  if (strncmp(req, "reload", 6) == 0 && (req[6] == '\0' || req[6] == ' ')) {
    const char *which = req[6] ? req + 7 : NULL;
    log_msg(RELOAD_LOG_INFO, "reload requested through the control socket");
    return update_force(watch_update(D.w), which, reply) ? 1 : 0;
  }
  buf_printf(reply, "reloadd: unknown request '%.100s'\n", req);
  return 2;
}

/* Runs last at exit: after a stop signal, die of that signal, as the
 * program would have without us, now that everything has been cleaned up. */
static void reraise(void) {
  int sig = D.stop_sig;
  if (!sig)
    return;
  fflush(NULL);
  signal(sig, SIG_DFL);
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  pthread_sigmask(SIG_UNBLOCK, &s, NULL);
  raise(sig);
}

/* Runs after the program's atexit handlers and before its finalizers. */
static void stop_all(void) {
  watch_stop(D.w);
  control_unlink(D.ctl);
}

static void on_stop_signal(uv_signal_t *h, int sig) {
  (void)h;
  log_msg(RELOAD_LOG_INFO, "stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
  D.stop_sig = sig;
  /* With no watcher left the default action returns, so that a second
   * signal stops a program whose exit handlers hang. */
  uv_signal_stop(&D.sigint);
  uv_signal_stop(&D.sigterm);
  /* exit() runs the program's atexit handlers, then ours, then the
   * finalizers; reraise() then ends the process with the signal. */
  exit(128 + sig);
}

static bool list_changed(const struct strv *a, const struct strv *b) {
  return !strv_equal(a, b);
}

static void on_hup(uv_signal_t *h, int sig) {
  (void)h;
  (void)sig;
  struct config nc;
  struct buf errs = {0}, warns = {0};
  log_msg(RELOAD_LOG_INFO, "SIGHUP: reading %s again", D.run.path);
  int n = config_load(&nc, D.run.path, &errs, &warns);
  log_lines(RELOAD_LOG_WARN, &warns);
  if (n) {
    log_lines(RELOAD_LOG_ERROR, &errs);
    log_msg(RELOAD_LOG_ERROR, "%s has %d error%s; keeping the configuration "
            "in use", D.run.path, n, n == 1 ? "" : "s");
    config_free(&nc);
    buf_free(&errs);
    buf_free(&warns);
    return;
  }
  buf_free(&errs);
  buf_free(&warns);
  if (D.cli_keep)
    nc.keep_versions = D.cli_keep;
  char err[300];
  if (setup_log(&nc, err, sizeof err))
    log_msg(RELOAD_LOG_ERROR, "%s; logging as before", err);
  /* What the running program was built from cannot change under it. */
  struct { bool changed; const char *what; } fixed[] = {
      {list_changed(&nc.objects, &D.run.objects), "[program] objects"},
      {list_changed(&nc.libraries, &D.run.libraries), "[program] libraries"},
      {list_changed(&nc.library_paths, &D.run.library_paths), "[program] library_paths"},
      {strcmp(nc.entry, D.run.entry) != 0, "[program] entry"},
      {(nc.argv0 == NULL) != (D.run.argv0 == NULL) ||
           (nc.argv0 && strcmp(nc.argv0, D.run.argv0) != 0),
       "[program] argv0"},
      {list_changed(&nc.args, &D.run.args), "[program] args"},
      {(nc.workdir == NULL) != (D.run.workdir == NULL) ||
           (nc.workdir && strcmp(nc.workdir, D.run.workdir) != 0),
       "[program] workdir"},
      {nc.mode != D.run.mode, "[reload] mode"},
      {nc.keep_state != D.run.keep_state, "[reload] keep_state"},
      {nc.retire_ms != D.run.retire_ms, "[reload] retire_ms"},
      {nc.keep_versions != D.run.keep_versions, "[reload] keep_versions"},
      {nc.guard != D.run.guard, "[reload] guard"},
      {nc.perf_map != D.run.perf_map, "[reload] perf_map"},
  };
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
    if (fixed[i].changed)
      log_msg(RELOAD_LOG_WARN, "%s changed; it takes effect when reloadd "
              "restarts", fixed[i].what);
  struct watch_opts wo;
  watch_opts(&nc, &wo);
  if (watch_apply(D.w, &wo))
    log_msg(RELOAD_LOG_ERROR, "out of memory applying the new [watch] "
            "settings");
  strv_free(&wo.objects);
  if (D.have_cur)
    config_free(&D.cur);
  D.cur = nc;
  D.have_cur = true;
  log_perf_map_keep(nc.keep_perf_map);
  log_msg(RELOAD_LOG_INFO, "configuration reloaded");
}

/*
 * argv[0] of the program: [program] argv0, else the path of a launcher
 * named after the config that runs the program again with `reloadd run`
 * (see launcher.h).  The launcher is written either way, for
 * /proc/self/exe.
 */
static char *program_name(const char *config) {
  char *name = launcher_name(config);
  static const char *const noperf[] = {"--no-perf-map", NULL};
  static const char *const keep[] = {"--keep-perf-map", NULL};
  bool perf = D.run.perf_map && cli_perf_map_env();
  struct launcher_spec s = {name ? name : "program", &D.run.objects,
                            &D.run.libraries, &D.run.library_paths,
                            D.run.entry,
                            !perf ? noperf : D.run.keep_perf_map ? keep : NULL};
  char err[512];
  char *path = launcher_create(&s, err, sizeof err);
  if (!path && !D.run.argv0)
    log_msg(RELOAD_LOG_WARN, "%s; the program's argv[0] is '%s', which does "
            "not run it again", err, s.name);
  if (D.run.argv0) {
    free(path);
    free(name);
    return strdup(D.run.argv0);
  }
  if (path) {
    free(name);
    return path;
  }
  return name;
}

static int start_watcher(void *ud) {
  (void)ud;
  if (watch_start(D.w)) {
    cli_err("cannot start the watcher thread");
    return 1;
  }
  return 0;
}

static void usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("reloadd: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("; see reloadd --help\n", stderr);
  va_end(ap);
}

static int parse_color(const char *s) {
  if (strcmp(s, "auto") == 0)
    return LOG_COLOR_AUTO;
  if (strcmp(s, "always") == 0)
    return LOG_COLOR_ALWAYS;
  if (strcmp(s, "never") == 0)
    return LOG_COLOR_NEVER;
  return -1;
}

int cmd_daemon(int argc, char **argv) {
  const char *path = NULL;
  bool validate = false;
  char **args = NULL;
  int nargs = -1;
  D.cli_level = D.cli_color = -1;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      args = argv + i + 1;
      nargs = argc - i - 1;
      break;
    } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
      D.cli_level = RELOAD_LOG_DEBUG;
    } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      D.cli_level = RELOAD_LOG_WARN;
    } else if (strcmp(a, "--keep-versions") == 0 ||
               strncmp(a, "--keep-versions=", 16) == 0) {
      const char *v = a[15] ? a + 16 : (i + 1 < argc ? argv[++i] : "");
      if (cli_uint(v, 1, 1000000, &D.cli_keep)) {
        usage_error("--keep-versions takes a number of versions from 1 to "
                    "1000000, not '%s'", v);
        return 2;
      }
    } else if (strcmp(a, "--validate") == 0) {
      validate = true;
    } else if (strncmp(a, "--color", 7) == 0 && (a[7] == '=' || !a[7])) {
      const char *v = a[7] ? a + 8 : (i + 1 < argc ? argv[++i] : "");
      if ((D.cli_color = parse_color(v)) < 0) {
        usage_error("--color takes auto, always or never, not '%s'", v);
        return 2;
      }
    } else if (a[0] == '-' && a[1]) {
      usage_error("unknown option '%s'", a);
      return 2;
    } else if (path) {
      usage_error("one config file at a time; '%s' is a second one (program "
                  "arguments go after --)", a);
      return 2;
    } else {
      path = a;
    }
  }
  if (!path) {
    usage_error("%s", "no config file given");
    return 2;
  }

  struct buf errs = {0}, warns = {0};
  int n = config_load(&D.run, path, &errs, &warns);
  print_lines(&warns);
  buf_free(&warns);
  if (n) {
    print_lines(&errs);
    fprintf(stderr, "reloadd: %s: %d error%s; nothing was started\n", path, n,
            n == 1 ? "" : "s");
    buf_free(&errs);
    config_free(&D.run);
    return 1;
  }
  buf_free(&errs);
  if (D.cli_keep)
    D.run.keep_versions = D.cli_keep;
  log_perf_map_keep(D.run.keep_perf_map); /* it only matters at exit */
  if (validate) {
    struct buf out = {0};
    config_dump(&D.run, &out);
    fputs(buf_str(&out), stdout);
    buf_free(&out);
    config_free(&D.run);
    return 0;
  }
  D.config_abs = realpath(path, NULL);
  if (!D.config_abs)
    D.config_abs = path_join(NULL, path);
  char err[600];
  if (setup_log(&D.run, err, sizeof err)) {
    cli_err("%s", err);
    return 1;
  }

  reload_options opt = {
      .log = log_core,
      .mode = (reload_mode)D.run.mode,
      .reset_state = !D.run.keep_state,
      .retire_ms = D.run.retire_ms,
      .keep_versions = D.run.keep_versions,
      .crash = log_crash,
      .flags = (D.run.perf_map && cli_perf_map_env() ? RELOAD_OPT_PERFMAP
                                                     : 0u) |
               RELOAD_OPT_EXPORT,
  };
  D.ctx = reload_open(&opt);
  if (!D.ctx) {
    cli_err("out of memory");
    return 1;
  }
  int bad = 0;
  for (size_t i = 0; i < D.run.library_paths.n; i++)
    bad |= reload_add_library_path(D.ctx, D.run.library_paths.v[i]) != 0;
  for (size_t i = 0; i < D.run.libraries.n; i++)
    bad |= reload_add_library(D.ctx, D.run.libraries.v[i]) != 0;
  /* Read every file even after a bad one, so all problems are listed. */
  for (size_t i = 0; i < D.run.objects.n; i++)
    bad |= reload_add_file(D.ctx, D.run.objects.v[i]) != 0;
  if (bad || reload_link(D.ctx)) {
    cli_err("%s: the program does not link; nothing was started", path);
    return 1;
  }

  struct watch_opts wo;
  watch_opts(&D.run, &wo);
  D.w = watch_new(D.ctx, &wo, err, sizeof err);
  strv_free(&wo.objects);
  if (!D.w) {
    cli_err("%s", err);
    return 1;
  }
  uv_loop_t *loop = watch_loop(D.w);
  D.ctl = control_start(loop, path, on_request, NULL, err, sizeof err);
  if (!D.ctl) {
    cli_err("%s", err);
    return 1;
  }
  uv_signal_init(loop, &D.sigint);
  uv_signal_init(loop, &D.sigterm);
  uv_signal_init(loop, &D.sighup);
  uv_signal_start(&D.sigint, on_stop_signal, SIGINT);
  uv_signal_start(&D.sigterm, on_stop_signal, SIGTERM);
  uv_signal_start(&D.sighup, on_hup, SIGHUP);
  forked_init();
  forked_signal(SIGINT);

  if (D.run.workdir && chdir(D.run.workdir) < 0) {
    cli_err("cannot change to [program] workdir %s: %s", D.run.workdir,
            strerror(errno));
    control_unlink(D.ctl);
    return 1;
  }

  /* The program's arguments: after "--", else [program] args. */
  struct strv pargs = {0};
  strv_take(&pargs, program_name(path));
  if (nargs >= 0)
    for (int i = 0; i < nargs; i++)
      strv_push(&pargs, args[i]);
  else
    for (size_t i = 0; i < D.run.args.n; i++)
      strv_push(&pargs, D.run.args.v[i]);

  log_msg(RELOAD_LOG_INFO, "running %s: %zu object%s linked, %zu watched; "
          "control socket %s", path, D.run.objects.n,
          D.run.objects.n == 1 ? "" : "s", D.run.watch_objects.n,
          control_socket(D.ctl));
  /* First registered, so it runs last, after the finalizers. */
  atexit(reraise);
  struct host_opts ho = {
      .entry = D.run.entry,
      .argc = (int)pargs.n,
      .argv = pargs.v,
      .guard = D.run.guard,
      .at_exit = stop_all,
      .ready = start_watcher,
  };
  host_run(D.ctx, &ho);
  control_unlink(D.ctl);
  return 1;
}
