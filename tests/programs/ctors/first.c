/* Listed first: its plain constructors run before second.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctors.h"

char init_order[64];

void note(const char *who) {
  strncat(init_order, who, sizeof init_order - strlen(init_order) - 1);
  printf("ctor %s\n", who);
}

__attribute__((constructor(200))) static void first_200(void) { note("A200 "); }

__attribute__((constructor)) static void first_plain(void) { note("Aplain "); }

/* glibc passes (argc, argv, envp) to initialisers. */
__attribute__((constructor)) static void first_args(int argc, char **argv) {
  note("Aargs ");
  printf("ctor sees argc=%d argv[1]=%s\n", argc, argc > 1 ? argv[1] : "-");
}

__attribute__((destructor(101))) static void first_d101(void) {
  printf("dtor A101\n");
}

__attribute__((destructor)) static void first_dplain(void) {
  printf("dtor Aplain\n");
}

static void at_main_1(void) { printf("atexit main 1\n"); }
static void at_main_2(void) { printf("atexit main 2\n"); }

int main(int argc, char **argv) {
  printf("main: init order %s\n", init_order);
  atexit(at_main_1);
  atexit(at_main_2);
  fprintf(stderr, "main: calling finish\n");
  finish(argc + (argc > 1 ? atoi(argv[1]) : 0));
  printf("not reached\n");
  return 99;
}
