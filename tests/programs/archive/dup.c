/* Must stay in the archive: nothing undefined names a symbol defined here
 * (format_line is already defined by main.o), and pulling it would make
 * format_line a duplicate definition. */
#include <stdio.h>

#include "archive.h"

const char *format_line(const char *tag, long v) {
  static char buf[64];
  snprintf(buf, sizeof buf, "[dup.o WRONGLY PULLED] %s = %ld", tag, v);
  return buf;
}

long lib_unused(long x) { return -x; }
