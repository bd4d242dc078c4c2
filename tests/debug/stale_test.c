/*
 * stale_test.c - a stale-code fault is reported with a symbolised
 * backtrace, as a crash is:
 *
 *     stale code reached: lib.o v1, function spin (let it finish)
 *     #0 spin+0x.. (lib.o v1) [...stale_v1.c:L]   L: the SPIN LOOP line
 *                                                 or the next (the pause)
 *     #1 dbg_spin_thread+0x.. (...)               the host's frames follow
 *
 *   stale_test STALE_V1.o STALE_V2.o STALE_V1.c [repeat]
 *
 * repeat: the thread stays in version 1 while it is retired again and
 * again, and faults each time.  Every hit is counted, but only the first
 * is a warning with a backtrace; the others are a debug line each.
 *
 * A thread of the host (built with -rdynamic) spins inside version 1's
 * spin() while the object is reloaded and version 1 retired; it faults,
 * is let go on, and the hit is logged.  The report is made outside the
 * signal handler (the log callback runs when the core drains its record).
 */
#include <pthread.h>
#include <stdbool.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "dbgtest.h"

void *dbg_spin_thread(void *arg);

static volatile int entered, release;
static int result;

__attribute__((noinline)) void *dbg_spin_thread(void *arg) {
  int (*spin)(volatile int *, volatile int *) =
      (int (*)(volatile int *, volatile int *))dbg_fn(arg);
  result = spin(&entered, &release);
  __asm__ volatile("" ::: "memory");
  return NULL;
}

struct hits {
  uint64_t n;
};

static void count_v1(void *ud, const reload_version_info *v) {
  if (v->version == 1)
    ((struct hits *)ud)->n = v->stale_hits;
}

static uint64_t hits_v1(reload_ctx *ctx) {
  struct hits h = {0};
  reload_list_versions(ctx, count_v1, &h);
  return h.n;
}

/* Every log line with its level: "W message", "D message". */
static char levels[1 << 16];
static size_t nlevels;

static void level_log(void *ud, int level, const char *file,
                      const char *msg) {
  static const char tag[] = "EWID";
  dbg_log(ud, level, file, msg);
  int n = snprintf(levels + nlevels, sizeof levels - nlevels, "%c %s\n",
                   tag[level & 3], msg);
  if (n > 0 && (size_t)n < sizeof levels - nlevels)
    nlevels += (size_t)n;
}

static unsigned count(const char *text, const char *what) {
  unsigned n = 0;
  for (const char *p = text; (p = strstr(p, what)); p++)
    n++;
  return n;
}

int main(int argc, char **argv) {
  if (argc != 4 && !(argc == 5 && strcmp(argv[4], "repeat") == 0)) {
    fprintf(stderr,
            "usage: stale_test STALE_V1.o STALE_V2.o STALE_V1.c [repeat]\n");
    return 2;
  }
  bool repeat = argc == 5;
  dbg_skip_under("valgrind", "valgrind does not deliver the faults of "
                             "retired code as the kernel does");
  dbg_tmpdir(argc, argv);
  int loop = dbg_marker_line(argv[3], "SPIN LOOP");
  const char *src = strrchr(argv[3], '/') + 1;
  dbg_copy(argv[1], "lib.o");
  reload_options opt = {.log = level_log, .retire_ms = 20};
  reload_ctx *ctx = reload_open(&opt);
  ASSERT_NOT_NULL(ctx);
  DBG_OK(ctx, reload_add_file(ctx, "lib.o"));
  DBG_OK(ctx, reload_link(ctx));
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, NULL, dbg_spin_thread,
                           dbg_entry(ctx, "spin")),
            0);
  while (!entered)
    dbg_nap(1);
  dbg_copy(argv[2], "lib.o");
  ASSERT_EQ(DBG_OK(ctx, reload_update(ctx, "lib.o")), 2);
  for (int i = 0; i < 400 && !hits_v1(ctx); i++) {
    dbg_nap(5);
    reload_retire(ctx);
  }
  ASSERT_UINT_GT(hits_v1(ctx), 0);
  /* Each retirement after a hit makes the code fault again. */
  for (int i = 0; i < 400 && repeat && hits_v1(ctx) < 4; i++) {
    dbg_nap(5);
    reload_retire(ctx);
  }
  if (repeat)
    ASSERT_UINT_GE(hits_v1(ctx), 4);
  reload_retire(ctx); /* logs what the handler recorded */
  release = 1;
  ASSERT_EQ(pthread_join(t, NULL), 0);
  ASSERT_EQ(result, 1);
  reload_retire(ctx);

  const char *log = dbg_log_text();
  const char *stale = strstr(log, "stale code reached: lib.o v1, function spin");
  if (!stale)
    FAIL("no \"stale code reached\" line in the log:\n%s", log);
  char pat[512];
  snprintf(pat, sizeof pat,
           "\n#0 spin\\+0x[0-9a-f]+ \\(lib\\.o v1\\) "
           "\\[([^]]*/)?%s:(%d|%d)\\]\n"
           "#1 dbg_spin_thread\\+0x[0-9a-f]+ \\(",
           src, loop, loop + 1);
  regex_t re;
  ASSERT_EQ(regcomp(&re, pat, REG_EXTENDED), 0);
  if (regexec(&re, stale, 0, NULL, 0) != 0)
    FAIL("after the stale-code line, the log has no backtrace starting\n"
         "#0 spin+0x.. (lib.o v1) [%s:%d]\n#1 dbg_spin_thread+0x.. (...)\n"
         "--- log ---\n%s--- end ---",
         src, loop, log);
  regfree(&re);
  if (repeat) {
    levels[nlevels] = '\0';
    unsigned warned = count(levels, "W stale code reached: lib.o v1, "
                                    "function spin (let it finish); later "
                                    "hits of it are counted and logged at "
                                    "debug level\n");
    unsigned traces = count(levels, "\nW #0 spin+0x");
    unsigned again = count(levels, "D stale code reached again: lib.o v1, "
                                   "function spin (let it finish); ");
    if (warned != 1 || traces != 1 || again < 2 ||
        count(levels, "stale code reached") != warned + again)
      FAIL("%llu hits: %u warnings, %u backtraces, %u debug lines; want "
           "1, 1 and the rest\n--- log ---\n%s--- end ---",
           (unsigned long long)hits_v1(ctx), warned, traces, again, levels);
  }
  reload_close(ctx);
  printf("PASS\n");
  return 0;
}
