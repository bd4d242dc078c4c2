/*
 * main.c - reloadd: dispatch to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_usage(void) {
  fputs(
      "usage: reloadd run [-l NAME]... [-L DIR]... [--entry SYM] FILE... [-- "
      "ARG...]\n"
      "       reloadd check [-l NAME]... [-L DIR]... [-v] FILE...\n"
      "       reloadd inspect FILE...\n"
      "       reloadd --help | --version\n"
      "\n"
      "FILE is an ELF relocatable object (.o) or an ar archive (.a) for\n"
      "x86-64, built with -fPIC or -fPIE.  Archive members are pulled in\n"
      "as needed.  libc, libm and libpthread are always available.\n"
      "\n"
      "  run      link the files in memory and call main(argc, argv, envp)\n"
      "           (or --entry SYM); the exit status is the program's\n"
      "  check    link without running; list problems as FILE: message\n"
      "  inspect  print sections, symbols and relocation types\n"
      "  -l NAME  resolve symbols against libNAME.so\n"
      "  -L DIR   search DIR for -l libraries first\n"
      "  -v       say more (repeat for debug output)\n",
      stdout);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    cli_usage();
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
      strcmp(cmd, "help") == 0) {
    cli_usage();
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("reloadd %s\n", RELOAD_VERSION_STRING);
    return 0;
  }
  if (strcmp(cmd, "run") == 0)
    return cmd_run(argc - 2, argv + 2);
  if (strcmp(cmd, "check") == 0)
    return cmd_check(argc - 2, argv + 2);
  if (strcmp(cmd, "inspect") == 0)
    return cmd_inspect(argc - 2, argv + 2);
  cli_err("unknown command '%s'; see reloadd --help", cmd);
  return 2;
}
