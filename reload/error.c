/*
 * error.c - error codes, messages and logging for a context.
 *
 * Every problem is logged (so `reloadd check` can list all of them) and the
 * first of an operation becomes the message reload_errmsg() gives the
 * calling thread (so a caller that stops at the first error reads the one
 * that caused the rest).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

const char *reload_strerror(int code) {
  switch (code) {
  case RELOAD_OK:
    return "success";
#define RELOAD__ERR_CASE(name, c, msg)                                         \
  case c:                                                                      \
    return msg;
    RELOAD_ERRNO_MAP(RELOAD__ERR_CASE)
#undef RELOAD__ERR_CASE
  }
  return "unknown error";
}

/* The message belongs to the thread that made the call: reloadd's watcher
 * reloads while the program's thread runs the crash guard on the same
 * context, and neither may overwrite what the other is about to read.
 * Like errno, one per thread: a failure on another context replaces it. */
static __thread struct {
  const reload_ctx *ctx;
  int nerr; /* problems logged by the current operation */
  char err[1024];
} last;

const char *reload_errmsg(const reload_ctx *ctx) {
  if (!ctx)
    return "no context";
  return last.ctx == ctx ? last.err : "";
}

void reload__clear_err(reload_ctx *ctx) {
  last.ctx = ctx;
  last.err[0] = '\0';
  last.nerr = 0;
}

void reload__forget_err(const reload_ctx *ctx) {
  if (last.ctx == ctx)
    last.ctx = NULL;
}

/* Names in messages come from input files (symbols, sections, archive
 * members): control characters there would reach the user's terminal.
 * Show them, and any byte that is not ASCII, as \xNN. */
static const char *escape(char *dst, size_t size, const char *src) {
  size_t k = 0;
  for (const unsigned char *p = (const unsigned char *)src;
       *p && k + 5 < size; p++) {
    /* Valid UTF-8 passes, but not C1 controls (U+0080..U+009F). */
    int n = *p >= 0xc2 && *p <= 0xdf ? 2 : *p >= 0xe0 && *p <= 0xef ? 3
            : *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;
    bool ok = n > 0 && !(n == 2 && *p == 0xc2 && p[1] < 0xa0);
    for (int i = 1; ok && i < n; i++)
      ok = (p[i] & 0xc0) == 0x80;
    if (ok && k + (size_t)n + 1 < size) {
      memcpy(dst + k, p, (size_t)n);
      k += (size_t)n;
      p += n - 1;
    } else if (*p < 0x20 || *p >= 0x7f) {
      k += (size_t)snprintf(dst + k, size - k, "\\x%02x", *p);
    } else {
      dst[k++] = (char)*p;
    }
  }
  dst[k] = '\0';
  return dst;
}

static void vlog(reload_ctx *ctx, int level, const char *file,
                 const char *fmt, va_list ap) RELOAD__PRINTF(4, 0);
static void vlog(reload_ctx *ctx, int level, const char *file,
                 const char *fmt, va_list ap) {
  char raw[700], msg[700], where[400];
  vsnprintf(raw, sizeof raw, fmt, ap);
  escape(msg, sizeof msg, raw);
  if (file)
    file = escape(where, sizeof where, file);
  if (level == RELOAD_LOG_ERROR && last.ctx != ctx)
    reload__clear_err(ctx);
  if (level == RELOAD_LOG_ERROR && last.nerr++ == 0) {
    if (file)
      snprintf(last.err, sizeof last.err, "%.300s: %s", file, msg);
    else
      snprintf(last.err, sizeof last.err, "%s", msg);
  }
  if (ctx->opt.log)
    ctx->opt.log(ctx->opt.log_ud, level, file, msg);
}

int reload__err(reload_ctx *ctx, int code, const char *file, const char *fmt,
                ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(ctx, RELOAD_LOG_ERROR, file, fmt, ap);
  va_end(ap);
  return code;
}

void reload__log(reload_ctx *ctx, int level, const char *file,
                 const char *fmt, ...) {
  va_list ap;
  if (!ctx->opt.log && level != RELOAD_LOG_ERROR)
    return;
  va_start(ap, fmt);
  vlog(ctx, level, file, fmt, ap);
  va_end(ap);
}

uint64_t reload__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
