/*
 * error.c - error codes, messages and logging for a context.
 *
 * Every problem is logged (so `reloadd check` can list all of them) and the
 * first of an operation becomes the context's message (so a caller that
 * stops at the first error reads the one that caused the rest).
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

const char *reload_errmsg(const reload_ctx *ctx) {
  return ctx ? ctx->err : "no context";
}

void reload__clear_err(reload_ctx *ctx) {
  ctx->err[0] = '\0';
  ctx->nerr = 0;
}

static void vlog(reload_ctx *ctx, int level, const char *file,
                 const char *fmt, va_list ap) RELOAD__PRINTF(4, 0);
static void vlog(reload_ctx *ctx, int level, const char *file,
                 const char *fmt, va_list ap) {
  char msg[700];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (level == RELOAD_LOG_ERROR && ctx->nerr++ == 0) {
    if (file)
      snprintf(ctx->err, sizeof ctx->err, "%.300s: %s", file, msg);
    else
      snprintf(ctx->err, sizeof ctx->err, "%s", msg);
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
