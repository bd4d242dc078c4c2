/*
 * fuzz_common.c - the context and the contract checks shared by the fuzz
 * targets (see fuzz.h).
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

void fz_fail(const char *fmt, ...) {
  va_list ap;
  fputs("fuzz: contract broken: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  abort();
}

/*
 * Messages are one line (reload.h, log callback).  A name taken from the
 * input may hold any byte, and the core prints names as they are, so by
 * default only the parts the core writes itself are checked: the message
 * is not empty and does not end in a newline.  FUZZ_STRICT_LINES=1 in the
 * environment also refuses a newline inside (a name with a '\n' then
 * breaks `reloadd check`'s one-line-per-problem output).
 */
static int strict_lines = -1;

static void check_line(const char *what, const char *msg) {
  if (strict_lines < 0) {
    const char *e = getenv("FUZZ_STRICT_LINES");
    strict_lines = e && *e == '1';
  }
  if (!msg)
    fz_fail("%s: NULL message", what);
  size_t n = strlen(msg);
  if (n == 0)
    fz_fail("%s: empty message", what);
  if (msg[n - 1] == '\n')
    fz_fail("%s: message ends in a newline: %s", what, msg);
  if (strict_lines && memchr(msg, '\n', n))
    fz_fail("%s: message spans lines: %s", what, msg);
}

static void on_log(void *ud, int level, const char *file, const char *msg) {
  (void)ud;
  (void)file;
  if (level < RELOAD_LOG_ERROR || level > RELOAD_LOG_DEBUG)
    fz_fail("log: level %d out of range", level);
  check_line("log", msg);
}

/* Open descriptors of the process. */
static int count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n - 1; /* the directory's own descriptor */
}

/* What each open descriptor is, for the report of a leak. */
static void list_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d))) {
    char path[300], target[512];
    if (e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    fprintf(stderr, "fuzz: fd %s -> %s\n", e->d_name, target);
  }
  closedir(d);
}

/* Mappings of an arena (memfd "reload-arena") still in the address space. */
static int count_arenas(void) {
  FILE *f = fopen("/proc/self/maps", "re");
  if (!f)
    return -1;
  char line[1024];
  int n = 0;
  while (fgets(line, sizeof line, f))
    if (strstr(line, "reload-arena"))
      n++;
  fclose(f);
  return n;
}

/* FUZZ_VERBOSE=1 prints the outcome of every call that is checked. */
static int is_verbose(void) {
  static int verbose = -1;
  if (verbose < 0) {
    const char *e = getenv("FUZZ_VERBOSE");
    verbose = e && *e == '1';
  }
  return verbose;
}

static int base_fds = -1;
static int prelinked;

typedef int (*good_fn)(const char *);
typedef int (*good2_fn)(int);

/* good.o's function, which must answer 4 + 7 for "fuzz". */
static void check_good(reload_ctx *ctx, const char *when) {
  good_fn fn = (good_fn)(uintptr_t)reload_sym(ctx, "reload_fuzz_good");
  if (!fn)
    fz_fail("%s: reload_fuzz_good of good.o is gone", when);
  int v = fn("fuzz");
  if (v != 4 + 7)
    fz_fail("%s: reload_fuzz_good(\"fuzz\") = %d, want 11", when, v);
}

static void link_good(reload_ctx *ctx, const char *name,
                      const unsigned char *obj, size_t len, const char *when) {
  int r = reload_add_memory(ctx, name, obj, len);
  if (r)
    fz_fail("%s: %s cannot be added: %d %s", when, name, r,
            reload_errmsg(ctx));
  r = reload_link(ctx);
  if (r)
    fz_fail("%s: %s does not link: %d %s", when, name, r, reload_errmsg(ctx));
}

reload_ctx *fz_open(int prelink) {
  /* Counted before each run, not once: libFuzzer opens descriptors of its
   * own between runs (the pipes to llvm-symbolizer, for one). */
  base_fds = count_fds();
  reload_options opt;
  memset(&opt, 0, sizeof opt);
  opt.arena_size = FZ_ARENA_SIZE;
  opt.log = on_log;
  reload_ctx *ctx = reload_open(&opt);
  if (!ctx)
    fz_fail("reload_open returned NULL");
  /* FUZZ_PRELINK=0 or 1 overrides the target's choice, to reproduce. */
  const char *e = getenv("FUZZ_PRELINK");
  if (e && (*e == '0' || *e == '1'))
    prelink = *e == '1';
  prelinked = prelink;
  if (prelink) {
    link_good(ctx, "good.o", fz_good_obj, fz_good_obj_len, "pre-link");
    check_good(ctx, "pre-link");
  }
  if (is_verbose())
    fprintf(stderr, "  open%s\n", prelink ? ", good.o linked first" : "");
  return ctx;
}

int fz_check(reload_ctx *ctx, int r, const char *what) {
  if (is_verbose())
    fprintf(stderr, "  %s: %d %s\n", what, r, r ? reload_errmsg(ctx) : "ok");
  if (r == 0)
    return 0;
  if (r > 0)
    fz_fail("%s returned %d: positive", what, r);
  if (strcmp(reload_strerror(r), "unknown error") == 0)
    fz_fail("%s returned %d: not a RELOAD_E* code", what, r);
  if (r == RELOAD_ECRASH)
    fz_fail("%s returned RELOAD_ECRASH: nothing runs here", what);
  check_line(what, reload_errmsg(ctx));
  return r;
}

void fz_good_link(reload_ctx *ctx) {
  if (!prelinked) {
    link_good(ctx, "good.o", fz_good_obj, fz_good_obj_len, "after a refusal");
    check_good(ctx, "after a refusal");
    return;
  }
  check_good(ctx, "after a refusal");
  link_good(ctx, "good_b.o", fz_good_b_obj, fz_good_b_obj_len,
            "after a refusal");
  good2_fn fn = (good2_fn)(uintptr_t)reload_sym(ctx, "reload_fuzz_good2");
  if (!fn)
    fz_fail("after a refusal, good_b.o linked but reload_fuzz_good2 is missing");
  int v = fn(3);
  if (v != 3 * 7)
    fz_fail("after a refusal, reload_fuzz_good2(3) = %d, want 21", v);
  check_good(ctx, "after good_b.o");
}

void fz_after_link(reload_ctx *ctx) {
  reload_stats st;
  memset(&st, 0xa5, sizeof st);
  reload_get_stats(ctx, &st);
  if (st.objects == 0)
    fz_fail("linked, but the counters show no object");
  if (st.arena_used > FZ_ARENA_SIZE)
    fz_fail("linked, %llu arena bytes in use in a %u-byte arena",
            (unsigned long long)st.arena_used, FZ_ARENA_SIZE);
}

void fz_close(reload_ctx *ctx) {
  if (prelinked)
    check_good(ctx, "before close");
  reload_close(ctx);
  int a = count_arenas();
  if (a != 0)
    fz_fail("reload_close left %d arena mapping(s) in /proc/self/maps", a);
  int n = count_fds();
  if (n != base_fds) {
    list_fds();
    fz_fail("reload_close left descriptors: %d open, %d before reload_open",
            n, base_fds);
  }
}
