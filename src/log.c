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
#include <time.h>
#include <unistd.h>

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
  if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0) {
    /* Nowhere left to report it. */
  }
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
