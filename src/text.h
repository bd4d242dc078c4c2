/*
 * text.h - string lists, splitting config values into words, and the
 * "did you mean" suggestions for misspelt names.
 */
#ifndef RELOADD_TEXT_H
#define RELOADD_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A list of owned strings.  Zero-initialised is empty. */
struct strv {
  char **v;
  size_t n;
};

/* Append a copy of `s`.  Returns 0 or -1 when out of memory. */
int strv_push(struct strv *l, const char *s);
/* Append `s` itself, taking ownership (freed on failure too). */
int strv_take(struct strv *l, char *s);
bool strv_has(const struct strv *l, const char *s);
int strv_copy(struct strv *dst, const struct strv *src);
bool strv_equal(const struct strv *a, const struct strv *b);
void strv_free(struct strv *l);

/*
 * Split `s` into words.  Blanks separate words, and so do commas when
 * `commas` is set (lists of paths and names; not program arguments),
 * except inside the braces of a glob such as {a,b}.o.
 * '...' quotes literally, "..." quotes with backslash escapes, and a
 * backslash outside quotes escapes the next character.  Returns 0, or -1
 * with `*why` set to a static message (an unterminated quote).
 */
int text_split(const char *s, bool commas, struct strv *out, const char **why);

/* Optimal-string-alignment edit distance, ignoring ASCII case. */
unsigned text_distance(const char *a, const char *b);

/*
 * The candidate closest to `word`, if it is close enough to be a likely
 * typo (at most 1 edit for short words, 2 for longer ones, and fewer than
 * the word's length); NULL otherwise.
 */
const char *text_suggest(const char *word, const char *const *cands, size_t n);

#endif
