/*
 * host.h - run a linked program's entry point as this process's main.
 */
#ifndef RELOADD_HOST_H
#define RELOADD_HOST_H

#include <stdbool.h>

#include "reload.h"

struct host_opts {
  const char *entry; /* NULL: "main" */
  int argc;
  char **argv;
  /* Call the entry under reload_guard(): when reloaded code crashes, the
   * reload is rolled back and the entry is called again. */
  bool guard;
  /* Registered with atexit() after the finalizers, so it runs before them
   * but after the program's own handlers; NULL for none. */
  void (*at_exit)(void);
  /* Called after the initializers, just before the entry; NULL for none. */
  int (*ready)(void *ud);
  void *ud;
};

/*
 * Look the entry up, run the initializers and call the entry; the process
 * then exits with its status, running the program's atexit handlers and
 * finalizers as a native program would.  Returns 1 only when the program
 * could not be started, after saying why.
 */
int host_run(reload_ctx *ctx, const struct host_opts *o);

#endif
