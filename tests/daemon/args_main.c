/*
 * args_main.c - for the [program] tests: the entry is alt_main (the config
 * names it), and it prints its arguments and working directory so the test
 * can compare them with the config.
 */
#include <stdio.h>
#include <unistd.h>

int alt_main(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    printf("arg %d [%s]\n", i, argv[i]);
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd))
    printf("cwd %s\n", cwd);
  return 5;
}
