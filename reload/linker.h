/*
 * linker.h - the state of one link in progress, shared by link.c (the
 * pipeline), state.c (what a new version keeps of the old one's data) and
 * update.c (reloading one object).
 */
#ifndef RELOAD_LINKER_H
#define RELOAD_LINKER_H

#include "internal.h"

/* A symbol-table entry that existed before the link and that it changed. */
struct reload__undo {
  uint32_t idx;
  reload__gsym old;
};

typedef struct reload__link {
  reload_ctx *ctx;
  reload__batch *b;
  reload__obj *objs, **tail;
  reload__obj *old;        /* update: the version being replaced */
  reload__unit *unit;      /* update: its unit */
  uint32_t nsyms0;
  uint32_t gen;            /* this link's number, for reload__gsym.saved */
  struct reload__undo *undo;
  size_t nundo, capundo;
  uint64_t tlssize, tlsalign; /* the batch's TLS block */
  uint64_t tlsoff;         /* its image, in the read-only chunk */
  unsigned kept, reset;    /* variables, for the report */
  reload__span span[RELOAD__NCLS]; /* the batch's pages, per class */
  uint64_t farlo, farhi;   /* outside data reached by plain PC32 */

} reload__link;

/* Run the pipeline up to protections; on failure everything is undone. */
int reload__link_begin(reload_ctx *ctx, reload__link *L, reload__obj *objs,
                       reload__obj *old);
void reload__link_commit(reload__link *L);
void reload__link_undo(reload__link *L);

reload__gsym *reload__global(reload_ctx *ctx, const reload__obj *o,
                             uint32_t i);
int reload__chunk_ref(reload_ctx *ctx, reload__obj *o, reload__chunk *c);

/* state.c */
int reload__state_match(reload__link *L);
uint64_t reload__state_common(reload__link *L, reload__obj *o, uint32_t i,
                              const reload__gsym *g);
int reload__state_carry(reload__link *L);
int reload__state_redirect(reload__link *L, reload__obj *o);

/* functions.c: give each function its stable entry and direct address. */
int reload__entries_assign(reload__link *L, reload__obj *o);

#endif
