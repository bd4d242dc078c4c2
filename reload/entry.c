/*
 * entry.c - stable entries: one per function a loaded object defines.
 *
 * An entry is 16 bytes of code in the arena,
 *     jmp *slot(%rip)          ; 6 bytes: to the newest version
 *     push $index              ; 5 bytes: where a removed function lands
 *     jmp removed_common       ; 5 bytes
 * and an 8-byte slot in a read-write page.  Everything that can outlive a
 * version (calls from other objects, function pointers, init arrays) holds
 * the entry's address, so swapping a version is one aligned 8-byte store
 * per function.  Entries are never freed: their addresses are handed out.
 *
 * Entries come in blocks: 64 KiB of code (r-x) holding a common "removed"
 * stub and 4094 entries, and their slots (rw-).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/* Called (from the common stub) when a removed function is reached. */
static void removed(uint64_t idx, reload_ctx *ctx) {
  char msg[512];
  reload__entry *e = &ctx->ent.v[idx];
  int n = snprintf(msg, sizeof msg,
                   "reloadd: fatal: function %s (%s) was removed in version "
                   "%u and then called; stopping\n",
                   e->name, e->unitkey ? e->unitkey : "?", e->removed_in);
  reload__log(ctx, RELOAD_LOG_ERROR, e->unitkey,
              "function %s was removed in version %u and then called",
              e->name, e->removed_in);
  if (n > 0)
    (void)!write(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
  /* The caller expects a result we cannot invent: the program must stop.
   * This is the one place the library ends the process, as a call into
   * missing code would. */
  _exit(127);
}

#define FIRST 32u
#define SIZE 16u
#define CODE (16u * RELOAD__PAGE)      /* 64 KiB of code a block */
#define PER ((CODE - FIRST) / SIZE)    /* 4094 entries a block */
#define SLOTS RELOAD__ALIGN_UP(PER * 8u, RELOAD__PAGE)

static int grow(reload_ctx *ctx) {
  reload__entries *E = &ctx->ent;
  int64_t code = reload__arena_take(&ctx->arena, CODE);
  if (code < 0)
    return reload__err(ctx, RELOAD_EARENA, NULL,
                       "the arena is full; no room for stable entries");
  int64_t data = reload__arena_take(&ctx->arena, SLOTS);
  if (data < 0) {
    reload__arena_give(&ctx->arena, (size_t)code, CODE);
    return reload__err(ctx, RELOAD_EARENA, NULL,
                       "the arena is full; no room for stable entries");
  }
  reload__entblock *nb =
      realloc(E->blocks, (E->nblocks + 1) * sizeof *E->blocks);
  if (!nb) {
    reload__arena_give(&ctx->arena, (size_t)code, CODE);
    reload__arena_give(&ctx->arena, (size_t)data, SLOTS);
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  }
  E->blocks = nb;
  reload__dead_evict(ctx, (size_t)code, CODE);
  reload__arena_private(&ctx->arena, (size_t)code, CODE);
  reload__dead_evict(ctx, (size_t)data, SLOTS);
  reload__entblock *b = &E->blocks[E->nblocks];
  b->code = (uint64_t)(uintptr_t)ctx->arena.run + (uint64_t)code;
  b->codewr = ctx->arena.wr + code;
  b->slots = (uint64_t *)(void *)(ctx->arena.run + data);
  if (reload__arena_protect(&ctx->arena, (size_t)data, SLOTS,
                            PROT_READ | PROT_WRITE)) {
    return reload__err(ctx, RELOAD_EARENA, NULL,
                       "cannot set the protection of entry pages");
  }
  /* The common stub: pop the index into %rdi, ctx into %rsi, align the
   * stack and call removed(). */
  uint8_t *p = b->codewr;
  memset(p, 0xcc, CODE);
  *p++ = 0x5f;                                  /* pop %rdi */
  *p++ = 0x48, *p++ = 0x83, *p++ = 0xe4, *p++ = 0xf0; /* and $-16,%rsp */
  *p++ = 0x48, *p++ = 0xbe;                     /* movabs $ctx,%rsi */
  uint64_t c = (uint64_t)(uintptr_t)ctx;
  memcpy(p, &c, 8), p += 8;
  *p++ = 0x48, *p++ = 0xb8;                     /* movabs $removed,%rax */
  uint64_t h = (uint64_t)(uintptr_t)removed;
  memcpy(p, &h, 8), p += 8;
  *p++ = 0xff, *p++ = 0xd0;                     /* call *%rax */
  *p++ = 0x0f, *p++ = 0x0b;                     /* ud2 */
  /* The stub is 26 bytes: entries start at 32. */
  if (reload__arena_protect(&ctx->arena, (size_t)code, CODE,
                            PROT_READ | PROT_EXEC))
    return reload__err(ctx, RELOAD_EARENA, NULL,
                       "cannot set the protection of entry pages");
  E->nblocks++;
  return 0;
}

uint64_t reload__entry_addr(const reload_ctx *ctx, uint32_t idx) {
  const reload__entblock *b = &ctx->ent.blocks[idx / PER];
  return b->code + FIRST + (uint64_t)(idx % PER) * SIZE;
}

uint64_t *reload__entry_slot(const reload_ctx *ctx, uint32_t idx) {
  return &ctx->ent.blocks[idx / PER].slots[idx % PER];
}

/* The address a removed function's slot points at: the push/jmp pair. */
uint64_t reload__entry_removed(const reload_ctx *ctx, uint32_t idx) {
  return reload__entry_addr(ctx, idx) + 6;
}

int reload__entry_get(reload_ctx *ctx, const char *key, const char *name,
                      uint32_t *out, bool *added) {
  reload__entries *E = &ctx->ent;
  *added = false;
  bool a;
  /* One probe: the key is the caller's until it is added, then a copy. */
  reload__gsym *g = reload__sym_get(&E->keys, key, &a);
  if (!g)
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  if (!a) {
    *out = (uint32_t)g->size;
    return 0;
  }
  uint32_t idx = E->n;
  if (idx / PER >= E->nblocks) {
    int r = grow(ctx);
    if (r) {
      reload__symtab_truncate(&E->keys, E->keys.n - 1);
      return r;
    }
  }
  if (E->n == E->cap) {
    uint32_t nc = E->cap ? E->cap * 2 : 256;
    reload__entry *nv = realloc(E->v, nc * sizeof *nv);
    if (!nv) {
      reload__symtab_truncate(&E->keys, E->keys.n - 1);
      return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
    }
    E->v = nv;
    E->cap = nc;
  }
  size_t klen = strlen(key), nlen = strlen(name);
  char *k = strdup(key);
  if (!k) {
    reload__symtab_truncate(&E->keys, E->keys.n - 1);
    return reload__err(ctx, RELOAD_ENOMEM, NULL, "out of memory");
  }
  g->name = k;
  g->owned = 1;
  g->size = idx;
  reload__entry *e = &E->v[idx];
  memset(e, 0, sizeof *e);
  /* The key ends with the name (it is "name" or "object\1name"). */
  e->name = k + klen - nlen;
  /* Write the entry's code through the write view. */
  reload__entblock *b = &E->blocks[idx / PER];
  uint64_t at = reload__entry_addr(ctx, idx);
  uint8_t *p = b->codewr + FIRST + (idx % PER) * SIZE;
  uint64_t slot = (uint64_t)(uintptr_t)reload__entry_slot(ctx, idx);
  int32_t rel = (int32_t)(slot - (at + 6));
  p[0] = 0xff, p[1] = 0x25; /* jmp *rel(%rip) */
  memcpy(p + 2, &rel, 4);
  p[6] = 0x68; /* push $idx */
  uint32_t i32 = idx;
  memcpy(p + 7, &i32, 4);
  p[11] = 0xe9; /* jmp rel32 to the common stub */
  int32_t back = (int32_t)(b->code - (at + 16));
  memcpy(p + 12, &back, 4);
  /* Until a version is installed the entry behaves as removed. */
  __atomic_store_n(reload__entry_slot(ctx, idx), at + 6, __ATOMIC_RELEASE);
  E->n++;
  ctx->stats.entries++;
  *out = idx;
  *added = true;
  return 0;
}

void reload__entries_free(reload_ctx *ctx) {
  reload__entries *E = &ctx->ent;
  free(E->v);
  free(E->blocks);
  reload__symtab_free(&E->keys);
  memset(E, 0, sizeof *E);
}
