/* Parsers that leave through longjmp() on failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errjmp.h"

long parse_number(const char *s, jmp_buf *env) {
  char *end;
  long v;

  errno = 0;
  v = strtol(s, &end, 0);
  if (errno == ERANGE) {
    fprintf(stderr, "parse: '%s': %s (errno %s)\n", s, strerror(errno),
            errno == ERANGE ? "ERANGE" : "other");
    longjmp(*env, BAD_RANGE);
  }
  if (end == s || *end != '\0') {
    fprintf(stderr, "parse: '%s': not a number\n", s);
    longjmp(*env, BAD_SYNTAX);
  }
  return v;
}

/* Recurses `depth` frames before parsing, so longjmp unwinds several. */
long parse_nested(const char *s, int depth, jmp_buf *env) {
  volatile char pad[64];

  pad[depth % 64] = (char)depth;
  if (depth > 40)
    longjmp(*env, BAD_DEPTH);
  if (depth > 0)
    return parse_nested(s, depth - 1, env) + pad[depth % 64] - depth;
  return parse_number(s, env);
}
