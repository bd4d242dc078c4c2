/*
 * swaptest.h - helpers shared by the hot-swap tests (tests/swap/).
 *
 * Each test loads "lib.o" from a fresh temporary directory it has made its
 * working directory, so that messages name the object exactly as a user's
 * would ("function f (lib.o) was removed in version 2").  Reloading means
 * copying another version's bytes over lib.o, as a compiler would, and
 * calling reload_update(ctx, "lib.o").
 *
 * Assertions come from tests/check.h; failures print both values and exit 1.
 */
#ifndef SWAPTEST_H
#define SWAPTEST_H

#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "reload.h"

/* The reload call `expr` must succeed (>= 0); prints the context's message
 * otherwise.  Evaluates to the call's value. */
#define ASSERT_RELOAD_OK(ctx, expr) swt_ok((ctx), (expr), #expr, __FILE__, __LINE__)
int swt_ok(reload_ctx *ctx, int r, const char *what, const char *file, int line);

/* A generic function pointer: cast it to the real type to call it.  Going
 * through memcpy keeps ISO C quiet about object-to-function casts. */
typedef void (*swt_fn)(void);
swt_fn swt_to_fn(void *p);
void *swt_from_fn(swt_fn f);

/* Exit 77 (meson's "skipped") with `why` when the test setup named in
 * RELOAD_TEST_SETUP (root meson.build) is one of the comma-separated
 * `setups`. */
void swt_skip_under(const char *setups, const char *why);

/* Make the arguments that name existing files absolute, since swt_open()
 * changes the working directory.  Call it first thing in main(). */
void swt_args(int argc, char **argv);

/* Make a temporary directory, copy `v1` there as lib.o (and each of the
 * NULL-terminated `extra` files under its own base name), chdir into it,
 * open a context with `opt` (NULL for defaults; its log callback is
 * replaced by the capture below), add the objects, link and run their
 * initializers.  The directory is removed at exit. */
reload_ctx *swt_open(const reload_options *opt, const char *v1,
                     const char *const *extra);

/* Copy `src` over lib.o (truncate and rewrite in place). */
void swt_install(const char *src);
/* Install `src` and reload lib.o; asserts success and returns the version. */
int swt_reload(reload_ctx *ctx, const char *src);

/* Whole file contents (malloc'd; asserts success). */
void *swt_slurp(const char *path, size_t *len);
void swt_write(const char *path, const void *buf, size_t len);

/* The stable entry of `name` (asserts it exists). */
swt_fn swt_entry(reload_ctx *ctx, const char *name);
/* reload_sym(), asserting it exists. */
void *swt_sym(reload_ctx *ctx, const char *name);

/* Captured log lines, each "<level> <file>: <msg>\n" with level one of
 * E W I D (and, with SWT_VERBOSE set in the environment, printed to
 * stderr as they come).  swt_log_find() returns a copy (static buffer) of the first
 * line at `level` (-1: any) that contains every non-NULL needle, or NULL. */
const char *swt_log_find(int level, const char *n1, const char *n2,
                         const char *n3);
/* The whole log, for failure messages (static buffer, truncated). */
const char *swt_log_text(void);
void swt_log_clear(void);

/* Versions of `object`, by number (1-based); -1 when not listed. */
typedef struct swt_versions {
  int n;            /* versions listed */
  int state[64];    /* state[v] for version v */
  unsigned functions[64];
  uint64_t stale_hits[64];
} swt_versions;
void swt_list(reload_ctx *ctx, swt_versions *out);

reload_stats swt_stats(reload_ctx *ctx);
void swt_sleep_ms(unsigned ms);
uint64_t swt_now_ms(void);

/* Run fn(arg) in a forked child with its stderr captured into `err`
 * (NUL-terminated).  Returns the wait status. */
int swt_child(void (*fn)(void *), void *arg, char *err, size_t errlen);

#endif /* SWAPTEST_H */
