/*
 * dbgtest.h - helpers shared by the debugging-aids tests (tests/debug/):
 * gdb registration, unwinding, the perf map and crash reports.
 *
 * Assertions come from tests/check.h; a failure prints both values and
 * exits 1.  Exit status 77 is meson's "skipped".
 */
#ifndef DBGTEST_H
#define DBGTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "reload.h"

/* The reload call `expr` must not fail (< 0); prints the context's
 * message otherwise.  Evaluates to the call's value. */
#define DBG_OK(ctx, expr) dbg_ok((ctx), (expr), #expr, __FILE__, __LINE__)
int dbg_ok(reload_ctx *ctx, int r, const char *what, const char *file,
           int line);

/* A generic function pointer; cast it to the real type to call it.  Going
 * through memcpy keeps ISO C quiet about object-to-function casts. */
typedef void (*dbg_fnptr)(void);
dbg_fnptr dbg_fn(void *p);

/* reload_entry() and reload_sym(), asserting the name exists. */
void *dbg_entry(reload_ctx *ctx, const char *name);
void *dbg_sym(reload_ctx *ctx, const char *name);

/* Exit 77 with `why` when RELOAD_TEST_SETUP (root meson.build) is one of
 * the comma-separated `setups`. */
void dbg_skip_under(const char *setups, const char *why);

/* Whole file contents (malloc'd, NUL-terminated; asserts success), and
 * writing a whole file (truncating it in place, as a compiler does). */
void *dbg_slurp(const char *path, size_t *len);
void dbg_write(const char *path, const void *buf, size_t len);
void dbg_copy(const char *from, const char *to);

/* Make the arguments that name existing files absolute, then make a fresh
 * temporary directory the working directory; it is removed at exit. */
void dbg_tmpdir(int argc, char **argv);

/* Log lines captured by dbg_log (a reload_log_fn): the message alone, one
 * per line; printed to stderr too when DBG_VERBOSE is set. */
void dbg_log(void *ud, int level, const char *file, const char *msg);
const char *dbg_log_text(void);
void dbg_log_clear(void);

/* The functions of one version, from reload_list_functions(). */
typedef struct dbg_func {
  char name[128];
  int change;
  uintptr_t code;
  size_t size;
} dbg_func;
/* Fills `out` (at most `max`); returns how many, or the core's error. */
int dbg_functions(reload_ctx *ctx, const char *object, unsigned version,
                  dbg_func *out, int max);
/* The function of `fs` whose code holds `pc`, or NULL. */
const dbg_func *dbg_func_at(const dbg_func *fs, int n, uintptr_t pc);

/* The versions of `object` now listed by reload_list_versions():
 * versions[i] for i < return value. */
int dbg_versions(reload_ctx *ctx, const char *object, unsigned *versions,
                 int max);

/* Sleep `ms` milliseconds. */
void dbg_nap(unsigned ms);

/* The line of `path` (1-based) that contains `marker`; fails if none. */
int dbg_marker_line(const char *path, const char *marker);

#endif
