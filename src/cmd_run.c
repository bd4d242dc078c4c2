/*
 * cmd_run.c - `reloadd run`: link the files and call the entry point, as
 * the program's main, with the rest of the command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

extern char **environ;

static reload_ctx *running;

/* Registered before the program's own initializers run, so that, as with
 * a native link, its atexit handlers run before its destructors. */
static void fini(void) { reload_run_fini(running); }

int cmd_run(int argc, char **argv) {
  struct cli_link o;
  int st = cli_parse_link(argc, argv, &o, "run");
  if (st)
    return st;
  reload_ctx *ctx = cli_link(&o, &st);
  if (st) {
    reload_close(ctx);
    cli_free_link(&o);
    return 1;
  }
  const char *entry = o.entry ? o.entry : "main";
  void *addr = reload_sym(ctx, entry);
  int (*main_fn)(int, char **, char **);
  /* ISO C has no cast from object to function pointer; POSIX dlsym users
   * copy the bits. */
  memcpy(&main_fn, &addr, sizeof main_fn);
  if (!addr) {
    cli_err("no entry point: '%s' is not defined by the linked files; pass "
            "--entry SYM",
            entry);
    reload_close(ctx);
    cli_free_link(&o);
    return 1;
  }
  int pargc = o.nargs + 1;
  char **pargv = calloc((size_t)pargc + 1, sizeof *pargv);
  if (!pargv) {
    cli_err("out of memory");
    return 1;
  }
  pargv[0] = (char *)o.files[0];
  for (int i = 0; i < o.nargs; i++)
    pargv[i + 1] = o.args[i];
  running = ctx;
  atexit(fini);
  if (reload_run_init(ctx, pargc, pargv, environ)) {
    cli_err("%s", reload_errmsg(ctx));
    return 1;
  }
  /* The program owns the process from here; its exit status is ours. */
  exit(main_fn(pargc, pargv, environ));
}
