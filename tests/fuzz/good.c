/*
 * good.c - a known-good object (fuzz.h): linked before the fuzz input into
 * half of the contexts, so that a failed link must leave live code intact,
 * or after a refused input into a fresh context.  A call into libc and a
 * global reached through the GOT (-fPIC), so that a context left
 * half-changed shows.
 */
#include <string.h>

int reload_fuzz_good_bias = 7;

int reload_fuzz_good(const char *s);
int reload_fuzz_good(const char *s) {
  return (int)strlen(s) + reload_fuzz_good_bias;
}
