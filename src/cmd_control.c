/*
 * cmd_control.c - `reloadd status CONFIG.ini [--json]` and
 * `reloadd reload CONFIG.ini [FILE]`: ask the daemon running CONFIG.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "control.h"
#include "paths.h"

static int ask(const char *config, const char *req) {
  struct buf reply = {0};
  char err[600];
  int code = control_request(config, req, &reply, err, sizeof err);
  if (code < 0) {
    cli_err("%s", err);
    buf_free(&reply);
    return 1;
  }
  fputs(buf_str(&reply), code ? stderr : stdout);
  buf_free(&reply);
  return code;
}

int cmd_status(int argc, char **argv) {
  const char *config = NULL;
  bool json = false;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      cli_err("status: unknown option '%s'; see reloadd --help", argv[i]);
      return 2;
    } else if (config) {
      cli_err("status: give one config file; see reloadd --help");
      return 2;
    } else {
      config = argv[i];
    }
  }
  if (!config) {
    cli_err("status: no config file given; see reloadd --help");
    return 2;
  }
  return ask(config, json ? "status json" : "status");
}

int cmd_reload(int argc, char **argv) {
  if (argc < 1 || argc > 2 || argv[0][0] == '-') {
    cli_err("reload: expected CONFIG.ini [FILE]; see reloadd --help");
    return 2;
  }
  if (argc == 1)
    return ask(argv[0], "reload");
  /* A file named relative to here means nothing to the daemon: send its
   * absolute path when it exists, else the name for it to match. */
  struct stat st;
  char *abs = stat(argv[1], &st) == 0 ? path_join(NULL, argv[1]) : NULL;
  const char *f = abs ? abs : argv[1];
  size_t n = strlen(f) + 8;
  char *req = malloc(n);
  if (!req) {
    free(abs);
    cli_err("out of memory");
    return 1;
  }
  snprintf(req, n, "reload %s", f);
  int r = ask(argv[0], req);
  free(req);
  free(abs);
  return r;
}
