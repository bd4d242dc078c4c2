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

#include "reload.h"

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
  struct reload__run *free; /* free page runs, sorted by offset */
} reload__arena;

typedef struct reload__run {
  size_t off, len;
  struct reload__run *next;
} reload__run;

int reload__arena_map(reload_ctx *ctx, reload__arena *a, size_t size,
                      bool low32);
void reload__arena_unmap(reload__arena *a);
/* Take `len` bytes (rounded to pages) and return their offset, or -1. */
int64_t reload__arena_take(reload__arena *a, size_t len);
/* Give pages back; their memory is released and their view made PROT_NONE. */
void reload__arena_give(reload__arena *a, size_t off, size_t len);
int reload__arena_protect(reload__arena *a, size_t off, size_t len, int prot);

/* ---- input objects (elf.c) ------------------------------------------- */

typedef struct reload__sec {
  const char *name;
  uint64_t addr;   /* run-view address once placed; 0 otherwise */
  uint8_t *wr;     /* write-view pointer once placed */
  uint64_t tlsoff; /* offset in the object's TLS block (SHF_TLS only) */
  uint32_t rela;   /* index of the SHT_RELA section that patches it, 0 none */
  uint8_t cls;     /* RELOAD__CLS_* */
  uint8_t discard; /* member of a COMDAT group that was already loaded */
} reload__sec;

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
  /* Per-symbol slot numbers, plus one, so that 0 (calloc) means none. */
  int32_t *got;      /* GOT slot */
  int32_t *plt;      /* far-call stub */
  int32_t *tlsgd;    /* first of the two GOT slots of a TLSGD pair */
  int32_t tlsld;     /* the object's TLSLD pair */
  uint64_t nrela;    /* relocations in the object */
  bool abs32;        /* uses 32-bit absolute relocations (-fno-pic) */
  bool inited;       /* its initializers ran */
  struct reload__armember *member; /* the archive member it came from */
  struct reload__batch *batch;
  struct reload__obj *next;
} reload__obj;

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
  reload__obj *ref;  /* first object that referenced it (for messages) */
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
};

int reload__tls_new(reload_ctx *ctx, reload__tlsmod **out);
void reload__tls_free(reload__tlsmod *m);
/* Our __tls_get_addr; linked in place of glibc's for arena code. */
void *reload__tls_get_addr(void *ti);

/* ---- shared libraries (shlib.c) -------------------------------------- */

int reload__lib_open(reload_ctx *ctx, const char *name);
void *reload__lib_sym(reload_ctx *ctx, const char *name);
void reload__libs_close(reload_ctx *ctx);

/* ---- batches and the context (ctx.c, link.c) ------------------------- */

/* The pages one reload_link() took for one class. */
typedef struct reload__span {
  size_t off, len;
} reload__span;

typedef struct reload__batch {
  reload__span span[RELOAD__NCLS];
  uint64_t got;       /* run-view address of the batch's GOT */
  uint8_t *gotwr;     /* write-view pointer to it */
  uint32_t ngot;
  uint64_t plt;       /* run-view address of the far-call stubs */
  uint8_t *pltwr;
  uint32_t nplt;
  reload__tlsmod *tls; /* the batch's TLS block: one module, like a .so */
  reload__obj *objs;  /* objects linked by this batch */
  struct reload__batch *next;
} reload__batch;

struct reload_ctx {
  reload_options opt;
  char err[1024];
  int nerr;              /* problems logged by the current operation */
  reload__arena arena;
  bool mapped;
  reload__symtab syms;
  reload__obj *pending;  /* added, not yet linked */
  reload__obj **pending_tail;
  reload__archive *archives;
  reload__batch *batches;
  reload__obj *inited_last; /* init order bookkeeping */
  char **libpaths;
  size_t nlibpaths;
  void **libs;
  size_t nlibs;
  void (**fini)(void);      /* fini entries in the order they must run */
  size_t nfini, capfini;
  reload_stats stats;
};

/* Record an error: the first one becomes the context's message; each is
 * logged.  `file` may be NULL.  Returns `code` for tail calls. */
int reload__err(reload_ctx *ctx, int code, const char *file, const char *fmt,
                ...) RELOAD__PRINTF(4, 5);
void reload__log(reload_ctx *ctx, int level, const char *file,
                 const char *fmt, ...) RELOAD__PRINTF(4, 5);
void reload__clear_err(reload_ctx *ctx);

/* link.c */
int reload__link(reload_ctx *ctx);

/* reloc_x86_64.c: apply one object's relocations. */
int reload__relocate(reload_ctx *ctx, reload__obj *o);
/* Which relocation types need a GOT slot, a stub, or TLS help. */
enum {
  RELOAD__NEED_GOT = 1,
  RELOAD__NEED_PLT = 2,
  RELOAD__NEED_TLSGD = 4,
  RELOAD__NEED_TLSLD = 8,
  RELOAD__NEED_GOTBASE = 16,
  RELOAD__ABS32 = 32,
  RELOAD__UNSUPPORTED = 64,
};
unsigned reload__rel_needs(uint32_t type);
/* Why a relocation type is refused, with the remedy. */
const char *reload__rel_why(uint32_t type);
void reload__symtab_truncate(reload__symtab *t, uint32_t n);

uint64_t reload__now_ns(void);

#endif /* RELOAD_INTERNAL_H */
