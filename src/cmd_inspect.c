/*
 * cmd_inspect.c - `reloadd inspect FILE...`: what an object holds and what
 * the loader will do with it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void out(void *ud, const char *text, size_t len) {
  fwrite(text, 1, len, (FILE *)ud);
}

int cmd_inspect(int argc, char **argv) {
  if (argc < 1) {
    cli_err("inspect: no input files; see reloadd --help");
    return 2;
  }
  int status = 0;
  for (int i = 0; i < argc; i++) {
    char err[1024];
    if (argv[i][0] == '-' && argv[i][1]) {
      cli_err("inspect: unknown option '%s'", argv[i]);
      return 2;
    }
    if (reload_describe(argv[i], out, stdout, err, sizeof err)) {
      fflush(stdout);
      fprintf(stderr, "%s\n", err[0] ? err : "reloadd: inspect failed");
      status = 1;
    }
  }
  return status;
}
