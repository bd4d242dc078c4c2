/*
 * log.c - reloadd's log lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "forked.h"
#include "log.h"

static _Atomic int level = RELOAD_LOG_INFO;
static _Atomic bool color;
static _Atomic bool stamps;
static _Atomic int file_fd = -1;
static char *file_name;
/* The local time zone's offset, found once per setup: localtime_r() takes
 * a lock and reads files, which a fault handler must not do. */
static _Atomic long utc_offset;
static _Thread_local struct buf *held;
/* TERM is not "dumb" (a terminal that may not wrap as start_line() needs),
 * found at setup: getenv() has no place in a fault handler. */
static _Atomic bool smart_term;
/* Where stderr, a regular file, stood right after our last line: when it
 * still does, nobody wrote since and no look back is needed. */
static _Atomic long long after_ours = -1;

static bool want_color(int mode) {
  if (mode == LOG_COLOR_ALWAYS)
    return true;
  if (mode == LOG_COLOR_NEVER)
    return false;
  /* https://no-color.org: a non-empty NO_COLOR turns off automatic colour. */
  const char *nc = getenv("NO_COLOR");
  if (nc && *nc)
    return false;
  const char *term = getenv("TERM");
  if (term && strcmp(term, "dumb") == 0)
    return false;
  return isatty(STDERR_FILENO) == 1;
}

int log_setup(const struct log_opts *o, char *err, size_t errlen) {
  time_t now = time(NULL);
  struct tm tm;
  if (localtime_r(&now, &tm))
    utc_offset = tm.tm_gmtoff;
  level = o->level;
  color = want_color(o->color);
  const char *term = getenv("TERM");
  smart_term = !term || strcmp(term, "dumb") != 0;
  stamps = o->timestamps;
  if (!o->file) {
    file_fd = -1;
    return 0;
  }
  if (file_name && strcmp(file_name, o->file) == 0 && file_fd >= 0)
    return 0;
  int fd = open(o->file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    int e = errno;
    snprintf(err, errlen, "cannot open log file %s: %s", o->file, strerror(e));
    return -e;
  }
  /* The old descriptor stays open: another thread may be writing to it
   * right now, and closing it could hand its number to an unrelated file. */
  file_fd = fd;
  free(file_name);
  file_name = strdup(o->file);
  return 0;
}

bool log_enabled(int lv) { return lv <= level; }

/* Where in stderr, a regular file, our next line will go: the end when it
 * was opened to append, else its offset.  -1 when it cannot be told. */
static long long file_end(const struct stat *st) {
  int fl = fcntl(STDERR_FILENO, F_GETFL);
  if (fl < 0)
    return -1;
  return fl & O_APPEND ? (long long)st->st_size
                       : (long long)lseek(STDERR_FILENO, 0, SEEK_CUR);
}

/*
 * What must go before our line on stderr for it to start a line of its
 * own.  The program writes to the same stderr, and may have left a line
 * unfinished there ("loading..."); we cannot see its writes, only ask the
 * other end, and what it can tell depends on what it is:
 *  - a regular file: the byte before where our line goes can be read back
 *    (through /proc/self/fd/2: stderr itself is opened for writing only),
 *    and a newline goes first when it is not one.  Exact, and only looked
 *    at when the file moved since our last line.
 *  - a terminal: it knows its cursor.  As many spaces as it has columns,
 *    then a carriage return, leave the cursor at the start of the line it
 *    was at the start of (a terminal holds back the wrap at the last
 *    column), and else at the start of the next line, the program's text
 *    untouched: zsh's PROMPT_SP.  With colour, the spaces are erased
 *    again (ESC [ K); without, no escape sequence is written, and they are
 *    blanks behind our line.  (A program that turned auto-wrap off would
 *    see an unfinished line overwritten: with TERM=dumb, or no size, we do
 *    nothing.)
 *  - a pipe or a socket: nothing can be read back, and a newline before
 *    every line would double-space the log: our line goes as it is.
 * Only system calls, no lock: this runs in fault handlers too.
 */
static size_t start_line(char *pre, size_t len, bool c, long long *end) {
  struct stat st;
  struct winsize ws;
  *end = -1;
  if (fstat(STDERR_FILENO, &st) < 0)
    return 0;
  if (S_ISREG(st.st_mode)) {
    long long at = file_end(&st);
    *end = at;
    if (at <= 0 || at == after_ours)
      return 0;
    int fd = open("/proc/self/fd/2", O_RDONLY | O_CLOEXEC);
    char last = '\n';
    if (fd >= 0) {
      if (pread(fd, &last, 1, (off_t)at - 1) != 1)
        last = '\n';
      close(fd);
    }
    if (last == '\n')
      return 0;
    pre[0] = '\n';
    return 1;
  }
  if (!smart_term || ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) < 0 ||
      ws.ws_col == 0 || (size_t)ws.ws_col + 4 > len)
    return 0;
  size_t n = ws.ws_col;
  memset(pre, ' ', n);
  pre[n++] = '\r';
  if (c) {
    memcpy(pre + n, "\033[K", 3);
    n += 3;
  }
  return n;
}

void log_stderr_line(const char *line, size_t n, bool c) {
  char pre[1024];
  long long end;
  size_t np = start_line(pre, sizeof pre, c, &end);
  /* One write, as ever: the prefix cannot be parted from its line. */
  struct iovec iov[2] = {{pre, np}, {(void *)(uintptr_t)line, n}};
  ssize_t w = writev(STDERR_FILENO, iov + (np == 0), np ? 2 : 1);
  if (end >= 0 && w > 0)
    after_ours = end + w;
}

static void emit(int lv, const char *file, const char *msg) {
  static const char *const words[] = {"error: ", "warning: ", "", "debug: "};
  static const char *const colors[] = {"\033[1;31m", "\033[1;35m", "",
                                       "\033[2m"};
  const char *word = words[lv & 3];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  long t = (long)ts.tv_sec + utc_offset;
  int ms = (int)(ts.tv_nsec / 1000000);
  int h = (int)(t / 3600 % 24), m = (int)(t / 60 % 60), s = (int)(t % 60);
  char line[1200];
  int n;
  bool c = color;
  if (stamps && c)
    n = snprintf(line, sizeof line, "reloadd: \033[2m%02d:%02d:%02d.%03d\033[0m %s%s\033[0m%s%s%s\n",
                 h, m, s, ms, colors[lv & 3], word, file ? file : "",
                 file ? ": " : "", msg);
  else if (stamps)
    n = snprintf(line, sizeof line, "reloadd: %02d:%02d:%02d.%03d %s%s%s%s\n",
                 h, m, s, ms, word, file ? file : "", file ? ": " : "", msg);
  else if (c)
    n = snprintf(line, sizeof line, "reloadd: %s%s\033[0m%s%s%s\n",
                 colors[lv & 3], word, file ? file : "", file ? ": " : "", msg);
  else
    n = snprintf(line, sizeof line, "reloadd: %s%s%s%s\n", word,
                 file ? file : "", file ? ": " : "", msg);
  if (n >= (int)sizeof line) {
    n = (int)sizeof line - 1;
    line[n - 1] = '\n';
  }
  if (n > 0)
    log_stderr_line(line, (size_t)n, c);
  int fd = file_fd;
  if (fd < 0)
    return;
  /* The file gets the date and the level word every time, no colour. */
  long days = t / 86400;
  /* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm),
   * because gmtime_r() is not safe in a signal handler either. */
  long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
  long mo = mp < 10 ? mp + 3 : mp - 9;
  y += mo <= 2;
  static const char *const fwords[] = {"error", "warning", "info", "debug"};
  n = snprintf(line, sizeof line, "%04ld-%02ld-%02ld %02d:%02d:%02d.%03d %s: %s%s%s\n",
               y, mo, d, h, m, s, ms, fwords[lv & 3], file ? file : "",
               file ? ": " : "", msg);
  if (n >= (int)sizeof line) {
    n = (int)sizeof line - 1;
    line[n - 1] = '\n';
  }
  if (n > 0 && write(fd, line, (size_t)n) < 0) {
    /* As above. */
  }
}

void log_msg(int lv, const char *fmt, ...) {
  if (lv > level)
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  emit(lv, NULL, msg);
}

void log_crash(void *ud, const char *line) {
  (void)ud;
  char buf[700];
  size_t n = 0, len = strlen(line);
  static const char pre[] = "\nreloadd: ";
  if (len > sizeof buf - sizeof pre - 2)
    len = sizeof buf - sizeof pre - 2;
  memcpy(buf, pre, sizeof pre - 1);
  n = sizeof pre - 1;
  memcpy(buf + n, line, len);
  n += len;
  buf[n++] = '\n';
  /* A newline first: the program may have left a line unfinished. */
  if (write(2, buf, n) < 0) {
  }
  int fd = file_fd;
  if (fd >= 0 && write(fd, buf + 1, n - 1) < 0) {
  }
}

void log_core(void *ud, int lv, const char *file, const char *msg) {
  (void)ud;
  if (held) {
    /* Fields are separated by \x1f, which appears in neither paths we
     * produce nor the core's messages. */
    buf_printf(held, "%d\x1f%s\x1f%s\n", lv, file ? file : "", msg);
    return;
  }
  if (lv > level)
    return;
  emit(lv, file, msg);
}

void log_capture(struct buf *into) { held = into; }

void log_capture_end(void) { held = NULL; }

void log_replay(const struct buf *b) {
  const char *p = buf_str(b);
  while (*p) {
    const char *nl = strchr(p, '\n');
    const char *f = strchr(p, '\x1f');
    const char *m = f ? strchr(f + 1, '\x1f') : NULL;
    if (!nl || !m || m > nl)
      break;
    int lv = atoi(p);
    char file[512], msg[1024];
    snprintf(file, sizeof file, "%.*s", (int)(m - f - 1), f + 1);
    snprintf(msg, sizeof msg, "%.*s", (int)(nl - m - 1), m + 1);
    if (lv <= level)
      emit(lv, file[0] ? file : NULL, msg);
    p = nl + 1;
  }
}

/* ---- the perf map ---- */

static struct {
  char path[64];
  bool tracked, had;  /* had: a file was there before anything was linked */
  struct stat before; /* and what it was like */
  _Atomic bool keep;
} map;

static void remove_at_exit(void) { log_perf_map_remove(); }

void log_perf_map_track(void) {
  if (map.tracked)
    return;
  snprintf(map.path, sizeof map.path, "/tmp/perf-%d.map", (int)getpid());
  map.had = stat(map.path, &map.before) == 0;
  map.tracked = true;
  forked_init();
  atexit(remove_at_exit);
}

void log_perf_map_keep(bool keep) { map.keep = keep; }

/* Whether the file at the path is the one that was there before: the
 * core's first write truncates it, which changes its times (and mostly
 * its size), so one this process wrote never passes for it. */
static bool unchanged(const struct stat *now) {
  const struct stat *b = &map.before;
  return map.had && now->st_dev == b->st_dev && now->st_ino == b->st_ino &&
         now->st_size == b->st_size &&
         now->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         now->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
         now->st_ctim.tv_sec == b->st_ctim.tv_sec &&
         now->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

void log_perf_map_remove(void) {
  struct stat st;
  if (!map.tracked || map.keep || forked_child() ||
      stat(map.path, &st) < 0 || unchanged(&st))
    return;
  unlink(map.path);
}
