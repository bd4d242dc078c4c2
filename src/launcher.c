/*
 * launcher.c - see launcher.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "forked.h"
#include "launcher.h"
#include "paths.h"

static char *made_dir, *made_file;

/* Field `want` (4 or more) of a process's stat, as a number; 0 when the
 * process is gone. */
static unsigned long long stat_field(long pid, int want) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* The command name may hold blanks and parentheses: count from the
   * last ')'. Field 3 follows it. */
  char *p = strrchr(buf, ')');
  if (!p)
    return 0;
  p++;
  for (int field = 3; field < want && p; field++)
    p = strchr(p + 1, ' ');
  return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* Its start time in clock ticks since boot (field 22), which with its
 * pid names it uniquely. */
static unsigned long long started(long pid) { return stat_field(pid, 22); }

/* $XDG_RUNTIME_DIR/reloadd, else /tmp/reloadd-UID: ours alone. */
static char *rundir(char *err, size_t len) {
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  char path[4096];
  if (xdg && xdg[0] == '/')
    snprintf(path, sizeof path, "%s/reloadd", xdg);
  else
    snprintf(path, sizeof path, "/tmp/reloadd-%u", (unsigned)getuid());
  if (mkdir(path, 0700) < 0 && errno != EEXIST) {
    snprintf(err, len, "cannot create %s: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
      (st.st_mode & 077)) {
    snprintf(err, len, "%s is not a private directory of this user; remove "
             "it or set XDG_RUNTIME_DIR", path);
    return NULL;
  }
  return strdup(path);
}

static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return;
  for (struct dirent *e; (e = readdir(d));) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    char p[8192];
    if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p)
      unlink(p);
  }
  closedir(d);
  rmdir(dir);
}

/* Launchers of processes that died without removing theirs. */
static void sweep(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return;
  for (struct dirent *e; (e = readdir(d));) {
    long pid;
    unsigned long long start;
    char tail;
    if (sscanf(e->d_name, "%ld-%llu%c", &pid, &start, &tail) != 2)
      continue;
    if (started(pid) == start)
      continue;
    char p[8192];
    if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p)
      remove_dir(p);
  }
  closedir(d);
}

static void gone(void) {
  if (forked_child() || !made_dir)
    return;
  unlink(made_file);
  rmdir(made_dir);
}

/* A word quoted for sh. */
static void quote(struct buf *b, const char *s) {
  buf_puts(b, " '");
  for (; *s; s++)
    if (*s == '\'')
      buf_puts(b, "'\\''");
    else
      buf_printf(b, "%c", *s);
  buf_puts(b, "'");
}

static void quote_all(struct buf *b, const char *opt, const struct strv *v,
                      bool absolute) {
  for (size_t i = 0; v && i < v->n; i++) {
    if (opt)
      quote(b, opt);
    char *abs = absolute ? path_join(NULL, v->v[i]) : NULL;
    quote(b, abs ? abs : v->v[i]);
    free(abs);
  }
}

char *launcher_create(const struct launcher_spec *s, char *err, size_t len) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    snprintf(err, len, "cannot find reloadd's own path: %s", strerror(errno));
    return NULL;
  }
  self[n] = '\0';
  char *base = rundir(err, len);
  if (!base)
    return NULL;
  sweep(base);
  char dir[4096], file[4096];
  snprintf(dir, sizeof dir, "%s/%ld-%llu", base, (long)getpid(),
           started((long)getpid()));
  free(base);
  if (snprintf(file, sizeof file, "%s/%s", dir, s->name) >= (int)sizeof file ||
      strchr(s->name, '/') || !s->name[0]) {
    snprintf(err, len, "bad program name '%s'", s->name);
    return NULL;
  }
  if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
    snprintf(err, len, "cannot create %s: %s", dir, strerror(errno));
    return NULL;
  }
  struct buf b = {0};
  buf_printf(&b, "#!/bin/sh\n# Written by reloadd (pid %ld) for the program "
             "it hosts: runs that program\n# again, hosted the same way.  "
             "Removed when that reloadd exits.\nexec",
             (long)getpid());
  quote(&b, self);
  buf_puts(&b, " run --argv0 \"$0\"");
  for (const char *const *f = s->flags; f && *f; f++)
    quote(&b, *f);
  quote_all(&b, "-L", s->libdirs, true);
  quote_all(&b, "-l", s->libs, false);
  if (s->entry) {
    quote(&b, "--entry");
    quote(&b, s->entry);
  }
  quote_all(&b, NULL, s->files, true);
  buf_puts(&b, " -- \"$@\"\n");
  if (b.oom) {
    buf_free(&b);
    snprintf(err, len, "out of memory");
    return NULL;
  }
  /* Written beside and renamed, so that a concurrent run never sees half. */
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", file);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
  const char *text = buf_str(&b);
  size_t want = strlen(text);
  bool ok = fd >= 0 && write(fd, text, want) == (ssize_t)want;
  int e = errno;
  if (fd >= 0 && close(fd) < 0)
    ok = false;
  buf_free(&b);
  if (!ok || rename(tmp, file) < 0) {
    e = ok ? errno : e;
    unlink(tmp);
    snprintf(err, len, "cannot write %s: %s", file, strerror(e));
    return NULL;
  }
  free(made_dir);
  free(made_file);
  made_dir = strdup(dir);
  made_file = strdup(file);
  static bool registered;
  if (!registered) {
    forked_init();
    atexit(gone);
    registered = true;
  }
  return strdup(file);
}

char *launcher_name(const char *path) {
  const char *b = path_base(path);
  char *name = strdup(*b ? b : "program");
  if (!name)
    return NULL;
  char *dot = strrchr(name, '.');
  if (dot && dot != name)
    *dot = '\0';
  return name;
}

static bool proc_exe(const char *fn) {
  if (!fn || strncmp(fn, "/proc/", 6) != 0)
    return false;
  const char *p = fn + 6;
  if (strncmp(p, "self/", 5) == 0)
    p += 5;
  else if (strncmp(p, "thread-self/", 12) == 0)
    p += 12;
  else {
    if (*p < '0' || *p > '9')
      return false;
    while (*p >= '0' && *p <= '9')
      p++;
    if (*p++ != '/')
      return false;
  }
  return strcmp(p, "exe") == 0;
}

/* The launcher file written by process `pid`, if it is still that one. */
static bool find(const char *base, long pid, char *out, size_t len) {
  unsigned long long start = started(pid);
  if (!start)
    return false;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/%ld-%llu", base, pid, start);
  DIR *d = opendir(dir);
  if (!d)
    return false;
  bool found = false;
  for (struct dirent *e; !found && (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (e->d_name[0] == '.' || (n > 4 && strcmp(e->d_name + n - 4, ".tmp") == 0))
      continue;
    found = (size_t)snprintf(out, len, "%s/%s", dir, e->d_name) < len;
  }
  closedir(d);
  return found;
}

/* Words that start a command line of reloadd's own (see main.c and the
 * daemon's options): with one of them, reloadd means itself. */
static bool reloadd_words(int argc, char **argv) {
  static const char *const words[] = {
      "run",  "check", "inspect", "status", "reload", "help", "--help",
      "-h",   "--version", "-v", "--verbose", "-q", "--quiet",
      "--validate", NULL};
  if (argc < 2)
    return false;
  const char *a = argv[1];
  for (const char *const *w = words; *w; w++)
    if (strcmp(a, *w) == 0)
      return true;
  size_t n = strlen(a);
  return strncmp(a, "--color", 7) == 0 || (n > 4 && !strcmp(a + n - 4, ".ini"));
}

static long parent_of(long pid) { return (long)stat_field(pid, 4); }

void launcher_rerun(int argc, char **argv) {
  /* Started as /proc/self/exe, or by the path that names (reloadd's
   * executable, which a program finds with readlink), with words that are
   * not reloadd's: a hosted program runs itself again. */
  if (!proc_exe((const char *)getauxval(AT_EXECFN)) &&
      reloadd_words(argc, argv))
    return;
  char err[256], path[4096];
  char *base = rundir(err, sizeof err);
  if (!base)
    return;
  /* exec without fork keeps the pid; fork and exec has the host as
   * parent; a fork server's workers have it further up. */
  bool found = false;
  long pid = (long)getpid();
  for (int depth = 0; depth < 32 && pid > 1 && !found; depth++) {
    found = find(base, pid, path, sizeof path);
    pid = parent_of(pid);
  }
  free(base);
  if (!found)
    return;
  char **av = calloc((size_t)argc + 1, sizeof *av);
  if (!av)
    return;
  av[0] = path;
  for (int i = 1; i < argc; i++)
    av[i] = argv[i];
  execv(path, av);
  fprintf(stderr, "reloadd: cannot run the hosted program again through "
          "%s: %s\n", path, strerror(errno));
  _exit(127);
}
