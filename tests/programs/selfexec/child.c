/* child.c: what a re-executed copy of the program does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selfexec.h"

int generation = 1;

int child_main(int argc, char **argv) {
  generation = atoi(argv[2]);
  printf("child: %s, generation %d, %d more argument%s\n", argv[1],
         generation, argc - 3, argc - 3 == 1 ? "" : "s");
  for (int i = 3; i < argc; i++)
    printf("child: argument '%s'\n", argv[i]);
  fflush(stdout);
  return generation + 10;
}
