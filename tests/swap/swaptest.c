/*
 * swaptest.c - see swaptest.h.
 */
#include "swaptest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char tmpdir[PATH_MAX];

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *log_buf;
static size_t log_len, log_cap;

int swt_ok(reload_ctx *ctx, int r, const char *what, const char *file,
           int line) {
  if (r < 0)
    check__fail(file, line, "`%s` failed: %d (%s): %s", what, r,
                reload_strerror(r), reload_errmsg(ctx));
  return r;
}

swt_fn swt_to_fn(void *p) {
  swt_fn f;
  memcpy(&f, &p, sizeof f);
  return f;
}

void *swt_from_fn(swt_fn f) {
  void *p;
  memcpy(&p, &f, sizeof p);
  return p;
}

static void on_log(void *ud, int level, const char *file, const char *msg) {
  static const char lv[] = "EWID";
  (void)ud;
  if (getenv("SWT_VERBOSE"))
    fprintf(stderr, "log: %c %s: %s\n",
            level >= 0 && level <= 3 ? lv[level] : '?', file ? file : "(none)",
            msg);
  pthread_mutex_lock(&log_lock);
  size_t need = strlen(msg) + (file ? strlen(file) : 6) + 8;
  if (log_len + need + 1 > log_cap) {
    size_t nc = (log_cap + need + 1) * 2;
    char *nb = realloc(log_buf, nc);
    if (!nb) {
      pthread_mutex_unlock(&log_lock);
      return;
    }
    log_buf = nb;
    log_cap = nc;
  }
  log_len += (size_t)snprintf(log_buf + log_len, log_cap - log_len,
                              "%c %s: %s\n",
                              level >= 0 && level <= 3 ? lv[level] : '?',
                              file ? file : "(none)", msg);
  pthread_mutex_unlock(&log_lock);
}

const char *swt_log_find(int level, const char *n1, const char *n2,
                         const char *n3) {
  static char line[2048];
  static const char lv[] = "EWID";
  const char *hit = NULL;
  pthread_mutex_lock(&log_lock);
  for (size_t i = 0; i < log_len && !hit;) {
    const char *s = log_buf + i, *e = memchr(s, '\n', log_len - i);
    size_t n = e ? (size_t)(e - s) : log_len - i;
    i += n + 1;
    if (n >= sizeof line)
      n = sizeof line - 1;
    memcpy(line, s, n);
    line[n] = 0;
    if (level >= 0 && line[0] != lv[level])
      continue;
    if ((n1 && !strstr(line, n1)) || (n2 && !strstr(line, n2)) ||
        (n3 && !strstr(line, n3)))
      continue;
    hit = line;
  }
  pthread_mutex_unlock(&log_lock);
  return hit;
}

const char *swt_log_text(void) {
  static char text[8192];
  pthread_mutex_lock(&log_lock);
  size_t n = log_len < sizeof text - 1 ? log_len : sizeof text - 1;
  if (n)
    memcpy(text, log_buf, n);
  text[n] = 0;
  pthread_mutex_unlock(&log_lock);
  return text;
}

void swt_log_clear(void) {
  pthread_mutex_lock(&log_lock);
  log_len = 0;
  pthread_mutex_unlock(&log_lock);
}

static void cleanup(void) {
  if (!tmpdir[0])
    return;
  DIR *d = opendir(tmpdir);
  if (d) {
    struct dirent *de;
    while ((de = readdir(d))) {
      char p[PATH_MAX + 256];
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
        continue;
      snprintf(p, sizeof p, "%s/%s", tmpdir, de->d_name);
      unlink(p);
    }
    closedir(d);
  }
  rmdir(tmpdir);
}

void *swt_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    FAIL("cannot open %s: %s", path, strerror(errno));
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  ASSERT_NOT_NULL(buf);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      ASSERT_NOT_NULL(buf);
    }
  }
  ASSERT_FALSE(ferror(f));
  fclose(f);
  *len = n;
  return buf;
}

void swt_write(const char *path, const void *buf, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    FAIL("cannot create %s: %s", path, strerror(errno));
  const char *p = buf;
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      FAIL("cannot write %s: %s", path, strerror(errno));
    p += w;
    len -= (size_t)w;
  }
  ASSERT_EQ(close(fd), 0);
}

static void copy(const char *src, const char *dst) {
  size_t len;
  void *buf = swt_slurp(src, &len);
  swt_write(dst, buf, len);
  free(buf);
}

void swt_skip_under(const char *setups, const char *why) {
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

void swt_args(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    char *abs = strchr(argv[i], '.') ? realpath(argv[i], NULL) : NULL;
    if (abs)
      argv[i] = abs; /* lives until exit */
  }
}

reload_ctx *swt_open(const reload_options *opt, const char *v1,
                     const char *const *extra) {
  const char *base = getenv("TMPDIR");
  char *absv1 = realpath(v1, NULL);
  if (!absv1)
    FAIL("cannot find %s: %s", v1, strerror(errno));
  snprintf(tmpdir, sizeof tmpdir, "%s/reload-swap-XXXXXX",
           base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir))
    FAIL("mkdtemp %s: %s", tmpdir, strerror(errno));
  atexit(cleanup);

  /* Resolve the extra objects' paths before leaving the directory. */
  char *absx[16];
  size_t nx = 0;
  for (; extra && extra[nx]; nx++) {
    ASSERT_LT(nx, 16);
    absx[nx] = realpath(extra[nx], NULL);
    if (!absx[nx])
      FAIL("cannot find %s: %s", extra[nx], strerror(errno));
  }
  if (chdir(tmpdir) != 0)
    FAIL("chdir %s: %s", tmpdir, strerror(errno));
  copy(absv1, "lib.o");
  free(absv1);

  reload_options o;
  if (opt)
    o = *opt;
  else
    memset(&o, 0, sizeof o);
  o.log = on_log;
  o.log_ud = NULL;
  reload_ctx *ctx = reload_open(&o);
  ASSERT_NOT_NULL(ctx);
  ASSERT_RELOAD_OK(ctx, reload_add_file(ctx, "lib.o"));
  for (size_t i = 0; i < nx; i++) {
    const char *slash = strrchr(absx[i], '/');
    const char *name = slash ? slash + 1 : absx[i];
    copy(absx[i], name);
    ASSERT_RELOAD_OK(ctx, reload_add_file(ctx, name));
    free(absx[i]);
  }
  ASSERT_RELOAD_OK(ctx, reload_link(ctx));
  char *argv[] = {(char *)"swaptest", NULL};
  ASSERT_RELOAD_OK(ctx, reload_run_init(ctx, 1, argv, environ));
  return ctx;
}

void swt_install(const char *src) { copy(src, "lib.o"); }

int swt_reload(reload_ctx *ctx, const char *src) {
  swt_install(src);
  return ASSERT_RELOAD_OK(ctx, reload_update(ctx, "lib.o"));
}

swt_fn swt_entry(reload_ctx *ctx, const char *name) {
  void *p = reload_entry(ctx, name);
  if (!p)
    FAIL("reload_entry(\"%s\") is NULL: %s", name, reload_errmsg(ctx));
  return swt_to_fn(p);
}

void *swt_sym(reload_ctx *ctx, const char *name) {
  void *p = reload_sym(ctx, name);
  if (!p)
    FAIL("reload_sym(\"%s\") is NULL: %s", name, reload_errmsg(ctx));
  return p;
}

static void list_one(void *ud, const reload_version_info *v) {
  swt_versions *out = ud;
  if (strcmp(v->object, "lib.o") != 0)
    return;
  out->n++;
  if (v->version >= 64)
    return;
  out->state[v->version] = v->state;
  out->functions[v->version] = v->functions;
  out->stale_hits[v->version] = v->stale_hits;
}

void swt_list(reload_ctx *ctx, swt_versions *out) {
  memset(out, 0, sizeof *out);
  for (int i = 0; i < 64; i++)
    out->state[i] = -1;
  reload_list_versions(ctx, list_one, out);
}

reload_stats swt_stats(reload_ctx *ctx) {
  reload_stats s;
  reload_get_stats(ctx, &s);
  return s;
}

void swt_sleep_ms(unsigned ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

uint64_t swt_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int swt_child(void (*fn)(void *), void *arg, char *err, size_t errlen) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(p[0]);
    dup2(p[1], 2);
    close(p[1]);
    fn(arg);
    fflush(stderr);
    _exit(0);
  }
  close(p[1]);
  size_t n = 0;
  for (;;) {
    char tmp[512];
    ssize_t r = read(p[0], tmp, sizeof tmp);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    for (ssize_t i = 0; i < r && n + 1 < errlen; i++)
      err[n++] = tmp[i];
  }
  if (errlen)
    err[n] = 0;
  close(p[0]);
  int st;
  while (waitpid(pid, &st, 0) < 0)
    ASSERT_EQ(errno, EINTR);
  return st;
}
