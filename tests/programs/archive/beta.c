/* Pulled for lib_beta; references gamma.c only through data. */
#include "archive.h"

static long step_double(long x) { return 2 * x; }
static long step_square(long x) { return x * x; }
static long step_dec(long x) { return x - 1; }

long (*const lib_steps[])(long) = {step_double, step_square, step_dec};
const int lib_nsteps = 3;

long lib_beta(long x) {
  lib_gamma_calls++;
  for (int i = 0; i < lib_nsteps; i++)
    x = lib_steps[i](x) + lib_gamma_name[i % 5];
  return x;
}
