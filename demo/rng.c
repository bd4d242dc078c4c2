/*
 * rng.c - the game's own random numbers: splitmix64 to seed, xorshift64*
 * to draw.  The C library's rand() would tie a run to the libc's
 * generator and hide state outside the game struct; this keeps every
 * random choice reproducible from --seed.
 */
#include "game.h"

void rng_seed(struct rng *r, uint64_t seed) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  r->s = z ? z : 0x2545f4914f6cdd1dull; /* xorshift must not start at 0 */
}

uint32_t rng_next(struct rng *r) {
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

int rng_range(struct rng *r, int lo, int hi) {
  if (hi <= lo)
    return lo;
  return lo + (int)(rng_next(r) % (uint32_t)(hi - lo + 1));
}

float rng_float(struct rng *r) {
  return (float)(rng_next(r) >> 8) * (1.0f / 16777216.0f);
}
