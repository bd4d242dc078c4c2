/* archive: only main.o is named; the rest comes from libarchive.a. */
#include <stdio.h>
#include <stdlib.h>

#include "archive.h"

const char *format_line(const char *tag, long v) {
  static char buf[64];
  snprintf(buf, sizeof buf, "[main] %s = %ld", tag, v);
  return buf;
}

int main(int argc, char **argv) {
  long x = argc > 1 ? strtol(argv[1], NULL, 10) : 3;

  puts(format_line("x", x));
  puts(format_line("alpha", lib_alpha(x)));
  printf("gamma name=%s calls=%d\n", lib_gamma_name, lib_gamma_calls);
  return 0;
}
