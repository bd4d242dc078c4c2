/* Listed second.  exit() from here runs the atexit handlers (LIFO), then
 * the destructors by priority, then flushes stdout. */
#include <stdio.h>
#include <stdlib.h>

#include "ctors.h"

static int seen_by_ctor = 7;

static void at_ctor(void) { printf("atexit from ctor (seen=%d)\n", seen_by_ctor); }

__attribute__((constructor(101))) static void second_101(void) {
  note("B101 ");
  /* Registered during initialisation: runs after main's handlers. */
  atexit(at_ctor);
}

__attribute__((constructor)) static void second_plain(void) { note("Bplain "); }

__attribute__((destructor(200))) static void second_d200(void) {
  printf("dtor B200\n");
}

__attribute__((destructor)) static void second_dplain(void) {
  fprintf(stderr, "dtor Bplain (stderr)\n");
  printf("dtor Bplain\n");
}

void finish(int status) {
  seen_by_ctor = status;
  printf("finish: exit(%d)\n", status);
  exit(status);
}
