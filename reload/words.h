/*
 * words.h - finding pointers in memory: the conservative word scan that
 * the stack scan (stacks.c) and the reachability scan (reach.c) share.
 */
#ifndef RELOAD_WORDS_H
#define RELOAD_WORDS_H

#include "internal.h"

struct reload__want {
  uint64_t lo, hi;
  size_t idx; /* into the caller's `hit` */
};

/* The ranges to look for, sorted by start, so that a word costs one
 * compare against the whole span and a binary search inside it. */
typedef struct reload__words {
  struct reload__want *v;
  size_t n;
  uint64_t lo, hi; /* the span of them all */
  bool overlap;
  /* Whether word `x`, read at `where` and pointing into range `idx`, does
   * not keep that range; NULL: every word counts. */
  bool (*harmless)(const void *ud, size_t idx, uint64_t x, uint64_t where);
  const void *ud;
} reload__words;

bool reload__words_init(reload__words *w, const uint64_t (*ranges)[2],
                        size_t n);
void reload__words_free(reload__words *w);
/* Mark the range that holds `x` (read at `where`), unless harmless. */
void reload__words_mark(const reload__words *w, uint64_t x, uint64_t where,
                        bool *hit);
/* The same, for a thread's pc and registers: they count wherever. */
void reload__words_mark_exact(const reload__words *w, uint64_t x, bool *hit);
/* Mark every range a word of [lo, hi) points into, the words copied by
 * the kernel a buffer at a time (a mapping unmapped meanwhile fails the
 * copy, where a load would crash).  False when part could not be read. */
bool reload__words_scan(uint64_t lo, uint64_t hi, const reload__words *w,
                        bool *hit);

/* A mapping of /proc/self/maps. */
struct reload__map {
  uint64_t lo, hi;
  char perm[5];   /* "rw-p" */
  uint32_t path;  /* offset of its path in the reader's names, 0: none */
};
typedef struct reload__maps {
  struct reload__map *v;
  size_t n;
  char *names; /* paths, NUL-separated; names[0] is "" */
} reload__maps;
bool reload__maps_read(reload__maps *m);
void reload__maps_free(reload__maps *m);
/* The mapping that holds `addr`, or NULL. */
const struct reload__map *reload__maps_find(const reload__maps *m,
                                            uint64_t addr);

#endif
