/*
 * swap_bench - the hot-swap benchmarks, each reported as a figure and as a
 * ratio against a peer measured in the same run:
 *
 *   call    a loop calling a function of another object, loaded: through
 *           its stable entry, against the very same two objects linked
 *           natively into this program (ld makes that a direct call).
 *           Target <= 1.3x, aim 1.05x.  (The same loop calling a function
 *           of its own object is printed too, but is no peer: gcc then
 *           knows which registers the callee leaves alone, -fipa-ra, and
 *           the loop's code differs.)
 *   reload  reload_update() of a ~100 KB object, from a complete file to
 *           the swapped slots, against reading the same file (the floor
 *           any reloader pays).  Target < 1 ms.
 *   memory  resident memory and arena in use after 200 and after 1,000
 *           reloads of one object.  Bounded: once the retained versions
 *           are full, nothing may grow.
 *
 *   swap_bench CALLER.o CALLEE.o BIG1.o BIG2.o [--csv FILE]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reload.h"

/* caller.o and callee.o, also linked into this program. */
long native_loop_cross(long n);

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(reload_ctx *c, const char *what) {
  fprintf(stderr, "swap_bench: %s: %s\n", what, c ? reload_errmsg(c) : "");
  exit(1);
}

static void *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *b = malloc((size_t)n);
  if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
    perror(path);
    exit(1);
  }
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* Unmapping runs at most ten times a second, so what is mapped at a given
 * reload depends on when the last pass ran: both samples are taken after
 * one, with only the versions kept left. */
static void settle(reload_ctx *c) {
  usleep(150000);
  reload_retire(c);
}

static long rss_kib(void) {
  long pages = 0, res = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
      res = 0;
    fclose(f);
  }
  return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void copy(const char *from, const char *to) {
  size_t n;
  void *b = slurp(from, &n);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", to);
  FILE *f = fopen(tmp, "wb");
  if (!f || fwrite(b, 1, n, f) != n || fclose(f)) {
    perror(tmp);
    exit(1);
  }
  /* An atomic rename: the reloader never sees half a file. */
  if (rename(tmp, to)) {
    perror(to);
    exit(1);
  }
  free(b);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: swap_bench CALLER.o CALLEE.o BIG1.o BIG2.o "
                    "[--csv FILE]\n");
    return 2;
  }
  const char *csv = argc >= 7 && strcmp(argv[5], "--csv") == 0 ? argv[6] : NULL;
  FILE *out = csv ? fopen(csv, "w") : NULL;
  if (out)
    fprintf(out, "benchmark,figure,unit,peer,peer_figure,ratio\n");

  /* ---- call overhead ---- */
  reload_ctx *c = reload_open(NULL);
  if (!c || reload_add_file(c, argv[1]) || reload_add_file(c, argv[2]) ||
      reload_link(c))
    die(c, "link");
  void *pl = reload_sym(c, "loop_local"), *pc = reload_sym(c, "loop_cross");
  long (*loop_local)(long), (*loop_cross)(long);
  memcpy(&loop_local, &pl, sizeof pl);
  memcpy(&loop_cross, &pc, sizeof pc);
  const long n = 20000000;
  double tn[9], tc[9], tl[9];
  if (loop_local(1000) != loop_cross(1000) ||
      native_loop_cross(1000) != loop_cross(1000)) {
    fprintf(stderr, "swap_bench: the loops disagree\n");
    return 1;
  }
  for (int r = 0; r < 9; r++) { /* alternate, so noise hits all alike */
    double t0 = now();
    volatile long a = native_loop_cross(n);
    double t1 = now();
    volatile long b = loop_cross(n);
    double t2 = now();
    volatile long d = loop_local(n);
    double t3 = now();
    (void)a;
    (void)b;
    (void)d;
    tn[r] = t1 - t0;
    tc[r] = t2 - t1;
    tl[r] = t3 - t2;
  }
  double mn = median(tn, 9), mc = median(tc, 9), ml = median(tl, 9);
  printf("call:   through the stable entry %.2f ns/call, the same objects "
         "natively linked (a direct call) %.2f ns/call, ratio %.3f (target "
         "<= 1.3, aim 1.05)\n",
         mc / n * 1e9, mn / n * 1e9, mc / mn);
  printf("call:   for reference, a call inside one object %.2f ns/call "
         "(gcc knows what the callee clobbers, -fipa-ra), ratio %.3f\n",
         ml / n * 1e9, mc / ml);
  if (out)
    fprintf(out, "call_through_entry,%.3f,ns/call,native link,%.3f,%.3f\n",
            mc / n * 1e9, mn / n * 1e9, mc / mn);
  reload_close(c);

  /* ---- reload latency ---- */
  char path[] = "/tmp/reload-bench-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) {
    perror("mkstemp");
    return 1;
  }
  close(fd);
  char obj[4200];
  snprintf(obj, sizeof obj, "%s.o", path);
  unlink(path);
  copy(argv[3], obj);
  size_t biglen;
  free(slurp(argv[3], &biglen));
  reload_options opt = {0};
  opt.retire_ms = 1;
  opt.keep_versions = 4;
  c = reload_open(&opt);
  if (!c || reload_add_file(c, obj) || reload_link(c))
    die(c, "link big");
  int (*version)(void);
  void *pv = reload_sym(c, "big_version");
  memcpy(&version, &pv, sizeof pv);
  enum { N = 41 };
  double tr[N], tread[N];
  for (int i = 0; i < N; i++) {
    copy(argv[3 + (i + 1) % 2], obj);
    double t0 = now();
    size_t l;
    free(slurp(obj, &l));
    double t1 = now();
    int v = reload_update(c, obj);
    if (v < 0)
      die(c, "reload");
    /* The report's time runs from reading the complete file to the
     * swapped slots; retiring older versions afterwards is not part of
     * the latency a user sees. */
    reload_report rp;
    reload_last_report(c, &rp);
    double t2 = t1 + rp.link_ms / 1e3;
    int want = (i + 1) % 2 ? 2 : 1;
    if (version() != want) {
      fprintf(stderr, "swap_bench: after reload %d the new code is not live\n",
              i);
      return 1;
    }
    tread[i] = t1 - t0;
    tr[i] = t2 - t1;
  }
  double mr = median(tr, N), mread = median(tread, N);
  reload_report rep;
  reload_last_report(c, &rep);
  printf("reload: %zu-byte object, %.3f ms from complete file to swapped slots "
         "(%u functions changed); reading the file alone %.3f ms, ratio %.1f "
         "(target < 1 ms)\n",
         biglen, mr * 1e3, rep.changed, mread * 1e3, mr / mread);
  if (out)
    fprintf(out, "reload_latency_100k,%.4f,ms,read the file,%.4f,%.2f\n",
            mr * 1e3, mread * 1e3, mr / mread);

  /* ---- memory after 1,000 reloads ---- */
  /* Steady state is reached once the retained versions and the records
   * of unmapped code are full; from there nothing may grow. */
  reload_stats s10, s1000;
  long rss10 = 0, rss1000;
  for (int i = 0; i < 1000; i++) {
    copy(argv[3 + i % 2], obj);
    if (reload_update(c, obj) < 0)
      die(c, "reload");
    usleep(1500); /* past retire_ms, so old versions retire and drop */
    reload_retire(c);
    if (i == 199) {
      settle(c);
      rss10 = rss_kib();
      reload_get_stats(c, &s10);
    }
    if (getenv("SWAP_BENCH_TRACE") && i % 100 == 99)
      fprintf(stderr, "after %d reloads: RSS %ld KiB\n", i + 1, rss_kib());
  }
  settle(c);
  rss1000 = rss_kib();
  reload_get_stats(c, &s1000);
  printf("memory: after 200 reloads RSS %ld KiB, arena %llu KiB; after "
         "1,000 RSS %ld KiB, arena %llu KiB; ratio %.3f (bounded: ~1.0)\n",
         rss10, (unsigned long long)(s10.arena_used >> 10), rss1000,
         (unsigned long long)(s1000.arena_used >> 10),
         (double)rss1000 / (double)rss10);
  if (out) {
    fprintf(out, "rss_after_1000_reloads,%ld,KiB,after 200 reloads,%ld,%.3f\n",
            rss1000, rss10, (double)rss1000 / (double)rss10);
    fclose(out);
  }
  reload_close(c);
  unlink(obj);
  return 0;
}
