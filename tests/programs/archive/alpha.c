/* Pulled because main.o needs lib_alpha; it needs lib_beta in turn. */
#include <stdio.h>

#include "archive.h"

long lib_alpha(long x) {
  long v = lib_beta(x) + 1;
  puts(format_line("beta+1", v));
  return v;
}
