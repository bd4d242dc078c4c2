/*
 * internal.h - types and functions shared between the files of the core.
 * Names that cross files carry the reload__ prefix.
 */
#ifndef RELOAD_INTERNAL_H
#define RELOAD_INTERNAL_H

#include <elf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "reload.h"

/* mem.c: the library's heap blocks are known as its own, so that the scan
 * for pointers into old versions (reach.c) skips them.  Every file of the
 * library allocates through these, but for mem.c and alloc.c; memory that
 * holds the program's own data uses the plain functions, in parentheses:
 * (free)(p). */
void *reload__mem_malloc(size_t n);
void *reload__mem_calloc(size_t n, size_t m);
void *reload__mem_realloc(void *p, size_t n);
void reload__mem_free(void *p);
char *reload__mem_strdup(const char *s);
char *reload__mem_strndup(const char *s, size_t n);
size_t reload__mem_blocks(uint64_t (**out)[2]);
void reload__sort(void *base, size_t n, size_t size,
                  int (*cmp)(const void *, const void *));
void reload__mem_hold(void);
void reload__mem_release(void);
#ifndef RELOAD__MEM_RAW
#undef strdup
#undef strndup
#define malloc(n) reload__mem_malloc(n)
#define calloc(n, m) reload__mem_calloc(n, m)
#define realloc(p, n) reload__mem_realloc(p, n)
#define free(p) reload__mem_free(p)
#define strdup(s) reload__mem_strdup(s)
#define strndup(s, n) reload__mem_strndup(s, n)
#define qsort(b, n, s, c) reload__sort(b, n, s, c)
#endif

#define RELOAD__PAGE 4096u
#define RELOAD__ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((uint64_t)(a)-1))

#if defined(__GNUC__)
#define RELOAD__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define RELOAD__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define RELOAD__PRINTF(f, a)
#define RELOAD__UNLIKELY(x) (x)
#endif

/* ---- arena (arena.c) ------------------------------------------------- */

/* Classes of memory: each gets its own pages with its own protection. */
enum {
  RELOAD__CLS_NONE = 0, /* not loaded (non-alloc, or discarded) */
  RELOAD__CLS_TEXT,     /* r-x */
  RELOAD__CLS_RODATA,   /* r-- after the link (GOT included: like RELRO) */
  RELOAD__CLS_DATA,     /* rw- */
  RELOAD__CLS_TLS,      /* template only: placed inside the rodata class */
  RELOAD__NCLS
};

typedef struct reload__arena {
  int fd;            /* memfd backing both views */
  uint8_t *run;      /* where code runs: per-page protections, never W+X */
  uint8_t *wr;       /* a second, never-executable mapping for writing */
  size_t size;       /* bytes reserved */
  size_t committed;  /* bytes currently handed out */
  size_t rover;      /* where the next search for free pages starts */
  struct reload__run *free; /* free page runs, sorted by offset */
} reload__arena;

typedef struct reload__run {
  size_t off, len;
  struct reload__run *next;
} reload__run;

/* Map the arena.  [near_lo, near_hi) is what PC-relative references must
 * reach (data in shared libraries or the host); 0, 0 means libc. */
int reload__arena_map(reload_ctx *ctx, reload__arena *a, size_t size,
                      bool low32, uint64_t near_lo, uint64_t near_hi);
void reload__arena_unmap(reload__arena *a);
/* Take `len` bytes (rounded to pages) and return their offset, or -1. */
int64_t reload__arena_take(reload__arena *a, size_t len);
/* Give pages back; their memory is released and their view made PROT_NONE. */
void reload__arena_give(reload__arena *a, size_t off, size_t len);
/* Map code pages privately, so a debugger can write breakpoints. */
int reload__arena_private(reload__arena *a, size_t off, size_t len);
int reload__arena_protect(reload__arena *a, size_t off, size_t len, int prot);
/* fork.c: a copy of the pages in use (a memfd, or -errno), made before
 * fork(); in the child, both views moved onto it (0 or -errno). */
int reload__arena_snapshot(const reload__arena *a);
int reload__arena_adopt(reload__arena *a, int fd);

/* ---- input objects (elf.c) ------------------------------------------- */

typedef struct reload__sec {
  const char *name;
  uint64_t addr;   /* run-view address once placed; 0 otherwise */
  uint8_t *wr;     /* write-view pointer once placed */
  uint64_t tlsoff; /* offset in the object's TLS block (SHF_TLS only) */
  uint32_t rela;   /* index of the SHT_RELA section that patches it, 0 none */
  uint32_t oldsec; /* kept: the previous version's section, else 0 */
  uint8_t cls;     /* RELOAD__CLS_* */
  uint8_t discard; /* member of a COMDAT group that was already loaded */
  uint8_t kept;    /* data section that keeps the previous version's memory */
  uint8_t rsorted; /* its relocations are in offset order */
} reload__sec;

/* Pages shared by versions: data kept across reloads, TLS images. */
typedef struct reload__chunk {
  size_t off, len;
  uint32_t refs;
  uint8_t cls;      /* RELOAD__CLS_RODATA or _DATA: its pages' protection */
  uint32_t mark;    /* retire.c's scratch */
} reload__chunk;

/* A function of one version, and its stable entry. */
typedef struct reload__fn {
  uint32_t sym;     /* symbol index in the object */
  uint32_t entry;   /* entry index */
  uint64_t addr;    /* where this version's code is */
  uint64_t size;
  uint64_t prev;    /* the slot's value before this version swapped in */
  uint64_t ent;     /* its stable entry's address, and slot: read by fault */
  uint64_t *slot;   /* handlers, which must not index the growing blocks */
  uint8_t state;    /* RELOAD__FN_* */
  uint8_t fwd;      /* a stale call to it may go to the newest version */
} reload__fn;

enum { RELOAD__FN_ADDED = 1, RELOAD__FN_CHANGED, RELOAD__FN_SAME };

/* A relocation written into a data section, with the value written: a
 * later version compares against it to tell what the program changed. */
typedef struct reload__drel {
  uint32_t sec;
  uint32_t width;
  uint64_t off;
  uint64_t val;
} reload__drel;

enum {
  RELOAD__V_CURRENT = 0,
  RELOAD__V_OLD = 1,      /* replaced, still mapped and runnable */
  RELOAD__V_RETIRED = 2,  /* code pages inaccessible; faults are handled */
  RELOAD__V_ROLLEDBACK = 3,
  RELOAD__V_PENDING = 4,  /* linked, waiting for a safepoint */
};

typedef struct reload__unit reload__unit;

/* A variable of a new version and its old self: the value is copied over
 * (COPY), or the new symbol lives at the old address and only pointers
 * are updated (REPOINT).  Done when the version starts to run. */
enum { RELOAD__PAIR_COPY = 1, RELOAD__PAIR_REPOINT = 2 };
struct reload__pair {
  uint32_t sym, oldsym;
  uint8_t kind;
};

/* A write into memory that an older version also uses (a kept section, a
 * redirected global): made when the version starts to run, where the
 * memory still holds `before` (what the older version linked there), and
 * undone by a rollback where it still holds `after`. */
struct reload__wlog {
  uint8_t *wr;
  uint64_t before, after;
  uint8_t width;
  uint8_t applied;
};

/* Pages of the arena, by offset. */
typedef struct reload__span {
  size_t off, len;
} reload__span;

typedef struct reload__tlsmod reload__tlsmod;

typedef struct reload__obj {
  char *name; /* "dir/x.o" or "dir/libz.a(inflate.o)" for messages */
  const uint8_t *data;
  size_t size;
  void *own;      /* heap copy to free, or NULL */
  size_t ownlen;  /* >0: `own` is an mmap of this length */
  const Elf64_Ehdr *eh;
  const Elf64_Shdr *sh;
  uint32_t nsec;
  const char *shstr;
  size_t shstrsz;
  const Elf64_Sym *sym; /* NULL when the object has no symbol table */
  uint32_t nsym, firstglobal;
  const char *str;
  size_t strsz;
  const uint32_t *shndx; /* SHT_SYMTAB_SHNDX contents, or NULL */
  uint32_t symsec;       /* index of the SHT_SYMTAB section */
  reload__sec *secs;

  /* Filled in by the link. */
  uint64_t *symval;  /* resolved address (or TLS offset) of each symbol */
  uint32_t *gidx;    /* globals: symbol-table index + 1, saves look-ups */
  /* Per-symbol slot numbers, plus one, so that 0 (calloc) means none. */
  int32_t *got;      /* GOT slot */
  int32_t *plt;      /* far-call stub */
  int32_t *tlsgd;    /* first of the two GOT slots of a TLSGD pair */
  int32_t tlsld;     /* the object's TLSLD pair */
  uint64_t nrela;    /* relocations in the object */
  bool abs32;        /* uses 32-bit absolute relocations (-fno-pic) */
  bool tls_ie;       /* uses initial- or local-exec TLS (-fPIE) */
  /* Built as -fPIC code: it reaches its own default-visibility globals
   * through the GOT (and none PC-relatively, as -fPIE code does), so the
   * compiler left its calls to them interposable (reloc_x86_64.c). */
  bool pic;
  bool inited;       /* its initializers ran */
  struct reload__armember *member; /* the archive member it came from */
  struct reload__batch *batch;
  struct reload__obj *next;   /* in its batch */

  /* Where its classes are: text on pages of its own (so that it can be
   * retired alone), read-only data and data packed with the rest of its
   * batch in counted chunks.  The GOT and stubs are inside. */
  reload__span span[RELOAD__NCLS];
  uint64_t salign[RELOAD__NCLS]; /* largest alignment in each class */
  reload__chunk **chunks;     /* shared pages it holds a reference to */
  uint32_t nchunks;
  uint64_t gotaddr, pltaddr;  /* run-view addresses */
  uint8_t *gotwr, *pltwr;
  uint32_t ngot, nplt;
  uint64_t *direct;           /* own functions' code addresses, or 0 */
  reload__fn *fns;
  uint32_t nfns;
  reload__fn *gone;           /* entries this version removed (prev kept) */
  uint32_t ngone;
  unsigned gone_from;         /* the version whose code they had */
  reload_ctx *ctx;
  struct reload__dbg *dbg;    /* debugger and unwinder registrations */
  reload__drel *drel;
  uint32_t ndrel, capdrel;
  struct reload__pair *pairs; /* state to carry over when it starts to run */
  uint32_t npairs, cappairs;
  const struct reload__obj *base; /* the version those pairs refer to */
  struct reload__wlog *wlog;  /* writes into shared memory (state.c) */
  uint32_t nwlog, capwlog;

  /* Versions. */
  reload__unit *unit;
  unsigned version;
  int state;                  /* RELOAD__V_* */
  uint64_t retire_at;         /* ns, when state is OLD */
  uint64_t stale_hits;        /* every fault into it once retired */
  uint64_t queued_ns;         /* when it began to wait for a safepoint */
  uint64_t runs;              /* of those, the ones that run its code on */
  uint64_t runs_seen;         /* runs at the last retirement pass */
  bool droppable;             /* retire.c's scratch */
  bool placed;                /* its pages were taken (link.c take()) */
  bool superseded;            /* replaced at the safepoint it came in at */
  uint64_t reached_at;        /* where the program's pointer to it was */
  bool rolledback;            /* the crash guard took it back: never again
                               * a base for a new version or a fallback */
  unsigned changed;           /* functions changed when it came in */
  void *ticket;               /* libsigsegv registration while retired */
  struct reload__obj *older;  /* previous version of the same unit */
} reload__obj;

struct reload__unit {
  char *key;          /* the path the object was added as */
  reload__obj *cur;   /* the version that runs */
  reload__obj *newest;/* the newest mapped version (may be pending) */
  unsigned versions;  /* versions made so far */
  struct reload__unit *next;
};

/* Parse and validate an object held in [data, data+size). The buffer must
 * stay valid for the life of the object. On error the message is set. */
int reload__obj_parse(reload_ctx *ctx, reload__obj *o);
void reload__obj_free(reload__obj *o);
/* The symbol's name; never NULL (validated at parse). */
const char *reload__sym_name(const reload__obj *o, uint32_t i);
/* The symbol's section index with SHN_XINDEX resolved. */
uint32_t reload__sym_shndx(const reload__obj *o, uint32_t i);
const char *reload__rel_name(uint32_t type);

/* ---- archives (archive.c) -------------------------------------------- */

typedef struct reload__armember {
  const char *name; /* member name, owned by the archive */
  size_t off, size; /* of the member's contents in the archive */
  bool loaded;
} reload__armember;

typedef struct reload__arsym {
  const char *name;
  uint32_t member;
} reload__arsym;

typedef struct reload__archive {
  char *path;
  const uint8_t *data;
  size_t size;
  void *own;
  size_t ownlen;
  char *names;              /* owned copies of member names */
  reload__armember *members;
  uint32_t nmembers;
  reload__arsym *syms;      /* the symbol index */
  uint32_t nsyms;
  struct reload__archive *next;
} reload__archive;

int reload__ar_parse(reload_ctx *ctx, reload__archive *ar);
void reload__ar_free(reload__archive *ar);

/* ---- global symbol table (symtab.c) ---------------------------------- */

enum {
  RELOAD__SYM_UNDEF = 0, /* referenced, no definition yet */
  RELOAD__SYM_WEAKUNDEF, /* referenced weakly only */
  RELOAD__SYM_DEF,       /* strong definition in an object */
  RELOAD__SYM_WEAK,      /* weak definition in an object */
  RELOAD__SYM_COMMON,    /* tentative definition */
  RELOAD__SYM_HOST,      /* reload_define() */
  RELOAD__SYM_SHLIB,     /* found in a shared library */
  RELOAD__SYM_ABS,       /* linker-made, e.g. _GLOBAL_OFFSET_TABLE_ */
  RELOAD__SYM_GONE,      /* removed by a newer version; address still valid */
};

typedef struct reload__gsym {
  const char *name;  /* points into an object's string table or is owned */
  uint64_t hash;
  uint64_t addr;     /* resolved address (TLS: offset in obj's block) */
  uint64_t size;     /* st_size; COMMON: bytes */
  uint64_t align;    /* COMMON: alignment */
  reload__obj *obj;  /* defining object, NULL for host/shlib/abs */
  uint32_t idx;      /* symbol index in obj */
  uint8_t kind;      /* RELOAD__SYM_* */
  uint8_t type;      /* STT_* of the definition */
  uint8_t owned;     /* name is malloc'd */
  uint8_t typed;     /* SHLIB: type is the library's (reload__shlib_func) */
  reload__obj *ref;  /* first object that referenced it (for messages) */
  void *ud;          /* tables other than the symbol table use this */
  uint32_t saved;    /* the last link that saved it for undo */
} reload__gsym;

typedef struct reload__symtab {
  reload__gsym *v;
  uint32_t n, cap;
  uint32_t *slots; /* open addressing: index+1, 0 = empty */
  uint32_t mask;
} reload__symtab;

uint64_t reload__hash(const char *s, size_t *len);
reload__gsym *reload__sym_find(reload__symtab *t, const char *name);
/* Find or add; returns NULL on ENOMEM. `*added` tells which. */
reload__gsym *reload__sym_get(reload__symtab *t, const char *name,
                              bool *added);
void reload__symtab_free(reload__symtab *t);

/* ---- TLS (tls.c) ------------------------------------------------------ */

struct reload__tlsmod {
  size_t id;           /* index into every thread's block vector */
  const uint8_t *image; /* initial image: `size` bytes, in the arena */
  size_t size, align;
  intptr_t tpoff;      /* static TLS (tls_static.c): block - thread pointer */
  bool shared;         /* its place belongs to an older version */
  size_t foreign;      /* a shared library's: its module id in ld.so's
                        * vector (tpoff set when in static TLS), else 0 */
  struct reload__tlsmod *next; /* the context's foreign modules */
};

int reload__tls_new(reload_ctx *ctx, reload__tlsmod **out);
void reload__tls_free(reload__tlsmod *m);
/* A thread-local variable that a shared library defines, at `addr` in
 * this thread: the library's module (made once per context), and the
 * variable's offset in its block.  NULL when no loaded module holds it. */
reload__tlsmod *reload__tls_foreign(reload_ctx *ctx, void *addr,
                                    uint64_t *offset);
void reload__tls_foreign_free(reload_ctx *ctx);
/* Place a module in static TLS, for initial- and local-exec code; with
 * `reuse`, in the place of the version it replaces when it fits. */
int reload__tls_static(reload_ctx *ctx, const char *file, reload__tlsmod *m,
                       const reload__tlsmod *reuse);
void reload__tls_static_free(reload__tlsmod *m);
/* Copy its relocated image in: for new threads, and for this one. */
void reload__tls_static_init(reload__tlsmod *m);
/* Our __tls_get_addr; linked in place of glibc's for arena code. */
void *reload__tls_get_addr(void *ti);

/* ---- shared libraries (shlib.c) -------------------------------------- */

int reload__lib_open(reload_ctx *ctx, const char *name);
void *reload__lib_sym(reload_ctx *ctx, const char *name);
/* The ELF type (STT_*) of the library symbol at `addr`, or `fallback`. */
int reload__lib_type(void *addr, int fallback);
/* Is this library symbol a function (not data)? */
bool reload__shlib_func(reload__gsym *g);
void reload__libs_close(reload_ctx *ctx);

/* ---- batches and the context (ctx.c, link.c) ------------------------- */

/* The objects one reload_link() or reload_update() linked together.
 * They share one TLS module, as the objects of one .so would. */
typedef struct reload__batch {
  reload__tlsmod *tls;
  reload__obj *objs;
  struct reload__batch *next;
} reload__batch;

/* ---- stable entries (entry.c) ---------------------------------------- */

typedef struct reload__entry {
  const char *name;    /* points into its key */
  const char *unitkey; /* owner, for messages */
  unsigned removed_in; /* version that removed it, 0 while it exists */
  uint64_t last;       /* removed: its last version's code, 0 if none */
  unsigned last_version;
} reload__entry;

typedef struct reload__entblock {
  uint64_t code;   /* run-view address of the code page */
  uint8_t *codewr;
  uint64_t *slots; /* run-view, read-write */
} reload__entblock;

typedef struct reload__entries {
  reload__symtab keys; /* key -> index (in gsym.size) */
  reload__entry *v;
  uint32_t n, cap;
  reload__entblock *blocks;
  uint32_t nblocks;
} reload__entries;

int reload__entry_get(reload_ctx *ctx, const char *key, const char *name,
                      uint32_t *out, bool *added);
uint64_t reload__entry_addr(const reload_ctx *ctx, uint32_t idx);
uint64_t *reload__entry_slot(const reload_ctx *ctx, uint32_t idx);
uint64_t reload__entry_removed(const reload_ctx *ctx, uint32_t idx);
/* Whether a removed function's last code, which its entry may still lead
 * to, is in [lo, hi): that version must stay mapped. */
bool reload__entry_pins(const reload_ctx *ctx, uint64_t lo, uint64_t hi);
void reload__entries_free(reload_ctx *ctx);

/* export.c: the synthetic modules that show the program to ld.so. */
typedef struct reload__export_mod {
  void *handle;
  int fd;
  uint64_t base;
} reload__export_mod;

struct reload_ctx {
  reload_options opt;
  reload__arena arena;
  bool mapped;
  reload__symtab syms;
  reload__obj *pending;  /* added, not yet linked */
  reload__obj **pending_tail;
  reload__archive *archives;
  reload__batch *batches;
  reload__unit *units;
  reload__symtab unitkeys;   /* path -> unit (in gsym.ud) */
  struct reload__pend *pend; /* versions waiting for a safepoint */
  size_t npend, cappend;
  pthread_mutex_t lock;      /* versions, pending swaps, retirement */
  uint64_t stale_seen;       /* stale hits already logged */
  uint64_t stale_hits;       /* counted by fault handlers, atomically */
  uint32_t link_gen;         /* links so far */
  uint64_t last_scan;        /* when retire.c last scanned the stacks */
  struct reload__slab *slabs; /* where reload_add_file() reads inputs */
  reload__entries ent;
  reload_report report;
  char *report_key;
  char **libpaths;
  size_t nlibpaths;
  void **libs;
  size_t nlibs;
  void (**fini)(void);      /* fini entries in the order they must run */
  size_t nfini, capfini;
  int fork_fd;               /* fork.c: the arena's copy for the child */
  reload_stats stats;
  reload__symtab exported;      /* name -> address, as exported */
  /* exported's: the program's dlsym() may run inside a dlopen() (a
   * plugin's constructor) that holds ld.so's lock, while a link holds
   * `lock` and asks ld.so for a symbol; so never ctx->lock there, and
   * nothing that waits for ld.so while this is held. */
  pthread_mutex_t exlock;
  reload__export_mod *exports;
  size_t nexports;
  size_t npromoted;             /* libs[] made global after the exports */
  reload__tlsmod *ftls;         /* shared libraries' TLS modules in use */
};

/* Record an error: the first one becomes the context's message; each is
 * logged.  `file` may be NULL.  Returns `code` for tail calls. */
int reload__err(reload_ctx *ctx, int code, const char *file, const char *fmt,
                ...) RELOAD__PRINTF(4, 5);
void reload__log(reload_ctx *ctx, int level, const char *file,
                 const char *fmt, ...) RELOAD__PRINTF(4, 5);
void reload__clear_err(reload_ctx *ctx);
void reload__forget_err(const reload_ctx *ctx);

/* link.c */
int reload__link_all(reload_ctx *ctx);

/* reloc_x86_64.c: apply one object's relocations.  `old` is the version
 * it replaces, for data sections that keep their memory, or NULL. */
int reload__relocate(reload_ctx *ctx, reload__obj *o, const reload__obj *old);
int reload__rel_width(uint32_t type);
/* Does a call inside `o` to its own function `sym` go through the stable
 * entry (reloc_x86_64.c)? */
bool reload__call_follows(const reload__obj *o, uint32_t sym, uint32_t type);
/* Is the field at `code` (offset `off` in its section) a call or jump? */
bool reload__rel_is_branch(uint32_t type, uint64_t off, const uint8_t *code);
const reload__drel *reload__drel_find(const reload__obj *o, uint32_t sec,
                                      uint64_t off);

/* swap.c: units and versions. */
int reload__units_add(reload_ctx *ctx, reload__obj *objs);
void reload__install(reload_ctx *ctx, reload__obj *objs);
void reload__obj_unmap(reload_ctx *ctx, reload__obj *o);
void reload__state_apply(reload_ctx *ctx, reload__obj *o);
/* state.c: a relocation's value for memory an older version also uses,
 * written when the version starts to run; and their undoing. */
int reload__state_defer(reload_ctx *ctx, reload__obj *o, uint8_t *wr,
                        int width, uint64_t before, uint64_t after);
void reload__state_undo(reload__obj *o);
/* rebind.c: other objects' GOT slots for data the new version `objs`
 * moved, logged on it; `older` is the version it replaces. */
int reload__rebind(reload_ctx *ctx, reload__obj *objs,
                   const reload__obj *older);

/* swap.c, retire.c, guard.c */
int reload__registry_add(reload_ctx *ctx);
void reload__registry_remove(reload_ctx *ctx);
bool reload__registry_any(void);
void reload__registry_hold(void);
void reload__registry_release(void);
void reload__registry_each_held(void (*fn)(void *, reload_ctx *, const void *),
                                void *ud, const void *arg);
/* fork.c: fork() handlers, installed once by reload_open(). */
void reload__fork_init(void);
void reload__registry_each(void (*fn)(void *, reload_ctx *, const void *),
                           void *ud, const void *arg);
reload__obj *reload__version_at(uint64_t pc, reload_ctx **ctxp);
reload__obj *reload__version_at_unlocked(uint64_t pc, reload_ctx **ctxp);
reload__unit *reload__unit_find(reload_ctx *ctx, const char *key);
void reload__rollback(reload_ctx *ctx, reload__obj *o);
void reload__unretire(reload_ctx *ctx, reload__obj *o);
/* Retire and drop old versions; `self_sp` is where the calling thread
 * entered the library (see reload__stacks_scan). */
void reload__retire_locked(reload_ctx *ctx, uint64_t self_sp);
void reload__retire_from(reload_ctx *ctx, uint64_t self_sp);
void reload__retire_close(reload_ctx *ctx);
void reload__dead_evict(reload_ctx *ctx, size_t off, size_t len);
/* stacks.c: does any thread's stack point into these ranges?  False when
 * the answer is incomplete (then assume it does). */
/* `self_sp`: where the calling thread entered the library (its frames
 * below are not scanned); 0 for here.  `harmless(ud, i, x)`, if given,
 * says that word x, in range i, does not keep that range. */
bool reload__stacks_scan(const uint64_t (*ranges)[2], size_t n, bool *hit,
                         uint64_t self_sp,
                         bool (*harmless)(const void *, size_t, uint64_t,
                                          uint64_t),
                         const void *ud);
/* A stack pointer of each thread the last scan read: their stacks are
 * that scan's, not reach.c's. */
size_t reload__stacks_last(uint64_t *out, size_t max);
/* reach.c: does any word the program keeps (heap, writable mappings, the
 * arena's `live` ranges) point into these ranges, other than into the
 * `ignore` ranges?  False when the answer is incomplete (then assume it
 * does).  `scanned`: bytes read; `where[i]`: the address of a word that
 * points into range i, for messages. */
bool reload__reach_scan(reload_ctx *ctx, const uint64_t (*ranges)[2],
                        size_t nr, bool *hit, const uint64_t (*ignore)[2],
                        size_t nignore, const uint64_t (*live)[2],
                        size_t nlive, uint64_t *scanned, uint64_t *where);
int reload__faults_install(void);
void reload__faults_leaving(void);
void *reload__faults_context(void);
/* peek.c: copy len bytes at addr, false where they are not mapped. */
bool reload__peek(uint64_t addr, void *buf, size_t len);
int reload__guard_fault(void *fault, int serious);
void reload__guard_install(void);
int reload__slurp(reload_ctx *ctx, const char *path, void **out, size_t *len);

/* report.c: log a symbolised backtrace, one line a frame. */
void reload__report_frames(reload_ctx *ctx, int level, void *const *pcs,
                           int n);

/* debug.c */
void reload__debug_add(reload_ctx *ctx, reload__obj *o);
void reload__debug_remove(reload_ctx *ctx, reload__obj *o, bool rewrite);
bool reload__is_ehframe(const reload__obj *o, uint32_t i);
/* debug.c: around backtrace() in a fault handler, so that libgcc never
 * sorts a newly registered unwind table (with malloc) there.
 * Async-signal-safe. */
bool reload__unwind_enter(void);
void reload__unwind_leave(bool entered);
/* ehframe.c: check a linked .eh_frame (run view `run`, write view `wr`)
 * before the unwinder sees it.  False: do not register it (`why` says
 * why).  FDEs that are broken, or cover addresses outside
 * [text_lo, text_hi), are made to match nothing and counted.  `mapped`
 * says whether memory is loaded objects' (a personality routine's slot
 * must be: libgcc reads it on every unwind). */
typedef bool (*reload__ehframe_mapped_fn)(void *ud, uint64_t addr,
                                          uint64_t len);
bool reload__ehframe_check(const uint8_t *run, uint8_t *wr, size_t len,
                           uint64_t text_lo, uint64_t text_hi,
                           reload__ehframe_mapped_fn mapped, void *ud,
                           unsigned *nbroken, unsigned *noutside, char *why,
                           size_t whylen);

/* functions.c: the function of a version at, or containing, an address. */
const reload__fn *reload__fn_at(const reload__obj *o, uint64_t addr);
const reload__fn *reload__fn_containing(const reload__obj *o, uint64_t addr);
/* Which relocation types need a GOT slot, a stub, or TLS help. */
enum {
  RELOAD__NEED_GOT = 1,
  RELOAD__NEED_PLT = 2,
  RELOAD__NEED_TLSGD = 4,
  RELOAD__NEED_TLSLD = 8,
  RELOAD__NEED_GOTBASE = 16,
  RELOAD__ABS32 = 32,
  RELOAD__UNSUPPORTED = 64,
  RELOAD__NEED_TPOFF = 128, /* a GOT slot holding a thread-pointer offset */
};
unsigned reload__rel_needs(uint32_t type);
/* Why a relocation type is refused, with the remedy. */
const char *reload__rel_why(uint32_t type);
const reload__tlsmod *reload__tls_module(reload_ctx *ctx, const reload__obj *o,
                                         uint32_t sym);
void reload__symtab_truncate(reload__symtab *t, uint32_t n);
void reload__symtab_forget(reload_ctx *ctx, const reload__obj *o);

uint64_t reload__now_ns(void);

/* export.c (RELOAD_OPT_EXPORT): after a successful link or reload, show
 * new global symbols to the dynamic linker and interpose on libraries'
 * references to them.  Takes ctx->lock. */
void reload__export_init(void);
int reload__export(reload_ctx *ctx);
void reload__export_note(reload_ctx *ctx);
void reload__export_forget(reload_ctx *ctx);
void reload__export_close(reload_ctx *ctx);
/* Point libraries' references at the program's definitions; with
 * ctx->exlock held. */
void reload__export_interpose(reload_ctx *ctx);
/* alloc.c: a program that defines free() (see there). */
bool reload__alloc_name(const char *name);
bool reload__alloc_active(void);
bool reload__alloc_is_dispatch(const void *p);
void *reload__alloc_dispatch(const char *name);
void reload__alloc_define(const char *name, void *addr);
void *reload__alloc_target(const char *name, bool host_module);
void reload__alloc_hold(void);
void reload__alloc_release(void);
/* dlfcn.c: what loaded code's dlopen, dlsym and dladdr resolve to. */
void *reload__dlopen(const char *file, int mode);
void *reload__dlsym(void *handle, const char *name);
/* `info` is a Dl_info (an unnamed struct in <dlfcn.h>). */
int reload__dladdr(const void *addr, void *info);

#endif /* RELOAD_INTERNAL_H */
