/*
 * cli.h - what the reloadd subcommands share: option parsing for linking
 * commands and reporting through stderr.
 */
#ifndef RELOADD_CLI_H
#define RELOADD_CLI_H

#include <stdbool.h>

#include "reload.h"

struct cli_link {
  const char **files;
  int nfiles;
  const char **libs;
  int nlibs;
  const char **libdirs;
  int nlibdirs;
  const char *entry;
  char **args; /* after "--" */
  int nargs;
  int verbose;
  bool check;  /* print problems as "FILE: message" */
  unsigned flags; /* RELOAD_OPT_* for the context */
  unsigned keep_versions; /* 0: the library's default */
  reload_log_fn log; /* NULL: cli_log */
  void *log_ud;
};

/* Parse [-l NAME] [-L DIR] [--entry SYM] [-v] FILE... [-- ARG...].
 * Returns 0, or 2 after printing a usage error. */
int cli_parse_link(int argc, char **argv, struct cli_link *o,
                   const char *cmd);
void cli_free_link(struct cli_link *o);

/* A whole number in [min, max]: 0, or -1 when `s` is anything else. */
int cli_uint(const char *s, unsigned min, unsigned max, unsigned *out);

/* Open a context that reports to stderr, add libraries and files, link.
 * Returns the context, or NULL after the problems were printed. */
reload_ctx *cli_link(struct cli_link *o, int *status);

/* false when RELOADD_PERF_MAP in the environment says 0, false, no or
 * off: a way for test suites and scripts to keep `run` and the daemon from
 * leaving /tmp/perf-<pid>.map files behind without changing every command
 * line and config. */
bool cli_perf_map_env(void);

void cli_log(void *ud, int level, const char *file, const char *msg);
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_reload(int argc, char **argv);
void cli_usage(void);

#endif
