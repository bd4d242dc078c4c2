/*
 * config.h - the daemon's configuration file (see config/example.ini).
 *
 * config_load() reads the .ini with inih, checks every key and value, and
 * expands globs against the file system.  Relative paths are relative to
 * the config file's directory; every path in a loaded config is absolute.
 */
#ifndef RELOADD_CONFIG_H
#define RELOADD_CONFIG_H

#include <stdbool.h>

#include "buf.h"
#include "text.h"

/* Every key, in the order config/example.ini documents them. */
enum config_key {
  CK_PROGRAM_OBJECTS,
  CK_PROGRAM_LIBRARIES,
  CK_PROGRAM_LIBRARY_PATHS,
  CK_PROGRAM_ENTRY,
  CK_PROGRAM_ARGV0,
  CK_PROGRAM_ARGS,
  CK_PROGRAM_WORKDIR,
  CK_WATCH_OBJECTS,
  CK_WATCH_SOURCES,
  CK_WATCH_BUILD,
  CK_WATCH_BUILD_TIMEOUT_S,
  CK_WATCH_DEBOUNCE_MS,
  CK_WATCH_ALLOW_SHARED_DIRS,
  CK_RELOAD_MODE,
  CK_RELOAD_KEEP_STATE,
  CK_RELOAD_RETIRE_MS,
  CK_RELOAD_KEEP_VERSIONS,
  CK_RELOAD_GUARD,
  CK_RELOAD_PERF_MAP,
  CK_LOG_LEVEL,
  CK_LOG_COLOR,
  CK_LOG_FILE,
  CONFIG_NKEYS
};

struct config {
  char *path; /* as the user gave it; used in messages */
  char *dir;  /* absolute directory of the file */

  /* [program] */
  struct strv objects;       /* expanded globs, absolute, in order */
  struct strv libraries;     /* NAME as for -l NAME */
  struct strv library_paths; /* absolute */
  char *entry;               /* default "main" */
  char *argv0;               /* NULL: the path of the program's launcher */
  struct strv args;
  char *workdir;             /* absolute, or NULL: stay where started */

  /* [watch] */
  struct strv watch_objects; /* subset of objects; default all of them */
  struct strv sources;       /* absolute glob patterns */
  char *build;               /* shell command, or NULL */
  unsigned build_timeout_s;  /* default 300 */
  unsigned debounce_ms;      /* default 20 */
  bool allow_shared_dirs;    /* default false */

  /* [reload] */
  int mode;                  /* RELOAD_MODE_* */
  bool keep_state;           /* default true */
  unsigned retire_ms;        /* default 250 */
  unsigned keep_versions;    /* default 8 */
  bool guard;                /* default false */
  bool perf_map;             /* default true: keep /tmp/perf-<pid>.map */
  bool keep_perf_map;        /* perf_map = keep: and leave it at exit */

  /* [log] */
  int log_level;             /* RELOAD_LOG_*; default info */
  int log_color;             /* LOG_COLOR_*; default auto */
  char *log_file;            /* absolute, or NULL */

  int line[CONFIG_NKEYS];    /* where each key was set; 0 = default */
};

/*
 * Read and check `path`.  Each problem is appended to `errs` as one line,
 * "FILE:LINE: message" or "FILE: message", sorted by line; warnings
 * ("FILE:LINE: warning: message") go to `warns`.  Returns the number of
 * errors; the config is usable only when that is 0.  config_free() it
 * either way.
 */
int config_load(struct config *c, const char *path, struct buf *errs,
                struct buf *warns);
void config_free(struct config *c);

/* The section and name of a key, for messages. */
const char *config_key_section(enum config_key k);
const char *config_key_name(enum config_key k);

/* Write every setting as "section.key = value" lines (reloadd --validate). */
void config_dump(const struct config *c, struct buf *out);

#endif
