/*
 * host.c - call the program's entry point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "host.h"
#include "log.h"

extern char **environ;

static reload_ctx *running;

/* Registered before the program's own initializers run, so that, as with
 * a native link, its atexit handlers run before its destructors. */
static void fini(void) { reload_run_fini(running); }

struct call {
  int (*fn)(int, char **, char **);
  int argc;
  char **argv;
  int status;
};

/* The guard's return is reserved for its own codes: keep main's apart. */
static int call_main(void *arg) {
  struct call *c = arg;
  c->status = c->fn(c->argc, c->argv, environ);
  return 0;
}

int host_run(reload_ctx *ctx, const struct host_opts *o) {
  const char *entry = o->entry ? o->entry : "main";
  void *addr = reload_sym(ctx, entry);
  struct call c = {NULL, o->argc, o->argv, 0};
  /* ISO C has no cast from object to function pointer; POSIX dlsym users
   * copy the bits. */
  memcpy(&c.fn, &addr, sizeof c.fn);
  if (!addr) {
    cli_err("no entry point: '%s' is not defined by the linked files; pass "
            "--entry SYM",
            entry);
    return 1;
  }
  running = ctx;
  atexit(fini);
  if (o->at_exit)
    atexit(o->at_exit);
  reload_host_thread(0);
  if (reload_run_init(ctx, o->argc, o->argv, environ)) {
    cli_err("%s", reload_errmsg(ctx));
    return 1;
  }
  if (o->ready && o->ready(o->ud))
    return 1;
  if (!o->guard)
    exit(c.fn(o->argc, o->argv, environ));
  /* The program owns the process from here; its exit status is ours. */
  for (;;) {
    reload_stats before, after;
    reload_get_stats(ctx, &before);
    int r = reload_guard(call_main, &c);
    if (r != RELOAD_ECRASH)
      exit(r < 0 ? 1 : c.status);
    reload_get_stats(ctx, &after);
    if (after.rollbacks == before.rollbacks) {
      /* Nothing was rolled back, so calling again would crash again. */
      log_msg(RELOAD_LOG_ERROR, "the program crashed and there was no reload "
              "to roll back; stopping");
      exit(128 + 11);
    }
    log_msg(RELOAD_LOG_WARN, "the program crashed in reloaded code; that "
            "reload was rolled back; calling %s again", entry);
  }
}
