/*
 * cmd_run.c - `reloadd run`: link the files and call the entry point, as
 * the program's main, with the rest of the command line.  With --watch,
 * the watcher reloads any of the files that changes while it runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "host.h"
#include "launcher.h"
#include "log.h"
#include "paths.h"
#include "watch.h"

static struct watch *watcher;
static bool keep_map; /* --keep-perf-map, passed on to the launcher */
static bool linked;

/* Until the program runs, problems look exactly as with plain `run`;
 * afterwards they are log lines with times, like the reloads. */
static void run_log(void *ud, int level, const char *file, const char *msg) {
  if (linked)
    log_core(ud, level, file, msg);
  else
    cli_log(ud, level, file, msg);
}

static void stop_watcher(void) { watch_stop(watcher); }

static int start_watcher(void *ud) {
  (void)ud;
  linked = true;
  if (watch_start(watcher)) {
    cli_err("run: cannot start the watcher thread");
    return 1;
  }
  return 0;
}

/* Take out the options only `run` has, leaving the linking ones. */
static int strip(int argc, char **argv, char **out, bool *watch, bool *shared,
                 bool *perfmap, const char **argv0, bool *guard,
                 unsigned *keep) {
  int n = 0;
  bool args = false;
  for (int i = 0; i < argc; i++) {
    if (!args && strcmp(argv[i], "--") == 0)
      args = true;
    if (!args && strcmp(argv[i], "--argv0") == 0) {
      if (i + 1 >= argc) {
        cli_err("run: --argv0 needs a value; see reloadd run --help");
        return -1;
      }
      *argv0 = argv[++i];
    } else if (!args && strncmp(argv[i], "--argv0=", 8) == 0)
      *argv0 = argv[i] + 8;
    else if (!args && strcmp(argv[i], "--watch") == 0)
      *watch = true;
    else if (!args && strcmp(argv[i], "--guard") == 0)
      *guard = true;
    else if (!args && (strcmp(argv[i], "--keep-versions") == 0 ||
                       strncmp(argv[i], "--keep-versions=", 16) == 0)) {
      const char *v = argv[i][15] ? argv[i] + 16
                                  : (i + 1 < argc ? argv[++i] : "");
      if (cli_uint(v, 1, 1000000, keep)) {
        cli_err("run: --keep-versions takes a number of versions from 1 to "
                "1000000, not '%s'; see reloadd run --help", v);
        return -1;
      }
    }
    else if (!args && strcmp(argv[i], "--allow-shared-dirs") == 0)
      *shared = true;
    else if (!args && strcmp(argv[i], "--no-perf-map") == 0)
      *perfmap = false;
    else if (!args && strcmp(argv[i], "--keep-perf-map") == 0) {
      log_perf_map_keep(true); /* at exit: see log.h */
      keep_map = true;
    }
    else
      out[n++] = argv[i];
  }
  out[n] = NULL;
  return n;
}

/*
 * argv[0] of the program: --argv0 when given; else the path of a launcher
 * that runs it again (see launcher.h), named after the first file.  The
 * launcher is written either way, for /proc/self/exe.
 */
static char *program_name(const struct cli_link *o, const char *argv0,
                          bool perfmap) {
  char *name = launcher_name(o->files[0]);
  struct strv files = {0}, libs = {0}, dirs = {0};
  for (int i = 0; i < o->nfiles; i++)
    strv_push(&files, o->files[i]);
  for (int i = 0; i < o->nlibs; i++)
    strv_push(&libs, o->libs[i]);
  for (int i = 0; i < o->nlibdirs; i++)
    strv_push(&dirs, o->libdirs[i]);
  static const char *const noperf[] = {"--no-perf-map", NULL};
  static const char *const keep[] = {"--keep-perf-map", NULL};
  struct launcher_spec s = {name ? name : "program", &files, &libs, &dirs,
                            o->entry,
                            !perfmap ? noperf : keep_map ? keep : NULL};
  char err[512];
  char *path = launcher_create(&s, err, sizeof err);
  if (!path && !argv0)
    cli_err("warning: %s; the program's argv[0] is '%s', which does not run "
            "it again", err, s.name);
  strv_free(&files);
  strv_free(&libs);
  strv_free(&dirs);
  if (argv0) {
    free(path);
    free(name);
    return (char *)argv0;
  }
  if (path) {
    free(name);
    return path;
  }
  return name ? name : (char *)"program";
}

int cmd_run(int argc, char **argv) {
  /* perf report and perf top name loaded functions through the map; it
   * costs a few writes per load, so it is on unless asked otherwise. */
  bool watch = false, shared = false, perfmap = cli_perf_map_env();
  char **av = calloc((size_t)argc + 1, sizeof *av);
  if (!av) {
    cli_err("out of memory");
    return 1;
  }
  const char *argv0 = NULL;
  bool guard = false;
  unsigned keep = 0;
  int ac = strip(argc, argv, av, &watch, &shared, &perfmap, &argv0, &guard,
                 &keep);
  if (ac < 0) {
    free(av);
    return 2;
  }
  struct cli_link o;
  int st = cli_parse_link(ac, av, &o, "run");
  if (st) {
    free(av);
    return st;
  }
  o.flags = (perfmap ? RELOAD_OPT_PERFMAP : 0u) | RELOAD_OPT_EXPORT;
  o.keep_versions = keep;
  struct strv abs = {0};
  if (watch) {
    /* The program may chdir(); reloads must still find the files.  The
     * core keys objects by the string it was given, so it gets these. */
    for (int i = 0; i < o.nfiles; i++)
      if (strv_take(&abs, path_join(NULL, o.files[i]))) {
        cli_err("out of memory");
        return 1;
      }
    for (int i = 0; i < o.nfiles; i++)
      o.files[i] = abs.v[i];
    char why[600];
    for (size_t i = 0; i < abs.n && !shared; i++) {
      char *dir = path_dir(abs.v[i]);
      int r = dir ? path_check_private(dir, why, sizeof why) : 0;
      free(dir);
      if (r) {
        cli_err("run: %s%s", why, r > 0 ? "; keep objects in a private "
                "directory or pass --allow-shared-dirs" : "");
        strv_free(&abs);
        cli_free_link(&o);
        free(av);
        return 1;
      }
    }
    struct log_opts lo = {RELOAD_LOG_INFO + (o.verbose > 0), LOG_COLOR_AUTO,
                          NULL, true};
    log_setup(&lo, why, sizeof why);
    o.log = run_log;
    o.log_ud = &o;
  }
  reload_ctx *ctx = cli_link(&o, &st);
  if (st) {
    reload_close(ctx);
    cli_free_link(&o);
    strv_free(&abs);
    free(av);
    return 1;
  }
  int pargc = o.nargs + 1;
  char **pargv = calloc((size_t)pargc + 1, sizeof *pargv);
  if (!pargv) {
    cli_err("out of memory");
    free(av);
    return 1;
  }
  pargv[0] = program_name(&o, argv0, perfmap);
  for (int i = 0; i < o.nargs; i++)
    pargv[i + 1] = o.args[i];
  /* o.args pointed into av; the strings themselves are argv's. */
  o.args = NULL;
  free(av);
  struct host_opts ho = {.entry = o.entry, .argc = pargc, .argv = pargv,
                         .guard = guard};
  if (watch) {
    char *cwd = path_join(NULL, ".");
    struct watch_opts wo = {
        .objects = abs,
        .debounce_ms = 20,
        .build_timeout_s = 300,
        .allow_shared_dirs = shared,
        .remedy = "pass --allow-shared-dirs",
        .tree = cwd,
    };
    char err[300];
    watcher = watch_new(ctx, &wo, err, sizeof err);
    if (!watcher) {
      cli_err("run: %s", err);
      return 1;
    }
    ho.at_exit = stop_watcher;
    ho.ready = start_watcher;
  }
  /* Only on failure; the context stays: its finalizers may be registered. */
  return host_run(ctx, &ho);
}
