/*
 * cli.c - option parsing and error reporting shared by the subcommands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "log.h"

/* Lines of their own, also after a line the program left unfinished on
 * stderr (log.c). */
static void put_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void put_line(const char *fmt, ...) {
  char line[1200];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n >= sizeof line) {
    n = (int)sizeof line - 1;
    line[n - 1] = '\n';
  }
  log_stderr_line(line, (size_t)n, false);
}

void cli_err(const char *fmt, ...) {
  char msg[1100];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  put_line("reloadd: %s\n", msg);
}

void cli_log(void *ud, int level, const char *file, const char *msg) {
  const struct cli_link *o = ud;
  static const char *const names[] = {"error", "warning", "info", "debug"};
  if (level > RELOAD_LOG_WARN + o->verbose)
    return;
  /* `check` lists problems as FILE: message, for editors to jump to. */
  if (o->check && level == RELOAD_LOG_ERROR && file)
    put_line("%s: %s\n", file, msg);
  else if (file)
    put_line("reloadd: %s: %s: %s\n", file, names[level & 3], msg);
  else
    put_line("reloadd: %s: %s\n", names[level & 3], msg);
}

bool cli_perf_map_env(void) {
  const char *v = getenv("RELOADD_PERF_MAP");
  static const char *const off[] = {"0", "false", "no", "off"};
  for (size_t i = 0; v && i < sizeof off / sizeof *off; i++)
    if (strcasecmp(v, off[i]) == 0)
      return false;
  return true;
}

static int push(const char ***v, int *n, const char *s) {
  const char **nv = realloc((void *)*v, (size_t)(*n + 1) * sizeof *nv);
  if (!nv)
    return -1;
  nv[(*n)++] = s;
  *v = nv;
  return 0;
}

int cli_parse_link(int argc, char **argv, struct cli_link *o,
                   const char *cmd) {
  memset(o, 0, sizeof *o);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *val = NULL;
    int r = 0;
    if (strcmp(a, "--") == 0) {
      o->args = argv + i + 1;
      o->nargs = argc - i - 1;
      break;
    } else if (strncmp(a, "-l", 2) == 0 || strncmp(a, "-L", 2) == 0) {
      val = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
      if (!val) {
        cli_err("%s: option %s needs a value; see reloadd --help", cmd, a);
        return 2;
      }
      r = a[1] == 'l' ? push(&o->libs, &o->nlibs, val)
                      : push(&o->libdirs, &o->nlibdirs, val);
    } else if (strcmp(a, "--entry") == 0 || strncmp(a, "--entry=", 8) == 0) {
      val = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
      if (!val || !*val) {
        cli_err("%s: --entry needs a symbol name", cmd);
        return 2;
      }
      o->entry = val;
    } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
      o->verbose++;
    } else if (a[0] == '-' && a[1]) {
      cli_err("%s: unknown option '%s'; see reloadd --help", cmd, a);
      return 2;
    } else {
      r = push(&o->files, &o->nfiles, a);
    }
    if (r) {
      cli_err("out of memory");
      return 2;
    }
  }
  if (o->nfiles == 0) {
    cli_err("%s: no input files; give .o or .a files, see reloadd --help",
            cmd);
    return 2;
  }
  return 0;
}

int cli_uint(const char *s, unsigned min, unsigned max, unsigned *out) {
  char *end;
  if (!s || *s < '0' || *s > '9')
    return -1;
  unsigned long v = strtoul(s, &end, 10);
  if (*end || v < min || v > max)
    return -1;
  *out = (unsigned)v;
  return 0;
}

void cli_free_link(struct cli_link *o) {
  free((void *)o->files);
  free((void *)o->libs);
  free((void *)o->libdirs);
}

reload_ctx *cli_link(struct cli_link *o, int *status) {
  reload_options opt = {.log = o->log ? o->log : cli_log,
                        .log_ud = o->log ? o->log_ud : o,
                        .flags = o->flags,
                        .keep_versions = o->keep_versions,
                        .crash = log_crash};
  reload_ctx *ctx = reload_open(&opt);
  if (!ctx) {
    cli_err("out of memory");
    *status = 1;
    return NULL;
  }
  int bad = 0;
  for (int i = 0; i < o->nlibdirs; i++)
    if (reload_add_library_path(ctx, o->libdirs[i]))
      bad = 1;
  for (int i = 0; i < o->nlibs; i++)
    if (reload_add_library(ctx, o->libs[i]))
      bad = 1;
  /* Read every file even after a bad one, so all problems are listed. */
  for (int i = 0; i < o->nfiles; i++)
    if (reload_add_file(ctx, o->files[i]))
      bad = 1;
  if (!bad && reload_link(ctx))
    bad = 1;
  if (bad) {
    *status = 1;
    return ctx;
  }
  *status = 0;
  return ctx;
}
