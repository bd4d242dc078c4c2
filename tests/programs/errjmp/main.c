/* errjmp: parses each argument, catching failures with setjmp, and
 * returns the number of failures from main. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>

#include "errjmp.h"

int main(int argc, char **argv) {
  volatile int failures = 0;
  volatile long sum = 0;
  long q;

  for (int i = 1; i < argc; i++) {
    jmp_buf env;
    int why = setjmp(env);

    if (why) {
      failures++;
      printf("arg %d: failed, reason %d\n", i, why);
      continue;
    }
    long v = parse_nested(argv[i], i * 3, &env);
    sum += v;
    printf("arg %d: %ld\n", i, v);
  }
  {
    jmp_buf env;
    int why = setjmp(env);
    if (!why)
      parse_nested("1", 50, &env);
    printf("deep: reason %d\n", why);
  }

  int e = try_open("/nonexistent-reload-test/missing.txt");
  printf("fopen missing: errno %s\n", e == ENOENT ? "ENOENT" : "unexpected");
  e = try_open("/");
  printf("fopen /: errno %d\n", e);

  for (long b = 2; b >= 0; b--) {
    int r = divide_checked(100, b, &q);
    if (r)
      printf("100/%ld: caught\n", b);
    else
      printf("100/%ld = %ld\n", b, q);
  }

  printf("sum=%ld failures=%d\n", sum, failures);
  return 40 + failures;
}
