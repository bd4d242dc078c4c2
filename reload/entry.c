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
 *
 * A function that a reload removed still has its last version's code,
 * which a caller the program kept (a function pointer, an object not
 * rebuilt) may reach.  Its first call lands in the common stub, which
 * keeps the arguments, says once who called it, points the slot at that
 * code and goes on there: the program runs as it did before the removal.
 * The version is kept mapped for it (retire.c asks reload__entry_pins()).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/* "name (object vN)" or "name" for a return address, for the message. */
static void caller_name(uint64_t pc, char *out, size_t len) {
  reload_ctx *c = NULL;
  reload__obj *o = reload__version_at(pc, &c);
  const reload__fn *f = o ? reload__fn_containing(o, pc) : NULL;
  Dl_info di;
  if (f)
    snprintf(out, len, "%s (%s v%u)", reload__sym_name(o, f->sym),
             o->unit ? o->unit->key : o->name, o->version);
  else if (o)
    snprintf(out, len, "code of %s v%u", o->unit ? o->unit->key : o->name,
             o->version);
  else if (dladdr((void *)(uintptr_t)pc, &di) && di.dli_sname)
    snprintf(out, len, "%s (%s)", di.dli_sname,
             di.dli_fname ? di.dli_fname : "?");
  else
    snprintf(out, len, "%#llx", (unsigned long long)pc);
}

/* Called by the common stub when a removed function is reached from `ret`:
 * returns where the call goes on, with the caller's arguments. */
uint64_t reload__entry_removed_hit(uint64_t idx, reload_ctx *ctx,
                                   uint64_t ret);
uint64_t reload__entry_removed_hit(uint64_t idx, reload_ctx *ctx,
                                   uint64_t ret) {
  reload__entry *e = &ctx->ent.v[idx];
  char who[300];
  caller_name(ret, who, sizeof who);
  uint64_t code = __atomic_load_n(&e->last, __ATOMIC_ACQUIRE);
  if (code) {
    uint64_t *slot = reload__entry_slot(ctx, (uint32_t)idx);
    uint64_t stub = reload__entry_removed(ctx, (uint32_t)idx);
    /* Later calls go straight there; the first caller says it once. */
    if (__atomic_compare_exchange_n(slot, &stub, code, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      reload__log(ctx, RELOAD_LOG_WARN, e->unitkey,
                  "function %s was removed in version %u but is still "
                  "called, by %s: it runs its last version (v%u), which "
                  "stays mapped for it",
                  e->name, e->removed_in, who, e->last_version);
    return code;
  }
  char msg[700];
  int n = snprintf(msg, sizeof msg,
                   "reloadd: fatal: function %s (%s) was removed in version "
                   "%u and then called by %s, and no version of it is left "
                   "to run; stopping\n",
                   e->name, e->unitkey ? e->unitkey : "?", e->removed_in,
                   who);
  reload__log(ctx, RELOAD_LOG_ERROR, e->unitkey,
              "function %s was removed in version %u and then called by %s",
              e->name, e->removed_in, who);
  if (n > 0)
    (void)!write(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
  /* The caller expects a result we cannot invent: the program must stop,
   * as a call into missing code would. */
  _exit(127);
}

/*
 * The common stub's body.  The entry pushed the function's index; the
 * block's stub put the context in %r11.  Every register an argument can
 * be in (and %rax, a variadic call's vector count) is kept across the
 * call to reload__entry_removed_hit(), and the stack is as the caller
 * left it when the jump to the code is made.  (%r10, the static chain,
 * and %r11 are the psABI's scratch at a call.)
 */
void reload__entry_removed_common(void);
__asm__(".text\n"
        ".globl reload__entry_removed_common\n"
        ".hidden reload__entry_removed_common\n"
        ".type reload__entry_removed_common, @function\n"
        "reload__entry_removed_common:\n"
        "  push %rbp\n"
        "  mov %rsp, %rbp\n"
        "  push %rdi\n push %rsi\n push %rdx\n push %rcx\n"
        "  push %r8\n push %r9\n push %rax\n"
        "  sub $136, %rsp\n" /* xmm0-7, and 16-byte alignment */
        "  movdqu %xmm0, 0(%rsp)\n movdqu %xmm1, 16(%rsp)\n"
        "  movdqu %xmm2, 32(%rsp)\n movdqu %xmm3, 48(%rsp)\n"
        "  movdqu %xmm4, 64(%rsp)\n movdqu %xmm5, 80(%rsp)\n"
        "  movdqu %xmm6, 96(%rsp)\n movdqu %xmm7, 112(%rsp)\n"
        "  and $-16, %rsp\n"
        "  mov 8(%rbp), %rdi\n"
        "  mov %r11, %rsi\n"
        "  mov 16(%rbp), %rdx\n"
        "  call reload__entry_removed_hit\n"
        "  mov %rax, %r11\n"
        "  lea -56(%rbp), %rsp\n"
        "  sub $136, %rsp\n"
        "  movdqu 0(%rsp), %xmm0\n movdqu 16(%rsp), %xmm1\n"
        "  movdqu 32(%rsp), %xmm2\n movdqu 48(%rsp), %xmm3\n"
        "  movdqu 64(%rsp), %xmm4\n movdqu 80(%rsp), %xmm5\n"
        "  movdqu 96(%rsp), %xmm6\n movdqu 112(%rsp), %xmm7\n"
        "  add $136, %rsp\n"
        "  pop %rax\n pop %r9\n pop %r8\n pop %rcx\n"
        "  pop %rdx\n pop %rsi\n pop %rdi\n"
        "  pop %rbp\n"
        "  add $8, %rsp\n" /* the index */
        "  jmp *%r11\n"
        ".size reload__entry_removed_common, .-reload__entry_removed_common\n");

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
  /* The common stub: the context in %r11, then the shared body above
   * (through %r10: the library may be far from the arena). */
  uint8_t *p = b->codewr;
  memset(p, 0xcc, CODE);
  *p++ = 0x49, *p++ = 0xbb;                     /* movabs $ctx,%r11 */
  uint64_t c = (uint64_t)(uintptr_t)ctx;
  memcpy(p, &c, 8), p += 8;
  *p++ = 0x49, *p++ = 0xba;                     /* movabs $common,%r10 */
  uint64_t h = (uint64_t)(uintptr_t)reload__entry_removed_common;
  memcpy(p, &h, 8), p += 8;
  *p++ = 0x41, *p++ = 0xff, *p++ = 0xe2;        /* jmp *%r10 */
  /* The stub is 23 bytes: entries start at 32. */
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

bool reload__entry_pins(const reload_ctx *ctx, uint64_t lo, uint64_t hi) {
  for (uint32_t i = 0; i < ctx->ent.n; i++) {
    uint64_t c = __atomic_load_n(&ctx->ent.v[i].last, __ATOMIC_ACQUIRE);
    if (c && c >= lo && c < hi)
      return true;
  }
  return false;
}

void reload__entries_free(reload_ctx *ctx) {
  reload__entries *E = &ctx->ent;
  free(E->v);
  free(E->blocks);
  reload__symtab_free(&E->keys);
  memset(E, 0, sizeof *E);
}
