/*
 * soak_memory - many reloads of one object, and the memory they leave.
 *
 *   soak_memory RELOADS CHECKPOINT RETIRE_MS PACE_US V1.o V2.o
 *
 * lib.o (a copy of V1, in a private temporary directory) is linked and
 * then rebuilt RELOADS times, alternately as V2 and V1, each time written
 * over lib.o in place as a compiler writes it and reloaded with
 * reload_update(), PACE_US microseconds apart.  After each reload the
 * new version must answer, and its counter must have carried every step
 * of every version before it.
 *
 * Memory is read at three points, each once the context has had time to
 * retire and unmap the versions beyond keep_versions (so that it holds
 * what it keeps, not what is still inside its grace period): after the
 * initial link, after CHECKPOINT reloads and after RELOADS.  The figures:
 *   - resident memory of the process (/proc/self/statm), and its anonymous
 *     and shared parts (/proc/self/status: the arena is a shared mapping)
 *   - reload_get_stats().arena_used, the arena bytes in use
 *   - the versions still mapped (reload_list_versions()).
 * Between the checkpoint and the end, retained versions are the same in
 * number and kind, so arena_used must not change at all and resident
 * memory must not grow by more than RSS_SLACK.  Resident memory is
 * compared once malloc has returned what it can of freed memory
 * (malloc_trim(0)): before that it holds the heap's high-water mark,
 * which depends on how many versions happened to be inside their grace at
 * the busiest moment (both figures are printed).  And at the end, resident
 * memory since the initial link must have grown by no more than what the
 * retained versions hold in the arena, plus LINK_SLACK for their
 * bookkeeping and PEAK_SLACK for each version mapped at the busiest
 * moment: those inside their grace had metadata too, and the heap they
 * leave behind is fragmented.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "reload.h"

/* Allowed growth of resident memory from the checkpoint to the end. */
#define RSS_SLACK (1024u * 1024u)
/* Allowed growth since the link beyond what the retained versions hold in
 * the arena: their bookkeeping, the records of unmapped code retire.c
 * keeps and libsigsegv's set-up (LINK_SLACK); and the heap that
 * malloc_trim cannot return because it is fragmented, which grows with
 * the number of versions mapped at the busiest moment (PEAK_SLACK each;
 * about 4 KiB was seen). */
#define LINK_SLACK (1024u * 1024u)
#define PEAK_SLACK (8u * 1024u)
/* How long a context may take to unmap what it no longer keeps: two grace
 * periods and the 100 ms between stack scans, with room to spare. */
#define QUIESCE_MS 5000

typedef int (*fn0)(void);
typedef const char *(*fnname)(void);
typedef int (*fn2)(int, int);

static char tmpdir[PATH_MAX];
static unsigned log_errors, log_warnings;
static char last_log[512];

static void on_log(void *ud, int level, const char *file, const char *msg) {
  (void)ud;
  if (level == RELOAD_LOG_ERROR)
    log_errors++;
  else if (level == RELOAD_LOG_WARN)
    log_warnings++;
  else
    return;
  /* Only the last one is kept: a log that grows would be counted as the
   * library's memory. */
  snprintf(last_log, sizeof last_log, "%s: %s", file ? file : "(none)", msg);
}

static void cleanup(void) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/lib.o", tmpdir);
  unlink(path);
  rmdir(tmpdir);
}

static void *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    FAIL("cannot open %s: %s", path, strerror(errno));
  ASSERT_EQ(fseek(f, 0, SEEK_END), 0);
  long n = ftell(f);
  ASSERT_GT(n, 0);
  rewind(f);
  void *buf = malloc((size_t)n);
  ASSERT_NOT_NULL(buf);
  ASSERT_UINT_EQ(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* As a compiler writes its output: truncate the same file and write it. */
static void install(const void *buf, size_t len) {
  int fd = open("lib.o", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    FAIL("cannot write lib.o: %s", strerror(errno));
  ASSERT_EQ(write(fd, buf, len), (ssize_t)len);
  ASSERT_EQ(close(fd), 0);
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_us(unsigned us) {
  struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
  nanosleep(&ts, NULL);
}

struct mem {
  uint64_t rss, anon, shmem; /* bytes */
  uint64_t trimmed;          /* rss after malloc_trim(0) */
  uint64_t arena_used;
  int versions;              /* mapped, current included */
  uint64_t reloads, refused;
};

static void count_version(void *ud, const reload_version_info *v) {
  (void)v;
  (*(int *)ud)++;
}

static int mapped_versions(reload_ctx *ctx) {
  int n = 0;
  reload_list_versions(ctx, count_version, &n);
  return n;
}

static uint64_t status_kb(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  size_t klen = strlen(key);
  uint64_t kb = 0;
  ASSERT_NOT_NULL(f);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, key, klen) == 0 && line[klen] == ':')
      kb = strtoull(line + klen + 1, NULL, 10);
  fclose(f);
  return kb;
}

/* Wait until old versions beyond keep_versions are unmapped, then read the
 * figures.  `keep` old versions may stay (fewer right after the link). */
static uint64_t rss_now(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  ASSERT_NOT_NULL(f);
  ASSERT_EQ(fscanf(f, "%lu %lu", &size, &resident), 2);
  fclose(f);
  return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static struct mem measure(reload_ctx *ctx, int keep) {
  struct mem m;
  uint64_t t0 = now_ms();
  for (;;) {
    reload_retire(ctx);
    m.versions = mapped_versions(ctx);
    if (m.versions <= keep + 1)
      break;
    if (now_ms() - t0 > QUIESCE_MS)
      FAIL("%d versions of lib.o are still mapped %d ms after the last "
           "reload; at most keep_versions + 1 = %d should be",
           m.versions, QUIESCE_MS, keep + 1);
    sleep_us(10000);
  }
  reload_stats s;
  reload_get_stats(ctx, &s);
  m.arena_used = s.arena_used;
  m.reloads = s.reloads;
  m.refused = s.refused;
  m.rss = rss_now();
  m.anon = status_kb("RssAnon") * 1024;
  m.shmem = status_kb("RssShmem") * 1024;
  /* What the heap keeps only because malloc has not given freed memory
   * back (the metadata of versions that were in their grace period at
   * the peak) is not held by the library: see what is left without it. */
  malloc_trim(0);
  m.trimmed = rss_now();
  return m;
}

static void show(const char *when, const struct mem *m) {
  printf("%-16s rss %7.1f KiB (anon %7.1f, shmem %5.1f; %7.1f after "
         "malloc_trim)  arena_used %7llu bytes  versions mapped %d  "
         "reloads %llu  refused %llu\n",
         when, (double)m->rss / 1024, (double)m->anon / 1024,
         (double)m->shmem / 1024, (double)m->trimmed / 1024,
         (unsigned long long)m->arena_used,
         m->versions, (unsigned long long)m->reloads,
         (unsigned long long)m->refused);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: soak_memory RELOADS CHECKPOINT RETIRE_MS PACE_US "
                    "V1.o V2.o\n");
    return 2;
  }
  const char *setup = getenv("RELOAD_TEST_SETUP");
  if (setup && *setup) {
    printf("SKIP: under %s: resident memory is the sanitizer's, not "
           "reload's\n", setup);
    return 77;
  }
  int reloads = atoi(argv[1]), checkpoint = atoi(argv[2]);
  unsigned retire_ms = (unsigned)atoi(argv[3]);
  unsigned pace_us = (unsigned)atoi(argv[4]);
  ASSERT_GT(checkpoint, 0);
  ASSERT_GT(reloads, checkpoint);
  /* Both points must leave the same version current, so that they retain
   * the same versions. */
  ASSERT_EQ((reloads - checkpoint) % 2, 0);
  size_t len[2];
  void *bytes[2];
  bytes[0] = slurp(argv[5], &len[0]);
  bytes[1] = slurp(argv[6], &len[1]);

  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/soak-memory-XXXXXX",
           base && *base ? base : "/tmp");
  if (!mkdtemp(tmpdir))
    FAIL("mkdtemp %s: %s", tmpdir, strerror(errno));
  atexit(cleanup);
  ASSERT_EQ(chdir(tmpdir), 0);
  install(bytes[0], len[0]);

  reload_options opt;
  memset(&opt, 0, sizeof opt);
  opt.log = on_log;
  opt.retire_ms = retire_ms;
  int keep = 8; /* keep_versions left at its default */
  reload_ctx *ctx = reload_open(&opt);
  ASSERT_NOT_NULL(ctx);
  if (reload_add_file(ctx, "lib.o") < 0 || reload_link(ctx) < 0 ||
      reload_run_init(ctx, argc, argv, NULL) < 0)
    FAIL("loading lib.o (%s): %s", argv[5], reload_errmsg(ctx));

  fn0 value = NULL, step = NULL;
  fnname name = NULL;
  fn2 call_table = NULL;
  void *p;
#define ENTRY(var, sym)                                                        \
  do {                                                                         \
    if (!(p = reload_entry(ctx, sym)))                                         \
      FAIL("no stable entry for %s: %s", sym, reload_errmsg(ctx));             \
    memcpy(&var, &p, sizeof p);                                                \
  } while (0)
  ENTRY(value, "value");
  ENTRY(step, "step");
  ENTRY(name, "name");
  ENTRY(call_table, "call_table");
  ASSERT_EQ(value(), 1);
  long want = step();
  ASSERT_EQ(want, 1);

  struct mem m0 = measure(ctx, 0), mc = m0, mend;
  show("after the link", &m0);
  int peak = 1; /* most versions mapped at once during the reloads */
  uint64_t t0 = now_ms();
  for (int i = 1; i <= reloads; i++) {
    int v = (i & 1) ? 2 : 1; /* v2, v1, v2, ... */
    install(bytes[v - 1], len[v - 1]);
    int r = reload_update(ctx, "lib.o");
    if (r != i + 1)
      FAIL("reload %d: reload_update returned %d, want version %d: %s", i, r,
           i + 1, reload_errmsg(ctx));
    if (value() != v)
      FAIL("reload %d: value() is %d, want %d", i, value(), v);
    char want_name[16];
    snprintf(want_name, sizeof want_name, "mem v%d", v);
    ASSERT_STR_EQ(name(), want_name);
    ASSERT_EQ(call_table(0, 4), 4 + 10 * v);
    ASSERT_EQ(call_table(1, 4), 4 * (v + 2));
    want += v;
    int got = step();
    if (got != want)
      FAIL("reload %d: the counter is %d, want %ld: lib.o's state was not "
           "carried over", i, got, want);
    int mapped = mapped_versions(ctx);
    if (mapped > peak)
      peak = mapped;
    if (pace_us)
      sleep_us(pace_us);
    if (i == checkpoint) {
      uint64_t t = now_ms();
      mc = measure(ctx, keep);
      char when[32];
      snprintf(when, sizeof when, "after %d", i);
      show(when, &mc);
      t0 += now_ms() - t; /* the wait is not reload time */
    }
  }
  uint64_t t1 = now_ms();
  mend = measure(ctx, keep);
  char when[32];
  snprintf(when, sizeof when, "after %d", reloads);
  show(when, &mend);
  printf("%d reloads in %llu ms (%.3f ms each, pace %u us, retire_ms %u); "
         "at most %d versions mapped at once; log: %u errors, %u warnings\n",
         reloads, (unsigned long long)(t1 - t0),
         (double)(t1 - t0) / reloads, pace_us, retire_ms, peak, log_errors,
         log_warnings);

  long long raw_growth = (long long)mend.rss - (long long)mc.rss;
  long long rss_growth = (long long)mend.trimmed - (long long)mc.trimmed;
  long long arena_growth =
      (long long)mend.arena_used - (long long)mc.arena_used;
  long long held = (long long)mend.arena_used - (long long)m0.arena_used;
  long long total_growth = (long long)mend.trimmed - (long long)m0.trimmed;
  printf("from %d to %d reloads: rss %+lld bytes (%+lld before "
         "malloc_trim), arena_used %+lld bytes; since the link: rss %+lld "
         "bytes, retained versions hold %lld arena bytes\n",
         checkpoint, reloads, rss_growth, raw_growth, arena_growth,
         total_growth, held);
  fflush(stdout);

  ASSERT_UINT_EQ(mend.reloads, (uint64_t)reloads);
  ASSERT_UINT_EQ(mend.refused, 0);
  if (log_errors)
    FAIL("%u errors logged; the last: %s", log_errors, last_log);
  if (mc.versions != mend.versions)
    FAIL("versions mapped: %d after %d reloads, %d after %d; "
         "keep_versions should hold it constant",
         mc.versions, checkpoint, mend.versions, reloads);
  if (arena_growth != 0)
    FAIL("arena_used went from %llu bytes after %d reloads to %llu after "
         "%d, with the same versions retained: the arena leaks %lld bytes",
         (unsigned long long)mc.arena_used, checkpoint,
         (unsigned long long)mend.arena_used, reloads, arena_growth);
  if (rss_growth > (long long)RSS_SLACK)
    FAIL("resident memory (after malloc_trim) grew by %lld bytes (%.1f KiB) "
         "from %d reloads to %d, more than the %u KiB allowed: %.1f bytes "
         "per reload",
         rss_growth, (double)rss_growth / 1024, checkpoint, reloads,
         RSS_SLACK / 1024, (double)rss_growth / (reloads - checkpoint));
  long long allowed = held + LINK_SLACK + (long long)peak * PEAK_SLACK;
  if (total_growth > allowed)
    FAIL("resident memory (after malloc_trim) grew by %lld bytes since the "
         "link, more than %lld: the %lld bytes the retained versions hold in "
         "the arena, %u KiB, and %u KiB for each of the %d versions mapped "
         "at the busiest moment",
         total_growth, allowed, held, LINK_SLACK / 1024, PEAK_SLACK / 1024,
         peak);

  free(bytes[0]);
  free(bytes[1]);
  reload_close(ctx);
  printf("PASS\n");
  return 0;
}
