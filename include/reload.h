/*
 * reload.h - link ELF relocatable objects into a running process, and
 * reload them while it runs.
 *
 * Every function here that can fail returns 0 or a negative RELOAD_E* code,
 * and leaves a one-line message on the context (reload_errmsg()).  The
 * library never prints, never calls exit() or abort(); it reports through
 * return codes, the context's message and the optional log callback.
 *
 * Memory: the caller owns the context it opens and must reload_close() it.
 * Strings passed in are copied; strings handed out stay owned by the
 * context and live until reload_close() unless a function says otherwise.
 */
#ifndef RELOAD_H
#define RELOAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RELOAD_BUILDING) && defined(__GNUC__)
#define RELOAD_API __attribute__((visibility("default")))
#else
#define RELOAD_API
#endif

#define RELOAD_VERSION_MAJOR 0
#define RELOAD_VERSION_MINOR 1
#define RELOAD_VERSION_PATCH 0
#define RELOAD_VERSION_STRING "0.1.0"

/* One table gives both the codes and their messages, so they never drift. */
#define RELOAD_ERRNO_MAP(X)                                                    \
  X(NOMEM, -1, "out of memory")                                                \
  X(IO, -2, "cannot read file")                                                \
  X(BADELF, -3, "malformed object")                                            \
  X(BADAR, -4, "malformed archive")                                            \
  X(UNDEF, -5, "undefined symbol")                                             \
  X(DUPSYM, -6, "duplicate symbol")                                            \
  X(RANGE, -7, "relocation out of range")                                      \
  X(UNSUP, -8, "unsupported feature")                                          \
  X(INVAL, -9, "invalid argument")                                             \
  X(NOENT, -10, "not found")                                                   \
  X(STATE, -11, "operation not allowed in this state")                         \
  X(ARENA, -12, "arena exhausted or cannot be mapped")                         \
  X(CRASH, -13, "guarded code crashed")                                        \
  X(LIB, -14, "cannot load shared library")

typedef enum {
  RELOAD_OK = 0,
#define RELOAD__ERR_ENUM(name, code, msg) RELOAD_E##name = code,
  RELOAD_ERRNO_MAP(RELOAD__ERR_ENUM)
#undef RELOAD__ERR_ENUM
} reload_errno;

/* The static message of a code; "unknown error" for codes not in the map. */
RELOAD_API const char *reload_strerror(int code);

typedef struct reload_ctx reload_ctx;

/* Log levels, in order of importance. */
enum {
  RELOAD_LOG_ERROR = 0,
  RELOAD_LOG_WARN = 1,
  RELOAD_LOG_INFO = 2,
  RELOAD_LOG_DEBUG = 3
};

/*
 * Log callback.  `file` names the object the message is about, or is NULL.
 * `msg` is one line without a newline.  Every problem found during a link is
 * reported here at RELOAD_LOG_ERROR, one call per problem, so a caller can
 * list all of them (reloadd check does); reload_errmsg() keeps the first.
 */
typedef void (*reload_log_fn)(void *ud, int level, const char *file,
                              const char *msg);

/* Flags for reload_options.flags. */
enum {
  /* Place the arena in the low 2 GiB, for objects built with -fno-pic that
   * use 32-bit absolute relocations.  Decided automatically when unset and
   * an object needs it (see reload_link()). */
  RELOAD_OPT_LOW32 = 1u << 0,
  /* Keep /tmp/perf-<pid>.map listing every function of every mapped
   * version, for perf report and perf top. */
  RELOAD_OPT_PERFMAP = 1u << 1,
  /* Do not register versions with gdb's JIT interface (saves a copy of
   * each object). */
  RELOAD_OPT_NODEBUG = 1u << 2,
  /* The linked code will not run (reloadd check): it is not registered
   * with gdb nor with the unwinder, whose tables libgcc would sort for
   * nothing.  The unwind tables are still checked, and problems logged. */
  RELOAD_OPT_NORUN = 1u << 3,
  /* Behave as an executable linked with -rdynamic: the loaded objects'
   * global symbols are made visible to the dynamic linker (through a
   * small shared object made in memory and opened RTLD_GLOBAL after each
   * link that defines new ones), so that dlsym(RTLD_DEFAULT, ...) finds
   * them and libraries opened later resolve against them; and their
   * definitions interpose on the references of the shared libraries the
   * objects use, as an executable's do (their GOT entries are pointed at
   * the stable entries).  dlopen() and dladdr() called from loaded code
   * go through the library, which applies the same to libraries opened
   * later and names loaded functions and variables.  The host's own
   * modules, and the malloc family, are left alone. */
  RELOAD_OPT_EXPORT = 1u << 4,
};

/* When a reloaded version's functions become the ones that run. */
typedef enum {
  /* Slots switch as soon as the new version is linked. */
  RELOAD_MODE_IMMEDIATE = 0,
  /* Swaps wait for the program's next reload_safepoint(), so that no frame
   * sees a mix of versions (the kernel livepatch consistency model). */
  RELOAD_MODE_SAFEPOINT = 1
} reload_mode;

typedef struct reload_options {
  size_t arena_size; /* bytes of address space to reserve; 0 = 1 GiB */
  unsigned flags;    /* RELOAD_OPT_* */
  reload_log_fn log; /* may be NULL */
  void *log_ud;
  reload_mode mode;      /* for reload_update() */
  int reset_state;       /* 1: reloaded objects start from fresh data */
  unsigned retire_ms;    /* grace before old code is retired; 0 = 250 */
  unsigned keep_versions;/* old versions kept mapped per object; 0 = 8 */
  /* Called from the signal handler when a fault (SIGSEGV, SIGBUS, SIGILL,
   * SIGFPE) that no reload_guard() catches happens in loaded code, or in
   * a library function that loaded code called, just before the process
   * dies of it as it would without the library: one line saying the
   * signal, the address, the function, its object and version.  It must
   * be async-signal-safe (write(2) it).  NULL: nothing is said. */
  void (*crash)(void *ud, const char *line);
} reload_options;

/*
 * Open a context.  `opt` may be NULL for defaults.  No address space is
 * reserved until the first reload_link().  Returns NULL only when memory
 * for the context itself cannot be had.
 */
RELOAD_API reload_ctx *reload_open(const reload_options *opt);

/*
 * Close a context and unmap its arena.  Fini arrays are NOT run here; call
 * reload_run_fini() first if the program ran.  Accepts NULL.  Code and
 * data of the context must not be in use by any thread.
 */
RELOAD_API void reload_close(reload_ctx *ctx);

/* The message of the last failure of a call this thread made on this
 * context ("" when none).  Kept per thread, as errno is: a thread's
 * failure never replaces another's message, and a failure on another
 * context replaces this one. */
RELOAD_API const char *reload_errmsg(const reload_ctx *ctx);

/*
 * Queue an ELF relocatable object or an ar archive (detected from its magic)
 * for the next reload_link().  The file is read now; errors in its headers
 * are reported now.  Archive members are pulled in on demand during the
 * link, as ld does, to define symbols that loaded objects leave undefined.
 */
RELOAD_API int reload_add_file(reload_ctx *ctx, const char *path);

/*
 * The same from memory.  `name` is used in messages.  The bytes are copied.
 */
RELOAD_API int reload_add_memory(reload_ctx *ctx, const char *name, const void *buf,
                      size_t len);

/* Add a directory to search for reload_add_library() (like ld's -L). */
RELOAD_API int reload_add_library_path(reload_ctx *ctx, const char *dir);

/*
 * Load libNAME.so (like ld's -l) from the library paths, then the system's
 * paths, and resolve undefined symbols against it.  libc, libm and
 * libpthread are always searched.  Linker scripts such as Debian's libm.so
 * are followed to the real library.
 */
RELOAD_API int reload_add_library(reload_ctx *ctx, const char *name);

/*
 * Define a host symbol: `name` resolves to `addr` in every object linked
 * afterwards.  Host symbols beat definitions from shared libraries and lose
 * to none: defining an object's strong symbol again is an error at link.
 */
RELOAD_API int reload_define(reload_ctx *ctx, const char *name, void *addr);

/*
 * Link everything queued since the last link: pull archive members, resolve
 * symbols, lay sections out in the arena, apply relocations and set page
 * protections.  All problems are logged; the first is returned.  On failure
 * nothing queued is kept and the context is as it was before the call.
 * Initializers are not run: see reload_run_init().
 */
RELOAD_API int reload_link(reload_ctx *ctx);

/*
 * Run the .init_array and .ctors entries of everything linked and not yet
 * initialised, in priority order, with glibc's (argc, argv, envp).
 */
RELOAD_API int reload_run_init(reload_ctx *ctx, int argc, char **argv, char **envp);

/*
 * Run .fini_array and .dtors entries of everything initialised, in reverse
 * order, once.  Meant for an atexit() handler of the host.
 */
RELOAD_API void reload_run_fini(reload_ctx *ctx);

/*
 * The address of a defined global symbol, or NULL (and RELOAD_ENOENT on
 * the context) when there is none.  Symbols from shared libraries and host
 * definitions are found too.
 */
RELOAD_API void *reload_sym(reload_ctx *ctx, const char *name);

/*
 * Reload one object: `path` names an object linked before (the same string
 * that was given to reload_add_file()), now rebuilt.  The new version is
 * read, checked and linked beside the old one against the current symbols;
 * then each changed function's stable entry is switched to it (at once, or
 * at the next reload_safepoint() in RELOAD_MODE_SAFEPOINT).  Globals and
 * statics that exist in both versions with the same size keep their
 * address and value.  On any error nothing changes and the old version
 * keeps running.  Returns the new version number (2, 3, ...) or an error.
 */
RELOAD_API int reload_update(reload_ctx *ctx, const char *path);

/* The same with the new contents from memory. */
RELOAD_API int reload_update_memory(reload_ctx *ctx, const char *path,
                                    const void *buf, size_t len);

/* What the last successful reload_update() did. */
typedef struct reload_report {
  const char *object;   /* path; valid until the next update or close */
  unsigned version;
  unsigned changed, added, removed, unchanged; /* functions */
  unsigned kept, reset;  /* variables: value kept, or re-initialised */
  double link_ms;        /* from the complete file to swapped slots */
  int pending;           /* 1: waiting for a safepoint */
} reload_report;
RELOAD_API void reload_last_report(const reload_ctx *ctx, reload_report *out);

/*
 * The stable address of a function: a trampoline that always jumps to the
 * newest version.  Function pointers taken by loaded code are these too.
 * NULL when `name` is not a function of a loaded object.
 */
RELOAD_API void *reload_entry(reload_ctx *ctx, const char *name);

/*
 * A point where the calling thread holds no frame of reloadable code:
 * pending swaps of every context (RELOAD_MODE_SAFEPOINT) happen here, and
 * old versions past their grace are retired.  Cheap when nothing is
 * pending.  Works without any context (then it does nothing), so a program
 * linked natively against the library can call it.
 */
RELOAD_API void reload_safepoint(void);

/*
 * Call fn(arg) under the crash guard.  If code faults inside it (SIGSEGV,
 * SIGBUS, SIGILL or SIGFPE), the newest reload that introduced the faulting
 * code is rolled back (its functions' slots return to the previous
 * version), the fault is logged, and RELOAD_ECRASH is returned; the program
 * carries on with the previous code.  Otherwise returns fn's value, which
 * must not be negative in the range of RELOAD_E* codes to stay
 * distinguishable.  Without any context it is a plain call.  Nesting is
 * allowed; the innermost guard catches.
 */
RELOAD_API int reload_guard(int (*fn)(void *), void *arg);

/*
 * Retire old versions whose grace has passed: their code pages become
 * read-only (not executable), and anything that still runs them faults
 * into a handler that lets them finish, or sends a call from outside the
 * version to a global function on to its newest version, and counts it.
 * reload_update() and reload_safepoint() call this too.
 */
RELOAD_API void reload_retire(reload_ctx *ctx);

/*
 * Whether the calling thread now runs the host's code (1) or the
 * program's (0, the default).  When the program brings its own malloc and
 * free (RELOAD_OPT_EXPORT), what the C library allocates on a host
 * thread's behalf comes from the host's allocator: a program whose
 * allocator is not thread-safe (it need not be, in a program with one
 * thread) never sees the host's threads, and the host's code, whose own
 * free() may not be reachable through a GOT (a sanitizer's runtime in the
 * executable), gets its own memory back.  reloadd's watcher thread says 1;
 * its main thread says 1 until it calls the program.
 */
RELOAD_API void reload_host_thread(int host);

/* Versions of loaded objects, for status displays. */
typedef struct reload_version_info {
  const char *object;
  unsigned version;
  int state;           /* 0 current, 1 old (mapped), 2 retired, 3 rolled
                        * back by the crash guard, 4 pending (waiting for a
                        * safepoint) */
  unsigned functions;  /* functions it defines */
  unsigned changed;    /* functions that changed when it came in */
  uint64_t stale_hits; /* faults into it after retirement */
} reload_version_info;
typedef void (*reload_version_fn)(void *ud, const reload_version_info *v);
RELOAD_API void reload_list_versions(reload_ctx *ctx, reload_version_fn fn,
                                     void *ud);

/* The functions of one version of an object, with what that version did
 * to each: 0 unchanged from the version before, 1 changed, 2 added, 3
 * removed (a function the version before had and this one has not).
 * Returns RELOAD_ENOENT when there is no such version mapped. */
typedef void (*reload_function_fn)(void *ud, const char *name, int change,
                                   const void *code, size_t size);
RELOAD_API int reload_list_functions(reload_ctx *ctx, const char *object,
                                     unsigned version, reload_function_fn fn,
                                     void *ud);

/* Counters and timings of the context, summed over all links. */
typedef struct reload_stats {
  uint64_t objects;      /* objects loaded, archive members included */
  uint64_t sections;     /* sections placed in the arena */
  uint64_t symbols;      /* symbols read */
  uint64_t relocations;  /* relocations applied */
  uint64_t got_slots;    /* GOT slots made */
  uint64_t plt_stubs;    /* far-call stubs made */
  uint64_t arena_bytes;  /* arena bytes committed by links, in total */
  uint64_t arena_used;   /* arena bytes in use now */
  uint64_t link_ns;      /* wall time in reload_link() */
  uint64_t reloc_ns;     /* of which applying relocations */
  uint64_t entries;      /* stable function entries */
  uint64_t reloads;      /* successful reload_update() calls */
  uint64_t refused;      /* refused reload_update() calls */
  uint64_t stale_hits;   /* faults into retired code, handled */
  uint64_t rollbacks;    /* versions rolled back by the crash guard */
  /* Old versions past keep_versions that stay mapped because the
   * program keeps a pointer into their code or constants (its heap, its
   * variables), and their bytes, as of the last look; the last scan of
   * the program's memory, bytes and nanoseconds. */
  uint64_t kept_versions;
  uint64_t kept_bytes;
  uint64_t scan_bytes;
  uint64_t scan_ns;
} reload_stats;

RELOAD_API void reload_get_stats(const reload_ctx *ctx, reload_stats *out);

/*
 * Describe an object or archive as text tables: sections, symbols,
 * relocation types, and what the loader would do with each.  The text is
 * handed to `write` in pieces.  Errors go to `err` (may be NULL).
 */
typedef void (*reload_write_fn)(void *ud, const char *text, size_t len);
RELOAD_API int reload_describe(const char *path, reload_write_fn write, void *ud,
                    char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* RELOAD_H */
