/*
 * text.c - string lists, word splitting and suggestions.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int strv_take(struct strv *l, char *s) {
  if (!s)
    return -1;
  char **v = realloc(l->v, (l->n + 2) * sizeof *v);
  if (!v) {
    free(s);
    return -1;
  }
  v[l->n++] = s;
  v[l->n] = NULL;
  l->v = v;
  return 0;
}

int strv_push(struct strv *l, const char *s) { return strv_take(l, strdup(s)); }

bool strv_has(const struct strv *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->v[i], s) == 0)
      return true;
  return false;
}

int strv_copy(struct strv *dst, const struct strv *src) {
  memset(dst, 0, sizeof *dst);
  for (size_t i = 0; i < src->n; i++)
    if (strv_push(dst, src->v[i])) {
      strv_free(dst);
      return -1;
    }
  return 0;
}

bool strv_equal(const struct strv *a, const struct strv *b) {
  if (a->n != b->n)
    return false;
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->v[i], b->v[i]) != 0)
      return false;
  return true;
}

void strv_free(struct strv *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

int text_split(const char *s, bool commas, struct strv *out, const char **why) {
  size_t cap = strlen(s) + 1;
  char *w = malloc(cap);
  if (!w) {
    *why = "out of memory";
    return -1;
  }
  const char *p = s;
  for (;;) {
    while (*p && (isspace((unsigned char)*p) || (commas && *p == ',')))
      p++;
    if (!*p)
      break;
    size_t n = 0;
    int braces = 0; /* a comma inside {a,b} belongs to the glob */
    while (*p && !isspace((unsigned char)*p) &&
           !(commas && *p == ',' && braces == 0)) {
      if (*p == '{')
        braces++;
      else if (*p == '}' && braces > 0)
        braces--;
      if (*p == '\'') {
        const char *e = strchr(p + 1, '\'');
        if (!e)
          goto unterminated;
        memcpy(w + n, p + 1, (size_t)(e - p - 1));
        n += (size_t)(e - p - 1);
        p = e + 1;
      } else if (*p == '"') {
        p++;
        while (*p && *p != '"') {
          if (*p == '\\' && p[1])
            p++;
          w[n++] = *p++;
        }
        if (*p != '"')
          goto unterminated;
        p++;
      } else if (*p == '\\' && p[1]) {
        w[n++] = p[1];
        p += 2;
      } else {
        w[n++] = *p++;
      }
    }
    w[n] = '\0';
    if (strv_push(out, w)) {
      free(w);
      *why = "out of memory";
      return -1;
    }
  }
  free(w);
  return 0;
unterminated:
  free(w);
  *why = "unterminated quote";
  return -1;
}

unsigned text_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64)
    return 1000;
  /* Three rows suffice for the transposition case of OSA distance. */
  unsigned rows[3][65];
  unsigned *pp = rows[0], *prev = rows[1], *cur = rows[2];
  for (size_t j = 0; j <= lb; j++)
    prev[j] = (unsigned)j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = (unsigned)i;
    for (size_t j = 1; j <= lb; j++) {
      int ca = tolower((unsigned char)a[i - 1]);
      int cb = tolower((unsigned char)b[j - 1]);
      unsigned cost = ca != cb;
      unsigned v = prev[j] + 1;
      if (cur[j - 1] + 1 < v)
        v = cur[j - 1] + 1;
      if (prev[j - 1] + cost < v)
        v = prev[j - 1] + cost;
      if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
          tolower((unsigned char)a[i - 2]) == cb && pp[j - 2] + 1 < v)
        v = pp[j - 2] + 1;
      cur[j] = v;
    }
    unsigned *t = pp;
    pp = prev;
    prev = cur;
    cur = t;
  }
  return prev[lb];
}

const char *text_suggest(const char *word, const char *const *cands, size_t n) {
  size_t len = strlen(word);
  unsigned limit = len <= 4 ? 1 : 2;
  const char *best = NULL;
  unsigned bestd = limit + 1;
  for (size_t i = 0; i < n; i++) {
    unsigned d = text_distance(word, cands[i]);
    if (d < bestd && d < len) {
      bestd = d;
      best = cands[i];
    }
  }
  return best;
}
