/*
 * buf.c - a growable text buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static bool grow(struct buf *b, size_t extra) {
  if (b->oom)
    return false;
  if (b->len + extra + 1 <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 128;
  while (cap < b->len + extra + 1)
    cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) {
    b->oom = true;
    return false;
  }
  b->p = p;
  b->cap = cap;
  return true;
}

void buf_put(struct buf *b, const char *s, size_t n) {
  if (!grow(b, n))
    return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s) { buf_put(b, s, strlen(s)); }

void buf_printf(struct buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof small) {
    buf_put(b, small, (size_t)n);
    return;
  }
  if (!grow(b, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void buf_json(struct buf *b, const char *s) {
  buf_put(b, "\"", 1);
  for (const unsigned char *c = (const unsigned char *)s; c && *c; c++) {
    switch (*c) {
    case '"': buf_put(b, "\\\"", 2); break;
    case '\\': buf_put(b, "\\\\", 2); break;
    case '\n': buf_put(b, "\\n", 2); break;
    case '\t': buf_put(b, "\\t", 2); break;
    case '\r': buf_put(b, "\\r", 2); break;
    default:
      if (*c < 0x20)
        buf_printf(b, "\\u%04x", *c);
      else
        buf_put(b, (const char *)c, 1);
    }
  }
  buf_put(b, "\"", 1);
}

const char *buf_str(const struct buf *b) { return b->len ? b->p : ""; }

void buf_reset(struct buf *b) {
  b->len = 0;
  if (b->p)
    b->p[0] = '\0';
}

void buf_free(struct buf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}
