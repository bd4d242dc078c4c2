/*
 * cmd_check.c - `reloadd check`: link without running, list every problem
 * as FILE: message, and summarise.
 */
#include <stdio.h>
#include <time.h>

#include "cli.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int cmd_check(int argc, char **argv) {
  struct cli_link o;
  int st = cli_parse_link(argc, argv, &o, "check");
  if (st)
    return st;
  o.check = true;
  /* Nothing will run: no debugger or unwinder needs to see it (the
   * unwind tables are still checked). */
  o.flags |= RELOAD_OPT_NODEBUG | RELOAD_OPT_NORUN;
  double t0 = now_ms();
  reload_ctx *ctx = cli_link(&o, &st);
  double ms = now_ms() - t0;
  if (ctx) {
    reload_stats s;
    reload_get_stats(ctx, &s);
    if (o.verbose) {
      double rms = (double)s.reloc_ns / 1e6;
      fprintf(stderr,
              "reloadd: relocation pass: %llu relocations in %.3f ms (%.0f "
              "relocs/s)\n",
              (unsigned long long)s.relocations, rms,
              rms > 0 ? (double)s.relocations / (rms / 1e3) : 0.0);
      fprintf(stderr,
              "reloadd: link: %.3f ms, %llu GOT slots, %llu stubs, %llu KiB "
              "of arena\n",
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
  reload_close(ctx);
  cli_free_link(&o);
  return st ? 1 : 0;
}
