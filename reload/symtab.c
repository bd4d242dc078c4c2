/*
 * symtab.c - the global symbol table: one open-addressed hash over all
 * loaded objects, host definitions and shared-library look-ups.
 *
 * Entries live in one growing vector and the hash holds indices, so an
 * entry's index is stable and a failed link can drop what it appended by
 * truncating the vector (see link.c).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* FNV-1a is short and good enough for identifiers; the length comes for
 * free since we walk the string anyway. */
uint64_t reload__hash(const char *s, size_t *len) {
  uint64_t h = 1469598103934665603ull;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    h ^= *p++;
    h *= 1099511628211ull;
  }
  if (len)
    *len = (size_t)(p - (const unsigned char *)s);
  return h ^ (h >> 29);
}

static uint32_t *probe(reload__symtab *t, const char *name, uint64_t h) {
  uint32_t i = (uint32_t)h & t->mask;
  for (;;) {
    uint32_t *s = &t->slots[i];
    if (*s == 0)
      return s;
    reload__gsym *g = &t->v[*s - 1];
    if (g->hash == h && strcmp(g->name, name) == 0)
      return s;
    i = (i + 1) & t->mask;
  }
}

reload__gsym *reload__sym_find(reload__symtab *t, const char *name) {
  if (!t->slots)
    return NULL;
  uint64_t h = reload__hash(name, NULL);
  uint32_t *s = probe(t, name, h);
  return *s ? &t->v[*s - 1] : NULL;
}

static int grow(reload__symtab *t) {
  uint32_t nslots = t->slots ? (t->mask + 1) * 2 : 1024;
  uint32_t *ns = calloc(nslots, sizeof *ns);
  if (!ns)
    return -1;
  free(t->slots);
  t->slots = ns;
  t->mask = nslots - 1;
  for (uint32_t i = 0; i < t->n; i++)
    *probe(t, t->v[i].name, t->v[i].hash) = i + 1;
  return 0;
}

reload__gsym *reload__sym_get(reload__symtab *t, const char *name,
                              bool *added) {
  *added = false;
  /* Keep the load factor under 1/2 so probes stay short. */
  if (!t->slots || (t->n + 1) * 2 > t->mask + 1)
    if (grow(t))
      return NULL;
  uint64_t h = reload__hash(name, NULL);
  uint32_t *s = probe(t, name, h);
  if (*s)
    return &t->v[*s - 1];
  if (t->n == t->cap) {
    uint32_t nc = t->cap ? t->cap * 2 : 1024;
    reload__gsym *nv = realloc(t->v, nc * sizeof *nv);
    if (!nv)
      return NULL;
    t->v = nv;
    t->cap = nc;
  }
  reload__gsym *g = &t->v[t->n];
  memset(g, 0, sizeof *g);
  g->name = name;
  g->hash = h;
  *s = ++t->n;
  *added = true;
  return g;
}

/* Drop entries appended after `n`: used to undo a failed link. */
void reload__symtab_truncate(reload__symtab *t, uint32_t n) {
  if (n >= t->n)
    return;
  for (uint32_t i = n; i < t->n; i++)
    if (t->v[i].owned)
      free((char *)t->v[i].name);
  t->n = n;
  memset(t->slots, 0, (t->mask + 1) * sizeof *t->slots);
  for (uint32_t i = 0; i < t->n; i++)
    *probe(t, t->v[i].name, t->v[i].hash) = i + 1;
}

void reload__symtab_free(reload__symtab *t) {
  for (uint32_t i = 0; i < t->n; i++)
    if (t->v[i].owned)
      free((char *)t->v[i].name);
  free(t->v);
  free(t->slots);
  memset(t, 0, sizeof *t);
}

/* An object is about to be freed: the table must not keep pointers into
 * it.  Names that point into its string table become copies; references
 * to it as definer or first referrer are dropped. */
void reload__symtab_forget(reload_ctx *ctx, const reload__obj *o) {
  reload__symtab *t = &ctx->syms;
  const char *lo = (const char *)o->data, *hi = lo + o->size;
  for (uint32_t i = 0; i < t->n; i++) {
    reload__gsym *g = &t->v[i];
    if (!g->owned && g->name >= lo && g->name < hi) {
      char *copy = strdup(g->name);
      if (copy) {
        g->name = copy;
        g->owned = 1;
      }
    }
    if (g->obj == o)
      g->obj = NULL;
    if (g->ref == o)
      g->ref = NULL;
  }
}
