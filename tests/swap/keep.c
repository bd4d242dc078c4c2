/* keep: an object that hands the program pointers no relocation shows
 * reload: a static function's address (the assembler resolves the lea
 * inside .text), a string literal and a static const sentinel, all kept in
 * a heap block, as warning callbacks, stream close functions and empty
 * tables' shared nodes are in real programs. */
#include <stdlib.h>

#ifndef VERSION
#define VERSION 1
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

struct holder {
  int (*fn)(int);
  const char *name;
  const int *sentinel;
};

static const int sentinel_node[4] = {7 * VERSION, 7, 7, 7};

static int cb_static(int x) { return x + VERSION * 1000; }

struct holder *keep_make(void) {
  struct holder *h = malloc(sizeof *h);
  if (h) {
    h->fn = cb_static;
    h->name = "keep-v" STR(VERSION);
    h->sentinel = sentinel_node;
  }
  return h;
}

int keep_version(void) { return VERSION; }
