/*
 * dbgtest.c - helpers shared by the debugging-aids tests; see dbgtest.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dbgtest.h"

int dbg_ok(reload_ctx *ctx, int r, const char *what, const char *file,
           int line) {
  if (r < 0)
    check__fail(file, line, "`%s` returned %d (%s): %s", what, r,
                reload_strerror(r), ctx ? reload_errmsg(ctx) : "");
  return r;
}

dbg_fnptr dbg_fn(void *p) {
  dbg_fnptr f;
  memcpy(&f, &p, sizeof f);
  return f;
}

void *dbg_entry(reload_ctx *ctx, const char *name) {
  void *p = reload_entry(ctx, name);
  if (!p)
    FAIL("reload_entry(\"%s\") is NULL", name);
  return p;
}

void *dbg_sym(reload_ctx *ctx, const char *name) {
  void *p = reload_sym(ctx, name);
  if (!p)
    FAIL("reload_sym(\"%s\") is NULL: %s", name, reload_errmsg(ctx));
  return p;
}

void dbg_skip_under(const char *setups, const char *why) {
  const char *cur = getenv("RELOAD_TEST_SETUP");
  if (!cur || !*cur)
    return;
  size_t n = strlen(cur);
  for (const char *p = setups; (p = strstr(p, cur)); p += n)
    if ((p == setups || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) {
      printf("SKIP: under %s: %s\n", cur, why);
      fflush(stdout);
      exit(77);
    }
}

void *dbg_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    FAIL("cannot open %s: %s", path, strerror(errno));
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  ASSERT_NOT_NULL(buf);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      cap *= 2;
      buf = realloc(buf, cap);
      ASSERT_NOT_NULL(buf);
    }
  }
  ASSERT_FALSE(ferror(f));
  fclose(f);
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

void dbg_write(const char *path, const void *buf, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    FAIL("cannot write %s: %s", path, strerror(errno));
  const char *p = buf;
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w <= 0)
      FAIL("cannot write %s: %s", path, strerror(errno));
    p += w;
    len -= (size_t)w;
  }
  ASSERT_EQ(close(fd), 0);
}

void dbg_copy(const char *from, const char *to) {
  size_t len;
  void *b = dbg_slurp(from, &len);
  dbg_write(to, b, len);
  free(b);
}

static char tmpdir[PATH_MAX];
static pid_t tmpdir_owner;

static void rm_tmpdir(void) {
  /* A forked child that exits (or fails) leaves it to its parent. */
  if (!tmpdir[0] || getenv("KEEP") || getpid() != tmpdir_owner)
    return;
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", tmpdir);
}

void dbg_tmpdir(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    char *abs = access(argv[i], F_OK) == 0 ? realpath(argv[i], NULL) : NULL;
    if (abs)
      argv[i] = abs; /* lives until exit */
  }
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/reload-debug-XXXXXX",
           base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir))
    FAIL("mkdtemp %s: %s", tmpdir, strerror(errno));
  tmpdir_owner = getpid();
  atexit(rm_tmpdir);
  ASSERT_EQ(chdir(tmpdir), 0);
}

static char *logbuf;
static size_t loglen, logcap;

void dbg_log(void *ud, int level, const char *file, const char *msg) {
  (void)ud;
  (void)file;
  if (level > RELOAD_LOG_INFO)
    return;
  size_t n = strlen(msg);
  if (loglen + n + 2 > logcap) {
    logcap = (loglen + n + 2) * 2;
    logbuf = realloc(logbuf, logcap);
    ASSERT_NOT_NULL(logbuf);
  }
  memcpy(logbuf + loglen, msg, n);
  loglen += n;
  logbuf[loglen++] = '\n';
  logbuf[loglen] = '\0';
  if (getenv("DBG_VERBOSE"))
    fprintf(stderr, "log: %s\n", msg);
}

const char *dbg_log_text(void) { return logbuf ? logbuf : ""; }

void dbg_log_clear(void) {
  loglen = 0;
  if (logbuf)
    logbuf[0] = '\0';
}

struct fcollect {
  dbg_func *out;
  int n, max;
};

static void fcollect(void *ud, const char *name, int change, const void *code,
                     size_t size) {
  struct fcollect *c = ud;
  if (c->n >= c->max)
    FAIL("more than %d functions listed", c->max);
  dbg_func *f = &c->out[c->n++];
  snprintf(f->name, sizeof f->name, "%s", name);
  f->change = change;
  f->code = (uintptr_t)code;
  f->size = size;
}

int dbg_functions(reload_ctx *ctx, const char *object, unsigned version,
                  dbg_func *out, int max) {
  struct fcollect c = {out, 0, max};
  int r = reload_list_functions(ctx, object, version, fcollect, &c);
  return r < 0 ? r : c.n;
}

const dbg_func *dbg_func_at(const dbg_func *fs, int n, uintptr_t pc) {
  for (int i = 0; i < n; i++)
    if (fs[i].code && pc >= fs[i].code && pc < fs[i].code + fs[i].size)
      return &fs[i];
  return NULL;
}

struct vcollect {
  const char *object;
  unsigned *v;
  int n, max;
};

static void vcollect(void *ud, const reload_version_info *v) {
  struct vcollect *c = ud;
  if (strcmp(v->object, c->object) == 0 && c->n < c->max)
    c->v[c->n++] = v->version;
}

int dbg_versions(reload_ctx *ctx, const char *object, unsigned *versions,
                 int max) {
  struct vcollect c = {object, versions, 0, max};
  reload_list_versions(ctx, vcollect, &c);
  return c.n;
}

void dbg_nap(unsigned ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) && errno == EINTR)
    ;
}

int dbg_marker_line(const char *path, const char *marker) {
  char *text = dbg_slurp(path, NULL);
  int line = 1;
  for (char *p = text; *p; p++) {
    char *nl = strchr(p, '\n');
    if (nl)
      *nl = '\0';
    if (strstr(p, marker)) {
      free(text);
      return line;
    }
    if (!nl)
      break;
    p = nl;
    line++;
  }
  free(text);
  FAIL("no line of %s contains \"%s\"", path, marker);
}
