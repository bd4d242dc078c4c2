/*
 * log.h - reloadd's own messages: levels, timestamps, colour on a
 * terminal, an optional log file, and an adapter that routes the core
 * library's messages through the same path.
 *
 * Every line goes to stderr as "reloadd: [TIME ]LEVEL: message" and, when
 * a log file is set, to that file too (always with the date, never with
 * colour).  On stderr a line starts a line of its own even when the
 * program left one unfinished there, where that can be told (a file, a
 * terminal; see start_line() in log.c).  Writing is one write(2) per line
 * and takes no lock, so it is safe from any thread and from the core's
 * fault handler.
 */
#ifndef RELOADD_LOG_H
#define RELOADD_LOG_H

#include <stdbool.h>

#include "buf.h"
#include "reload.h"

enum { LOG_COLOR_AUTO, LOG_COLOR_ALWAYS, LOG_COLOR_NEVER };

struct log_opts {
  int level;       /* RELOAD_LOG_*: messages above it are dropped */
  int color;       /* LOG_COLOR_* */
  const char *file; /* NULL: stderr only */
  bool timestamps; /* on stderr; the file always has them */
};

/*
 * Apply new settings.  A file that cannot be opened leaves the previous
 * one in place and returns -errno with the reason in `err`.
 */
int log_setup(const struct log_opts *o, char *err, size_t errlen);
bool log_enabled(int level);
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* One whole line (with its newline) to stderr, on a line of its own; `c`:
 * it has colour.  For cli.c's plain messages too. */
void log_stderr_line(const char *line, size_t n, bool c);

/* A reload_log_fn: messages of the core, "FILE: msg" when about a file. */
void log_core(void *ud, int level, const char *file, const char *msg);
/* reload_options.crash: the program is dying of a fault in loaded code.
 * Async-signal-safe: the line goes to stderr and the log file with
 * write(2), on a line of its own. */
void log_crash(void *ud, const char *line);

/*
 * While capturing, log_core() on the calling thread appends to `into`
 * instead of printing, so a tentative reload of a file that may be only
 * half written does not spray errors.  log_replay() prints what was held.
 */
void log_capture(struct buf *into);
void log_capture_end(void);
void log_replay(const struct buf *held);

/*
 * The perf map: what reloadd writes for perf, as its log is what it writes
 * for people.  The core writes /tmp/perf-<pid>.map (RELOAD_OPT_PERFMAP)
 * and leaves it; reloadd removes it when the process exits, unless it was
 * asked to keep it (for `perf report` afterwards).  Only the process that
 * made it does: not a forked child, and not when the file is one an
 * earlier process with the same pid left and this one never wrote.
 *
 * log_perf_map_track(): in the process that will host a program, before
 * anything is linked; registers the removal at exit.
 * log_perf_map_keep(): leave the map at exit (run --keep-perf-map,
 * [reload] perf_map = keep), or not.
 * log_perf_map_remove(): remove it now, unless kept; for exits that skip
 * the at-exit handler (the daemon dies of its stop signal at the end of
 * exit()).  Safe to call more than once, from any thread.
 */
void log_perf_map_track(void);
void log_perf_map_keep(bool keep);
void log_perf_map_remove(void);

#endif
