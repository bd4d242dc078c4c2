/*
 * cmd_check.c - `reloadd check`: link without running, list every problem
 * as FILE: message, and summarise.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The problems are counted on their way to cli_log(), for the summary. */
struct counted {
  struct cli_link *o;
  unsigned problems;
};

static void count_log(void *ud, int level, const char *file, const char *msg) {
  struct counted *c = ud;
  if (level == RELOAD_LOG_ERROR)
    c->problems++;
  cli_log(c->o, level, file, msg);
}

static const char *plural(unsigned long long n) { return n == 1 ? "" : "s"; }

/*
 * After a failed link the counters hold what was done before it stopped:
 * the objects read, the symbols of the objects it got to, and nothing
 * laid out or relocated when it stopped before that (as most problems,
 * an undefined symbol say, make it).  Say that, not "0 sections".
 */
static void failed(const reload_stats *s, unsigned problems, double ms) {
  char what[300];
  size_t n = 0;
  if (!s->objects) {
    snprintf(what, sizeof what, ": no object could be read");
  } else {
    n += (size_t)snprintf(what + n, sizeof what - n,
                          " after reading %llu object%s",
                          (unsigned long long)s->objects, plural(s->objects));
    if (s->symbols)
      n += (size_t)snprintf(what + n, sizeof what - n, " and %llu symbol%s",
                            (unsigned long long)s->symbols,
                            plural(s->symbols));
    if (s->sections)
      n += (size_t)snprintf(what + n, sizeof what - n,
                            ", placing %llu section%s and applying %llu "
                            "relocation%s",
                            (unsigned long long)s->sections,
                            plural(s->sections),
                            (unsigned long long)s->relocations,
                            plural(s->relocations));
    else
      snprintf(what + n, sizeof what - n, "; nothing was laid out");
  }
  char count[40] = "";
  if (problems)
    snprintf(count, sizeof count, " (%u problem%s)", problems,
             plural(problems));
  fprintf(stderr, "reloadd: the link failed%s%s; %.3f ms\n", count, what, ms);
}

int cmd_check(int argc, char **argv) {
  struct cli_link o;
  int st = cli_parse_link(argc, argv, &o, "check");
  if (st)
    return st;
  o.check = true;
  struct counted counted = {&o, 0};
  o.log = count_log;
  o.log_ud = &counted;
  /* Nothing will run: no debugger or unwinder needs to see it (the
   * unwind tables are still checked). */
  o.flags |= RELOAD_OPT_NODEBUG | RELOAD_OPT_NORUN;
  double t0 = now_ms();
  reload_ctx *ctx = cli_link(&o, &st);
  double ms = now_ms() - t0;
  if (ctx) {
    reload_stats s;
    reload_get_stats(ctx, &s);
    if (st) {
      failed(&s, counted.problems, ms);
    } else {
      if (o.verbose) {
        double rms = (double)s.reloc_ns / 1e6;
        fprintf(stderr,
                "reloadd: relocation pass: %llu relocations in %.3f ms (%.0f "
                "relocs/s)\n",
                (unsigned long long)s.relocations, rms,
                rms > 0 ? (double)s.relocations / (rms / 1e3) : 0.0);
        fprintf(stderr,
                "reloadd: link: %.3f ms, %llu GOT slots, %llu stubs, %llu "
                "KiB of arena\n",
                (double)s.link_ns / 1e6, (unsigned long long)s.got_slots,
                (unsigned long long)s.plt_stubs,
                (unsigned long long)(s.arena_bytes >> 10));
      }
      fprintf(stderr,
              "reloadd: %llu objects, %llu sections, %llu symbols, %llu "
              "relocations, %.3f ms\n",
              (unsigned long long)s.objects, (unsigned long long)s.sections,
              (unsigned long long)s.symbols,
              (unsigned long long)s.relocations, ms);
    }
  }
  reload_close(ctx);
  cli_free_link(&o);
  return st ? 1 : 0;
}
