/* errno from fopen(), and a jmp_buf that lives in this object. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "errjmp.h"

int try_open(const char *path) {
  FILE *f;

  errno = 0;
  f = fopen(path, "r");
  if (!f) {
    int e = errno;
    fprintf(stderr, "open %s: %s\n", path, strerror(e));
    return e;
  }
  fclose(f);
  return 0;
}

static jmp_buf div_env;

static long divide(long a, long b) {
  if (b == 0)
    longjmp(div_env, 1);
  return a / b;
}

int divide_checked(long a, long b, long *out) {
  if (setjmp(div_env))
    return -1;
  *out = divide(a, b);
  return 0;
}
