/*
 * crash_test.c - a guarded crash in reloaded code is reported as a
 * symbolised backtrace, one log line a frame:
 *
 *     #N function+offset (object vK) [file:line]
 *
 *   crash_test MODE V1.o CRASH.o CRASH.c
 *
 * The host (built with -rdynamic, so that its functions have names) loads
 * V1.o as lib.o, reloads it with CRASH.o (version 2, built with -g) and
 * calls step() under reload_guard().  The log must then show:
 *   #0 poke+0x.. (lib.o v2) [...CRASH.c:L]  L: the line marked CRASH HERE
 *   #1 step+0x.. (lib.o v2) [...CRASH.c:C]  C: the line marked CALL POKE
 *   #2 dbg_guarded+0x.. (...)               the host's frames follow,
 *   ... dbg_guard_call+0x.. ... main+0x..   numbered on
 * and the offsets must lie inside the functions.  Then version 1 runs
 * again (rolled back).  MODE:
 *   segv       CRASH.o reads through a null pointer
 *   fpe        CRASH.o divides by zero
 *   rewritten  as segv, but lib.o is overwritten (with V1.o's bytes, as a
 *              build would) after the reload: the lines must still be
 *              those of the version that crashed
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbgtest.h"

int dbg_guarded(void *arg);
int dbg_guard_call(reload_ctx *ctx);

__attribute__((noinline)) int dbg_guarded(void *arg) {
  int (*step)(int) = (int (*)(int))dbg_fn(dbg_entry(arg, "step"));
  int r = step(3);
  __asm__ volatile("" ::: "memory");
  return r;
}

__attribute__((noinline)) int dbg_guard_call(reload_ctx *ctx) {
  int r = reload_guard(dbg_guarded, ctx);
  __asm__ volatile("" ::: "memory");
  return r;
}

/* Line `i` (0-based) of the log lines that start with '#'. */
static char frames[64][512];
static int nframes;

static void split_frames(void) {
  nframes = 0;
  const char *p = dbg_log_text();
  while (*p && nframes < 64) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    if (*p == '#') {
      snprintf(frames[nframes], sizeof frames[nframes], "%.*s", (int)n, p);
      nframes++;
    }
    p += n + (nl != NULL);
  }
}

/* FAIL, with the whole log shown first. */
#define FAIL_LOG(...)                                                          \
  do {                                                                         \
    fprintf(stderr, "--- log ---\n%s--- end ---\n", dbg_log_text());          \
    FAIL(__VA_ARGS__);                                                         \
  } while (0)

/* Frame `k` must be `fn` of lib.o v2 at `src`:`line`; returns the offset. */
static unsigned long loaded_frame(int k, const char *fn, const char *src,
                                  int line) {
  char pat[512];
  snprintf(pat, sizeof pat,
           "^#%d %s\\+0x([0-9a-f]+) \\(lib\\.o v2\\) \\[([^]]*/)?%s:%d\\]$", k,
           fn, src, line);
  regex_t re;
  ASSERT_EQ(regcomp(&re, pat, REG_EXTENDED), 0);
  regmatch_t m[2];
  if (k >= nframes || regexec(&re, frames[k], 2, m, 0) != 0) {
    fprintf(stderr, "wanted: #%d %s+0x.. (lib.o v2) [%s:%d]\n", k, fn, src,
            line);
    FAIL_LOG("frame line %s does not match", k < nframes ? frames[k]
                                                              : "(none)");
  }
  regfree(&re);
  return strtoul(frames[k] + m[1].rm_so, NULL, 16);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: crash_test segv|fpe|rewritten V1.o CRASH.o "
                    "CRASH.c\n");
    return 2;
  }
  dbg_skip_under("valgrind", "memcheck reports the deliberate faults before "
                             "the crash guard sees them");
  const char *mode = argv[1];
  dbg_tmpdir(argc, argv);
  const char *src = strrchr(argv[4], '/') ? strrchr(argv[4], '/') + 1 : argv[4];
  int crash_line = dbg_marker_line(argv[4], "CRASH HERE");
  int call_line = dbg_marker_line(argv[4], "CALL POKE");

  dbg_copy(argv[2], "lib.o");
  reload_options opt = {.log = dbg_log};
  reload_ctx *ctx = reload_open(&opt);
  ASSERT_NOT_NULL(ctx);
  DBG_OK(ctx, reload_add_file(ctx, "lib.o"));
  DBG_OK(ctx, reload_link(ctx));
  ASSERT_EQ(dbg_guard_call(ctx), 8);
  dbg_copy(argv[3], "lib.o");
  ASSERT_EQ(DBG_OK(ctx, reload_update(ctx, "lib.o")), 2);
  dbg_func fs[16];
  int nf = DBG_OK(ctx, dbg_functions(ctx, "lib.o", 2, fs, 16));
  if (strcmp(mode, "rewritten") == 0)
    dbg_copy(argv[2], "lib.o"); /* a later build; v2 still runs */

  dbg_log_clear();
  ASSERT_EQ(dbg_guard_call(ctx), RELOAD_ECRASH);
  split_frames();
  unsigned long off0 = loaded_frame(0, "poke", src, crash_line);
  unsigned long off1 = loaded_frame(1, "step", src, call_line);
  for (int i = 0; i < nf; i++) {
    if (strcmp(fs[i].name, "poke") == 0)
      ASSERT_UINT_LT(off0, fs[i].size);
    if (strcmp(fs[i].name, "step") == 0) {
      ASSERT_UINT_GT(off1, 0); /* a return address: after the call */
      ASSERT_UINT_LE(off1, fs[i].size);
    }
  }
  /* The host's frames, numbered on. */
  if (nframes < 3 || strncmp(frames[2], "#2 dbg_guarded+0x", 17) != 0)
    FAIL_LOG("after the loaded frames, %s is not #2 dbg_guarded+0x..",
                  nframes > 2 ? frames[2] : "nothing");
  bool call = false, main_seen = false;
  for (int i = 2; i < nframes; i++) {
    char num[16];
    snprintf(num, sizeof num, "#%d ", i);
    if (strncmp(frames[i], num, strlen(num)) != 0)
      FAIL_LOG("frame %s is out of order", frames[i]);
    call |= strstr(frames[i], " dbg_guard_call+0x") != NULL;
    main_seen |= call && strstr(frames[i], " main+0x") != NULL;
  }
  if (!main_seen)
    FAIL_LOG("%s", "the host's dbg_guard_call and main are not in the "
                        "report");
  /* Rolled back: version 1 runs again. */
  ASSERT_EQ(dbg_guard_call(ctx), 8);
  for (int i = 0; i < nframes; i++)
    printf("%s\n", frames[i]);
  reload_close(ctx);
  printf("PASS\n");
  return 0;
}
