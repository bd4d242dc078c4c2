/*
 * buf.h - a growable text buffer, for messages, status replies and JSON.
 *
 * A failed allocation sets `oom` and turns later appends into no-ops, so a
 * caller checks once at the end instead of after every append.
 */
#ifndef RELOADD_BUF_H
#define RELOADD_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
  char *p;    /* NUL-terminated when len > 0 */
  size_t len;
  size_t cap;
  bool oom;
};

void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append `s` as a JSON string literal, quotes included. */
void buf_json(struct buf *b, const char *s);
/* The text so far, "" when empty; owned by the buffer. */
const char *buf_str(const struct buf *b);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
